package demo

import "pilu/models"

// The demo data set: fictional institutions, their class decisions, dispositions, exits and the
// notices of the offices. Everything here is invented; names follow the style of real ones and every
// web address is under .example.cn. demo.go loads it through the same store methods users call.

// demoProfile is the shape of an institution's monthly figures.
type demoProfile int

const (
	profDecline     demoProfile = iota // balance and lenders fall every month (双降 kept)
	profMixed                          // mostly falling, rising in some months (双降 broken)
	profZeroBalance                    // runs down to a zero balance from ZeroFrom on (僵尸类)
	profNoNew                          // no new business from StopNew on, the balance is collected slowly (僵尸类)
	profHighRisk                       // overdue share above 10% and rising (高风险)
	profExposed                        // risk exposed: overdue rising fast; reports stop after Months
)

// Criteria of the rules of DOMAIN.md (models.Rules); demo.go replaces each with the figures that
// meet the rule, and refuses data that does not meet it.
const (
	critZeroBalance = demoRulePrefix + models.RuleZombieBalance
	critNoNew       = demoRulePrefix + models.RuleZombieNewBusiness
	critOverdue     = demoRulePrefix + models.RuleHighRiskOverdue
	critSmall       = demoRulePrefix + models.RuleSmall
	demoRulePrefix  = "rule:"
)

// Criteria that rest on facts rather than figures.
const (
	critPolice       = "公安机关已立案侦查"
	critUnreachable  = "实际控制人、高级管理人员失联"
	critNoCooperate  = "不配合风险处置工作"
	critExitAnnounce = "已发布退出公告，在监管部门监督下有序退出"
	critComplaints   = "出借人投诉举报较多"
	critSelfFinance  = "存在自融、虚假标的嫌疑"
	critVeto         = "合规检查否决项：未落实银行资金存管"
)

// demoStep is a class decision or a disposition move (or both) on one day.
type demoStep struct {
	On          string // YYYY-MM-DD, decided at 15:00 China time
	Class       string // "" when only the disposition moves
	Reason      string
	Criteria    []string
	Disposition string // "" when only the class changes
	DispReason  string
}

// demoTranche is one instalment of a repayment plan: a date and a share in basis points or an
// amount in fen (when the plan states amounts).
type demoTranche struct {
	Date    string
	ShareBP int
}

// demoExit is an institution's exit: the announcement, the repayment plan a few days later and
// progress reports, each filed ProgressOn[i] after tranche i was paid.
type demoExit struct {
	Announced  string
	PlanOn     string
	ByAmount   bool // the plan states amounts rather than shares
	Tranches   []demoTranche
	ProgressOn []string
}

// demoEvent is a major event (重大事项) disclosed within 48 hours.
type demoEvent struct {
	Type, Title string
	At, FiledAt string // YYYY-MM-DD HH:MM China time
	Paragraphs  []string
}

// demoInstitution is one fictional institution.
type demoInstitution struct {
	Key      string // how notices and users name it
	Province string // the office: a province or a plan city
	Division string // the district's GB/T 2260 code, for the USCC
	District string
	Name     string
	Brands   []string
	Former   []string
	Site     string // www.<Site>.example.cn
	Apps     []string
	Bank     string
	Address  string
	Created  string // the day it was put on the list

	Profile   demoProfile
	Scale     int64  // outstanding balance in 2018-07, in 万元
	Lenders   int64  // lenders with money outstanding in 2018-07
	Months    int    // months reported from 2018-07 on
	ZeroFrom  int    // profZeroBalance: the first month (index) with a zero balance
	StopNew   int    // the first month (index) without new business; 0: never stops
	OverdueBP [2]int // overdue share in 2018-07 and its rise a month (basis points); zero: the profile's
	Late      map[int]int

	Steps []demoStep
	Exit  *demoExit
	Event *demoEvent
}

// demoFirstPeriod is the first month of figures; month index i is i months after it.
const demoFirstPeriod = "2018-07"

// demoActors are the offices' accounts that decide; 广东 and 北京 have demo logins.
var demoActors = map[string]string{
	"110000": "beijing@demo.pilu.example",
	"310000": "shanghai@demo.pilu.example",
	"320000": "jiangsu@demo.pilu.example",
	"330000": "zhejiang@demo.pilu.example",
	"350000": "fujian@demo.pilu.example",
	"370000": "shandong@demo.pilu.example",
	"420000": "hubei@demo.pilu.example",
	"440000": "guangdong@demo.pilu.example",
	"440300": "shenzhen@demo.pilu.example",
	"510000": "sichuan@demo.pilu.example",
}

// demoOfficeAddress is where each office receives investors (fictional addresses).
var demoOfficeAddress = map[string]string{
	"110000": "北京市西城区示例街10号北京市网贷整治办出借人接待室",
	"310000": "上海市黄浦区示例路200号上海市网贷整治办信访接待室",
	"330000": "杭州市上城区示例路8号浙江省网贷整治办接待窗口",
	"440000": "广州市越秀区示例路1号广东省网贷整治办出借人接待窗口",
	"440300": "深圳市福田区示例大道3号深圳市网贷整治办接待大厅",
}

