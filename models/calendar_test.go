package models

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// calDate parses a YYYY-MM-DD literal in tests.
func calDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

func TestCalendarParseDate(t *testing.T) {
	good := []struct {
		in   string
		want Date
	}{
		{"2019-06-14", Date{2019, time.June, 14}},
		{"2020-02-29", Date{2020, time.February, 29}},
		{"2000-02-29", Date{2000, time.February, 29}},
		{"0001-01-01", Date{1, time.January, 1}},
		{"9999-12-31", Date{9999, time.December, 31}},
		{"2019-12-31", Date{2019, time.December, 31}},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDate(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("String() = %q, want %q", got.String(), tc.in)
			}
		})
	}
	bad := []string{
		"", "2019-6-14", "2019-06-1", "19-06-14", "2019/06/14", "2019-06-14 ", " 2019-06-14",
		"2019-02-29", "1900-02-29", "2019-04-31", "2019-13-01", "2019-00-10", "2019-01-00", "0000-01-01",
		"2019-06-14T00:00:00Z", "+019-06-14", "2019-+6-14", "２０１９-06-14", "2019-06-1a", "20190614",
	}
	for _, in := range bad {
		t.Run("bad "+in, func(t *testing.T) {
			d, err := ParseDate(in)
			if !errors.Is(err, ErrBadDate) {
				t.Fatalf("ParseDate(%q) = %v, %v; want ErrBadDate", in, d, err)
			}
			if !strings.HasPrefix(err.Error(), "models: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestCalendarDateArithmetic(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2019-06-14", 15, "2019-06-29"},
		{"2019-06-14", 0, "2019-06-14"},
		{"2019-06-14", -14, "2019-05-31"},
		{"2019-12-20", 15, "2020-01-04"},
		{"2020-02-28", 1, "2020-02-29"},
		{"2020-02-29", 1, "2020-03-01"},
		{"2019-02-28", 1, "2019-03-01"},
		{"2020-03-01", -1, "2020-02-29"},
		{"2019-01-01", 365, "2020-01-01"},
		{"2020-01-01", 366, "2021-01-01"},
		{"2019-01-01", 3650, "2028-12-29"},
	}
	for _, tc := range tests {
		t.Run(tc.from, func(t *testing.T) {
			from, want := calDate(t, tc.from), calDate(t, tc.want)
			got := from.AddDays(tc.n)
			if got != want {
				t.Fatalf("%s.AddDays(%d) = %s, want %s", from, tc.n, got, want)
			}
			if s := got.Sub(from); s != tc.n {
				t.Errorf("%s.Sub(%s) = %d, want %d", got, from, s, tc.n)
			}
			if s := from.Sub(got); s != -tc.n {
				t.Errorf("%s.Sub(%s) = %d, want %d", from, got, s, -tc.n)
			}
		})
	}
	if got := calDate(t, "9999-12-31").Sub(calDate(t, "0001-01-01")); got != 3652058 {
		t.Errorf("days from year 1 to 9999 = %d, want 3652058 (no overflow)", got)
	}

	a, b := calDate(t, "2019-06-14"), calDate(t, "2019-06-15")
	if !a.Before(b) || a.After(b) || a.Equal(b) || !b.After(a) || !a.Equal(calDate(t, "2019-06-14")) {
		t.Error("Before/After/Equal disagree with the calendar order")
	}
	for _, pair := range [][2]string{{"2019-06-14", "2019-07-01"}, {"2019-06-30", "2019-07-01"}, {"2018-12-31", "2019-01-01"}} {
		x, y := calDate(t, pair[0]), calDate(t, pair[1])
		if x.Compare(y) != -1 || y.Compare(x) != 1 || x.Compare(x) != 0 {
			t.Errorf("Compare(%s, %s) wrong", x, y)
		}
	}

	weekdays := map[string]time.Weekday{
		"2019-06-14": time.Friday, "2019-06-29": time.Saturday, "2019-10-12": time.Saturday,
		"2020-02-29": time.Saturday, "2019-02-12": time.Tuesday, "2027-01-01": time.Friday,
	}
	for s, want := range weekdays {
		if got := calDate(t, s).Weekday(); got != want {
			t.Errorf("%s.Weekday() = %s, want %s", s, got, want)
		}
	}

	if !(Date{}).IsZero() || calDate(t, "2019-06-14").IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestCalendarChinaTime(t *testing.T) {
	// The server's zone must not matter: pretend to run in New York (DST in June).
	saved := time.Local
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	time.Local = ny
	t.Cleanup(func() { time.Local = saved })

	if ChinaZone.String() != "Asia/Shanghai" {
		t.Fatalf("ChinaZone = %s", ChinaZone)
	}

	end := calDate(t, "2019-07-01").End()
	if got := end.Format(time.RFC3339); got != "2019-07-02T00:00:00+08:00" {
		t.Errorf("End() = %s, want 2019-07-02T00:00:00+08:00", got)
	}
	if !end.Equal(time.Date(2019, 7, 1, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("End() = %s, want 2019-07-01 16:00 UTC", end.UTC())
	}
	if got := calDate(t, "2019-12-31").End().Format(time.RFC3339); got != "2020-01-01T00:00:00+08:00" {
		t.Errorf("End() at year end = %s", got)
	}
	if got := calDate(t, "2020-02-28").End().Format(time.RFC3339); got != "2020-02-29T00:00:00+08:00" {
		t.Errorf("End() before leap day = %s", got)
	}

	dateOf := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2019, 6, 14, 20, 0, 0, 0, ny), "2019-06-15"}, // 08:00 next morning in Beijing
		{time.Date(2019, 6, 14, 11, 59, 59, 0, ny), "2019-06-14"},
		{time.Date(2019, 6, 14, 12, 0, 0, 0, ny), "2019-06-15"},
		{time.Date(2019, 6, 14, 15, 59, 59, 0, time.UTC), "2019-06-14"},
		{time.Date(2019, 6, 14, 16, 0, 0, 0, time.UTC), "2019-06-15"},
		{time.Date(2019, 6, 14, 0, 0, 0, 0, ChinaZone), "2019-06-14"},
		{time.Date(2019, 6, 14, 23, 59, 59, 999999999, ChinaZone), "2019-06-14"},
		{calDate(t, "2019-06-14").End(), "2019-06-15"},
	}
	for _, tc := range dateOf {
		if got := DateOf(tc.t); got.String() != tc.want {
			t.Errorf("DateOf(%s) = %s, want %s", tc.t, got, tc.want)
		}
	}

	// A deadline computed here ends at 24:00 Beijing time, not New York time.
	d, err := DefaultCalendar().Deadline(calDate(t, "2019-06-14"), 15, UnitCalendar)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Ends.Format(time.RFC3339); got != "2019-07-02T00:00:00+08:00" {
		t.Errorf("Deadline.Ends = %s, want 2019-07-02T00:00:00+08:00", got)
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"ends":"2019-07-02T00:00:00+08:00"`) {
		t.Errorf("JSON %s does not carry the end in +08:00", js)
	}
}

func TestCalendarDateJSON(t *testing.T) {
	type doc struct {
		D Date  `json:"d"`
		P *Date `json:"p,omitempty"`
	}
	b, err := json.Marshal(doc{D: calDate(t, "2020-02-29")})
	if err != nil || string(b) != `{"d":"2020-02-29"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	if b, err := json.Marshal(doc{}); err != nil || string(b) != `{"d":null}` {
		t.Errorf("Marshal zero = %s, %v", b, err)
	}
	if _, err := json.Marshal(Date{2019, time.February, 30}); !errors.Is(err, ErrBadDate) {
		t.Errorf("Marshal of 2019-02-30 = %v, want ErrBadDate", err)
	}

	var got doc
	if err := json.Unmarshal([]byte(`{"d":"2019-10-12","p":"2019-06-14"}`), &got); err != nil {
		t.Fatal(err)
	}
	if got.D != calDate(t, "2019-10-12") || got.P == nil || *got.P != calDate(t, "2019-06-14") {
		t.Errorf("Unmarshal = %+v", got)
	}
	got = doc{D: calDate(t, "2019-01-01")}
	if err := json.Unmarshal([]byte(`{"d":null}`), &got); err != nil || got.D != calDate(t, "2019-01-01") {
		t.Errorf("null changed the date or failed: %v, %v", got.D, err)
	}
	for _, in := range []string{`{"d":"2019-02-29"}`, `{"d":"2019-6-1"}`, `{"d":20190601}`, `{"d":""}`, `{"d":true}`} {
		if err := json.Unmarshal([]byte(in), &got); !errors.Is(err, ErrBadDate) {
			t.Errorf("Unmarshal(%s) = %v, want ErrBadDate", in, err)
		}
	}
}

func TestCalendarIsOffDay(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		date string
		off  bool
		why  string
	}{
		{"2019-06-14", false, "ordinary Friday"},
		{"2019-06-15", true, "ordinary Saturday"},
		{"2019-06-16", true, "ordinary Sunday"},
		{"2019-06-07", true, "Dragon Boat Festival, a Friday"},
		{"2019-02-02", false, "Saturday make-up day before Spring Festival"},
		{"2019-02-03", false, "Sunday make-up day before Spring Festival"},
		{"2019-02-04", true, "Spring Festival eve, a Monday"},
		{"2019-02-11", false, "first Monday after Spring Festival"},
		{"2019-09-29", false, "Sunday make-up day before National Day"},
		{"2019-10-01", true, "National Day"},
		{"2019-10-07", true, "last day of National Day week"},
		{"2019-10-12", false, "Saturday make-up day after National Day"},
		{"2019-05-05", false, "Sunday make-up day after May Day"},
		{"2018-12-29", false, "Saturday make-up day listed only in the 2019 file"},
		{"2018-12-31", true, "Monday off listed only in the 2019 file"},
		{"2020-01-19", false, "Sunday make-up day, 2020 Spring Festival"},
		{"2020-01-31", true, "2020 Spring Festival extended (a Friday)"},
		{"2020-02-01", true, "2020 Saturday make-up day cancelled by the extension"},
		{"2020-02-03", false, "work resumed after the extended 2020 Spring Festival"},
		{"2020-02-29", true, "leap day, a Saturday"},
		{"2022-12-31", true, "Saturday listed in the 2023 file"},
		{"2026-12-31", false, "ordinary Thursday, last covered day"},
		{"2018-01-01", true, "New Year 2018, first covered day"},
	}
	for _, tc := range tests {
		t.Run(tc.date+" "+tc.why, func(t *testing.T) {
			off, err := c.IsOffDay(calDate(t, tc.date))
			if err != nil || off != tc.off {
				t.Fatalf("IsOffDay(%s) = %v, %v; want %v", tc.date, off, err, tc.off)
			}
		})
	}
	if _, err := c.IsOffDay(Date{2019, time.February, 29}); !errors.Is(err, ErrBadDate) {
		t.Errorf("IsOffDay(2019-02-29) = %v, want ErrBadDate", err)
	}
}

func TestCalendarMissingYears(t *testing.T) {
	c := DefaultCalendar()
	if first, last := c.Years(); first != 2018 || last != 2026 {
		t.Fatalf("Years() = %d, %d; want 2018, 2026 (2027 is an empty placeholder)", first, last)
	}
	tests := []struct {
		date string
		msg  string
	}{
		{"2027-01-01", "models: the official holiday calendar for 2027 is not loaded yet; an administrator loads it (pilu calendar import, or /admin) once the State Council publishes it"},
		{"2027-10-01", "models: the official holiday calendar for 2027 is not loaded yet; an administrator loads it (pilu calendar import, or /admin) once the State Council publishes it"},
		{"2031-05-01", "models: the official holiday calendar for 2031 is not loaded yet; an administrator loads it (pilu calendar import, or /admin) once the State Council publishes it"},
		{"2017-12-31", "models: the official holiday calendar for 2017 is not available (Pilu holds 2018–2026)"},
	}
	for _, tc := range tests {
		t.Run(tc.date, func(t *testing.T) {
			_, err := c.IsOffDay(calDate(t, tc.date))
			if !errors.Is(err, ErrCalendarMissing) {
				t.Fatalf("IsOffDay(%s) = %v, want ErrCalendarMissing", tc.date, err)
			}
			if err.Error() != tc.msg {
				t.Errorf("message %q, want %q", err, tc.msg)
			}
			var missing *CalendarMissingError
			if !errors.As(err, &missing) || missing.Year != calDate(t, tc.date).Year {
				t.Errorf("errors.As gives %+v", missing)
			}
		})
	}

	var zero Calendar
	if _, err := zero.IsOffDay(calDate(t, "2019-06-14")); !errors.Is(err, ErrCalendarMissing) {
		t.Errorf("zero Calendar: %v", err)
	}
}

func TestCalendarEmbeddedData(t *testing.T) {
	c := DefaultCalendar()
	if c != DefaultCalendar() {
		t.Error("DefaultCalendar is not shared")
	}
	for y := 2018; y <= 2026; y++ {
		if !c.covered[y] {
			t.Errorf("%d not covered", y)
		}
		// Every covered year has its New Year's Day off and between 240 and 252 working days.
		if off, err := c.IsOffDay(Date{y, time.January, 1}); err != nil || !off {
			t.Errorf("%d-01-01 off = %v, %v", y, off, err)
		}
		working := 0
		for d := (Date{y, time.January, 1}); d.Year == y; d = d.AddDays(1) {
			off, err := c.IsOffDay(d)
			if err != nil {
				t.Fatal(err)
			}
			if !off {
				working++
			}
		}
		if working < 240 || working > 252 {
			t.Errorf("%d has %d working days", y, working)
		}
	}
	if c.covered[2027] {
		t.Error("2027 covered, but its file is an empty placeholder")
	}
	if _, err := holidayFiles.ReadFile("holidays/2019.json"); err != nil {
		t.Errorf("embedded files: %v", err)
	}
}

func TestCalendarLoad(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	const y2020 = `{"year":2020,"papers":["p"],"days":[{"name":"x","date":"2020-01-01","isOffDay":true}]}`
	tests := []struct {
		name    string
		fs      fstest.MapFS
		wantErr string
		first   int
		last    int
	}{
		{"absent year", fstest.MapFS{"h/2020.json": file(y2020)}, "", 2020, 2020},
		{"placeholder", fstest.MapFS{
			"h/2020.json": file(y2020),
			"h/2021.json": file(`{"year":2021,"papers":[],"days":[]}`),
		}, "", 2020, 2020},
		{"papers only", fstest.MapFS{"h/2021.json": file(`{"year":2021,"papers":["p"],"days":[]}`)}, "", 2021, 2021},
		{"empty folder", fstest.MapFS{}, "", 0, 0},
		{"bad name", fstest.MapFS{"h/20x0.json": file(y2020)}, "file name must be a year", 0, 0},
		{"year mismatch", fstest.MapFS{"h/2021.json": file(y2020)}, "it says year 2020", 0, 0},
		{"bad json", fstest.MapFS{"h/2020.json": file(`{"year":`)}, "h/2020.json", 0, 0},
		{"bad date", fstest.MapFS{"h/2020.json": file(`{"year":2020,"days":[{"date":"2020-02-30","isOffDay":true}]}`)}, "invalid date", 0, 0},
		{"no isOffDay", fstest.MapFS{"h/2020.json": file(`{"year":2020,"days":[{"date":"2020-01-01"}]}`)}, "has no isOffDay", 0, 0},
		{"far date", fstest.MapFS{"h/2020.json": file(`{"year":2020,"days":[{"date":"2023-01-01","isOffDay":true}]}`)}, "not near 2020", 0, 0},
		{"conflict", fstest.MapFS{
			"h/2019.json": file(`{"year":2019,"days":[{"date":"2019-12-31","isOffDay":true}]}`),
			"h/2020.json": file(`{"year":2020,"days":[{"date":"2019-12-31","isOffDay":false}]}`),
		}, "disagree about 2019-12-31", 0, 0},
		{"agreeing duplicate", fstest.MapFS{
			"h/2019.json": file(`{"year":2019,"days":[{"date":"2019-12-31","isOffDay":true}]}`),
			"h/2020.json": file(`{"year":2020,"days":[{"date":"2019-12-31","isOffDay":true}]}`),
		}, "", 2019, 2020},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadCalendar(tc.fs, "h")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "models: ") {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if first, last := c.Years(); first != tc.first || last != tc.last {
				t.Errorf("Years() = %d, %d; want %d, %d", first, last, tc.first, tc.last)
			}
		})
	}

	// A year whose file is absent is not covered, even between covered years.
	c, err := loadCalendar(fstest.MapFS{
		"h/2019.json": file(`{"year":2019,"papers":["p"],"days":[]}`),
		"h/2021.json": file(`{"year":2021,"papers":["p"],"days":[]}`),
	}, "h")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.IsOffDay(calDate(t, "2020-06-01"))
	if !errors.Is(err, ErrCalendarMissing) || !strings.Contains(err.Error(), "2020 is not loaded yet") {
		t.Errorf("gap year: %v", err)
	}
	// With no days listed, 2021-01-01 is an ordinary Friday.
	if off, err := c.IsOffDay(calDate(t, "2021-01-01")); err != nil || off {
		t.Errorf("2021-01-01 = %v, %v; want a working day", off, err)
	}
}
