package models

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// LedgerCalendar is the ledger kind of a year of the official calendar loaded after the build; its
// record id is the year and its content hash the SHA-256 of the file as loaded.
const LedgerCalendar = "calendar"

// OutboxCalendar is the outbox entity of an imported calendar year (its id is the year).
const OutboxCalendar = "calendar"

// MaxCalendarFile is the largest calendar file accepted, in bytes (a year's file is about 5 KB).
const MaxCalendarFile = 64 << 10

// The years a calendar file may be for.
const (
	firstCalendarYear = 2000
	lastCalendarYear  = 2099
)

// CalendarYear is one year of the official calendar loaded after the build (pilu calendar import,
// or /admin), kept in the database so that every process sharing it computes on the same calendar.
// Rows are only added, never changed.
type CalendarYear struct {
	Year     int    `gorm:"primaryKey;autoIncrement:false"`
	File     string `gorm:"type:text"`
	SHA256   string `gorm:"column:sha256;size:64"`
	Source   string `gorm:"size:255"`
	LoadedBy string `gorm:"size:254"`
	LoadedAt time.Time
}

// TableName names the table of imported calendar years.
func (CalendarYear) TableName() string { return "calendar_years" }

// storeCalendar is the calendar in force as this process last read it, with the number of imported
// years it was built from (rows are only added, so the count names the version).
type storeCalendar struct {
	version int64
	cal     *Calendar
}

// calendarCache holds this process's copy of the calendar in force.
type calendarCache struct{ p atomic.Pointer[storeCalendar] }

// Calendar returns the official calendar in force: the years shipped with the build and those
// imported since. It is read again whenever the number of imported years in the database changed,
// so a year imported by another process sharing the database counts at once.
func (s *Store) Calendar(ctx context.Context) (*Calendar, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&CalendarYear{}).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("models: count calendar years: %w", err)
	}
	if cur := s.calendar.p.Load(); cur != nil && cur.version == n {
		return cur.cal, nil
	}
	var rows []CalendarYear
	if err := s.db.WithContext(ctx).Order("year").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: read calendar years: %w", err)
	}
	c, err := calendarWith(rows)
	if err != nil {
		return nil, err
	}
	s.calendar.p.Store(&storeCalendar{version: int64(len(rows)), cal: c})
	return c, nil
}

// calendarWith is the shipped calendar with the imported years in place of their placeholders.
func calendarWith(rows []CalendarYear) (*Calendar, error) {
	shipped, err := embeddedCalendarFiles(holidayFiles, "holidays")
	if err != nil {
		return nil, err
	}
	files := make([]calendarFile, 0, len(shipped)+len(rows))
	imported := map[int]bool{}
	for _, r := range rows {
		f, err := parseCalendarFile([]byte(r.File))
		if err != nil {
			return nil, fmt.Errorf("models: calendar year %d in the database: %w", r.Year, err)
		}
		f.imported, f.loadedAt = true, r.LoadedAt
		f.name = fmt.Sprintf("imported %d.json", r.Year)
		files = append(files, f)
		imported[r.Year] = true
	}
	for _, f := range shipped {
		if !imported[f.year] {
			files = append(files, f)
		}
	}
	return buildCalendar(files)
}

// CalendarImport is a calendar file to load: its bytes, the name it came under (for the record) and
// who loads it.
type CalendarImport struct {
	File   []byte
	Source string
	Actor  string
	Now    time.Time
}

// CalendarImported is what an import did.
type CalendarImported struct {
	Year   int
	SHA256 string
	// Unchanged is true when the year was already loaded from an identical file: nothing was written.
	Unchanged bool
	// Seq is the ledger entry that records the import (0 when unchanged).
	Seq uint64
}

