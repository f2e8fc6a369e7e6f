package app

import (
	"context"
	"encoding/json"
	"testing"

	"pilu/models"
)

// TestDemoFlagsEndWithTheDuty: in the demo data set, no institution is flagged 未正常报数 for a month
// after its duty to report ended (exit, police, deregistration: models.ReportingDuty), and every
// province's 按时报数 counts only institutions that owed reports, so none shows 0%.
func TestDemoFlagsEndWithTheDuty(t *testing.T) {
	ts := newTestServer(t, map[string]string{"PILU_DEMO": "1"})
	ctx := context.Background()
	var stats struct {
		Provinces []struct {
			Province    string `json:"province"`
			Reporting   int64  `json:"reporting"`
			ReportingOK int64  `json:"reporting_ok"`
		} `json:"provinces"`
	}
	if err := json.Unmarshal([]byte(ts.get("/api/v1/stats").body), &stats); err != nil || len(stats.Provinces) < 8 {
		t.Fatalf("stats: %v %+v", err, stats)
	}
	for _, p := range stats.Provinces {
		if p.Reporting == 0 || p.ReportingOK == 0 {
			t.Errorf("%s: %d of %d institutions reported on time", p.Province, p.ReportingOK, p.Reporting)
		}
	}
	ins, _, err := ts.store.ListInstitutions(ctx, models.InstitutionFilter{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	for _, in := range ins {
		if models.OwesReports(in.Class, in.Disposition) {
			continue
		}
		ended++
		var last string // the month of the last change of class or disposition
		ds, _ := ts.store.Decisions(ctx, in.ID)
		moves, _ := ts.store.DispositionHistory(ctx, in.ID)
		for _, d := range ds {
			last = max(last, models.DateOf(d.DecidedAt).String()[:7])
		}
		for _, m := range moves {
			last = max(last, models.DateOf(m.DecidedAt).String()[:7])
		}
		var detail struct {
			Flags []struct{ Code, Period string } `json:"flags"`
		}
		json.Unmarshal([]byte(ts.get("/api/v1/institutions/"+in.USCC).body), &detail)
		for _, f := range detail.Flags {
			if f.Code == models.FlagReportMissing && f.Period >= last {
				t.Errorf("%s (%s, %s): %s flagged missing after its duty ended in %s", in.Name, in.Class, in.Disposition, f.Period, last)
			}
		}
	}
	if ended < 20 {
		t.Errorf("%d demo institutions owe no reports any more, want most of them", ended)
	}
}
