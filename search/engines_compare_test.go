package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// compareEnv turns on TestEnginesAgreeAtScale (.ci/run sets it).
const compareEnv = "PILU_TEST_ENGINE_COMPARE"

// TestEnginesAgreeAtScale fills an index per engine with the same few
// thousand documents, written from the domain's vocabulary (the words of
// pilu gen, drawn Zipf-wise, so common words match most documents and rare
// ones a few), in several segments with documents replaced and deleted; then
// runs random queries on both: words, phrases of two words in either order
// (so the order inside a phrase is tested), brands, codes, exclusions,
// filters, both sorts and pages, and paging on with Next. Totals, facets,
// hits and their order must be the same; where a phrase is scored the order
// may differ by design (EngineBleve), and the hits are compared as a set when
// they fit on one page of MaxPerPage. It runs when PILU_TEST_ENGINE_COMPARE is set.
func TestEnginesAgreeAtScale(t *testing.T) {
	if os.Getenv(compareEnv) == "" {
		t.Skipf("set %s=1 to compare the engines on a few thousand documents", compareEnv)
	}
	start := time.Now()
	rng := rand.New(rand.NewPCG(19, 5))
	zipf := rand.NewZipf(rng, 1.1, 4, uint64(len(compareWords)-1))
	word := func() string { return compareWords[zipf.Uint64()] }
	text := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(word())
			if i%5 == 4 {
				b.WriteString("。")
			} else if rng.IntN(3) == 0 {
				b.WriteString("的")
			}
		}
		return b.String()
	}
	heads := []rune("红岭信宜鑫盈恒众诚聚联汇通丰泰隆盛鼎瑞祥达宏嘉源")
	tails := []string{"创投", "贷", "金服", "理财", "宝", "网", "财富", "普惠"}
	provinces := []string{"440000", "110000", "310000", "330000", "350000"}
	kinds := []string{"exit_announcement", "repayment_plan", "repayment_progress", "major_event", "other"}
	var brands []string
	const batches, perBatch = 5, 500
	ixs := map[string]*Index{}
	for _, e := range Engines {
		ixs[e] = mustOpenEngine(t, e, filepath.Join(t.TempDir(), "index"))
	}
	for b := range batches {
		var docs []Doc
		for i := range perBatch {
			n := b*perBatch + i
			date := day("2019-01-01").Add(time.Duration(rng.IntN(1500)) * 24 * time.Hour)
			switch {
			case n%8 == 0:
				brand := string(heads[rng.IntN(len(heads))]) + string(heads[rng.IntN(len(heads))]) + tails[rng.IntN(len(tails))]
				brands = append(brands, brand)
				docs = append(docs, Doc{Type: TypeInstitution, ID: fmt.Sprintf("inst%d", n), Title: brand + "网络科技有限公司",
					Names: []string{brand, brand + "网络科技有限公司"}, Codes: []string{fmt.Sprintf("9144%014d", n)},
					Body: text(10 + rng.IntN(20)), Province: provinces[rng.IntN(len(provinces))], Class: []string{"zombie", "voluntary_exit", ""}[rng.IntN(3)],
					Date: date})
			case n%8 == 1:
				docs = append(docs, Doc{Type: TypeNotice, ID: fmt.Sprint(n), Title: "关于" + text(2) + "的公告",
					Names: []string{brands[rng.IntN(len(brands))]}, Codes: []string{fmt.Sprintf("粤金整治〔2020〕%d号", n)},
					Body: text(20 + rng.IntN(40)), Province: provinces[rng.IntN(len(provinces))], Kind: "exit_supervision", Date: date})
			default:
				d := Doc{Type: TypeDisclosure, ID: fmt.Sprint(n), Title: brands[rng.IntN(len(brands))] + text(2) + "公告",
					Names: []string{brands[rng.IntN(len(brands))]},
					Body:  text(20 + rng.IntN(120)), Province: provinces[rng.IntN(len(provinces))], Kind: kinds[rng.IntN(len(kinds))], Date: date}
				if n%23 == 0 {
					d.Date = time.Time{}
				}
				docs = append(docs, d)
			}
		}
		var deletes []string
		if b > 0 {
			for k := range 20 {
				old := (b-1)*perBatch + 8*k + 3
				if k%2 == 0 {
					deletes = append(deletes, fmt.Sprintf("%s/%d", TypeDisclosure, old))
				} else {
					docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(old), Title: text(3), Body: text(30),
						Province: provinces[0], Kind: kinds[0], Date: day("2022-02-02")})
				}
			}
		}
		// Both indexes are written at once (Bleve waits for each batch to be persisted).
		var wg sync.WaitGroup
		errs := make([]error, len(Engines))
		for i, e := range Engines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = ixs[e].Apply(docs, deletes, uint64(b+1))
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("indexed %d documents twice in %v", batches*perBatch, time.Since(start).Round(time.Millisecond))

	term := func() string {
		switch rng.IntN(10) {
		case 0:
			return `"` + word() + word() + `"` // a phrase: either order of two words comes up
		case 1:
			return "-" + word()
		case 2:
			return brands[rng.IntN(len(brands))]
		case 3:
			w := []rune(word())
			return string(w[:max(1, len(w)-1)])
		}
		return word()
	}
	// phraseScored tells whether a query has a phrase (quoted, or a word of
	// four or more characters, which is a phrase of trigrams), which the
	// engines score differently by design: hits of one date are ordered by
	// score when sorted by date too.
	phraseScored := func(q Query) bool {
		cls, _ := ixs[EnginePilu].clauses(parseQuery(q.Text))
		for _, c := range cls {
			if c.pass() == 1 {
				return true
			}
		}
		return false
	}
	queryStart := time.Now()
	compared, ordered, phrases := 0, 0, 0
	for k := range 800 {
		var parts []string
		for range 1 + rng.IntN(3) {
			parts = append(parts, term())
		}
		q := Query{Text: strings.Join(parts, " "), PerPage: []int{5, 10, 20, 100}[rng.IntN(4)], Page: 1 + rng.IntN(3),
			Budget: time.Minute} // never cut off on a busy machine
		switch {
		case k%10 == 0:
			q.Text = ""
		case k%17 == 0:
			q.Text = fmt.Sprintf("9144%014d", 8*rng.IntN(batches*perBatch/8))
		}
		if rng.IntN(3) == 0 {
			q.Sort = SortDate
		}
		switch rng.IntN(6) {
		case 0:
			q.Province = provinces[rng.IntN(len(provinces))]
		case 1:
			q.Types = []string{TypeDisclosure, TypeNotice}
		case 2:
			q.From, q.To = day("2019-06-01"), day("2021-06-01")
		case 3:
			q.Kind = kinds[rng.IntN(len(kinds))]
		}
		res := map[string]*Result{}
		for _, e := range Engines {
			r, err := ixs[e].Search(context.Background(), q)
			if err != nil {
				t.Fatalf("%s: %+v: %v", e, q, err)
			}
			if r.Partial {
				t.Fatalf("%s: %+v cut off by the budget", e, q)
			}
			res[e] = r
		}
		a, b := res[EnginePilu], res[EngineBleve]
		if a.Total != b.Total {
			t.Errorf("%+v: total pilu %d, bleve %d", q, a.Total, b.Total)
			continue
		}
		if fmt.Sprint(a.Facets) != fmt.Sprint(b.Facets) {
			t.Errorf("%+v: facets\npilu  %v\nbleve %v", q, a.Facets, b.Facets)
		}
		compared++
		if !phraseScored(q) {
			if !slices.Equal(hitIDs(a), hitIDs(b)) {
				t.Errorf("%+v: hits\npilu  %v\nbleve %v", q, hitIDs(a), hitIDs(b))
			}
			ordered++
			if a.Next != "" && b.Next != "" {
				// The next page, from each engine's own cursor.
				qa, qb := q, q
				qa.After, qb.After = a.Next, b.Next
				na, errA := ixs[EnginePilu].Search(context.Background(), qa)
				nb, errB := ixs[EngineBleve].Search(context.Background(), qb)
				if errA != nil || errB != nil || !slices.Equal(hitIDs(na), hitIDs(nb)) {
					t.Errorf("%+v: next page\npilu  %v %v\nbleve %v %v", q, hitIDs(na), errA, hitIDs(nb), errB)
				}
			}
			continue
		}
		// Scored phrases: the same hits, in any order, when they fit on one page.
		if a.Total > MaxPerPage {
			continue
		}
		phrases++
		q.Page, q.PerPage = 1, MaxPerPage
		for _, e := range Engines {
			r, err := ixs[e].Search(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			res[e] = r
		}
		if a, b := hitIDs(res[EnginePilu]), hitIDs(res[EngineBleve]); !sameSet(a, b) || len(a) != int(res[EnginePilu].Total) {
			t.Errorf("%+v: phrase hits\npilu  %v\nbleve %v", q, a, b)
		}
	}
	t.Logf("queries took %v", time.Since(queryStart).Round(time.Millisecond))
	if compared < 700 || ordered < 400 || phrases < 50 {
		t.Errorf("compared %d queries, %d in order, %d phrase sets: the comparison is too weak", compared, ordered, phrases)
	}
	t.Logf("compared %d queries (%d in order, %d phrase sets) in %v", compared, ordered, phrases, time.Since(start).Round(time.Millisecond))
}

// compareWords is pilu gen's vocabulary (app/demo/corpus.go), roughly from the most
// to the least common.
var compareWords = strings.Fields(`
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
