package models

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDivisionTable(t *testing.T) {
	all := Divisions()
	if len(all) != 34+5 {
		t.Fatalf("Divisions() has %d entries, want 34 provinces + 5 plan cities", len(all))
	}
	var provinces []string
	shorts := ""
	seen := map[string]bool{}
	for i, d := range all {
		if seen[d.Code] {
			t.Errorf("duplicate code %s", d.Code)
		}
		seen[d.Code] = true
		if len(d.Code) != 6 || ProvinceOf(d.Code) == "" {
			t.Errorf("%s: bad code", d.Code)
		}
		if d.Name == "" || d.NameEN == "" || utf8.RuneCountInString(d.Short) != 1 {
			t.Errorf("%s: incomplete %+v", d.Code, d)
		}
		if got, ok := LookupDivision(d.Code); !ok || got != d {
			t.Errorf("LookupDivision(%s) = %+v, %v", d.Code, got, ok)
		}
		if !ValidProvince(d.Code) {
			t.Errorf("ValidProvince(%s) = false", d.Code)
		}
		if i > 0 && all[i-1].PlanCity == d.PlanCity && all[i-1].Code >= d.Code {
			t.Errorf("%s after %s: not in code order", d.Code, all[i-1].Code)
		}
		if d.PlanCity {
			if !strings.HasSuffix(d.Name, "市") || strings.HasSuffix(d.Code, "0000") {
				t.Errorf("plan city %+v", d)
			}
			continue
		}
		if i > 0 && all[i-1].PlanCity {
			t.Errorf("province %s after a plan city", d.Code)
		}
		if !strings.HasSuffix(d.Code, "0000") {
			t.Errorf("province %s does not end in 0000", d.Code)
		}
		provinces = append(provinces, d.Code[:2])
		shorts += d.Short
	}
	wantProvinces := "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82"
	if got := strings.Join(provinces, " "); got != wantProvinces {
		t.Errorf("provinces %s\nwant %s", got, wantProvinces)
	}
	if want := "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔滇藏陕甘青宁新台港澳"; shorts != want {
		t.Errorf("abbreviations %s\nwant %s", shorts, want)
	}

	// The caller gets a copy.
	all[0].Name = "changed"
	if d, _ := LookupDivision("110000"); d.Name != "北京市" {
		t.Error("Divisions() exposes the table")
	}
}

func TestDivisionLookup(t *testing.T) {
	tests := []struct {
		code, name, en, short string
		plan                  bool
	}{
		{"110000", "北京市", "Beijing", "京", false},
		{"150000", "内蒙古自治区", "Inner Mongolia", "蒙", false},
		{"440000", "广东省", "Guangdong", "粤", false},
		{"450000", "广西壮族自治区", "Guangxi", "桂", false},
		{"610000", "陕西省", "Shaanxi", "陕", false},
		{"140000", "山西省", "Shanxi", "晋", false},
		{"650000", "新疆维吾尔自治区", "Xinjiang", "新", false},
		{"710000", "台湾省", "Taiwan", "台", false},
		{"810000", "香港特别行政区", "Hong Kong", "港", false},
		{"820000", "澳门特别行政区", "Macao", "澳", false},
		{"210200", "大连市", "Dalian", "连", true},
		{"330200", "宁波市", "Ningbo", "甬", true},
		{"350200", "厦门市", "Xiamen", "厦", true},
		{"370200", "青岛市", "Qingdao", "青", true},
		{"440300", "深圳市", "Shenzhen", "深", true},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			d, ok := LookupDivision(tc.code)
			want := Division{Code: tc.code, Name: tc.name, NameEN: tc.en, Short: tc.short, PlanCity: tc.plan}
			if !ok || d != want {
				t.Errorf("LookupDivision(%s) = %+v, %v; want %+v", tc.code, d, ok, want)
			}
		})
	}
	for _, code := range []string{"", "440100", "110105", "160000", "720000", "830000", "990000", "000000", "44000", "4400000", "44000a", " 440000"} {
		if d, ok := LookupDivision(code); ok {
			t.Errorf("LookupDivision(%q) = %+v", code, d)
		}
		if ValidProvince(code) {
			t.Errorf("ValidProvince(%q) = true", code)
		}
	}
}

func TestDivisionProvinceOf(t *testing.T) {
	tests := map[string]string{
		"440300": "440000", "110105": "110000", "440000": "440000", "210200": "210000",
		"350100": "350000", "370212": "370000", "500101": "500000", "820000": "820000", "710000": "710000",
		"650102": "650000",
		"990000": "", "160000": "", "000000": "", "300000": "", "830000": "",
		"": "", "44": "", "4403": "", "4403000": "", "44030a": "", "-44030": "", "４４０３００": "",
	}
	for code, want := range tests {
		if got := ProvinceOf(code); got != want {
			t.Errorf("ProvinceOf(%q) = %q, want %q", code, got, want)
		}
	}
}
