package demo

import "strings"

// realNames are names of real online-lending platforms (most of them closed in the clean-up) and of
// well-known financial companies, whole or by the two characters that make them recognisable. The
// demo data set and the corpus generator are invented throughout and must never use one:
// TestDemoNamesAreInvented checks the demo, corpusGen draws again when a brand contains one.
// Add to it freely; a longer list only makes the generator redraw now and then.
var realNames = []string{
	// platforms
	"红岭", "e租宝", "租宝", "钱宝", "善林", "团贷", "小牛在线", "人人贷", "人人", "拍拍贷", "陆金所", "陆金", "宜人贷", "宜人",
	"点融", "有利网", "投哪网", "爱钱进", "网利宝", "聚财猫", "积木盒子", "翼龙贷", "微贷网", "钱爸爸", "牛板金", "唐小僧",
	"联璧", "雅堂", "草根投资", "信和", "银湖网", "金银猫", "礼德", "向上金服", "鑫合汇", "小赢", "你我贷", "和信贷", "和信",
	"凤凰金融", "开鑫贷", "懒财", "宜贷网", "短融网", "民贷天下", "合拍在线", "道口贷", "米缸", "邦帮堂", "钱盆网", "投融家",
	"付融宝", "口袋理财", "金联储", "晋商贷", "达人贷", "石投金融", "抱财网", "图腾贷", "麦子金服", "新新贷", "桔子理财",
	"温州贷", "乐融多源", "乐融", "玖富", "友金所", "招财宝", "汇通易贷", "中融宝", "精融汇", "爱投资", "理财农场", "投投贷",
	"融金所", "紫马财行", "花虫", "鹏金所", "金信网", "快鹿", "泛亚", "中晋", "大大集团", "钱满仓", "诺亚",
	// financial groups and companies whose names a platform might borrow
	"宜信", "众安", "汇金", "汇通达", "鲁商", "蚂蚁", "京东金融", "百度金融", "苏宁金融", "平安", "招商", "中信", "光大", "民生",
}

// soundsReal reports whether name contains one of realNames.
func soundsReal(name string) bool {
	for _, r := range realNames {
		if strings.Contains(name, r) {
			return true
		}
	}
	return false
}
