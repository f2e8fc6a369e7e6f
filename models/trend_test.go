package models_test

import (
	"testing"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestShuangjiangTrend sums the current figures of each month: an amended month counts its new
// version only, each province's trend holds its own institutions, and the count of reporters says
// how many institutions make up each month.
func TestShuangjiangTrend(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		gz, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "440106", "MA5TR0001"), Name: "广州趋势甲有限公司", Province: "440000"}, "x", at("2019-01-02 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		bj, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "110105", "MA5TR0002"), Name: "北京趋势乙有限公司", Province: "110000"}, "x", at("2019-01-02 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		file := func(in models.Institution, period string, balance, lenders int64, when string) models.Disclosure {
			t.Helper()
			d, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: period, Figures: figures(balance, lenders)}, "f", at(when))
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		file(gz, "2019-01", 1000_00, 50, "2019-02-01 10:00")
		first := file(gz, "2019-02", 900_00, 45, "2019-03-01 10:00")
		file(bj, "2019-02", 500_00, 20, "2019-03-01 11:00")
		if _, err := st.AmendDisclosure(ctx, first, models.NewDisclosure{Kind: "monthly_data", Period: "2019-02", Figures: figures(800_00, 40)}, "corrected", "f", at("2019-03-02 10:00")); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			province string
			want     []models.TrendPoint
		}{
			{"", []models.TrendPoint{{"2019-01", 1000_00, 50, 1}, {"2019-02", 1300_00, 60, 2}}},
			{"440000", []models.TrendPoint{{"2019-01", 1000_00, 50, 1}, {"2019-02", 800_00, 40, 1}}},
			{"110000", []models.TrendPoint{{"2019-02", 500_00, 20, 1}}},
			{"650000", nil},
		}
		for _, c := range cases {
			got, err := st.ShuangjiangTrend(ctx, c.province)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%q: %+v, want %+v", c.province, got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("%q month %d: %+v, want %+v", c.province, i, got[i], c.want[i])
				}
			}
		}
	})
}
