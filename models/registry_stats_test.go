package models_test

import (
	"testing"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestStatsCountOnlyWhoOwesReports: 按时报数 counts the institutions that owed a report, each judged
// on the months it owed: one transferred to the police after filing every owed month on time is on
// time; one operating that filed nothing is not; one whose case was filed when it was listed owed
// nothing and is not counted.
func TestStatsCountOnlyWhoOwesReports(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		create := func(org, class string) models.Institution {
			uscc, _ := models.MakeUSCC("110105", org)
			ni := models.NewInstitution{USCC: uscc, Name: "北京" + org + "公司", Province: "110000", Class: class, Reason: "列入名单"}
			in, err := st.CreateInstitution(ctx, ni, "o", at("2019-01-02 09:00"))
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		gone := create("MA0GNE001", "")
		create("MA0QLT001", "")
		create("MA0CAE001", "case_filed")
		filedOn := map[string]string{"2019-01": "2019-02-01 09:00", "2019-02": "2019-03-01 09:00", "2019-03": "2019-04-01 09:00", "2019-04": "2019-05-06 09:00"}
		for _, p := range []string{"2019-01", "2019-02", "2019-03", "2019-04"} {
			if _, err := st.FileDisclosure(ctx, gone, models.NewDisclosure{Kind: "monthly_data", Period: p, Figures: figures(100, 10)}, "f", at(filedOn[p])); err != nil {
				t.Fatal(err)
			}
		}
		err := st.Dispose(ctx, gone, "to_police", "移送公安机关", "o", at("2019-05-20 10:00"))
		if err != nil {
			t.Fatal(err)
		}
		duty, err := st.ReportingDutyOf(ctx, gone.ID)
		if err != nil || !duty.Owes("2019-04") || duty.Owes("2019-05") || duty.Owes("2018-12") {
			t.Errorf("the duty of the one gone to the police: %+v, %v", duty, err)
		}
		stats, err := st.RegistryStats(ctx, "110000", at("2026-11-25 10:00"))
		if err != nil || len(stats) != 1 {
			t.Fatalf("%+v %v", stats, err)
		}
		if p := stats[0]; p.Total != 3 || p.Reporting != 2 || p.ReportingOK != 1 || p.FlaggedReport != 1 {
			t.Errorf("total %d, owing %d, on time %d, flagged %d; want 3, 2, 1, 1", p.Total, p.Reporting, p.ReportingOK, p.FlaggedReport)
		}
	})
}
