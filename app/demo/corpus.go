package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"pilu/models"
)

// genBatch is the number of disclosures written per transaction.
const genBatch = 500

// Corpus says what Generate writes.
type Corpus struct {
	Institutions int    // at least 1
	Disclosures  int    // at least 0
	Seed         uint64 // the same seed makes the same corpus
	// Progress, when set, is told how many of the records (institutions and disclosures) are written.
	Progress func(done, total int64)
}

// OrgPrefix starts the organization code of every generated institution's USCC, so generated
// records are told apart from real ones (they also carry the Demo flag, shown as a badge).
const OrgPrefix = "GN"

// Generate writes c's institutions (through CreateInstitution) and disclosures (in batches of
// genBatch per transaction, each with its outbox row) into st, deterministic for c.Seed.
func Generate(ctx context.Context, st *models.Store, c Corpus) error {
	n, m, seed, progress := c.Institutions, c.Disclosures, c.Seed, c.Progress
	if progress == nil {
		progress = func(int64, int64) {}
	}
	g := newCorpusGen(seed)
	total := int64(n + m)
	var ins []models.Institution
	base := time.Date(2016, 1, 1, 9, 0, 0, 0, models.ChinaZone)
	for i := range n {
		ni := g.institution(i)
		in, err := st.CreateInstitution(ctx, ni, "gen", base.Add(time.Duration(g.r.IntN(365*24))*time.Hour))
		if err != nil {
			return fmt.Errorf("gen: institution %d: %w", i, err)
		}
		ins = append(ins, in)
		progress(int64(i+1), total)
	}
	kinds := models.DocumentKinds()
	for done := 0; done < m; {
		k := min(genBatch, m-done)
		batch := make([]models.Disclosure, k)
		for j := range batch {
			in := ins[g.zipfIndex(len(ins))]
			kind := kinds[g.r.IntN(len(kinds))]
			at := base.Add(time.Duration(g.r.IntN(6*365*24*60)) * time.Minute)
			batch[j] = models.Disclosure{InstitutionID: in.ID, USCC: in.USCC, Kind: kind, Title: g.title(in, kind, at),
				Body: g.body(300 + g.r.IntN(1201)), Version: 1, PublishedAt: at, FiledBy: "gen", Demo: true}
		}
		if err := st.InsertGeneratedDisclosures(ctx, batch); err != nil {
			return fmt.Errorf("gen: disclosures: %w", err)
		}
		done += k
		progress(int64(n+done), total)
	}
	return nil
}

// corpusGen draws names, titles and bodies from the domain's vocabulary; words are picked with a
// Zipf distribution, so a few are very common (they match half the corpus) and most are rare.
type corpusGen struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	picks *rand.Zipf // over institutions, made on first use
	used  map[string]bool
}

func newCorpusGen(seed uint64) *corpusGen {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return &corpusGen{r: r, zipf: rand.NewZipf(r, 1.1, 2, uint64(len(genWords)-1)), used: map[string]bool{}}
}

// genCities are division codes of cities with their names.
var genCities = []struct{ code, name string }{
	{"440305", "深圳市"}, {"440106", "广州市"}, {"110105", "北京市"}, {"110108", "北京市"}, {"310115", "上海市"},
	{"310104", "上海市"}, {"330106", "杭州市"}, {"330102", "杭州市"}, {"320106", "南京市"}, {"350102", "福州市"},
	{"420106", "武汉市"}, {"510107", "成都市"}, {"370102", "济南市"}, {"430102", "长沙市"}, {"120101", "天津市"},
}

var (
	genBrandHead = []rune("红岭信宜金融人鑫盈恒众安诚和聚联融汇通丰泰富隆盛鼎华瑞祥达宏德嘉源海升")
	genBrandTail = []string{"创投", "贷", "金服", "理财", "宝", "网", "在线", "财富", "钱包", "普惠", "易贷", "金融"}
	genNameTail  = []string{"网络科技有限公司", "金融信息服务有限公司", "互联网金融信息服务有限公司", "电子商务股份有限公司", "信息技术有限公司", "投资咨询有限公司"}
	genBanks     = []string{"演示存管银行", "演示存管银行总行营业部", "演示合作存管银行", "演示城市商业银行", "演示农村商业银行", "演示民营银行", "演示村镇银行"}
)

// institution makes the i-th institution: a brand of two head characters and a tail, a legal name
// built on the brand's first characters, a website under .example.cn.
func (g *corpusGen) institution(i int) models.NewInstitution {
	city := genCities[g.r.IntN(len(genCities))]
	var brand, name string
	var root []rune
	for {
		brand = string(genBrandHead[g.r.IntN(len(genBrandHead))]) + string(genBrandHead[g.r.IntN(len(genBrandHead))]) +
			genBrandTail[g.r.IntN(len(genBrandTail))]
		root = []rune(brand)[:2]
		name = city.name + string(root) + genNameTail[g.r.IntN(len(genNameTail))]
		if soundsReal(brand) || soundsReal(name) || soundsReal(city.name+string(root)+"投资咨询有限公司") {
			continue // invented names only (demo_names.go)
		}
		if !g.used[brand] || len(g.used) > 40_000 {
			break
		}
	}
	g.used[brand] = true
	org := fmt.Sprintf("%s%07d", OrgPrefix, i)
	uscc, _ := models.MakeUSCC(city.code, org)
	keeper, _ := models.KeeperOf(city.code)
	ni := models.NewInstitution{USCC: uscc, Name: name, Province: keeper.Code, District: city.name,
		Brands: []string{brand}, Websites: []string{"https://www.gn" + strconv.Itoa(i) + ".example.cn/"},
		DepositoryBank: genBanks[g.r.IntN(len(genBanks))], Demo: true,
		RegisteredAddress: city.name + genStreets[g.r.IntN(len(genStreets))] + strconv.Itoa(1+g.r.IntN(300)) + "号"}
	if g.r.IntN(5) == 0 {
		ni.FormerNames = []string{city.name + string(root) + "投资咨询有限公司"}
	}
	if g.r.IntN(3) == 0 {
		ni.Class = models.Classes[g.r.IntN(len(models.Classes))]
		ni.Reason = "合成数据"
	}
	return ni
}

