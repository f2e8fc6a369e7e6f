package models_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"pilu/models"
)

// allowedMoves is the graph the tests hold the code to, written out independently of it.
var allowedMoves = map[string][]string{
	"operating":           {"winding_down", "no_business", "listed", "to_police", "transformed"},
	"winding_down":        {"no_business", "listed", "to_police", "transformed"},
	"no_business":         {"listed", "deregistered", "scope_changed", "to_market_regulator", "to_police", "transformed"},
	"listed":              {"winding_down", "deregistered", "scope_changed", "to_market_regulator", "to_police"},
	"to_market_regulator": {"deregistered"},
	"scope_changed":       {"deregistered"},
	"transformed":         {"deregistered"},
}

func TestEveryDispositionMove(t *testing.T) {
	for _, from := range models.Dispositions {
		for _, to := range append(slices.Clone(models.Dispositions), "closed", "") {
			want := slices.Contains(allowedMoves[from], to)
			t.Run(from+"→"+to, func(t *testing.T) {
				err := models.CheckDispositionMove(from, to)
				if want != (err == nil) {
					t.Fatalf("allowed=%v, got %v", want, err)
				}
				var fe models.FieldErrors
				if err != nil && (!errorsAs(err, &fe) || !fe.Has("disposition")) {
					t.Fatalf("a refusal says why on the disposition field: %v", err)
				}
			})
		}
	}
}

func errorsAs(err error, fe *models.FieldErrors) bool {
	v, ok := err.(models.FieldErrors)
	*fe = v
	return ok
}

// series builds monthly figures from start, one per month, from (balance, new business, lenders,
// overdue) tuples.
func series(start string, rows ...[4]int64) []models.MonthlyFigures {
	t, _ := time.Parse("2006-01", start)
	out := make([]models.MonthlyFigures, len(rows))
	for i, r := range rows {
		out[i] = models.MonthlyFigures{Period: t.AddDate(0, i, 0).Format("2006-01"), OutstandingAmount: r[0], NewBusinessAmount: r[1], Lenders: r[2], OverdueAmount: r[3]}
	}
	return out
}

