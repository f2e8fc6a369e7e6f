package models

import (
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	// The zone database travels inside the binary: slim containers have none, and a legal date
	// must never fall back to the server's local zone.
	_ "time/tzdata"
)

// ChinaZone is Asia/Shanghai, the zone of every legal date in Pilu (UTC+08:00, no daylight saving
// since 1991). It is loaded once at start-up, from the embedded zone database when the system has none.
var ChinaZone = mustLoadZone("Asia/Shanghai")

func mustLoadZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Unreachable while time/tzdata is imported.
		panic(fmt.Sprintf("models: load time zone %s: %v", name, err))
	}
	return loc
}

// ErrBadDate is wrapped by every error about a date or month that is malformed or not real.
var ErrBadDate = errors.New("models: invalid date")

// ErrCalendarMissing is wrapped by every error that needs the official calendar of a year Pilu
// does not hold: a year before the data starts, or one whose arrangement is not published yet.
// Callers get it through errors.Is; errors.As with *CalendarMissingError gives the year.
var ErrCalendarMissing = errors.New("models: official holiday calendar missing")

// CalendarMissingError reports that the official calendar of Year is not in Pilu's data.
// It wraps ErrCalendarMissing.
type CalendarMissingError struct {
	Year int
	// First and Last are the years the calendar does cover (0 when it covers none).
	First, Last int
}

// Error says which year is missing and why: not published yet after the last covered year,
// not available before the first one.
func (e *CalendarMissingError) Error() string {
	if e.Year > e.Last {
		return fmt.Sprintf("models: the official holiday calendar for %d is not published yet", e.Year)
	}
	return fmt.Sprintf("models: the official holiday calendar for %d is not available (Pilu holds %d–%d)",
		e.Year, e.First, e.Last)
}

// Unwrap returns ErrCalendarMissing.
func (e *CalendarMissingError) Unwrap() error { return ErrCalendarMissing }

// Date is a civil date: a day of the calendar in China, with no time of day and no zone.
// Use ParseDate or DateOf to make one; the zero Date is not a real date (see IsZero).
// Dates compare with == and can be map keys.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads a date written strictly as YYYY-MM-DD (zero-padded, no spaces) and rejects
// anything that is not a real day of the Gregorian calendar, such as 2019-02-29.
// The error wraps ErrBadDate.
func ParseDate(s string) (Date, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, okY := atoiDigits(s[0:4])
		m, okM := atoiDigits(s[5:7])
		d, okD := atoiDigits(s[8:10])
		date := Date{Year: y, Month: time.Month(m), Day: d}
		if okY && okM && okD && date.valid() {
			return date, nil
		}
	}
	return Date{}, fmt.Errorf("%w %q: want a real date written as YYYY-MM-DD", ErrBadDate, s)
}

// DateOf returns the day that t falls on in China time, whatever zone t carries.
func DateOf(t time.Time) Date {
	y, m, d := t.In(ChinaZone).Date()
	return Date{Year: y, Month: m, Day: d}
}

// atoiDigits reads a string made only of ASCII digits (strconv.Atoi would also take signs).
func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
}

// valid reports whether d is a real day between the years 1 and 9999.
func (d Date) valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return d.Day <= time.Date(d.Year, d.Month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// utc is midnight UTC of d: a zone without transitions, so day arithmetic is exact.
func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

func dateOfUTC(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// IsZero reports whether d is the zero Date (no date at all).
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// AddDays returns the date n days after d (before d when n is negative).
func (d Date) AddDays(n int) Date {
	return dateOfUTC(d.utc().AddDate(0, 0, n))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Before reports whether d is an earlier day than other.
func (d Date) Before(other Date) bool { return d.Compare(other) < 0 }

// After reports whether d is a later day than other.
func (d Date) After(other Date) bool { return d.Compare(other) > 0 }

// Equal reports whether d and other are the same day.
func (d Date) Equal(other Date) bool { return d == other }

// Compare returns -1, 0 or +1 as d is before, the same as or after other (for slices.SortFunc).
func (d Date) Compare(other Date) int {
	return cmp.Or(cmp.Compare(d.Year, other.Year), cmp.Compare(d.Month, other.Month), cmp.Compare(d.Day, other.Day))
}

// Sub returns the number of days from other to d: positive when d is later.
func (d Date) Sub(other Date) int {
	return int((d.utc().Unix() - other.utc().Unix()) / 86400)
}

// End returns the instant a period ending on d ends: 24:00 of d in China time, which is 00:00
// +08:00 of the next day, whatever the server's zone.
func (d Date) End() time.Time {
	return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, ChinaZone)
}

// MarshalJSON writes d as "YYYY-MM-DD", and the zero Date as null. A Date that is not a real day
// is an error.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	if !d.valid() {
		return nil, fmt.Errorf("%w %s", ErrBadDate, d)
	}
	return []byte(`"` + d.String() + `"`), nil
}

