package models_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"pilu/models"
)

// The fuzz targets of the parsers of outside input in models. Each checks, besides not panicking,
// what the parser promises: a code or number it accepts comes back in canonical form and parses to
// itself, a deadline lies after its start. .ci/run runs each for a bounded time; their seeds are here
// and in testdata/fuzz.

func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100m000100y43", " 91350100M000100Y43 ", "9135010", "91350100M000100YI3", "", "９１３５"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, _, err := models.ParseUSCC(s)
		if err != nil {
			return
		}
		if len(u) != 18 || u != strings.ToUpper(u) {
			t.Fatalf("%q accepted as %q", s, u)
		}
		if again, _, err := models.ParseUSCC(u); err != nil || again != u {
			t.Fatalf("%q: canonical %q parses to %q, %v", s, u, again, err)
		}
	})
}

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105194912310021", "1101051949123100", "", "11010520991231002X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := models.ParseResidentID(s)
		if err != nil {
			return
		}
		if len(id) != 18 {
			t.Fatalf("%q accepted as %q", s, id)
		}
		if again, err := models.ParseResidentID(id); err != nil || again != id {
			t.Fatalf("%q: canonical %q parses to %q, %v", s, id, again, err)
		}
	})
}

func FuzzDeadline(f *testing.F) {
	f.Add("2019-06-14", 15, "calendar")
	f.Add("2019-02-01", 5, "working")
	f.Add("2026-12-20", 30, "calendar")
	f.Add("2018-01-01", 0, "working")
	f.Add("not a date", 7, "weeks")
	cal := models.DefaultCalendar()
	f.Fuzz(func(t *testing.T, from string, days int, unit string) {
		d, err := models.ParseDate(from)
		if err != nil {
			return
		}
		dl, err := cal.Deadline(d, days, models.Unit(unit))
		if err != nil {
			return
		}
		if days < 1 || !dl.LastDay.After(d) || !dl.Ends.After(d.End()) {
			t.Fatalf("from %s, %d %s: last day %s, ends %s", d, days, unit, dl.LastDay, dl.Ends)
		}
	})
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-10", "2026-13", "202610", "2026-1", "", "９９９９-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, m, err := models.ParsePeriod(s)
		if err == nil && (m < time.January || m > time.December || y < 1) {
			t.Fatalf("%q accepted as %d-%d", s, y, m)
		}
	})
}

func FuzzNormalizeReceipt(f *testing.F) {
	for _, s := range []string{"ABCD-EFGH-JKLM", "abcd efgh jklm", "", "ÄÖÜ", "--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := models.NormalizeReceipt(s)
		if utf8.ValidString(s) && models.NormalizeReceipt(n) != n {
			t.Fatalf("%q normalises to %q, then to %q", s, n, models.NormalizeReceipt(n))
		}
	})
}

func FuzzFigureRules(f *testing.F) {
	f.Add(int64(1000), int64(10), int64(50), int64(100), int64(1e9), int64(1000), int64(0), int64(-1))
	f.Fuzz(func(t *testing.T, balance, count, lenders, cumLenders, lending, lendingCount, overdue, top10 int64) {
		fig := &models.MonthlyFigures{OutstandingAmount: balance, OutstandingCount: count, Lenders: lenders, CumLenders: cumLenders,
			CumLendingAmount: lending, CumLendingCount: lendingCount, OverdueAmount: overdue, Top10Amount: top10}
		fe := fig.Check(nil)
		if len(fe) == 0 && (balance > lending || lenders > cumLenders || overdue > balance || balance < 0) {
			t.Fatalf("%+v accepted", fig)
		}
	})
}

// FuzzNormalizeEmail: an address the follow form accepts is one plain address that normalizes to
// itself, without spaces, angle brackets, commas or line breaks, at most 254 bytes.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"alice@example.cn", "Alice@Example.CN", "a b@example.cn", "Alice <a@example.cn>", "a@b", "a@example.cn\r\nBcc: x@example.cn", "张三@例子.中国", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := models.NormalizeEmail(raw)
		if err != nil {
			return
		}
		again, err := models.NormalizeEmail(got)
		if err != nil || again != got || len(got) > 254 || strings.ContainsAny(got, " <>,;\"\r\n") || strings.Count(got, "@") < 1 {
			t.Fatalf("%q → %q → %q %v", raw, got, again, err)
		}
	})
}