// ImportCalendar loads one year of the official calendar, in the JSON shape of the shipped files
// (models/holidays), once the State Council has published it. The file is checked strictly
// (parseCalendarFile); a year already loaded is never changed, since published deadlines were
// computed on it: the same file again changes nothing, another file is refused. The year is written
// with a ledger entry holding the file's SHA-256 in one transaction. A refusal is a FieldErrors on
// "file".
func (s *Store) ImportCalendar(ctx context.Context, in CalendarImport) (CalendarImported, error) {
	f, err := parseCalendarFile(in.File)
	if err != nil {
		return CalendarImported{}, err
	}
	out := CalendarImported{Year: f.year, SHA256: f.sha256}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return out, err
	}
	if cal.Covers(f.year) {
		for _, src := range cal.sources {
			if src.Year == f.year && src.SHA256 == f.sha256 {
				out.Unchanged = true
				return out, nil
			}
		}
		return out, Invalid("file", CodeCalendarLoaded, Args{"year": f.year})
	}
	for d, off := range f.days {
		if d.Year == f.year {
			continue
		}
		// A day of the neighbouring year is taken only where the calendar in force already says
		// the same: an import never changes a year already loaded.
		if was, err := cal.IsOffDay(d); err != nil || was != off {
			return out, Invalid("file", CodeCalendarChangesOther, Args{"date": d.String(), "year": f.year, "other": d.Year})
		}
	}
	if _, err := buildCalendar(append(calendarFilesOf(cal), f)); err != nil {
		return out, Invalid("file", CodeCalendarDisagrees, Args{"year": f.year})
	}
	now := in.Now.UTC().Truncate(time.Second)
	row := CalendarYear{Year: f.year, File: string(in.File), SHA256: f.sha256, Source: truncateRunes(in.Source, 255),
		LoadedBy: in.Actor, LoadedAt: now}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return conflict(CodeCalendarLoadedMeanwhile, Args{"year": f.year})
			}
			return fmt.Errorf("models: store calendar %d: %w", f.year, err)
		}
		if err := appendLedger(tx, LedgerCalendar, uint64(f.year), f.sha256, nil, now); err != nil {
			return err
		}
		// The outbox row moves the data version, so every process's cached answers (deadlines)
		// are made anew; the indexer has nothing to index for it.
		if err := outbox(tx, OutboxCalendar, uint64(f.year)); err != nil {
			return err
		}
		return tx.Model(&ledgerHead{}).Select("seq").Take(&out.Seq, 1).Error
	})
	if err != nil {
		return out, err
	}
	_, err = s.Calendar(ctx)
	return out, err
}

// calendarFilesOf lists the days a calendar holds as one file, to check a new year against them.
func calendarFilesOf(c *Calendar) []calendarFile {
	return []calendarFile{{name: "the calendar in force", days: c.listed}}
}

// CalendarYears returns the imported years with who loaded them, for the admins.
func (s *Store) CalendarYears(ctx context.Context) ([]CalendarYear, error) {
	var out []CalendarYear
	err := s.db.WithContext(ctx).Order("year").Find(&out).Error
	return out, notFound(err, "calendar years")
}

// CalendarFile returns the file a covered year of the calendar in force was read from, byte for byte
// (its SHA-256 is the one Calendar.Sources and the ledger give): the imported file, or the one shipped
// with the build. A year not covered is ErrNotFound.
func (s *Store) CalendarFile(ctx context.Context, year int) ([]byte, error) {
	var y CalendarYear
	err := s.db.WithContext(ctx).Where("year = ?", year).Limit(1).Find(&y).Error
	if err != nil {
		return nil, notFound(err, "calendar year")
	}
	if y.Year == year {
		return []byte(y.File), nil
	}
	if !DefaultCalendar().Covers(year) {
		return nil, fmt.Errorf("models: calendar %d: %w", year, ErrNotFound)
	}
	b, err := holidayFiles.ReadFile(fmt.Sprintf("holidays/%d.json", year))
	if err != nil {
		return nil, fmt.Errorf("models: calendar %d: %w", year, ErrNotFound)
	}
	return b, nil
}

