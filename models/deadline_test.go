package models

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func calDates(t testing.TB, ss ...string) []Date {
	t.Helper()
	out := []Date{}
	for _, s := range ss {
		out = append(out, calDate(t, s))
	}
	return out
}

func TestDeadline(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		name    string
		from    string
		days    int
		unit    Unit
		last    string
		skipped []string
	}{
		// DOMAIN.md test vector: day 15 is Saturday 06-29.
		{"15 days from 2019-06-14", "2019-06-14", 15, UnitCalendar, "2019-07-01", []string{"2019-06-29", "2019-06-30"}},
		{"1 calendar day", "2019-06-13", 1, UnitCalendar, "2019-06-14", nil},
		{"1 calendar day onto Dragon Boat", "2019-06-06", 1, UnitCalendar, "2019-06-10", []string{"2019-06-07", "2019-06-08", "2019-06-09"}},
		{"last day a Sunday make-up day (May Day)", "2019-04-16", 15, UnitCalendar, "2019-05-05",
			[]string{"2019-05-01", "2019-05-02", "2019-05-03", "2019-05-04"}},
		{"last day a Sunday make-up day (National Day)", "2019-09-14", 15, UnitCalendar, "2019-09-29", nil},
		{"last day a Saturday make-up day", "2020-09-20", 20, UnitCalendar, "2020-10-10", nil},
		{"across National Day week", "2019-09-24", 7, UnitCalendar, "2019-10-08",
			[]string{"2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04", "2019-10-05", "2019-10-06", "2019-10-07"}},
		{"2020 extended Spring Festival", "2020-01-16", 15, UnitCalendar, "2020-02-03",
			[]string{"2020-01-31", "2020-02-01", "2020-02-02"}},
		{"year end", "2019-12-20", 15, UnitCalendar, "2020-01-06", []string{"2020-01-04", "2020-01-05"}},
		{"year end onto a make-up day from the next year's file", "2018-12-14", 15, UnitCalendar, "2018-12-29", nil},
		{"year end across New Year 2019", "2018-12-15", 15, UnitCalendar, "2019-01-02",
			[]string{"2018-12-30", "2018-12-31", "2019-01-01"}},
		{"into New Year 2025", "2024-12-17", 15, UnitCalendar, "2025-01-02", []string{"2025-01-01"}},
		{"month end", "2019-01-16", 15, UnitCalendar, "2019-01-31", nil},
		{"end of February, not leap", "2019-02-13", 15, UnitCalendar, "2019-02-28", nil},
		{"leap day is a Saturday", "2020-02-14", 15, UnitCalendar, "2020-03-02", []string{"2020-02-29", "2020-03-01"}},
		{"1 day onto the leap day", "2020-02-28", 1, UnitCalendar, "2020-03-02", []string{"2020-02-29", "2020-03-01"}},
		{"30 days through February 2020", "2020-01-30", 30, UnitCalendar, "2020-03-02", []string{"2020-02-29", "2020-03-01"}},
		{"Mid-Autumn 2021", "2021-09-05", 15, UnitCalendar, "2021-09-22", []string{"2021-09-20", "2021-09-21"}},
		{"Golden Week 2023 onto a make-up Saturday", "2023-09-15", 15, UnitCalendar, "2023-10-07",
			[]string{"2023-09-30", "2023-10-01", "2023-10-02", "2023-10-03", "2023-10-04", "2023-10-05", "2023-10-06"}},
		{"last covered day", "2026-12-01", 30, UnitCalendar, "2026-12-31", nil},
		{"publication day before the data", "2017-12-25", 15, UnitCalendar, "2018-01-09", nil},
		{"3000 days", "2018-01-01", 3000, UnitCalendar, "2026-03-20", nil},

		{"1 working day over a weekend", "2019-06-14", 1, UnitWorking, "2019-06-17", []string{"2019-06-15", "2019-06-16"}},
		{"1 working day onto a Sunday make-up day", "2020-01-17", 1, UnitWorking, "2020-01-19", []string{"2020-01-18"}},
		{"1 working day onto a Saturday make-up day", "2018-12-28", 1, UnitWorking, "2018-12-29", nil},
		{"working days across National Day", "2019-09-27", 5, UnitWorking, "2019-10-10",
			[]string{"2019-09-28", "2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04", "2019-10-05", "2019-10-06", "2019-10-07"}},
		{"1 working day from the eve of National Day", "2019-09-30", 1, UnitWorking, "2019-10-08",
			[]string{"2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04", "2019-10-05", "2019-10-06", "2019-10-07"}},
		{"working days across the 2020 extended Spring Festival", "2020-01-20", 5, UnitWorking, "2020-02-04",
			[]string{"2020-01-24", "2020-01-25", "2020-01-26", "2020-01-27", "2020-01-28", "2020-01-29", "2020-01-30",
				"2020-01-31", "2020-02-01", "2020-02-02"}},
		{"working days across Spring Festival 2019 with make-up days", "2019-01-25", 10, UnitWorking, "2019-02-13",
			[]string{"2019-01-26", "2019-01-27", "2019-02-04", "2019-02-05", "2019-02-06", "2019-02-07", "2019-02-08",
				"2019-02-09", "2019-02-10"}},
		{"working days onto a Sunday make-up day (Golden Week 2023)", "2023-09-27", 3, UnitWorking, "2023-10-08",
			[]string{"2023-09-29", "2023-09-30", "2023-10-01", "2023-10-02", "2023-10-03", "2023-10-04", "2023-10-05", "2023-10-06"}},
		{"15 working days", "2019-06-14", 15, UnitWorking, "2019-07-05",
			[]string{"2019-06-15", "2019-06-16", "2019-06-22", "2019-06-23", "2019-06-29", "2019-06-30"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from := calDate(t, tc.from)
			got, err := c.Deadline(from, tc.days, tc.unit)
			if err != nil {
				t.Fatal(err)
			}
			want := Deadline{
				From: from, Days: tc.days, Unit: tc.unit, LastDay: calDate(t, tc.last),
				Skipped: calDates(t, tc.skipped...), Ends: calDate(t, tc.last).End(),
			}
			if got.From != want.From || got.Days != want.Days || got.Unit != want.Unit || got.LastDay != want.LastDay {
				t.Errorf("Deadline = %+v, want last day %s", got, want.LastDay)
			}
			if !slices.Equal(got.Skipped, want.Skipped) || got.Skipped == nil {
				t.Errorf("Skipped = %v, want %v", got.Skipped, want.Skipped)
			}
			if !got.Ends.Equal(want.Ends) || got.Ends.Location() != ChinaZone {
				t.Errorf("Ends = %s, want %s", got.Ends, want.Ends)
			}
			// The last day is always a working day, and (calendar) never before day N.
			if off, _ := c.IsOffDay(got.LastDay); off {
				t.Errorf("last day %s is a day off", got.LastDay)
			}
			if tc.unit == UnitCalendar && got.LastDay.Sub(from) != tc.days+len(got.Skipped) {
				t.Errorf("calendar period of %d days ends %d days after %s with %d skipped",
					tc.days, got.LastDay.Sub(from), from, len(got.Skipped))
			}
			if tc.unit == UnitWorking && got.LastDay.Sub(from) != tc.days+len(got.Skipped) {
				t.Errorf("working period: %d days spanned, %d counted + %d skipped",
					got.LastDay.Sub(from), tc.days, len(got.Skipped))
			}
		})
	}
}

