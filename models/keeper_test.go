package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// keeperCases: which office keeps an institution registered in a division (属地管理). The five plan
// cities keep their own; their province's office does not.
var keeperCases = []struct {
	division, keeper string
}{
	{"350100", "350000"}, // Fuzhou: Fujian
	{"350203", "350200"}, // Xiamen: its own office
	{"440306", "440300"}, // Shenzhen
	{"440300", "440300"},
	{"440106", "440000"}, // Guangzhou
	{"441900", "440000"}, // Dongguan (no districts)
	{"210202", "210200"}, // Dalian
	{"211000", "210000"}, // Liaoyang
	{"330203", "330200"}, // Ningbo
	{"370202", "370200"}, // Qingdao
	{"370102", "370000"}, // Jinan
	{"110105", "110000"},
	{"810000", "810000"},
}

func TestKeeperOf(t *testing.T) {
	for _, c := range keeperCases {
		d, ok := models.KeeperOf(c.division)
		if !ok || d.Code != c.keeper {
			t.Errorf("KeeperOf(%s) = %s, %v; want %s", c.division, d.Code, ok, c.keeper)
		}
	}
	for _, bad := range []string{"", "4403", "990100", "44030a"} {
		if d, ok := models.KeeperOf(bad); ok {
			t.Errorf("KeeperOf(%q) = %s, want none", bad, d.Code)
		}
	}
}

// TestInstitutionsAreKeptWhereRegistered: an office creates (or imports) only institutions registered
// in its division; any other office, the province of a plan city included, is refused with the
// division named; the template's sample code is refused everywhere.
func TestInstitutionsAreKeptWhereRegistered(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	offices := []string{}
	for _, d := range models.Divisions() {
		offices = append(offices, d.Code)
	}
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		for i, c := range keeperCases {
			uscc, err := models.MakeUSCC(c.division, fmt.Sprintf("MA5KEEP%02d", i))
			if err != nil {
				t.Fatal(err)
			}
			for _, office := range offices {
				ni := models.NewInstitution{USCC: uscc, Name: "属地测试网贷有限公司", Province: office}
				_, _, fe := models.CheckInstitution(ni)
				if office == c.keeper {
					if fe != nil {
						t.Errorf("%s refused by its office %s: %v", uscc, office, fe)
					}
					continue
				}
				want := models.FieldError{Field: "uscc", Code: models.CodeKeptElsewhere, Args: models.Args{"division": c.division, "keeper": c.keeper}}
				if got := fe["uscc"]; len(got) != 1 || !reflect.DeepEqual(got[0], want) {
					t.Errorf("%s accepted into %s: %v, want %v", uscc, office, got, want)
				}
			}
			wrong := "440000"
			if c.keeper == wrong {
				wrong = "350000"
			}
			var fe models.FieldErrors
			if _, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: uscc, Name: "属地测试网贷有限公司", Province: wrong}, "o", now); !errors.As(err, &fe) || !fe.Has("uscc") {
				t.Errorf("%s created in %s: %v", uscc, wrong, err)
			}
			if _, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: uscc, Name: "属地测试网贷有限公司", Province: c.keeper}, "o", now); err != nil {
				t.Errorf("%s not created in %s: %v", uscc, c.keeper, err)
			}
		}
		fuzhou, _ := models.MakeUSCC("350100", "MA5FJ0001")
		shenzhen, _ := models.MakeUSCC("440305", "MA5PC0001")
		guangzhou, _ := models.MakeUSCC("440106", "MA5GD0001")
		rep, err := st.ImportInstitutions(ctx, "440000", []models.ImportRow{
			{Row: 2, Institution: models.NewInstitution{USCC: models.SampleUSCC, Name: "示例网络借贷信息中介服务有限公司"}},
			{Row: 3, Institution: models.NewInstitution{USCC: fuzhou, Name: "福州网贷有限公司"}},
			{Row: 4, Institution: models.NewInstitution{USCC: shenzhen, Name: "深圳网贷有限公司"}},
			{Row: 5, Institution: models.NewInstitution{USCC: guangzhou, Name: "广州网贷有限公司"}},
		}, models.ImportOptions{Actor: "o", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Imported || len(rep.Problems) != 3 {
			t.Fatalf("import: %+v", rep)
		}
		for i, want := range []string{models.CodeSampleRow + " map[]", models.CodeKeptElsewhere + " map[division:350100 keeper:350000]", models.CodeKeptElsewhere + " map[division:440305 keeper:440300]"} {
			if p := rep.Problems[i]; p.Row != i+2 || p.Column != "uscc" || fmt.Sprint(p.Code, " ", p.Args) != want {
				t.Errorf("problem %d: %+v, want row %d: %s", i, p, i+2, want)
			}
		}
		rep, err = st.ImportInstitutions(ctx, "440000", []models.ImportRow{{Row: 2, Institution: models.NewInstitution{USCC: guangzhou, Name: "广州网贷有限公司"}}},
			models.ImportOptions{Actor: "o", Now: now})
		if err != nil || !rep.Imported || rep.Created != 1 {
			t.Errorf("a Guangzhou institution into Guangdong: %+v, %v", rep, err)
		}
	})
}
