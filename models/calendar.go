package models

import (
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
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

// Error says which year is missing and why: before the first covered year the data does not
// reach; otherwise the year's arrangement has not been loaded, and it says who can load it.
func (e *CalendarMissingError) Error() string {
	if e.First == 0 || e.Year > e.First {
		return fmt.Sprintf("models: the official holiday calendar for %d is not loaded yet; an administrator loads it (pilu calendar import, or /admin) once the State Council publishes it", e.Year)
	}
	return fmt.Sprintf("models: the official holiday calendar for %d is not available (Pilu holds %d–%d)",
		e.Year, e.First, e.Last)
}

// FieldError is the refusal of field for want of the calendar: CodeCalendarNotLoaded when the year
// can still be loaded, CodeCalendarUnavailable for a year before the data starts.
func (e *CalendarMissingError) FieldError(field string) FieldErrors {
	if e.First == 0 || e.Year > e.First {
		return Invalid(field, CodeCalendarNotLoaded, Args{"year": e.Year})
	}
	return Invalid(field, CodeCalendarUnavailable, Args{"year": e.Year, "first": e.First, "last": e.Last})
}

// calendarFieldError is the refusal of field for err: the calendar's own when err is a
// *CalendarMissingError, and nil for any other error (which the caller returns as it is).
func calendarFieldError(field string, err error) FieldErrors {
	var cm *CalendarMissingError
	if errors.As(err, &cm) {
		return cm.FieldError(field)
	}
	return nil
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

// holidayFiles holds the official calendar shipped with the build, one file a year, from the
// holiday-cn data set (MIT licence in holidays/LICENSE). A year published after the build is
// loaded into the database instead (Store.ImportCalendar) and joins these in Store.Calendar.
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
	// sources says where each covered year came from, in order of year.
	sources []CalendarSource
	sum     string
}

// CalendarSource is one covered year of a Calendar: the file it was read from, identified by its
// SHA-256, and the State Council notices that file names.
type CalendarSource struct {
	Year   int      `json:"year"`
	SHA256 string   `json:"sha256"`
	Papers []string `json:"papers"`
	// Days is how many days the file lists (days off and make-up working days).
	Days int `json:"days"`
	// Imported is true for a year loaded after the build (pilu calendar import), false for a
	// year shipped with it.
	Imported bool `json:"imported"`
	// LoadedAt is when an imported year was loaded (zero for a shipped year).
	LoadedAt time.Time `json:"loaded_at,omitzero"`
}

// defaultCalendar parses the embedded files once, on first use.
var defaultCalendar = sync.OnceValue(func() *Calendar {
	files, err := embeddedCalendarFiles(holidayFiles, "holidays")
	if err == nil {
		var c *Calendar
		if c, err = buildCalendar(files); err == nil {
			return c
		}
	}
	// The files are compiled in and checked by the tests: this is a build defect.
	panic(err)
})

// DefaultCalendar returns the calendar shipped with the build (2018 to the last year published
// before it), parsed once and shared. The calendar in force, with the years imported since, is
// Store.Calendar.
func DefaultCalendar() *Calendar { return defaultCalendar() }

// holidayFile is the layout of one holiday-cn file.
type holidayFile struct {
	Schema string   `json:"$schema,omitempty"`
	ID     string   `json:"$id,omitempty"`
	Year   int      `json:"year"`
	Papers []string `json:"papers"`
	Days   []struct {
		Name     string `json:"name"`
		Date     string `json:"date"`
		IsOffDay *bool  `json:"isOffDay"`
	} `json:"days"`
}

// calendarFile is one year's file read and checked, ready to join a Calendar.
type calendarFile struct {
	name     string
	year     int
	sha256   string
	papers   []string
	days     map[Date]bool
	imported bool
	loadedAt time.Time
}

// empty reports whether the file is a placeholder for a year not published yet.
func (f calendarFile) empty() bool { return len(f.days) == 0 && len(f.papers) == 0 }

// embeddedCalendarFiles reads every dir/YYYY.json of fsys. A shipped file may list days of the
// neighbouring year (the 2019 notice moved 2018-12-29..31).
func embeddedCalendarFiles(fsys fs.FS, dir string) ([]calendarFile, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("models: holiday calendar: %w", err)
	}
	var out []calendarFile
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
		cf := calendarFile{name: name, year: year, sha256: sha256Hex(string(raw)), papers: f.Papers, days: map[Date]bool{}}
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
			cf.days[d] = *day.IsOffDay
		}
		out = append(out, cf)
	}
	return out, nil
}

// buildCalendar merges the files of several years into one calendar. A file that is a placeholder
// leaves its year uncovered; two files that disagree about a day are an error.
func buildCalendar(files []calendarFile) (*Calendar, error) {
	slices.SortFunc(files, func(a, b calendarFile) int { return cmp.Compare(a.year, b.year) })
	c := &Calendar{listed: map[Date]bool{}, covered: map[int]bool{}}
	source := map[Date]string{}
	h := sha256.New()
	io.WriteString(h, "pilu-calendar-v1\n")
	for _, f := range files {
		for d, off := range f.days {
			if prev, ok := c.listed[d]; ok && prev != off {
				return nil, fmt.Errorf("models: holiday calendar: %s and %s disagree about %s", source[d], f.name, d)
			}
			c.listed[d] = off
			source[d] = f.name
		}
		if f.empty() {
			continue
		}
		c.covered[f.year] = true
		c.sources = append(c.sources, CalendarSource{Year: f.year, SHA256: f.sha256, Papers: f.papers,
			Days: len(f.days), Imported: f.imported, LoadedAt: f.loadedAt})
		fmt.Fprintf(h, "%d %s\n", f.year, f.sha256)
		if c.first == 0 || f.year < c.first {
			c.first = f.year
		}
		c.last = max(c.last, f.year)
	}
	c.sum = hex.EncodeToString(h.Sum(nil))
	return c, nil
}

// loadCalendar builds a calendar from every dir/YYYY.json of fsys, as the shipped calendar is built.
func loadCalendar(fsys fs.FS, dir string) (*Calendar, error) {
	files, err := embeddedCalendarFiles(fsys, dir)
	if err != nil {
		return nil, err
	}
	return buildCalendar(files)
}

// Covers reports whether the calendar holds the official arrangement of year.
func (c *Calendar) Covers(year int) bool { return c.covered[year] }

// Sources lists the covered years with the file each was read from, in order of year.
func (c *Calendar) Sources() []CalendarSource { return slices.Clone(c.sources) }

// SHA256 identifies the calendar: the SHA-256 of "pilu-calendar-v1\n" followed by one line
// "YYYY <file SHA-256>\n" per covered year in order, so anyone holding the files can recompute it.
func (c *Calendar) SHA256() string { return c.sum }

// YearsText names the covered years compactly, "2018–2027" (ranges joined by ", " where years
// are missing between them).
func (c *Calendar) YearsText() string {
	var parts []string
	for i := 0; i < len(c.sources); {
		j := i
		for j+1 < len(c.sources) && c.sources[j+1].Year == c.sources[j].Year+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(c.sources[i].Year))
		} else {
			parts = append(parts, fmt.Sprintf("%d–%d", c.sources[i].Year, c.sources[j].Year))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
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