// parseCalendarFile reads one year's file strictly: a JSON object with only the fields of the
// shipped files; a year from 2000 to 2099; at least one paper (the State Council notice, an http(s)
// address) and one day; each day with a name, a real date written YYYY-MM-DD in the year (or a
// neighbouring year, checked by the caller) listed once, and isOffDay true or false; a make-up
// working day (isOffDay false) falls on a Saturday or Sunday.
func parseCalendarFile(raw []byte) (calendarFile, error) {
	if len(raw) > MaxCalendarFile {
		return calendarFile{}, Invalid("file", CodeCalendarTooLarge, Args{"max_kib": MaxCalendarFile >> 10})
	}
	if !utf8.Valid(raw) {
		return calendarFile{}, Invalid("file", CodeCalendarNotJSON)
	}
	var f struct {
		Schema string   `json:"$schema"`
		ID     string   `json:"$id"`
		Year   *int     `json:"year"`
		Papers []string `json:"papers"`
		Days   []struct {
			Name     string          `json:"name"`
			Date     string          `json:"date"`
			IsOffDay json.RawMessage `json:"isOffDay"`
		} `json:"days"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return calendarFile{}, jsonProblem(err)
	}
	if dec.More() {
		return calendarFile{}, Invalid("file", CodeCalendarTwoValues)
	}
	if f.Year == nil || *f.Year < firstCalendarYear || *f.Year > lastCalendarYear {
		return calendarFile{}, Invalid("file", CodeCalendarYear, Args{"first": firstCalendarYear, "last": lastCalendarYear})
	}
	year := *f.Year
	if len(f.Papers) == 0 && len(f.Days) == 0 {
		return calendarFile{}, Invalid("file", CodeCalendarPlaceholder, Args{"year": year})
	}
	if len(f.Papers) == 0 {
		return calendarFile{}, Invalid("file", CodeCalendarNoPapers)
	}
	for _, p := range f.Papers {
		if u, err := url.Parse(p); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(p) > 500 {
			return calendarFile{}, Invalid("file", CodeCalendarPaper, Args{"paper": truncateRunes(p, 80)})
		}
	}
	if len(f.Days) == 0 {
		return calendarFile{}, Invalid("file", CodeCalendarNoDays)
	}
	cf := calendarFile{year: year, sha256: sha256Hex(string(raw)), papers: f.Papers, days: map[Date]bool{}}
	for i, day := range f.Days {
		d, err := ParseDate(day.Date)
		if err != nil {
			return calendarFile{}, Invalid("file", CodeCalendarDayDate, Args{"day": i + 1, "date": truncateRunes(day.Date, 20)})
		}
		if d.Year < year-1 || d.Year > year+1 || (d.Year != year && d.Month != time.January && d.Month != time.December) {
			return calendarFile{}, Invalid("file", CodeCalendarDayYear, Args{"day": i + 1, "date": d.String(), "year": year})
		}
		if _, dup := cf.days[d]; dup {
			return calendarFile{}, Invalid("file", CodeCalendarDayTwice, Args{"day": i + 1, "date": d.String()})
		}
		var off bool
		switch string(day.IsOffDay) {
		case "true":
			off = true
		case "false":
		default:
			return calendarFile{}, Invalid("file", CodeCalendarDayOff, Args{"day": i + 1, "date": d.String()})
		}
		if name := strings.TrimSpace(day.Name); name == "" || utf8.RuneCountInString(name) > 50 {
			return calendarFile{}, Invalid("file", CodeCalendarDayName, Args{"day": i + 1, "date": d.String()})
		}
		if wd := d.Weekday(); !off && wd != time.Saturday && wd != time.Sunday {
			return calendarFile{}, Invalid("file", CodeCalendarMakeUpDay, Args{"day": i + 1, "date": d.String()})
		}
		cf.days[d] = off
	}
	return cf, nil
}

// jsonProblem is the refusal of a calendar file that is not a JSON document of the shipped shape:
// what is wrong with it, briefly and without Go type names.
func jsonProblem(err error) FieldErrors {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Invalid("file", CodeCalendarMalformed, Args{"offset": syn.Offset})
	case errors.As(err, &typ):
		return Invalid("file", CodeCalendarWrongType, Args{"name": typ.Field})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return Invalid("file", CodeCalendarUnknownField, Args{"name": strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)})
	}
	return Invalid("file", CodeCalendarMalformed)
}

// truncateRunes keeps at most n characters of s.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