var genStreets = []string{"深南大道", "人民路", "解放路", "中山路", "建设路", "金融街", "世纪大道", "科技园路"}

var genTitles = map[string][]string{
	"exit_announcement":  {"关于%s良性退出的公告", "%s关于停止新增业务并有序退出的公告"},
	"repayment_plan":     {"%s兑付方案", "关于%s出借人本金兑付安排的说明"},
	"repayment_progress": {"%s兑付进展公告（%s）", "%s第%d期兑付进展"},
	"major_event":        {"%s重大事项公告", "关于%s实际控制人变更的公告"},
	"other":              {"%s致出借人的一封信", "%s关于客服热线调整的通知"},
}

func (g *corpusGen) title(in models.Institution, kind string, at time.Time) string {
	brand := in.Name
	if len(in.Brands) > 0 {
		brand = in.Brands[0]
	}
	titles := genTitles[kind]
	if len(titles) == 0 { // a kind added since: a plain title
		titles = []string{"%s公告"}
	}
	f := titles[g.r.IntN(len(titles))]
	switch strings.Count(f, "%") {
	case 2:
		if strings.Contains(f, "%d") {
			return fmt.Sprintf(f, brand, 1+g.r.IntN(40))
		}
		return fmt.Sprintf(f, brand, at.Format("2006年1月"))
	}
	return fmt.Sprintf(f, brand)
}

// body writes about n characters: sentences of Zipf-drawn words joined by function words.
func (g *corpusGen) body(n int) string {
	var b strings.Builder
	runes := 0
	for runes < n {
		words := 3 + g.r.IntN(6)
		for w := range words {
			word := genWords[g.zipf.Uint64()]
			b.WriteString(word)
			runes += len([]rune(word))
			if w < words-1 {
				j := genJoin[g.r.IntN(len(genJoin))]
				b.WriteString(j)
				runes += len([]rune(j))
			}
		}
		if g.r.IntN(4) == 0 {
			num := strconv.Itoa(1+g.r.IntN(9999)) + genUnits[g.r.IntN(len(genUnits))]
			b.WriteString("，" + num)
			runes += 1 + len([]rune(num))
		}
		b.WriteString(genEnd[g.r.IntN(len(genEnd))])
		runes++
	}
	return b.String()
}

// zipfIndex picks one of n items, the first ones far more often (a few institutions publish most).
func (g *corpusGen) zipfIndex(n int) int {
	if n <= 1 {
		return 0
	}
	if g.picks == nil {
		g.picks = rand.NewZipf(g.r, 1.05, 8, uint64(n-1))
	}
	return int(g.picks.Uint64())
}

var (
	genJoin  = []string{"", "", "的", "和", "及", "对", "将", "已", "在", "与", "，"}
	genEnd   = []string{"。", "。", "。", "；", "！"}
	genUnits = []string{"万元", "元", "人", "笔", "%", "天", "个月"}
)

// genWords is the domain's vocabulary, roughly from the most to the least common.
var genWords = strings.Fields(`
出借人 平台 本金 兑付 公司 借款人 资金 逾期 催收 退出 监管 清退 风险 公告 进展 方案 债权 回款 利息 合同
存管 银行 项目 标的 金额 余额 比例 工作 处置 部门 网络 借贷 信息 中介 机构 服务 业务 管理 情况 相关
本月 截至 累计 完成 推进 持续 良性 有序 配合 依法 公安 机关 立案 侦查 清收 资产 抵押 担保 诉讼 仲裁
法院 判决 执行 冻结 查封 股东 实际 控制人 高管 失联 投诉 举报 维权 登记 核实 审计 报告 披露 运营 数据
双降 存量 新增 停止 暂停 恢复 延期 分期 展期 协商 和解 方案 表决 通过 会议 委员会 出借 债务 偿还 本息
逾期率 坏账 代偿 风险金 准备金 拨备 收益 年化 利率 期限 借款 合规 整改 备案 检查 验收 否决 自融 虚假 关联
地方 金融 监督 管理局 整治 办公室 专项 领导 小组 省 市 区 政府 法规 规定 办法 通知 意见 要求 程序 时间
电话 客服 热线 邮箱 地址 网站 官网 微信 公众号 APP 短信 通告 提示 声明 承诺 保障 安全 稳定 有效 积极
温州 杭州 深圳 上海 北京 广州 南京 成都 武汉 福州 厦门 长沙 济南 天津 重庆 西安 合肥 郑州 南昌 昆明
车贷 房贷 消费 供应链 小微 企业 个人 信用 征信 黑名单 失信 被执行人 限制 高消费 出境 追缴 赃款 退赔 分配 清偿
`)
