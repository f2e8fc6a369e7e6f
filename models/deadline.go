package models

import (
	"errors"
	"fmt"
	"time"
)

// Unit says how the days of a period are counted.
type Unit string

// The units a period can be counted in.
const (
	// UnitCalendar counts every day (自然日); a last day that is a day off moves to the next working day.
	UnitCalendar Unit = "calendar"
	// UnitWorking counts only working days (工作日), make-up working days (调休) included.
	UnitWorking Unit = "working"
)

// MaxPeriodDays is the longest period Deadline accepts, in days of either unit.
const MaxPeriodDays = 3650

// monthlyReportWorkingDays is how many working days of the next month an institution has to
// file its monthly operating data.
const monthlyReportWorkingDays = 5

// ErrBadPeriod is wrapped by the error Deadline returns for a number of days outside 1..MaxPeriodDays.
var ErrBadPeriod = errors.New("models: a period must be between 1 and 3650 days")

// ErrBadUnit is wrapped by the error Deadline returns for a unit other than UnitCalendar and UnitWorking.
var ErrBadUnit = errors.New("models: unknown period unit")

// Deadline is the end of a period counted under Chinese rules (DOMAIN.md "Deadlines").
// Its JSON form is the API's deadline answer.
type Deadline struct {
	// From is the day the period starts from (publication); it is never counted.
	From Date `json:"from"`
	Days int  `json:"days"`
	Unit Unit `json:"unit"`
	// LastDay is the last day of the period, always a working day.
	LastDay Date `json:"last_day"`
	// Skipped lists the days off passed over, in order: for a working-day period every day off
	// between From and LastDay; for a calendar period the days off the last day was moved across.
	// It is empty, never nil.
	Skipped []Date `json:"skipped"`
	// Ends is the instant the period ends: 24:00 of LastDay in China time (LastDay.End()).
	Ends time.Time `json:"ends"`
}

// Deadline counts a period of days in unit from the day from: the day of publication is not
// counted; a calendar period's last day is day N counted from the next day, moved to the next
// working day when it is a day off; a working-day period's last day is the Nth working day after
// from. The period ends at 24:00 of its last day. Errors wrap ErrBadUnit, ErrBadPeriod, ErrBadDate
// or, when the days reach a year the official calendar does not cover, ErrCalendarMissing.
func (c *Calendar) Deadline(from Date, days int, unit Unit) (Deadline, error) {
	if unit != UnitCalendar && unit != UnitWorking {
		return Deadline{}, fmt.Errorf("%w %q: want %q or %q", ErrBadUnit, string(unit), UnitCalendar, UnitWorking)
	}
	if days < 1 || days > MaxPeriodDays {
		return Deadline{}, fmt.Errorf("%w (got %d)", ErrBadPeriod, days)
	}
	if !from.valid() {
		return Deadline{}, fmt.Errorf("%w %s", ErrBadDate, from)
	}
	skipped := []Date{}
	var last Date
	switch unit {
	case UnitCalendar:
		last = from.AddDays(days)
		for {
			off, err := c.IsOffDay(last)
			if err != nil {
				return Deadline{}, err
			}
			if !off {
				break
			}
			skipped = append(skipped, last)
			last = last.AddDays(1)
		}
	case UnitWorking:
		last = from
		for counted := 0; counted < days; {
			last = last.AddDays(1)
			off, err := c.IsOffDay(last)
			if err != nil {
				return Deadline{}, err
			}
			if off {
				skipped = append(skipped, last)
			} else {
				counted++
			}
		}
	}
	return Deadline{From: from, Days: days, Unit: unit, LastDay: last, Skipped: skipped, Ends: last.End()}, nil
}

// NthWorkingDay returns the nth working day (1 = the first) of the month, make-up working days
// included. It is an error when n is below 1 or the month has fewer working days; errors about
// the calendar wrap ErrCalendarMissing.
func (c *Calendar) NthWorkingDay(year int, month time.Month, n int) (Date, error) {
	if month < time.January || month > time.December {
		return Date{}, fmt.Errorf("%w: month %d", ErrBadDate, int(month))
	}
	if n < 1 {
		return Date{}, fmt.Errorf("models: working day %d of %04d-%02d: n must be at least 1", n, year, int(month))
	}
	counted := 0
	for d := (Date{Year: year, Month: month, Day: 1}); d.Month == month; d = d.AddDays(1) {
		off, err := c.IsOffDay(d)
		if err != nil {
			return Date{}, err
		}
		if off {
			continue
		}
		if counted++; counted == n {
			return d, nil
		}
	}
	return Date{}, fmt.Errorf("models: %04d-%02d has only %d working days, not %d", year, int(month), counted, n)
}

// MonthlyReportDue returns the last day to file the monthly operating data of period ("YYYY-MM"):
// the 5th working day of the following month. The filing is on time until that day's End().
func (c *Calendar) MonthlyReportDue(period string) (Date, error) {
	year, month, err := ParsePeriod(period)
	if err != nil {
		return Date{}, err
	}
	year, month = nextMonth(year, month)
	return c.NthWorkingDay(year, month, monthlyReportWorkingDays)
}

func nextMonth(year int, month time.Month) (int, time.Month) {
	if month == time.December {
		return year + 1, time.January
	}
	return year, month + 1
}

// LateDays returns how many calendar days after the due day something filed at filed came, in
// China time: 0 when filed by 24:00 of due, 1 from 00:00 of the next day, and so on.
func LateDays(due Date, filed time.Time) int {
	return max(DateOf(filed).Sub(due), 0)
}

// ParsePeriod reads a month written strictly as YYYY-MM (e.g. a monthly report's period).
// The error wraps ErrBadDate.
func ParsePeriod(s string) (year int, month time.Month, err error) {
	if len(s) == 7 && s[4] == '-' {
		y, okY := atoiDigits(s[0:4])
		m, okM := atoiDigits(s[5:7])
		if okY && okM && y >= 1 && m >= 1 && m <= 12 {
			return y, time.Month(m), nil
		}
	}
	return 0, 0, fmt.Errorf("%w %q: want a month written as YYYY-MM", ErrBadDate, s)
}
