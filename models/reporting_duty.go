package models

import (
	"fmt"
	"slices"
	"time"
)

// ReportingDispositions are the dispositions in which an institution owes monthly reports (§4.1):
// it is in business, or winding its business down under supervision (双降 is followed month by
// month). With no business left, listed on a zombie notice, or out of online lending
// (FinalDispositions) it owes none.
var ReportingDispositions = []string{"operating", "winding_down"}

// OwesReports reports whether an institution of class and disposition owes monthly reports: a
// disposition of ReportingDispositions, and no case filed by the police (case_filed: the police hold
// the institution and its books).
func OwesReports(class, disposition string) bool {
	return slices.Contains(ReportingDispositions, disposition) && class != "case_filed"
}

// StatusChange is a change of an institution's class or disposition at a time; "" leaves one as it was.
type StatusChange struct {
	At                 time.Time
	Class, Disposition string
}

// ReportingDuty says which months an institution owes a monthly report: the one definition behind
// the 未正常报数 flags (ReportingGaps), the statistics and every "late" shown of an institution. A month
// is owed when, at its end (24:00 China time of its last day), the institution was on the list
// (Listed, from when it is unclassified and operating) in a status that reports (OwesReports, after
// the Changes up to then). Reports are statements as of month-end: the month in which the duty ends
// (a case filed, exit, transfer to the police, deregistration) owes none, and the month in which it
// begins (put on the list, or back to winding down after investors claimed) owes its report.
type ReportingDuty struct {
	Listed  time.Time
	Changes []StatusChange // in time order
}

// Owes reports whether the report of period (YYYY-MM) is owed; false for a malformed period.
func (d ReportingDuty) Owes(period string) bool {
	end, err := periodEnd(period)
	if err != nil || d.Listed.IsZero() || !d.Listed.Before(end) {
		return false
	}
	class, disposition := "unclassified", "operating"
	for _, c := range d.Changes {
		if !c.At.Before(end) {
			break
		}
		if c.Class != "" {
			class = c.Class
		}
		if c.Disposition != "" {
			disposition = c.Disposition
		}
	}
	return OwesReports(class, disposition)
}

// FirstPeriod is the month the institution was put on the list, the first that can be owed.
func (d ReportingDuty) FirstPeriod() string {
	return DateOf(d.Listed).String()[:7]
}

// periodEnd is the end of a YYYY-MM month in China time: the first instant of the next month.
func periodEnd(period string) (time.Time, error) {
	y, m, err := ParsePeriod(period)
	if err != nil {
		return time.Time{}, err
	}
	y, m = nextMonth(y, m)
	return time.Date(y, m, 1, 0, 0, 0, 0, ChinaZone), nil
}

// periodOf writes a year and month as YYYY-MM.
func periodOf(y int, m time.Month) string { return fmt.Sprintf("%04d-%02d", y, int(m)) }