// UnmarshalJSON reads a "YYYY-MM-DD" string as ParseDate does; null leaves d unchanged.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%w: want a JSON string YYYY-MM-DD", ErrBadDate)
	}
	parsed, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// holidayFiles holds the official calendar, one file a year, from the holiday-cn data set (MIT
// licence in holidays/LICENSE). Publishing a new year means adding its file and rebuilding.
//
//go:embed holidays/*.json
var holidayFiles embed.FS

// Calendar is the official calendar of days off and make-up working days (调休) in mainland
// China, for the years it covers. It is read-only once built and safe for concurrent use.
type Calendar struct {
	// listed holds the days the State Council notices name: true a day off, false a working day.
	listed map[Date]bool
	// covered holds the years whose arrangement has been published.
	covered     map[int]bool
	first, last int
}

// defaultCalendar parses the embedded files once, on first use.
var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := loadCalendar(holidayFiles, "holidays")
	if err != nil {
		// The files are compiled in and checked by the tests: this is a build defect.
		panic(err)
	}
	return c
})

// DefaultCalendar returns the calendar built from the embedded official data (2018 to the last
// published year), parsed once and shared.
func DefaultCalendar() *Calendar { return defaultCalendar() }

// holidayFile is the layout of one holiday-cn file.
type holidayFile struct {
	Year   int      `json:"year"`
	Papers []string `json:"papers"`
	Days   []struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay *bool  `json:"isOffDay"`
	} `json:"days"`
}

// loadCalendar reads every dir/YYYY.json of fsys. A file with no days and no papers is a
// placeholder: its year stays uncovered. A file may list days of the neighbouring year (the
// 2019 notice moved 2018-12-29..31), so the listed days are merged by date, and two files that
// disagree about a day are an error.
func loadCalendar(fsys fs.FS, dir string) (*Calendar, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("models: holiday calendar: %w", err)
	}
	c := &Calendar{listed: map[Date]bool{}, covered: map[int]bool{}}
	source := map[Date]string{}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".json")
		year, err := strconv.Atoi(base)
		if err != nil || len(base) != 4 {
			return nil, fmt.Errorf("models: holiday calendar %s: the file name must be a year (YYYY.json)", name)
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("models: holiday calendar: %w", err)
		}
		var f holidayFile
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("models: holiday calendar %s: %w", name, err)
		}
		if f.Year != year {
			return nil, fmt.Errorf("models: holiday calendar %s: it says year %d", name, f.Year)
		}
		for i, day := range f.Days {
			d, err := ParseDate(day.Date)
			if err != nil {
				return nil, fmt.Errorf("models: holiday calendar %s: day %d: %w", name, i, err)
			}
			if day.IsOffDay == nil {
				return nil, fmt.Errorf("models: holiday calendar %s: %s has no isOffDay", name, d)
			}
			if d.Year < year-1 || d.Year > year+1 {
				return nil, fmt.Errorf("models: holiday calendar %s: %s is not near %d", name, d, year)
			}
			if prev, ok := c.listed[d]; ok && prev != *day.IsOffDay {
				return nil, fmt.Errorf("models: holiday calendar: %s and %s disagree about %s", source[d], name, d)
			}
			c.listed[d] = *day.IsOffDay
			source[d] = name
		}
		if len(f.Days) == 0 && len(f.Papers) == 0 {
			continue
		}
		c.covered[year] = true
		if c.first == 0 || year < c.first {
			c.first = year
		}
		if year > c.last {
			c.last = year
		}
	}
	return c, nil
}

// Years returns the first and last years the calendar covers (0, 0 when it covers none).
func (c *Calendar) Years() (first, last int) { return c.first, c.last }

// IsOffDay reports whether d is a day off in mainland China: a Saturday or Sunday unless the
// State Council made it a make-up working day, or a weekday it made a holiday. For a year the
// calendar does not cover the error wraps ErrCalendarMissing; for a Date that is not a real day,
// ErrBadDate.
func (c *Calendar) IsOffDay(d Date) (bool, error) {
	if !d.valid() {
		return false, fmt.Errorf("%w %s", ErrBadDate, d)
	}
	if !c.covered[d.Year] {
		return false, &CalendarMissingError{Year: d.Year, First: c.first, Last: c.last}
	}
	if off, ok := c.listed[d]; ok {
		return off, nil
	}
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday, nil
}
