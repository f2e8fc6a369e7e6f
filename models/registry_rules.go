package models

import (
	"slices"
	"time"
)

// dispositionMoves is the allowed graph of disposition moves (§3): an institution winds down, stops
// business, is listed on a zombie notice and then leaves the list of online lenders one way or another.
// A listed institution goes back to winding down when investors claim during the notice period.
var dispositionMoves = map[string][]string{
	"operating":           {"winding_down", "no_business", "listed", "to_police", "transformed"},
	"winding_down":        {"no_business", "listed", "to_police", "transformed"},
	"no_business":         {"listed", "deregistered", "scope_changed", "to_market_regulator", "to_police", "transformed"},
	"listed":              {"winding_down", "deregistered", "scope_changed", "to_market_regulator", "to_police"},
	"to_market_regulator": {"deregistered"},
	"scope_changed":       {"deregistered"},
	"transformed":         {"deregistered"},
	"to_police":           {},
	"deregistered":        {},
}

// DispositionMoves returns the dispositions an institution may move to from from, in vocabulary order.
func DispositionMoves(from string) []string {
	var out []string
	for _, d := range Dispositions {
		if slices.Contains(dispositionMoves[from], d) {
			out = append(out, d)
		}
	}
	return out
}

// CheckDispositionMove says why an institution may not move from one disposition to another, or nil
// when the move is allowed. The error is FieldErrors on "disposition".
func CheckDispositionMove(from, to string) error {
	switch {
	case !OneOf(to, Dispositions):
		return Invalid("disposition", CodeOneOf, Args{"values": Dispositions, "vocabulary": "disposition"})
	case from == to:
		return Invalid("disposition", CodeSameDisposition, Args{"disposition": to})
	case slices.Contains(dispositionMoves[from], to):
		return nil
	}
	allowed := DispositionMoves(from)
	if len(allowed) == 0 {
		return Invalid("disposition", CodeFinalDisposition, Args{"from": from})
	}
	return Invalid("disposition", CodeDispositionMove, Args{"from": from, "to": to, "allowed": allowed})
}

// Rule names of the suggestions (DOMAIN.md "Classes and the rules that suggest them").
const (
	RuleZombieBalance     = "zombie_outstanding_zero"
	RuleZombieNewBusiness = "zombie_new_business_zero"
	RuleHighRiskOverdue   = "high_risk_overdue_share"
	RuleSmall             = "small_below_thresholds"
)

// ruleClass is the class each rule suggests.
var ruleClass = map[string]string{
	RuleZombieBalance: "zombie", RuleZombieNewBusiness: "zombie",
	RuleHighRiskOverdue: "high_risk", RuleSmall: "small",
}

// RuleClass returns the class a rule suggests.
func RuleClass(rule string) string { return ruleClass[rule] }

// Rules lists every rule name in the order they are shown.
var Rules = []string{RuleZombieBalance, RuleZombieNewBusiness, RuleHighRiskOverdue, RuleSmall}

// ZombieMonths is how many consecutive zero months make a zombie: more than three, so four.
const ZombieMonths = 4

// Thresholds are a province's limits below which an institution is small (规模较小): both the
// outstanding balance (fen) and the lender count of the latest month must be below them.
type Thresholds struct {
	OutstandingFen int64
	Lenders        int64
}

// RuleHit is one rule that holds on an institution's figures, with the months that show it.
type RuleHit struct {
	Rule   string
	Class  string
	Months []string
}

// EvaluateRules applies the rules of §2 to an institution's monthly figures (oldest first, one per
// period): zombie when the outstanding balance or the new business was zero for more than three
// consecutive months up to the latest month, high risk when the overdue share of the latest months is
// above 10%, small when the latest month is below th (nil: the province set no thresholds).
func EvaluateRules(figs []MonthlyFigures, th *Thresholds) []RuleHit {
	if len(figs) == 0 {
		return nil
	}
	var hits []RuleHit
	zeroBalance := trailingRun(figs, func(f MonthlyFigures) bool { return f.OutstandingAmount == 0 })
	if len(zeroBalance) >= ZombieMonths {
		hits = append(hits, RuleHit{Rule: RuleZombieBalance, Class: "zombie", Months: zeroBalance})
	}
	zeroNew := trailingRun(figs, func(f MonthlyFigures) bool { return f.NewBusinessAmount == 0 })
	if len(zeroNew) >= ZombieMonths {
		hits = append(hits, RuleHit{Rule: RuleZombieNewBusiness, Class: "zombie", Months: zeroNew})
	}
	overdue := trailingRun(figs, func(f MonthlyFigures) bool { return OverdueAboveTenth(f) })
	if len(overdue) > 0 {
		hits = append(hits, RuleHit{Rule: RuleHighRiskOverdue, Class: "high_risk", Months: overdue})
	}
	last := figs[len(figs)-1]
	if th != nil && (th.OutstandingFen > 0 || th.Lenders > 0) && last.OutstandingAmount < th.OutstandingFen && last.Lenders < th.Lenders {
		hits = append(hits, RuleHit{Rule: RuleSmall, Class: "small", Months: []string{last.Period}})
	}
	return hits
}