const (
	demoClassNormalReason = "机构规模较大，经非现场监测和现场检查，未发现自融、虚假标的、资金去向不明等问题，逾期率处于合理区间，暂列为正常类，继续按月落实双降要求。"
	demoSmallReason       = "机构借贷余额和出借人数量均低于本省规模较小类标准，列为规模较小类，督促其压降存量、有序退出。"
	demoZombieReason      = "机构已无实质性网贷业务，借贷余额或新增业务连续超过三个月为零，符合僵尸类认定标准，列为僵尸类，拟列入僵尸类机构名单公告。"
	demoHighRiskReason    = "机构逾期金额占比持续超过10%，风险持续积聚，列为高风险类，实施重点监测，督促其压降规模、落实风险处置预案。"
	demoVoluntaryReason   = "机构已发布良性退出公告并报送兑付方案，股东和高级管理人员在岗配合，在监管部门监督下有序退出，列为主动清退类。"
	demoMaliciousReason   = "机构实际控制人及主要高级管理人员失联，拒不配合风险处置工作，列为恶意退出类，已将有关线索移送公安机关。"
	demoCaseReason        = "公安机关已对该机构涉嫌非法吸收公众存款案立案侦查，列为已立案类，配合公安机关做好资产追缴和出借人信息登记工作。"
)