func TestEvaluateRules(t *testing.T) {
	th := &models.Thresholds{OutstandingFen: 1_000_000, Lenders: 100}
	gap := series("2019-01", [4]int64{0, 0, 1, 0}, [4]int64{0, 0, 1, 0})
	gap = append(gap, series("2019-04", [4]int64{0, 0, 1, 0}, [4]int64{0, 0, 1, 0})...)
	cases := []struct {
		name string
		figs []models.MonthlyFigures
		th   *models.Thresholds
		want map[string][]string // rule → months
	}{
		{"no figures", nil, th, map[string][]string{}},
		{"balance zero exactly three months is not a zombie", series("2019-01", [4]int64{5, 1, 9, 0}, [4]int64{0, 1, 9, 0}, [4]int64{0, 1, 9, 0}, [4]int64{0, 1, 9, 0}), nil, map[string][]string{}},
		{"balance zero four months is a zombie", series("2019-01", [4]int64{0, 1, 9, 0}, [4]int64{0, 1, 9, 0}, [4]int64{0, 1, 9, 0}, [4]int64{0, 1, 9, 0}), nil,
			map[string][]string{models.RuleZombieBalance: {"2019-01", "2019-02", "2019-03", "2019-04"}}},
		{"new business zero four months across a year end", series("2019-10", [4]int64{9, 5, 9, 0}, [4]int64{9, 0, 9, 0}, [4]int64{8, 0, 9, 0}, [4]int64{7, 0, 9, 0}, [4]int64{6, 0, 9, 0}), nil,
			map[string][]string{models.RuleZombieNewBusiness: {"2019-11", "2019-12", "2020-01", "2020-02"}}},
		{"new business zero three months is not", series("2019-10", [4]int64{9, 5, 9, 0}, [4]int64{9, 0, 9, 0}, [4]int64{8, 0, 9, 0}, [4]int64{7, 0, 9, 0}), nil, map[string][]string{}},
		{"a run that ended before the latest month does not count", series("2019-01", [4]int64{0, 0, 9, 0}, [4]int64{0, 0, 9, 0}, [4]int64{0, 0, 9, 0}, [4]int64{0, 0, 9, 0}, [4]int64{5, 5, 9, 0}), nil, map[string][]string{}},
		{"a month not filed breaks the run", gap, nil, map[string][]string{}},
		{"overdue exactly 10% is not high risk", series("2019-01", [4]int64{1000, 1, 9, 100}), nil, map[string][]string{}},
		{"overdue just above 10% is", series("2019-01", [4]int64{1000, 1, 9, 50}, [4]int64{1000, 1, 9, 101}), nil,
			map[string][]string{models.RuleHighRiskOverdue: {"2019-02"}}},
		{"small below both thresholds", series("2019-01", [4]int64{999_999, 1, 99, 0}), th, map[string][]string{models.RuleSmall: {"2019-01"}}},
		{"not small at the balance threshold", series("2019-01", [4]int64{1_000_000, 1, 99, 0}), th, map[string][]string{}},
		{"not small at the lender threshold", series("2019-01", [4]int64{5, 1, 100, 0}), th, map[string][]string{}},
		{"no thresholds, no small", series("2019-01", [4]int64{5, 1, 1, 0}), nil, map[string][]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := map[string][]string{}
			for _, h := range models.EvaluateRules(c.figs, c.th) {
				if h.Class != models.RuleClass(h.Rule) {
					t.Errorf("%s suggests %s", h.Rule, h.Class)
				}
				got[h.Rule] = h.Months
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestShuangjiangBreaks(t *testing.T) {
	figs := series("2019-11",
		[4]int64{100, 0, 50, 0}, // first month: nothing to compare
		[4]int64{90, 0, 40, 0},  // both fell
		[4]int64{95, 0, 30, 0},  // balance rose
		[4]int64{80, 0, 31, 0},  // lenders rose (across the year end)
		[4]int64{80, 0, 31, 0},  // flat: neither rose
	)
	var got []string
	for _, f := range models.ShuangjiangBreaks(figs) {
		got = append(got, f.Period)
	}
	if want := []string{"2020-01", "2020-02"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("breaks %v, want %v", got, want)
	}
}

func TestReportingGaps(t *testing.T) {
	cal := models.DefaultCalendar()
	// The first five working days of February 2019 end on 2019-02-12, of October 2019 on 2019-10-12.
	listedJan := models.ReportingDuty{Listed: at("2019-01-02 09:00")}
	cases := []struct {
		name  string
		duty  models.ReportingDuty
		filed map[string]string
		now   string
		want  []string
	}{
		{"not on the list, nothing owed", models.ReportingDuty{}, map[string]string{}, "2019-06-01 10:00", nil},
		{"nothing filed since the listing: every month due is missing", listedJan, map[string]string{}, "2019-06-01 10:00",
			[]string{"report_missing:2019-01:0", "report_missing:2019-02:0", "report_missing:2019-03:0", "report_missing:2019-04:0"}},
		{"filed on the last due day", listedJan, map[string]string{"2019-01": "2019-02-12 23:59"}, "2019-02-20 10:00", nil},
		{"a day late", listedJan, map[string]string{"2019-01": "2019-02-13 00:00"}, "2019-02-20 10:00", []string{"report_late:2019-01:1"}},
		{"a month missing between two filed", listedJan, map[string]string{"2019-01": "2019-02-01 10:00", "2019-03": "2019-04-02 10:00"}, "2019-04-20 10:00",
			[]string{"report_missing:2019-02:0"}},
		{"the latest month not yet due is not missing", models.ReportingDuty{Listed: at("2019-08-01 09:00")}, map[string]string{"2019-08": "2019-09-02 10:00"}, "2019-10-12 20:00", nil},
		{"the day after the make-up working day it is", models.ReportingDuty{Listed: at("2019-08-01 09:00")}, map[string]string{"2019-08": "2019-09-02 10:00"}, "2019-10-13 00:01", []string{"report_missing:2019-09:0"}},
		{"months before the listing are not owed", models.ReportingDuty{Listed: at("2019-03-15 09:00")}, map[string]string{"2019-01": "2019-05-01 10:00"}, "2019-04-20 10:00",
			[]string{"report_missing:2019-03:0"}},
		{"a case filed ends the duty from its month on", models.ReportingDuty{Listed: at("2019-01-02 09:00"),
			Changes: []models.StatusChange{{At: at("2019-02-10 15:00"), Class: "case_filed"}}}, map[string]string{}, "2026-11-25 10:00",
			[]string{"report_missing:2019-01:0"}},
		{"deregistered: nothing after, not even a late filing", models.ReportingDuty{Listed: at("2019-01-02 09:00"),
			Changes: []models.StatusChange{{At: at("2019-01-20 15:00"), Disposition: "no_business"}, {At: at("2019-03-01 15:00"), Disposition: "deregistered"}}},
			map[string]string{"2019-03": "2019-06-01 10:00"}, "2026-11-25 10:00", nil},
		{"listed on a zombie notice, then back to winding down after claims", models.ReportingDuty{Listed: at("2019-01-02 09:00"),
			Changes: []models.StatusChange{{At: at("2019-01-31 23:59"), Disposition: "listed"}, {At: at("2019-04-05 15:00"), Disposition: "winding_down"}}},
			map[string]string{}, "2019-06-01 10:00", []string{"report_missing:2019-04:0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			filed := map[string]time.Time{}
			for p, s := range c.filed {
				filed[p] = at(s)
			}
			var got []string
			for _, f := range models.ReportingGaps(c.duty, filed, cal, at(c.now)) {
				got = append(got, fmt.Sprintf("%s:%s:%d", f.Code, f.Period, f.LateDays))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestOwesReports: the statuses that owe monthly reports, both ways, every class and disposition.
func TestOwesReports(t *testing.T) {
	for _, class := range models.Classes {
		for _, d := range models.Dispositions {
			want := (d == "operating" || d == "winding_down") && class != "case_filed"
			if got := models.OwesReports(class, d); got != want {
				t.Errorf("OwesReports(%s, %s) = %v, want %v", class, d, got, want)
			}
		}
	}
	duty := models.ReportingDuty{Listed: at("2019-07-02 09:00"), Changes: []models.StatusChange{
		{At: at("2019-07-31 23:59"), Class: "malicious_exit"}, {At: at("2019-09-01 00:00"), Disposition: "to_police"}}}
	for period, want := range map[string]bool{"2019-06": false, "2019-07": true, "2019-08": true, "2019-09": false, "2020-01": false, "2019-13": false} {
		if got := duty.Owes(period); got != want {
			t.Errorf("Owes(%s) = %v, want %v", period, got, want)
		}
	}
}

// TestRuleCriterion: a rule citation is stored as a code and read back; free text and malformed
// codes are not citations.
func TestRuleCriterion(t *testing.T) {
	for _, s := range []string{"zombie_new_business_zero:2026-06..2026-10", "high_risk_overdue_share:2019-03", "small_below_thresholds"} {
		c, ok := models.ParseRuleCriterion(s)
		if !ok || c.String() != s {
			t.Errorf("%q read as %+v (%v), written back as %q", s, c, ok, c.String())
		}
	}
	for _, s := range []string{"", "公安机关已立案侦查", "zombie:2026-06", "zombie_new_business_zero:2026-13", "zombie_new_business_zero:2026-10..2026-06",
		"zombie_new_business_zero:2026-06..", "zombie_new_business_zero:"} {
		if c, ok := models.ParseRuleCriterion(s); ok {
			t.Errorf("%q read as a rule citation %+v", s, c)
		}
	}
	sg := models.Suggestion{Rule: models.RuleZombieNewBusiness, Months: []string{"2026-06", "2026-07", "2026-08", "2026-09", "2026-10"}}
	if got := models.SuggestionCriterion(sg); got != "zombie_new_business_zero:2026-06..2026-10" {
		t.Errorf("suggestion cited as %q", got)
	}
}
