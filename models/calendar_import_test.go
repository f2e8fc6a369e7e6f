package models_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// calendar2027 is a test fixture in the shape of the shipped files (testdata/calendar-2027.json; not
// the State Council's real 2027 arrangement, which is not published yet): New Year on Friday
// 2027-01-01, a Spring Festival week with a Sunday make-up working day.
var calendar2027 = func() string {
	b, err := os.ReadFile("testdata/calendar-2027.json")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// TestCalendarImport: a year not loaded refuses a deadline ending in it; importing its file lets
// deadlines end there (in this process and in another one sharing the database, without restart),
// records the import in the ledger (verified), and records on a notice the calendar its deadline was
// computed on. The same file again changes nothing; another file for a loaded year is refused,
// shipped years included.
func TestCalendarImport(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 17, 10, 0, 0, 0, models.ChinaZone)
	noBlobs := func(context.Context, models.Attachment) (string, error) { return "", errors.New("no blobs") }
	for _, db := range dbtest.DSNs(t) {
		t.Run(db.Name, func(t *testing.T) {
			st := dbtest.Open(t, db)
			other, err := models.Open(db.DSN) // a second portal process on the same database
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			from := models.DateOf(now)

			for _, s := range []*models.Store{st, other} {
				cal, err := s.Calendar(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if cal.Covers(2027) || cal.YearsText() != "2018–2026" {
					t.Fatalf("before the import: covers 2027 %v, years %q", cal.Covers(2027), cal.YearsText())
				}
				_, err = cal.Deadline(from, 15, models.UnitCalendar)
				var missing *models.CalendarMissingError
				if !errors.As(err, &missing) || missing.Year != 2027 || !strings.Contains(err.Error(), "pilu calendar import") {
					t.Fatalf("a window ending in 2027 before the import: %v", err)
				}
			}
			in := seedFiler(t, st)
			draft, err := st.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: "440000", Title: "关于僵尸类机构名单的公告",
				Body: "现予公告。", WindowDays: 15, WindowUnit: models.UnitCalendar, USCCs: []string{in.USCC}}, "office", now)
			if err != nil {
				t.Fatal(err)
			}
			var fe models.FieldErrors
			if _, err := st.PublishNotice(ctx, draft.ID, now); !errors.As(err, &fe) || !strings.Contains(fe.Error(), "window: calendar_not_loaded (year=2027)") {
				t.Fatalf("publishing a window ending in 2027 before the import: %v", err)
			}

			res, err := st.ImportCalendar(ctx, models.CalendarImport{File: []byte(calendar2027), Source: "2027.json", Actor: "admin@example.cn", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if res.Year != 2027 || res.Unchanged || res.Seq != 1 || len(res.SHA256) != 64 {
				t.Fatalf("import: %+v", res)
			}
			for _, s := range []*models.Store{st, other} {
				cal, err := s.Calendar(ctx)
				if err != nil {
					t.Fatal(err)
				}
				d, err := cal.Deadline(from, 15, models.UnitCalendar)
				if err != nil {
					t.Fatal(err)
				}
				// Day 15 is Friday 2027-01-01, New Year: moved over the weekend to Monday.
				if d.LastDay.String() != "2027-01-04" || fmt.Sprint(d.Skipped) != "[2027-01-01 2027-01-02 2027-01-03]" {
					t.Fatalf("after the import: last day %s, skipped %v", d.LastDay, d.Skipped)
				}
				if w, err := cal.Deadline(models.Date{Year: 2027, Month: time.February, Day: 4}, 2, models.UnitWorking); err != nil || w.LastDay.String() != "2027-02-14" {
					t.Fatalf("working days over the imported Spring Festival: %v, %v (want the Sunday make-up day)", w.LastDay, err)
				}
				if cal.YearsText() != "2018–2027" {
					t.Errorf("years %q", cal.YearsText())
				}
				srcs := cal.Sources()
				if last := srcs[len(srcs)-1]; last.Year != 2027 || !last.Imported || last.SHA256 != res.SHA256 || last.LoadedAt.IsZero() {
					t.Errorf("source of 2027: %+v", last)
				}
			}
			n, err := st.PublishNotice(ctx, draft.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			cal, _ := st.Calendar(ctx)
			if n.LastDay != "2027-01-04" || n.CalendarSHA256 != cal.SHA256() || n.CalendarYears != "2018–2027" {
				t.Fatalf("published: last day %s, calendar %q %q", n.LastDay, n.CalendarYears, n.CalendarSHA256)
			}
			stored, err := st.NoticeByID(ctx, n.ID)
			if err != nil || stored.CalendarSHA256 != cal.SHA256() {
				t.Fatalf("stored notice calendar %q, %v", stored.CalendarSHA256, err)
			}
			if checked, fault, err := st.VerifyLedger(ctx, noBlobs); err != nil || fault != nil || checked != 2 {
				t.Fatalf("verify: %d entries, %v, %v", checked, fault, err)
			}
			entries, err := st.PublishedWith(ctx, res.SHA256)
			if err != nil || len(entries) != 1 || entries[0].Kind != models.LedgerCalendar || entries[0].RecordID != 2027 {
				t.Fatalf("the file's hash in the ledger: %+v, %v", entries, err)
			}

			// The same file again changes nothing; another 2027, or another 2026, is refused.
			again, err := other.ImportCalendar(ctx, models.CalendarImport{File: []byte(calendar2027), Source: "again.json", Actor: "x", Now: now})
			if err != nil || !again.Unchanged || again.Seq != 0 {
				t.Fatalf("identical re-import: %+v, %v", again, err)
			}
			shipped, err := os.ReadFile("holidays/2026.json")
			if err != nil {
				t.Fatal(err)
			}
			if res, err := st.ImportCalendar(ctx, models.CalendarImport{File: shipped, Now: now}); err != nil || !res.Unchanged {
				t.Fatalf("the shipped 2026 file again: %+v, %v", res, err)
			}
			changed2027 := strings.Replace(calendar2027, `"2027-02-05", "isOffDay": true`, `"2027-02-12", "isOffDay": true`, 1)
			changed2026 := strings.Replace(string(shipped), `"2026-01-02"`, `"2026-01-05"`, 1)
			for name, file := range map[string]string{"another 2027": changed2027, "another 2026": changed2026} {
				_, err := st.ImportCalendar(ctx, models.CalendarImport{File: []byte(file), Now: now})
				if !errors.As(err, &fe) || !strings.Contains(fe.Error(), "calendar_loaded") {
					t.Errorf("%s: %v", name, err)
				}
			}
			if checked, fault, err := st.VerifyLedger(ctx, noBlobs); err != nil || fault != nil || checked != 2 {
				t.Fatalf("refusals appended to the ledger: %d entries, %v, %v", checked, fault, err)
			}

			// A changed stored file is caught by the ledger.
			if err := dbtest.Handle(ctx, st).Model(&models.CalendarYear{}).Where("year = ?", 2027).Update("file", changed2027).Error; err != nil {
				t.Fatal(err)
			}
			if _, fault, err := st.VerifyLedger(ctx, noBlobs); err != nil || fault == nil || fault.Kind != models.LedgerCalendar || fault.RecordID != 2027 {
				t.Fatalf("a changed calendar file: fault %v, %v", fault, err)
			}
		})
	}
}

// TestCalendarImportRefusals: every malformed file is refused with a reason on "file", and nothing
// is written.
func TestCalendarImportRefusals(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, models.ChinaZone)
	day := func(name, date, off string) string {
		return fmt.Sprintf(`{"name":%q,"date":%q,"isOffDay":%s}`, name, date, off)
	}
	file := func(year string, papers string, days ...string) string {
		return fmt.Sprintf(`{"year":%s,"papers":%s,"days":[%s]}`, year, papers, strings.Join(days, ","))
	}
	const paper = `["https://www.gov.cn/x.htm"]`
	ny := day("元旦", "2027-01-01", "true")
	cases := []struct {
		name, file, want string
	}{
		{"not JSON", `{"year":`, "calendar_malformed"},
		{"two values", file("2027", paper, ny) + ` {}`, "calendar_two_values"},
		{"unknown field", `{"year":2027,"papers":["https://www.gov.cn/x.htm"],"days":[],"extra":1}`, "calendar_unknown_field (name=extra)"},
		{"year as text", file(`"2027"`, paper, ny), "calendar_wrong_type"},
		{"no year", `{"papers":["https://www.gov.cn/x.htm"],"days":[` + ny + `]}`, "calendar_year"},
		{"year far off", file("3027", paper, day("元旦", "3027-01-01", "true")), "calendar_year"},
		{"no papers", file("2027", `[]`, ny), "calendar_no_papers"},
		{"paper not an address", file("2027", `["国务院通知"]`, ny), "calendar_paper"},
		{"no days (placeholder)", file("2027", paper), "calendar_no_days"},
		{"the shipped placeholder", mustRead(t, "holidays/2027.json"), "calendar_placeholder (year=2027)"},
		{"bad date", file("2027", paper, day("春节", "2027-02-30", "true")), "calendar_day_date"},
		{"date written loosely", file("2027", paper, day("春节", "2027-2-5", "true")), "calendar_day_date"},
		{"date in another year", file("2027", paper, day("国庆", "2026-10-01", "true")), "calendar_day_year"},
		{"date far away", file("2027", paper, day("元旦", "2029-01-01", "true")), "calendar_day_year"},
		{"calendar_day_twice", file("2027", paper, ny, day("元旦", "2027-01-01", "true")), "calendar_day_twice"},
		{"isOffDay text", file("2027", paper, day("元旦", "2027-01-01", `"true"`)), "calendar_day_off"},
		{"isOffDay missing", file("2027", paper, `{"name":"元旦","date":"2027-01-01"}`), "calendar_day_off"},
		{"isOffDay number", file("2027", paper, day("元旦", "2027-01-01", "1")), "calendar_day_off"},
		{"no name", file("2027", paper, day(" ", "2027-01-01", "true")), "calendar_day_name"},
		{"make-up day on a weekday", file("2027", paper, day("春节", "2027-02-04", "false")), "calendar_make_up_day"},
		{"December day changing 2026", file("2027", paper, ny, day("元旦", "2026-12-31", "true")), "calendar_changes_other (date=2026-12-31, other=2026"},
		{"January day of an unloaded 2028", file("2027", paper, ny, day("元旦", "2028-01-03", "true")), "calendar_changes_other (date=2028-01-03, other=2028"},
		{"too large", file("2027", paper, ny) + strings.Repeat(" ", models.MaxCalendarFile), "calendar_too_large (max_kib=64)"},
		{"not UTF-8", "{\"year\":2027,\"papers\":[\"https://www.gov.cn/\xff\"],\"days\":[]}", "calendar_not_json"},
		{"a shipped year changed", strings.Replace(mustRead(t, "holidays/2019.json"), `"2019-10-07"`, `"2019-10-08"`, 1), "calendar_loaded"},
	}
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := st.ImportCalendar(ctx, models.CalendarImport{File: []byte(c.file), Now: now})
				var fe models.FieldErrors
				if !errors.As(err, &fe) || !strings.Contains(fe.Error(), c.want) {
					t.Fatalf("want a refusal on file containing %q, got %v", c.want, err)
				}
			})
		}
		// A day of the neighbouring year that agrees with the calendar in force is taken.
		agree := file("2027", paper, ny, day("元旦", "2026-12-26", "true"))
		if _, err := st.ImportCalendar(ctx, models.CalendarImport{File: []byte(agree), Now: now}); err != nil {
			t.Fatalf("a neighbouring day that agrees: %v", err)
		}
		years, err := st.CalendarYears(ctx)
		if err != nil || len(years) != 1 || years[0].Year != 2027 {
			t.Fatalf("stored years %+v, %v (the refusals must write nothing)", years, err)
		}
		_, total, _ := st.LedgerPage(ctx, 1, 1)
		if total != 1 {
			t.Fatalf("ledger holds %d entries, want 1", total)
		}
	})
}