var demoInstitutions = []demoInstitution{
	// 北京 110000
	{Key: "B1", Province: "110000", Division: "110105", District: "朝阳区", Name: "北京京禾汇信息技术有限公司",
		Brands: []string{"禾汇贷"}, Site: "hehuidai", Apps: []string{"禾汇贷（Android）"}, Bank: "演示存管银行北京分行",
		Address: "北京市朝阳区示例路18号院3号楼1205室", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 3200, Lenders: 2600, Months: 18, ZeroFrom: 4,
		Steps: []demoStep{{On: "2019-03-20", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
			Disposition: "no_business", DispReason: "借贷余额已清零，不再发布新标的。"}}},
	{Key: "B2", Province: "110000", Division: "110108", District: "海淀区", Name: "北京鼎槐泰和网络科技有限公司",
		Brands: []string{"鼎槐金服", "鼎槐宝"}, Former: []string{"北京鼎槐投资管理有限公司"}, Site: "dinghuaijf",
		Bank: "演示存管银行北京海淀支行", Address: "北京市海淀区示例大街66号7层702室", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 5600, Lenders: 3900, Months: 18, ZeroFrom: 9,
		Steps: []demoStep{
			{On: "2019-03-20", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall},
				Disposition: "winding_down", DispReason: "机构书面报告停止新增业务，逐步清收存量。"},
			{On: "2019-09-18", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
				Disposition: "no_business", DispReason: "存量业务已全部结清。"}}},
	{Key: "B3", Province: "110000", Division: "110102", District: "西城区", Name: "北京润槐易达信息咨询有限公司",
		Brands: []string{"润槐e贷"}, Former: []string{"北京润槐投资咨询有限公司"}, Site: "runhuaiedai",
		Address: "北京市西城区示例胡同9号2层", Created: "2018-07-02",
		Profile: profNoNew, Scale: 2400, Lenders: 1700, Months: 18, StopNew: 4, Late: map[int]int{6: 8},
		Steps: []demoStep{{On: "2019-03-20", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critNoNew},
			Disposition: "winding_down", DispReason: "已停止新增业务，存量借款由原借款人按期归还。"}}},
	{Key: "B4", Province: "110000", Division: "110101", District: "东城区", Name: "北京中睿普惠网络借贷信息中介服务有限公司",
		Brands: []string{"睿普惠", "睿普理财"}, Site: "ruipuhui", Apps: []string{"睿普惠（iOS、Android）"},
		Bank: "演示存管银行北京东城支行", Address: "北京市东城区示例北大街100号12层", Created: "2018-07-02",
		Profile: profExposed, Scale: 86000, Lenders: 41000, Months: 12, OverdueBP: [2]int{300, 100},
		Steps: []demoStep{
			{On: "2019-03-20", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-06-12", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue, critComplaints}},
			{On: "2019-07-25", Class: "case_filed", Reason: demoCaseReason, Criteria: []string{critPolice},
				Disposition: "to_police", DispReason: "北京市公安局东城分局已立案侦查，移交公安机关处置。"}}},
	{Key: "B5", Province: "110000", Division: "110106", District: "丰台区", Name: "北京青禾易借信息技术有限公司",
		Brands: []string{"青禾易借"}, Site: "qingheyijie", Address: "北京市丰台区示例西路5号院2号楼808室", Created: "2018-07-02",
		Profile: profMixed, Scale: 1800, Lenders: 1500, Months: 18, Late: map[int]int{9: 4},
		Steps: []demoStep{
			{On: "2019-03-20", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}},
			{On: "2019-10-15", Disposition: "winding_down", DispReason: "机构提交退出计划，停止发布新标的。"}}},
	{Key: "B6", Province: "110000", Division: "110105", District: "朝阳区", Name: "北京安槿信合网络借贷信息中介服务有限公司",
		Brands: []string{"安槿金服", "安槿e融"}, Site: "anjinjf", Apps: []string{"安槿金服（iOS、Android）"},
		Bank: "演示存管银行北京朝阳支行", Address: "北京市朝阳区示例东路1号国贸示例中心A座2101室", Created: "2018-07-02",
		Profile: profDecline, Scale: 152000, Lenders: 68000, Months: 18, Late: map[int]int{9: 6},
		Steps: []demoStep{{On: "2019-03-20", Class: "normal", Reason: demoClassNormalReason}}},

	// 广东 440000
	{Key: "G1", Province: "440000", Division: "440106", District: "广州市天河区", Name: "广州市穗联普惠网络借贷信息中介服务有限公司",
		Brands: []string{"穗联贷", "穗联普惠"}, Former: []string{"广州市穗联投资咨询有限公司"}, Site: "suiliandai",
		Apps: []string{"穗联贷（iOS、Android）"}, Bank: "演示存管银行广州分行", Address: "广州市天河区示例大道100号1201室", Created: "2018-07-02",
		Profile: profDecline, Scale: 48000, Lenders: 23000, Months: 18, StopNew: 13,
		Steps: []demoStep{
			{On: "2019-03-22", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-08-16", Class: "voluntary_exit", Reason: demoVoluntaryReason, Criteria: []string{critExitAnnounce},
				Disposition: "winding_down", DispReason: "机构发布良性退出公告，停止新增业务。"}},
		Exit: &demoExit{Announced: "2019-08-12", PlanOn: "2019-08-20",
			Tranches:   []demoTranche{{"2019-12-31", 2000}, {"2020-06-30", 3000}, {"2020-12-31", 2500}, {"2021-06-30", 2500}},
			ProgressOn: []string{"2020-01-08", "2020-07-06"}}},
	{Key: "G2", Province: "440000", Division: "440104", District: "广州市越秀区", Name: "广州市天禾金融信息服务有限公司",
		Brands: []string{"天禾宝"}, Site: "tianhebao", Address: "广州市越秀区示例中路12号901室", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 900, Lenders: 700, Months: 18, ZeroFrom: 3,
		Steps: []demoStep{{On: "2019-03-22", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
			Disposition: "no_business", DispReason: "借贷余额已清零。"}}},
	{Key: "G3", Province: "440000", Division: "440604", District: "佛山市禅城区", Name: "佛山市禅信网络科技有限公司",
		Brands: []string{"禅信贷"}, Site: "chanxindai", Address: "佛山市禅城区示例路3号5层", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 1300, Lenders: 1100, Months: 18, ZeroFrom: 2,
		Steps: []demoStep{{On: "2019-03-22", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
			Disposition: "no_business", DispReason: "借贷余额已清零。"}}},
	{Key: "G4", Province: "440000", Division: "441900", District: "东莞市", Name: "东莞市莞e通互联网金融信息服务有限公司",
		Brands: []string{"莞e通"}, Former: []string{"东莞市易通财富管理有限公司", "东莞市莞e通投资管理有限公司"}, Site: "guanetong",
		Address: "东莞市南城街道示例路8号1栋603室", Created: "2018-07-02",
		Profile: profNoNew, Scale: 1600, Lenders: 1200, Months: 18, StopNew: 2, Late: map[int]int{4: 15},
		Steps: []demoStep{
			{On: "2019-03-22", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}},
			{On: "2019-06-14", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critNoNew},
				Disposition: "no_business", DispReason: "已无新增业务，存量由借款人自行归还。"}}},
	{Key: "G5", Province: "440000", Division: "440402", District: "珠海市香洲区", Name: "珠海市海湾易贷信息科技有限公司",
		Brands: []string{"海湾易贷"}, Site: "haiwanyidai", Address: "珠海市香洲区示例路168号1103室", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 2200, Lenders: 1500, Months: 18, ZeroFrom: 9,
		Steps: []demoStep{
			{On: "2019-03-22", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}},
			{On: "2019-09-20", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
				Disposition: "no_business", DispReason: "借贷余额已清零，机构无人值守。"}}},
	{Key: "G6", Province: "440000", Division: "442000", District: "中山市", Name: "中山市岐江汇网络科技有限公司",
		Brands: []string{"岐江汇"}, Site: "qijianghui", Address: "中山市石岐区示例大道21号706室", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 1900, Lenders: 1300, Months: 18, ZeroFrom: 8,
		Steps: []demoStep{{On: "2019-09-20", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
			Disposition: "no_business", DispReason: "借贷余额已清零。"}}},
	{Key: "G7", Province: "440000", Division: "440105", District: "广州市海珠区", Name: "广州市羊城棠穗信息科技有限公司",
		Brands: []string{"棠穗猫", "羊城棠穗"}, Site: "tangsuimao", Apps: []string{"棠穗猫（Android）"},
		Address: "广州市海珠区示例路66号2301室", Created: "2018-07-02",
		Profile: profNoNew, Scale: 7400, Lenders: 5200, Months: 18, StopNew: 7,
		Steps: []demoStep{
			{On: "2019-03-22", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-12-10", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critNoNew},
				Disposition: "winding_down", DispReason: "已停止新增业务，由借款人自行归还存量。"}}},
	{Key: "G8", Province: "440000", Division: "440112", District: "广州市黄埔区", Name: "广州市南粤信融网络借贷信息中介服务有限公司",
		Brands: []string{"南粤信融"}, Site: "nanyuexinrong", Bank: "演示存管银行广州黄埔支行",
		Address: "广州市黄埔区示例大道东8号1508室", Created: "2018-07-02",
		Profile: profHighRisk, Scale: 23000, Lenders: 9800, Months: 18, OverdueBP: [2]int{300, 80}, Late: map[int]int{11: 12, 15: 3},
		Steps: []demoStep{
			{On: "2019-03-22", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-08-16", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue, critComplaints}}}},
	{Key: "G9", Province: "440000", Division: "440103", District: "广州市荔湾区", Name: "广州市珠江普融信息技术有限公司",
		Brands: []string{"珠江普融"}, Site: "zhujiangpurong", Bank: "演示存管银行广州荔湾支行",
		Address: "广州市荔湾区示例路38号1902室", Created: "2018-07-02",
		Profile: profDecline, Scale: 61000, Lenders: 27000, Months: 18,
		Steps: []demoStep{{On: "2019-03-22", Class: "normal", Reason: demoClassNormalReason}}},

	// 深圳 440300
	{Key: "S1", Province: "440300", Division: "440304", District: "福田区", Name: "深圳市鹭汀网络借贷信息中介服务有限公司",
		Brands: []string{"鹭汀创投"}, Former: []string{"深圳市鹭汀投资咨询有限公司"}, Site: "luting",
		Apps: []string{"鹭汀创投（iOS、Android）"}, Bank: "演示存管银行深圳分行", Address: "深圳市福田区示例路2008号鹭汀示例大厦18层", Created: "2018-07-02",
		Profile: profDecline, Scale: 320000, Lenders: 95000, Months: 18, StopNew: 12,
		Steps: []demoStep{
			{On: "2019-03-25", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-07-15", Class: "voluntary_exit", Reason: demoVoluntaryReason, Criteria: []string{critExitAnnounce},
				Disposition: "winding_down", DispReason: "机构发布良性退出公告，停止新增业务。"}},
		Exit: &demoExit{Announced: "2019-07-12", PlanOn: "2019-07-26", ByAmount: true,
			Tranches:   []demoTranche{{"2019-10-31", 3000}, {"2020-04-30", 3500}, {"2020-10-31", 3500}},
			ProgressOn: []string{"2019-11-06"}}},
	{Key: "S2", Province: "440300", Division: "440305", District: "南山区", Name: "深圳市前海湾信网络科技有限公司",
		Brands: []string{"湾信金服", "湾信宝"}, Site: "wanxinjf", Address: "深圳市南山区示例路1号前海示例中心A栋201室", Created: "2018-07-02",
		Profile: profExposed, Scale: 54000, Lenders: 26000, Months: 12, OverdueBP: [2]int{500, 150},
		Steps: []demoStep{
			{On: "2019-03-25", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue, critSelfFinance}},
			{On: "2019-08-06", Class: "malicious_exit", Reason: demoMaliciousReason, Criteria: []string{critUnreachable, critNoCooperate}},
			{On: "2019-08-20", Disposition: "to_police", DispReason: "涉嫌非法吸收公众存款，线索已移送公安机关。"}}},
	{Key: "S3", Province: "440300", Division: "440305", District: "南山区", Name: "深圳市栖湾达信息服务有限公司",
		Brands: []string{"栖湾e贷"}, Site: "qiwanedai", Bank: "演示存管银行深圳南山支行",
		Address: "深圳市南山区示例科技园南区5栋11层", Created: "2018-07-02",
		Profile: profMixed, Scale: 27000, Lenders: 14000, Months: 18, Late: map[int]int{6: 9},
		Steps: []demoStep{{On: "2019-03-25", Class: "normal", Reason: demoClassNormalReason}}},
	{Key: "S4", Province: "440300", Division: "440303", District: "罗湖区", Name: "深圳市鹏程易贷科技有限公司",
		Brands: []string{"鹏程易贷"}, Site: "pengchengyidai", Address: "深圳市罗湖区示例路3033号909室", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 1400, Lenders: 1000, Months: 18, ZeroFrom: 4,
		Steps: []demoStep{{On: "2019-03-25", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
			Disposition: "no_business", DispReason: "借贷余额已清零。"}}},
	{Key: "S5", Province: "440300", Division: "440306", District: "宝安区", Name: "深圳市岚汐宝网络科技有限公司",
		Brands: []string{"岚汐宝"}, Site: "lanxibao", Address: "深圳市宝安区示例大道88号6楼", Created: "2020-05-18"},

	// 上海 310000
	{Key: "H1", Province: "310000", Division: "310115", District: "浦东新区", Name: "上海融砚网络借贷信息中介服务有限公司",
		Brands: []string{"融砚在线"}, Site: "rongyanzaixian", Apps: []string{"融砚在线（iOS、Android）"}, Bank: "演示存管银行上海分行",
		Address: "上海市浦东新区示例路1000号23层", Created: "2018-07-02",
		Profile: profDecline, Scale: 72000, Lenders: 31000, Months: 18, StopNew: 11,
		Steps: []demoStep{
			{On: "2019-03-26", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-06-20", Class: "voluntary_exit", Reason: demoVoluntaryReason, Criteria: []string{critExitAnnounce},
				Disposition: "winding_down", DispReason: "机构发布良性退出公告，停止新增业务。"}},
		Exit: &demoExit{Announced: "2019-06-18", PlanOn: "2019-06-28",
			Tranches:   []demoTranche{{"2019-09-30", 3000}, {"2020-03-31", 3000}, {"2020-09-30", 4000}},
			ProgressOn: []string{"2019-10-10", "2020-04-09"}}},
	{Key: "H2", Province: "310000", Division: "310104", District: "徐汇区", Name: "上海沪枫财富信息技术有限公司",
		Brands: []string{"沪枫宝", "沪枫财富"}, Former: []string{"上海沪枫投资管理有限公司"}, Site: "hufengbao",
		Bank: "演示存管银行上海徐汇支行", Address: "上海市徐汇区示例路500号8层", Created: "2018-07-02",
		Profile: profDecline, Scale: 38000, Lenders: 17000, Months: 18, StopNew: 14,
		Steps: []demoStep{
			{On: "2019-03-26", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-09-24", Class: "voluntary_exit", Reason: demoVoluntaryReason, Criteria: []string{critExitAnnounce},
				Disposition: "winding_down", DispReason: "机构发布良性退出公告，停止新增业务。"}},
		Exit: &demoExit{Announced: "2019-09-20", PlanOn: "2019-09-30",
			Tranches: []demoTranche{{"2020-03-31", 5000}, {"2020-09-30", 5000}}}},
	{Key: "H3", Province: "310000", Division: "310105", District: "长宁区", Name: "上海沁盈网络科技有限公司",
		Brands: []string{"沁盈金服"}, Site: "qinyingjf", Address: "上海市长宁区示例路1号3号楼506室", Created: "2018-07-02",
		Profile: profDecline, Scale: 6800, Lenders: 4200, Months: 18, StopNew: 10,
		Steps: []demoStep{
			{On: "2019-03-26", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}},
			{On: "2019-05-22", Class: "voluntary_exit", Reason: demoVoluntaryReason, Criteria: []string{critExitAnnounce},
				Disposition: "winding_down", DispReason: "机构发布良性退出公告，停止新增业务。"}},
		Exit: &demoExit{Announced: "2019-05-20", PlanOn: "2019-05-29",
			Tranches:   []demoTranche{{"2019-08-31", 5000}, {"2019-12-31", 3000}, {"2020-06-30", 2000}},
			ProgressOn: []string{"2019-09-06"}}},
	{Key: "H4", Province: "310000", Division: "310106", District: "静安区", Name: "上海泓达信息科技有限公司",
		Brands: []string{"泓达贷"}, Site: "hongdadai", Address: "上海市静安区示例路88号15层", Created: "2018-07-02",
		Profile: profExposed, Scale: 41000, Lenders: 19000, Months: 12, OverdueBP: [2]int{600, 100},
		Steps: []demoStep{
			{On: "2019-03-26", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue}},
			{On: "2019-07-30", Class: "malicious_exit", Reason: demoMaliciousReason, Criteria: []string{critUnreachable}},
			{On: "2019-09-12", Class: "case_filed", Reason: demoCaseReason, Criteria: []string{critPolice},
				Disposition: "to_police", DispReason: "上海市公安局静安分局已立案侦查。"}}},
	{Key: "H5", Province: "310000", Division: "310110", District: "杨浦区", Name: "上海申城普惠金融信息服务有限公司",
		Brands: []string{"申城普惠"}, Site: "shenchengpuhui", Bank: "演示存管银行上海杨浦支行",
		Address: "上海市杨浦区示例路200号701室", Created: "2018-07-02",
		Profile: profDecline, Scale: 26000, Lenders: 12000, Months: 18,
		Steps: []demoStep{
			{On: "2019-03-26", Class: "normal", Reason: demoClassNormalReason},
			{On: "2020-03-16", Disposition: "transformed", DispReason: "存量业务清零后经批准转型为小额贷款公司，不再从事网络借贷信息中介业务。"}}},

	// 浙江 330000
	{Key: "Z1", Province: "330000", Division: "330106", District: "杭州市西湖区", Name: "杭州谷溪网络科技有限公司",
		Brands: []string{"谷溪宝", "谷溪理财"}, Site: "guxibao", Apps: []string{"谷溪宝（iOS、Android）"}, Bank: "演示存管银行杭州分行",
		Address: "杭州市西湖区示例路99号西溪示例中心6幢1001室", Created: "2018-07-02",
		Profile: profExposed, Scale: 125000, Lenders: 52000, Months: 12, OverdueBP: [2]int{200, 60},
		Steps: []demoStep{
			{On: "2019-03-28", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-07-11", Class: "case_filed", Reason: demoCaseReason, Criteria: []string{critPolice},
				Disposition: "to_police", DispReason: "杭州市公安局西湖区分局已立案侦查。"}},
		Event: &demoEvent{Type: "executive_investigated", At: "2019-07-09 16:00", FiledAt: "2019-07-10 10:30",
			Title: "谷溪宝关于公司涉嫌非法吸收公众存款被公安机关立案侦查的重大事项公告",
			Paragraphs: []string{
				"尊敬的各位出借人：",
				"2019年7月9日，杭州市公安局西湖区分局对杭州谷溪网络科技有限公司（以下简称“本公司”）涉嫌非法吸收公众存款案立案侦查，并依法对本公司实际控制人采取刑事强制措施。根据信息披露的有关规定，现将有关情况公告如下。",
				"一、自本公告发布之日起，谷溪宝平台停止一切业务，不再发布新的借款标的，网站及移动应用程序仅保留出借人查询功能。",
				"二、本公司现有工作人员将全力配合公安机关的侦查工作，依法提供业务数据、合同档案和资金流水，不隐匿、不销毁任何资料。",
				"三、请各位出借人保持理性，依法维权，不听信、不传播谣言，不参与任何形式的聚集。出借人可通过公安机关公布的渠道进行信息登记，并保存好出借合同、转账凭证等材料。",
				"四、借款人应当按照借款合同约定继续按期还款，不得以平台出险为由恶意逃废债务；逃废债务的，将依法追究其法律责任并纳入征信系统。",
				"特此公告。",
			}}},
	{Key: "Z2", Province: "330000", Division: "330108", District: "杭州市滨江区", Name: "杭州汐澜汇信息技术有限公司",
		Brands: []string{"汐澜汇"}, Site: "xilanhui", Address: "杭州市滨江区示例路3880号5幢801室", Created: "2018-07-02",
		Profile: profExposed, Scale: 47000, Lenders: 21000, Months: 12,
		Steps: []demoStep{
			{On: "2019-03-28", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue}},
			{On: "2019-08-02", Class: "case_filed", Reason: demoCaseReason, Criteria: []string{critPolice},
				Disposition: "to_police", DispReason: "杭州市公安局滨江区分局已立案侦查。"}}},
	{Key: "Z3", Province: "330000", Division: "330302", District: "温州市鹿城区", Name: "温州瓯信网络借贷信息中介服务有限公司",
		Brands: []string{"瓯信贷"}, Former: []string{"温州瓯信投资咨询有限公司"}, Site: "ouxindai",
		Address: "温州市鹿城区示例路168号1208室", Created: "2018-07-02",
		Profile: profExposed, Scale: 21000, Lenders: 9600, Months: 12,
		Steps: []demoStep{
			{On: "2019-03-28", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue}},
			{On: "2019-06-26", Class: "malicious_exit", Reason: demoMaliciousReason, Criteria: []string{critUnreachable, critNoCooperate}},
			{On: "2019-08-02", Class: "case_filed", Reason: demoCaseReason, Criteria: []string{critPolice},
				Disposition: "to_police", DispReason: "温州市公安局鹿城区分局已立案侦查。"}}},
	{Key: "Z4", Province: "330000", Division: "330102", District: "杭州市上城区", Name: "杭州荷湾易贷信息科技有限公司",
		Brands: []string{"荷湾易贷"}, Site: "hewanyidai", Address: "杭州市上城区示例路28号702室", Created: "2018-07-02",
		Profile: profHighRisk, Scale: 16000, Lenders: 7300, Months: 18, Late: map[int]int{14: 7},
		Steps: []demoStep{{On: "2019-03-28", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue}}}},
	{Key: "Z5", Province: "330000", Division: "330782", District: "义乌市", Name: "义乌市稠溪网络科技有限公司",
		Brands: []string{"稠溪商贷"}, Site: "chouxishangdai", Address: "义乌市稠城街道示例路18号3楼", Created: "2018-07-02",
		Profile: profMixed, Scale: 1200, Lenders: 900, Months: 18,
		Steps: []demoStep{{On: "2019-03-28", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}}}},

	// 江苏 320000
	{Key: "J1", Province: "320000", Division: "320106", District: "南京市鼓楼区", Name: "南京钟阜易融信息科技有限公司",
		Brands: []string{"钟阜e融"}, Site: "zhongfuerong", Bank: "演示存管银行南京分行", Address: "南京市鼓楼区示例路1号2201室", Created: "2018-07-02",
		Profile: profDecline, Scale: 44000, Lenders: 20000, Months: 18,
		Steps: []demoStep{{On: "2019-04-02", Class: "normal", Reason: demoClassNormalReason}}},
	{Key: "J2", Province: "320000", Division: "320505", District: "苏州市虎丘区", Name: "苏州姑苏贷网络科技有限公司",
		Brands: []string{"姑苏贷"}, Site: "gusudai", Address: "苏州市虎丘区示例路8号科技园B座609室", Created: "2018-07-02",
		Profile: profMixed, Scale: 2600, Lenders: 1900, Months: 18,
		Steps: []demoStep{{On: "2019-04-02", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}}}},
	{Key: "J3", Province: "320000", Division: "320213", District: "无锡市梁溪区", Name: "无锡太湖普惠信息服务有限公司",
		Brands: []string{"太湖普惠"}, Former: []string{"无锡太湖财富管理有限公司"}, Site: "taihupuhui",
		Address: "无锡市梁溪区示例路58号1503室", Created: "2018-07-02",
		Profile: profNoNew, Scale: 3100, Lenders: 2300, Months: 18, StopNew: 5,
		Steps: []demoStep{
			{On: "2019-04-02", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}},
			{On: "2019-06-18", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critNoNew},
				Disposition: "winding_down", DispReason: "已无新增业务，存量逐步清收。"}}},
	{Key: "J4", Province: "320000", Division: "320104", District: "南京市秦淮区", Name: "南京石城聚信网络科技有限公司",
		Brands: []string{"石城聚信"}, Site: "shichengjuxin", Address: "南京市秦淮区示例路188号1106室", Created: "2018-07-02",
		Profile: profHighRisk, Scale: 12000, Lenders: 5600, Months: 18, Late: map[int]int{8: 4},
		Steps: []demoStep{{On: "2019-04-02", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue, critVeto}}}},

	// 山东 370000
	{Key: "L1", Province: "370000", Division: "370102", District: "济南市历下区", Name: "济南趵泉易贷信息技术有限公司",
		Brands: []string{"趵泉易贷"}, Site: "baoquanyidai", Bank: "演示存管银行济南分行", Address: "济南市历下区示例路9号1801室", Created: "2018-07-02",
		Profile: profMixed, Scale: 33000, Lenders: 15000, Months: 18,
		Steps: []demoStep{
			{On: "2019-04-08", Class: "normal", Reason: demoClassNormalReason},
			{On: "2019-10-22", Class: "high_risk", Reason: "机构借贷余额和出借人数多次不降反升，未落实双降要求，出借人投诉举报较多，列为高风险类，实施重点监测。", Criteria: []string{critComplaints}}}},
	{Key: "L2", Province: "370000", Division: "370103", District: "济南市市中区", Name: "济南泺源汇融网络科技有限公司",
		Brands: []string{"泺源汇融", "泺融宝"}, Site: "luoyuanhuirong", Address: "济南市市中区示例路66号1209室", Created: "2018-07-02",
		Profile: profExposed, Scale: 36000, Lenders: 16000, Months: 12, OverdueBP: [2]int{400, 150},
		Steps: []demoStep{
			{On: "2019-04-08", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue}},
			{On: "2019-07-19", Class: "case_filed", Reason: demoCaseReason, Criteria: []string{critPolice},
				Disposition: "to_police", DispReason: "济南市公安局市中区分局已立案侦查。"}}},
	{Key: "L3", Province: "370000", Division: "370602", District: "烟台市芝罘区", Name: "烟台芝岸金服信息科技有限公司",
		Brands: []string{"芝岸金服"}, Site: "zhianjf", Address: "烟台市芝罘区示例路17号608室", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 1100, Lenders: 800, Months: 18, ZeroFrom: 4,
		Steps: []demoStep{{On: "2019-04-09", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
			Disposition: "no_business", DispReason: "借贷余额已清零。"}}},
	{Key: "L4", Province: "370000", Division: "370102", District: "济南市历下区", Name: "济南历岱小微网络借贷信息中介服务有限公司",
		Brands: []string{"历岱小微"}, Site: "lidaixiaowei", Address: "济南市历下区示例东路3号502室", Created: "2018-07-02",
		Profile: profDecline, Scale: 900, Lenders: 800, Months: 18,
		Steps: []demoStep{{On: "2019-04-08", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}}}},

	// 四川 510000
	{Key: "C1", Province: "510000", Division: "510107", District: "成都市武侯区", Name: "成都蜀信网络科技有限公司",
		Brands: []string{"蜀信贷"}, Site: "shuxindai", Bank: "演示存管银行成都分行", Address: "成都市武侯区示例大道二段8号1702室", Created: "2018-07-02",
		Profile: profDecline, Scale: 39000, Lenders: 18000, Months: 18,
		Steps: []demoStep{{On: "2019-04-10", Class: "normal", Reason: demoClassNormalReason}}},
	{Key: "C2", Province: "510000", Division: "510104", District: "成都市锦江区", Name: "成都蓉岷汇通信息技术有限公司",
		Brands: []string{"蓉岷汇通"}, Site: "rongminhuitong", Address: "成都市锦江区示例街12号906室", Created: "2018-07-02",
		Profile: profMixed, Scale: 2100, Lenders: 1600, Months: 18, Late: map[int]int{3: 5, 14: 2},
		Steps: []demoStep{{On: "2019-04-10", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}}}},
	{Key: "C3", Province: "510000", Division: "510105", District: "成都市青羊区", Name: "成都锦城易融网络科技有限公司",
		Brands: []string{"锦城易融"}, Former: []string{"成都锦城财富投资有限公司"}, Site: "jinchengyirong",
		Address: "成都市青羊区示例路1号1103室", Created: "2018-07-02",
		Profile: profExposed, Scale: 18000, Lenders: 8700, Months: 12, OverdueBP: [2]int{500, 200},
		Steps: []demoStep{
			{On: "2019-04-10", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue}},
			{On: "2019-09-05", Class: "malicious_exit", Reason: demoMaliciousReason, Criteria: []string{critUnreachable, critNoCooperate}},
			{On: "2019-09-20", Disposition: "to_police", DispReason: "涉嫌集资诈骗，线索已移送公安机关。"}}},

	// 湖北 420000
	{Key: "E1", Province: "420000", Division: "420106", District: "武汉市武昌区", Name: "武汉楚樾金服信息技术有限公司",
		Brands: []string{"楚樾金服"}, Site: "chuyuejf", Address: "武汉市武昌区示例路118号2305室", Created: "2018-07-02",
		Profile: profHighRisk, Scale: 14000, Lenders: 6100, Months: 18,
		Steps: []demoStep{{On: "2019-04-12", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue}}}},
	{Key: "E2", Province: "420000", Division: "420111", District: "武汉市洪山区", Name: "武汉汤逊e贷网络科技有限公司",
		Brands: []string{"汤逊e贷"}, Site: "tangxundai", Address: "武汉市洪山区示例大道9号汤逊示例园C栋402室", Created: "2018-07-02",
		Profile: profZeroBalance, Scale: 800, Lenders: 600, Months: 18, ZeroFrom: 3,
		Steps: []demoStep{
			{On: "2019-04-12", Class: "zombie", Reason: demoZombieReason, Criteria: []string{critZeroBalance},
				Disposition: "no_business", DispReason: "借贷余额已清零。"},
			{On: "2020-01-15", Disposition: "scope_changed", DispReason: "已办理经营范围变更登记，不再从事网络借贷信息中介业务。"}}},
	{Key: "E3", Province: "420000", Division: "420103", District: "武汉市江汉区", Name: "武汉汉正融通信息服务有限公司",
		Brands: []string{"汉正融通"}, Site: "hanzhengrongtong", Address: "武汉市江汉区示例路6号1208室", Created: "2018-07-02",
		Profile: profMixed, Scale: 8000, Lenders: 4100, Months: 18, Late: map[int]int{2: 3, 7: 11}},

	// 福建 350000
	{Key: "F1", Province: "350000", Division: "350102", District: "福州市鼓楼区", Name: "福州闽信汇网络借贷信息中介服务有限公司",
		Brands: []string{"闽信汇"}, Site: "minxinhui", Bank: "演示存管银行福州分行", Address: "福州市鼓楼区示例路100号1501室", Created: "2018-07-02",
		Profile: profDecline, Scale: 28000, Lenders: 13000, Months: 18,
		Steps: []demoStep{{On: "2019-04-15", Class: "normal", Reason: demoClassNormalReason}}},
	{Key: "F2", Province: "350000", Division: "350103", District: "福州市台江区", Name: "福州榕城贷信息科技有限公司",
		Brands: []string{"榕城贷"}, Site: "rongchengdai", Address: "福州市台江区示例路22号803室", Created: "2018-07-02",
		Profile: profDecline, Scale: 1500, Lenders: 1100, Months: 18,
		Steps: []demoStep{
			{On: "2019-04-15", Class: "small", Reason: demoSmallReason, Criteria: []string{critSmall}},
			{On: "2019-11-20", Disposition: "winding_down", DispReason: "机构提交退出计划，停止发布新标的。"}}},
	{Key: "F3", Province: "350000", Division: "350104", District: "福州市仓山区", Name: "福州海峡易融网络科技有限公司",
		Brands: []string{"海峡易融"}, Site: "haixiayirong", Address: "福州市仓山区示例路7号1002室", Created: "2018-07-02",
		Profile: profExposed, Scale: 23000, Lenders: 10500, Months: 12,
		Steps: []demoStep{
			{On: "2019-04-15", Class: "high_risk", Reason: demoHighRiskReason, Criteria: []string{critOverdue}},
			{On: "2019-07-30", Class: "case_filed", Reason: demoCaseReason, Criteria: []string{critPolice},
				Disposition: "to_police", DispReason: "福州市公安局仓山分局已立案侦查。"}}},
}