func TestDeadlineErrors(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		name string
		from Date
		days int
		unit Unit
		is   error
		msg  string
	}{
		{"0 days", calDate(t, "2019-06-14"), 0, UnitCalendar, ErrBadPeriod, "between 1 and 3650 days (got 0)"},
		{"negative days", calDate(t, "2019-06-14"), -5, UnitCalendar, ErrBadPeriod, "(got -5)"},
		{"negative working days", calDate(t, "2019-06-14"), -1, UnitWorking, ErrBadPeriod, "between 1 and 3650"},
		{"3651 days", calDate(t, "2019-06-14"), 3651, UnitCalendar, ErrBadPeriod, "between 1 and 3650"},
		{"3650 calendar days need 2028", calDate(t, "2019-01-01"), 3650, UnitCalendar, ErrCalendarMissing, "for 2028 is not loaded yet"},
		{"3650 working days need 2027", calDate(t, "2019-01-01"), 3650, UnitWorking, ErrCalendarMissing, "for 2027 is not loaded yet"},
		{"last day in 2027", calDate(t, "2026-12-20"), 15, UnitCalendar, ErrCalendarMissing,
			"models: the official holiday calendar for 2027 is not loaded yet"},
		{"working days into 2027", calDate(t, "2026-12-25"), 5, UnitWorking, ErrCalendarMissing, "2027"},
		{"from 2027", calDate(t, "2027-03-01"), 1, UnitCalendar, ErrCalendarMissing, "2027"},
		{"before the data", calDate(t, "2017-12-01"), 15, UnitCalendar, ErrCalendarMissing, "for 2017 is not available"},
		{"unknown unit", calDate(t, "2019-06-14"), 15, Unit("weeks"), ErrBadUnit, `"weeks": want "calendar" or "working"`},
		{"empty unit", calDate(t, "2019-06-14"), 15, "", ErrBadUnit, "unknown period unit"},
		{"upper-case unit", calDate(t, "2019-06-14"), 15, "Calendar", ErrBadUnit, "unknown period unit"},
		{"not a real date", Date{2019, time.February, 29}, 15, UnitCalendar, ErrBadDate, "2019-02-29"},
		{"zero date", Date{}, 15, UnitCalendar, ErrBadDate, "invalid date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Deadline(tc.from, tc.days, tc.unit)
			if !errors.Is(err, tc.is) {
				t.Fatalf("Deadline = %+v, %v; want %v", got, err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "models: ") {
				t.Errorf("message %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}

func TestDeadlineJSON(t *testing.T) {
	d, err := DefaultCalendar().Deadline(calDate(t, "2019-06-14"), 15, UnitCalendar)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"from":"2019-06-14","days":15,"unit":"calendar","last_day":"2019-07-01",` +
		`"skipped":["2019-06-29","2019-06-30"],"ends":"2019-07-02T00:00:00+08:00"}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	d, _ = DefaultCalendar().Deadline(calDate(t, "2019-06-13"), 1, UnitCalendar)
	if b, _ := json.Marshal(d); !strings.Contains(string(b), `"skipped":[]`) {
		t.Errorf("no days skipped should be [] in JSON: %s", b)
	}
}

func TestDeadlineNthWorkingDay(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		month string
		n     int
		want  string
	}{
		{"2019-02", 5, "2019-02-12"}, // DOMAIN.md: make-up days 02-02 and 02-03 count
		{"2019-10", 5, "2019-10-12"}, // DOMAIN.md: a Saturday make-up day
		{"2019-02", 1, "2019-02-01"},
		{"2019-02", 17, "2019-02-28"},
		{"2019-10", 1, "2019-10-08"},
		{"2019-05", 1, "2019-05-05"}, // a Sunday make-up day
		{"2019-05", 5, "2019-05-09"},
		{"2020-01", 5, "2020-01-08"},
		{"2020-02", 5, "2020-02-07"}, // Saturday 02-01 was a make-up day until the extension
		{"2020-10", 1, "2020-10-09"},
		{"2020-10", 5, "2020-10-14"},
		{"2024-02", 5, "2024-02-06"},
		{"2026-02", 5, "2026-02-06"},
		{"2026-12", 5, "2026-12-07"},
	}
	for _, tc := range tests {
		t.Run(tc.month, func(t *testing.T) {
			y, m, err := ParsePeriod(tc.month)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.NthWorkingDay(y, m, tc.n)
			if err != nil || got != calDate(t, tc.want) {
				t.Fatalf("NthWorkingDay(%s, %d) = %s, %v; want %s", tc.month, tc.n, got, err, tc.want)
			}
		})
	}

	bad := []struct {
		name  string
		year  int
		month time.Month
		n     int
		is    error
		msg   string
	}{
		{"n = 0", 2019, time.February, 0, nil, "n must be at least 1"},
		{"negative n", 2019, time.February, -1, nil, "n must be at least 1"},
		{"more than the month has", 2019, time.February, 18, nil, "2019-02 has only 17 working days, not 18"},
		{"n = 32", 2019, time.March, 32, nil, "has only"},
		{"month 13", 2019, 13, 5, ErrBadDate, "month 13"},
		{"month 0", 2019, 0, 5, ErrBadDate, "month 0"},
		{"2027", 2027, time.January, 5, ErrCalendarMissing, "2027 is not loaded yet"},
		{"year 0", 0, time.January, 5, ErrBadDate, ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.NthWorkingDay(tc.year, tc.month, tc.n)
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("NthWorkingDay = %s, %v; want an error (%v)", got, err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "models: ") {
				t.Errorf("message %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}

func TestDeadlineMonthlyReportDue(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct{ period, want string }{
		{"2019-01", "2019-02-12"},
		{"2019-09", "2019-10-12"},
		{"2019-12", "2020-01-08"}, // year end: due in January of the next year
		{"2020-01", "2020-02-07"},
		{"2018-12", "2019-01-08"},
		{"2026-11", "2026-12-07"},
	}
	for _, tc := range tests {
		t.Run(tc.period, func(t *testing.T) {
			got, err := c.MonthlyReportDue(tc.period)
			if err != nil || got != calDate(t, tc.want) {
				t.Fatalf("MonthlyReportDue(%s) = %s, %v; want %s", tc.period, got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		period string
		is     error
	}{
		{"2026-12", ErrCalendarMissing}, // due in January 2027
		{"2019-13", ErrBadDate},
		{"2019-1", ErrBadDate},
		{"", ErrBadDate},
	} {
		if _, err := c.MonthlyReportDue(tc.period); !errors.Is(err, tc.is) {
			t.Errorf("MonthlyReportDue(%q) = %v, want %v", tc.period, err, tc.is)
		}
	}
}

func TestDeadlineParsePeriod(t *testing.T) {
	good := []struct {
		in    string
		year  int
		month time.Month
	}{
		{"2019-06", 2019, time.June},
		{"2019-01", 2019, time.January},
		{"2019-12", 2019, time.December},
		{"0001-01", 1, time.January},
	}
	for _, tc := range good {
		y, m, err := ParsePeriod(tc.in)
		if err != nil || y != tc.year || m != tc.month {
			t.Errorf("ParsePeriod(%q) = %d, %v, %v", tc.in, y, m, err)
		}
	}
	for _, in := range []string{"", "2019-6", "2019-00", "2019-13", "0000-01", "2019/06", "201906", "2019-06-01", " 2019-06", "2019-+6", "-019-06", "２０１９-06"} {
		if y, m, err := ParsePeriod(in); !errors.Is(err, ErrBadDate) || y != 0 || m != 0 {
			t.Errorf("ParsePeriod(%q) = %d, %v, %v; want ErrBadDate", in, y, m, err)
		}
	}
}

func TestDeadlineLateDays(t *testing.T) {
	due := calDate(t, "2019-02-12")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		filed time.Time
		want  int
	}{
		{"well before", time.Date(2019, 2, 1, 9, 0, 0, 0, ChinaZone), 0},
		{"on the day", time.Date(2019, 2, 12, 9, 0, 0, 0, ChinaZone), 0},
		{"last second", time.Date(2019, 2, 12, 23, 59, 59, 999999999, ChinaZone), 0},
		{"at 24:00", due.End(), 1},
		{"next morning", time.Date(2019, 2, 13, 8, 0, 0, 0, ChinaZone), 1},
		{"UTC afternoon is the next day in China", time.Date(2019, 2, 12, 16, 30, 0, 0, time.UTC), 1},
		{"UTC morning is the same day in China", time.Date(2019, 2, 12, 15, 59, 0, 0, time.UTC), 0},
		{"New York evening before is on time", time.Date(2019, 2, 12, 10, 0, 0, 0, ny), 0},
		{"New York noon is late", time.Date(2019, 2, 12, 11, 0, 0, 0, ny), 1},
		{"a week late", time.Date(2019, 2, 20, 10, 0, 0, 0, ChinaZone), 8},
		{"into the next year", time.Date(2020, 2, 12, 10, 0, 0, 0, ChinaZone), 365},
		{"zero time", time.Time{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := LateDays(due, tc.filed); got != tc.want {
				t.Errorf("LateDays(%s, %s) = %d, want %d", due, tc.filed, got, tc.want)
			}
		})
	}
}
