package models

import "slices"

// Division is an administrative division of GB/T 2260 that has a clean-up office: a province-level
// division, or one of the five cities with separate plans (计划单列市).
type Division struct {
	// Code is the 6-digit GB/T 2260 code: "440000" for a province, "440300" for a plan city.
	Code string
	// Name is the full Chinese name, e.g. 广东省, 深圳市, 香港特别行政区.
	Name string
	// NameEN is the English name, e.g. Guangdong.
	NameEN string
	// Short is the one-character abbreviation used in document numbers, e.g. 粤.
	// Qingdao and Qinghai share 青.
	Short string
	// PlanCity is true for the five cities with separate plans.
	PlanCity bool
}

// divisions is the fixed table behind Divisions: provinces in code order, then plan cities.
var divisions = [...]Division{
	{Code: "110000", Name: "北京市", NameEN: "Beijing", Short: "京"},
	{Code: "120000", Name: "天津市", NameEN: "Tianjin", Short: "津"},
	{Code: "130000", Name: "河北省", NameEN: "Hebei", Short: "冀"},
	{Code: "140000", Name: "山西省", NameEN: "Shanxi", Short: "晋"},
	{Code: "150000", Name: "内蒙古自治区", NameEN: "Inner Mongolia", Short: "蒙"},
	{Code: "210000", Name: "辽宁省", NameEN: "Liaoning", Short: "辽"},
	{Code: "220000", Name: "吉林省", NameEN: "Jilin", Short: "吉"},
	{Code: "230000", Name: "黑龙江省", NameEN: "Heilongjiang", Short: "黑"},
	{Code: "310000", Name: "上海市", NameEN: "Shanghai", Short: "沪"},
	{Code: "320000", Name: "江苏省", NameEN: "Jiangsu", Short: "苏"},
	{Code: "330000", Name: "浙江省", NameEN: "Zhejiang", Short: "浙"},
	{Code: "340000", Name: "安徽省", NameEN: "Anhui", Short: "皖"},
	{Code: "350000", Name: "福建省", NameEN: "Fujian", Short: "闽"},
	{Code: "360000", Name: "江西省", NameEN: "Jiangxi", Short: "赣"},
	{Code: "370000", Name: "山东省", NameEN: "Shandong", Short: "鲁"},
	{Code: "410000", Name: "河南省", NameEN: "Henan", Short: "豫"},
	{Code: "420000", Name: "湖北省", NameEN: "Hubei", Short: "鄂"},
	{Code: "430000", Name: "湖南省", NameEN: "Hunan", Short: "湘"},
	{Code: "440000", Name: "广东省", NameEN: "Guangdong", Short: "粤"},
	{Code: "450000", Name: "广西壮族自治区", NameEN: "Guangxi", Short: "桂"},
	{Code: "460000", Name: "海南省", NameEN: "Hainan", Short: "琼"},
	{Code: "500000", Name: "重庆市", NameEN: "Chongqing", Short: "渝"},
	{Code: "510000", Name: "四川省", NameEN: "Sichuan", Short: "川"},
	{Code: "520000", Name: "贵州省", NameEN: "Guizhou", Short: "黔"},
	{Code: "530000", Name: "云南省", NameEN: "Yunnan", Short: "滇"},
	{Code: "540000", Name: "西藏自治区", NameEN: "Xizang", Short: "藏"},
	{Code: "610000", Name: "陕西省", NameEN: "Shaanxi", Short: "陕"},
	{Code: "620000", Name: "甘肃省", NameEN: "Gansu", Short: "甘"},
	{Code: "630000", Name: "青海省", NameEN: "Qinghai", Short: "青"},
	{Code: "640000", Name: "宁夏回族自治区", NameEN: "Ningxia", Short: "宁"},
	{Code: "650000", Name: "新疆维吾尔自治区", NameEN: "Xinjiang", Short: "新"},
	{Code: "710000", Name: "台湾省", NameEN: "Taiwan", Short: "台"},
	{Code: "810000", Name: "香港特别行政区", NameEN: "Hong Kong", Short: "港"},
	{Code: "820000", Name: "澳门特别行政区", NameEN: "Macao", Short: "澳"},
	{Code: "210200", Name: "大连市", NameEN: "Dalian", Short: "连", PlanCity: true},
	{Code: "330200", Name: "宁波市", NameEN: "Ningbo", Short: "甬", PlanCity: true},
	{Code: "350200", Name: "厦门市", NameEN: "Xiamen", Short: "厦", PlanCity: true},
	{Code: "370200", Name: "青岛市", NameEN: "Qingdao", Short: "青", PlanCity: true},
	{Code: "440300", Name: "深圳市", NameEN: "Shenzhen", Short: "深", PlanCity: true},
}

// Divisions returns every division with an office: the 34 province-level divisions in code order,
// then the five plan cities in code order. The slice is a fresh copy the caller may change.
func Divisions() []Division { return slices.Clone(divisions[:]) }

// LookupDivision returns the province or plan city with the given 6-digit code.
func LookupDivision(code string) (Division, bool) {
	for _, d := range divisions {
		if d.Code == code {
			return d, true
		}
	}
	return Division{}, false
}

// ValidProvince reports whether code is the code of an office's division: a province-level
// division or a plan city.
func ValidProvince(code string) bool {
	_, ok := LookupDivision(code)
	return ok
}

// ProvinceOf returns the code of the province-level division that contains the 6-digit division
// code (its first two digits followed by 0000: "440300" gives "440000"), or "" when code is not
// six digits or its first two digits name no province. It does not check that the lower levels exist.
func ProvinceOf(code string) string {
	if _, ok := atoiDigits(code); !ok || len(code) != 6 {
		return ""
	}
	province := code[:2] + "0000"
	if d, ok := LookupDivision(province); !ok || d.PlanCity {
		return ""
	}
	return province
}

// KeeperOf returns the office that keeps the institutions registered in a 6-digit division code
// (属地管理, an institution is kept where it is registered): the plan city whose code shares the
// division's first four digits (440306 in Shenzhen → 深圳市 440300, whose office is separate from
// Guangdong's), otherwise the province (350100 in Fuzhou → 福建省 350000; 441900 → 广东省 440000).
// ok is false when the code is not six digits or no province starts with its first two.
func KeeperOf(division string) (Division, bool) {
	province := ProvinceOf(division)
	if province == "" {
		return Division{}, false
	}
	for _, d := range divisions {
		if d.PlanCity && d.Code[:4] == division[:4] {
			return d, true
		}
	}
	return LookupDivision(province)
}