// demoNotice is one notice of an office. Published "" means two days before start-up: the notice
// whose claim window is open.
type demoNotice struct {
	Key, Kind, Province, Batch, Title string
	Published                         string // YYYY-MM-DD, published at 10:00 China time
	WindowDays                        int
	WindowUnit                        string
	Members                           []string // institution keys
	Corrects                          string   // key of the corrected notice
	Listed                            bool     // members move to disposition "listed" on publication
	Conclude                          bool     // a week after the window the office records "no claim" for every member
	Typos                             map[string]string
}

var demoNotices = []demoNotice{
	{Key: "N-SZ-general", Kind: "general", Province: "440300", Published: "2019-04-19",
		Title:   "关于公布深圳市网络借贷信息中介机构分类情况（第一批）的公告",
		Members: []string{"S1", "S2", "S3", "S4"}},
	{Key: "N-GD-zombie-1", Kind: "zombie_list", Province: "440000", Published: "2019-07-05", Batch: "第一批",
		Title:      "关于公布广东省第一批僵尸类网络借贷信息中介机构名单的公告",
		WindowDays: 15, WindowUnit: "working", Members: []string{"G2", "G3", "G4"}, Listed: true,
		Conclude: true, Typos: map[string]string{"G3": "禅信宝"}},
	{Key: "N-GD-correction", Kind: "correction", Province: "440000", Published: "2019-07-10", Corrects: "N-GD-zombie-1",
		Title:   "关于更正《关于公布广东省第一批僵尸类网络借贷信息中介机构名单的公告》的公告",
		Members: []string{"G2", "G3", "G4"}},
	{Key: "N-ZJ-transfer", Kind: "transfer", Province: "330000", Published: "2019-08-23",
		Title:   "关于将部分网络借贷信息中介机构移送公安机关依法处置的公告",
		Members: []string{"Z1", "Z2", "Z3"}},
	{Key: "N-SH-exit", Kind: "exit_supervision", Province: "310000", Published: "2019-10-18",
		Title:      "关于上海市部分网络借贷信息中介机构良性退出的监督公告",
		WindowDays: 20, WindowUnit: "calendar", Members: []string{"H1", "H2", "H3"}},
	{Key: "N-BJ-zombie-2", Kind: "zombie_list", Province: "110000", Published: "2020-04-17", Batch: "第二批",
		Title:      "关于公布北京市第二批僵尸类网络借贷信息中介机构名单的公告",
		WindowDays: 30, WindowUnit: "calendar", Members: []string{"B1", "B2", "B3"}, Listed: true},
	{Key: "N-GD-zombie-5", Kind: "zombie_list", Province: "440000", Published: "", Batch: "第五批",
		Title:      "关于公布广东省第五批僵尸类网络借贷信息中介机构名单的公告",
		WindowDays: 15, WindowUnit: "working", Members: []string{"G5", "G6", "G7"}, Listed: true},
}

// demoFilerKey names the institution whose filer gets a demo login.
const demoFilerKey = "G1"
