package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

// TestMonthlyReportDueDay: the monthly report of 2026-10 is due by 24:00 of 2026-11-06 (the 5th
// working day); its page says 2026年11月6日, not the next day whose 00:00 ends the period.
func TestMonthlyReportDueDay(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	in := ts.seedInstitution("440106", "TT0000009", "广州丁网贷有限公司", "440000", "丁贷")
	f := &models.MonthlyFigures{CumLendingAmount: 1e9, CumLendingCount: 100, OutstandingAmount: 1000, OutstandingCount: 10,
		CumLenders: 100, CumBorrowers: 50, Lenders: 10, Borrowers: 5, Top10Amount: 1000, LargestAmount: 300}
	d, err := ts.store.FileDisclosure(context.Background(), in, models.NewDisclosure{Kind: "monthly_data", Period: "2026-10", Figures: f}, "f",
		time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone))
	if err != nil {
		t.Fatal(err)
	}
	if d.DueDay() != "2026-11-06" {
		t.Fatalf("due day %s, want 2026-11-06", d.DueDay())
	}
	r := ts.get(fmt.Sprintf("/disclosures/%d", d.ID))
	wantAnswer(t, r, 200, "应披露日期</dt><dd>2026年11月6日")
	if strings.Contains(r.body, "2026年11月7日") {
		t.Fatal("the due day is shown one day late")
	}
	wantAnswer(t, ts.get(fmt.Sprintf("/disclosures/%d?lang=en", d.ID)), 200, "Due</dt><dd>6 Nov 2026")
}