// TestCalendarImportProperty: random well-formed years (days in the year, make-up days on
// weekends) are accepted, and the calendar built from them says exactly what they list; the
// calendar's SHA-256 changes with every year added.
func TestCalendarImportProperty(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 16))
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		cal0, err := st.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]bool{cal0.SHA256(): true}
		for year := 2027; year <= 2031; year++ {
			want := map[models.Date]bool{}
			var days []string
			for i := 0; i < 1+r.IntN(30); i++ {
				d := models.Date{Year: year, Month: time.January, Day: 1}.AddDays(r.IntN(365))
				if _, dup := want[d]; dup {
					continue
				}
				wd := d.Weekday()
				off := wd != time.Saturday && wd != time.Sunday || r.IntN(2) == 0
				want[d] = off
				days = append(days, fmt.Sprintf(`{"name":"假日","date":"%s","isOffDay":%v}`, d, off))
			}
			raw := fmt.Sprintf(`{"year":%d,"papers":["https://www.gov.cn/%d.htm"],"days":[%s]}`, year, year, strings.Join(days, ","))
			if _, err := st.ImportCalendar(ctx, models.CalendarImport{File: []byte(raw), Now: time.Now()}); err != nil {
				t.Fatalf("%d: %v\n%s", year, err, raw)
			}
			cal, err := st.Calendar(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if sums[cal.SHA256()] {
				t.Fatalf("%d: the calendar's SHA-256 did not change", year)
			}
			sums[cal.SHA256()] = true
			for d := (models.Date{Year: year, Month: time.January, Day: 1}); d.Year == year; d = d.AddDays(1) {
				off, err := cal.IsOffDay(d)
				wd := d.Weekday()
				expect, listed := want[d]
				if !listed {
					expect = wd == time.Saturday || wd == time.Sunday
				}
				if err != nil || off != expect {
					t.Fatalf("%s: off %v, %v; want %v", d, off, err, expect)
				}
			}
		}
	})
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