// OverdueAboveTenth reports whether the overdue amount is more than 10% of the outstanding balance
// (exactly 10% is not), in integers.
func OverdueAboveTenth(f MonthlyFigures) bool {
	return f.OutstandingAmount > 0 && f.OverdueAmount*10 > f.OutstandingAmount
}

// trailingRun returns the periods of the run of consecutive calendar months, ending at the latest
// month, for which ok holds; a month not filed breaks the run.
func trailingRun(figs []MonthlyFigures, ok func(MonthlyFigures) bool) []string {
	var run []string
	for i := len(figs) - 1; i >= 0; i-- {
		if !ok(figs[i]) || (i < len(figs)-1 && !nextPeriod(figs[i].Period, figs[i+1].Period)) {
			break
		}
		run = append(run, figs[i].Period)
	}
	slices.Reverse(run)
	return run
}

// nextPeriod reports whether b is the month right after a (both YYYY-MM).
func nextPeriod(a, b string) bool {
	ya, ma, err1 := ParsePeriod(a)
	yb, mb, err2 := ParsePeriod(b)
	if err1 != nil || err2 != nil {
		return false
	}
	y, m := nextMonth(ya, ma)
	return y == yb && m == mb
}

// Flag is something the public and the office should notice about an institution: a month where
// 双降 broke, or a monthly report not filed by its due date (未正常报数).
type Flag struct {
	Code     string `json:"code"` // FlagShuangjiang, FlagReportMissing or FlagReportLate
	Period   string `json:"period"`
	LateDays int    `json:"late_days,omitempty"`
}

// Flag codes.
const (
	FlagShuangjiang   = "shuangjiang_broken"
	FlagReportMissing = "report_missing"
	FlagReportLate    = "report_late"
)

// ShuangjiangBreaks returns a flag for every month where the outstanding balance or the lender count
// rose over the month before (§3.4–3.6 双降); a month after a gap is compared with the last filed one.
func ShuangjiangBreaks(figs []MonthlyFigures) []Flag {
	var out []Flag
	for i := 1; i < len(figs); i++ {
		if figs[i].OutstandingAmount > figs[i-1].OutstandingAmount || figs[i].Lenders > figs[i-1].Lenders {
			out = append(out, Flag{Code: FlagShuangjiang, Period: figs[i].Period})
		}
	}
	return out
}

// ReportingGaps returns 未正常报数 flags: every month the institution owes a report (duty, from the
// month it was put on the list) that is already due at now and was not filed (report_missing), or
// was filed after its due date, the fifth working day of the next month (report_late, with the
// days). filed maps a period to when its monthly data were first published; a month not owed is
// never flagged, filed or not. Months the holiday calendar does not cover are skipped.
func ReportingGaps(duty ReportingDuty, filed map[string]time.Time, cal *Calendar, now time.Time) []Flag {
	if duty.Listed.IsZero() {
		return nil
	}
	y, m, err := ParsePeriod(duty.FirstPeriod())
	if err != nil {
		return nil
	}
	current := DateOf(now).String()[:7]
	var out []Flag
	for ; ; y, m = nextMonth(y, m) {
		period := periodOf(y, m)
		if period >= current {
			return out
		}
		if !duty.Owes(period) {
			continue
		}
		due, err := cal.MonthlyReportDue(period)
		if err != nil {
			continue
		}
		at, ok := filed[period]
		switch {
		case ok && LateDays(due, at) > 0:
			out = append(out, Flag{Code: FlagReportLate, Period: period, LateDays: LateDays(due, at)})
		case !ok && now.After(due.End()):
			out = append(out, Flag{Code: FlagReportMissing, Period: period})
		}
	}
}
