package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"pilu/models"
)

// openTestNotice publishes a zombie list naming in, with a claim window of days calendar days.
func (ts *testServer) openTestNotice(province, title string, days int, in models.Institution) models.Notice {
	ts.t.Helper()
	ctx := context.Background()
	n, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: province, Title: title,
		Body: "名单如下。\n请于期限内申报。", WindowDays: days, WindowUnit: models.UnitCalendar, USCCs: []string{in.USCC}}, "office@example.cn", ts.now())
	if err != nil {
		ts.t.Fatal(err)
	}
	if n, err = ts.store.PublishNotice(ctx, n.ID, ts.now()); err != nil {
		ts.t.Fatal(err)
	}
	return n
}

// TestCalendarsCarryOpenClaimWindows reads /notices.ics and its province and institution forms as a
// calendar application does: the bytes follow RFC 5545 (CRLF, lines of at most 75 octets, escaped
// text) and parse with a real iCalendar parser into one all-day event per open window, on its last
// day, with a UID that stays the same across feeds and requests; a closed window leaves the calendar.
// Bad input tried: an unknown province or kind (400), a malformed or unknown USCC (404).
func TestCalendarsCarryOpenClaimWindows(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			gd := ts.seedInstitution("440106", "MA5KC0001", "广州市某网络借贷信息中介有限公司", "440000")
			bj := ts.seedInstitution("110105", "MA5KC0002", "北京某网贷有限公司", "110000")
			long := "关于公布第三批僵尸类网贷机构名单的公告；请出借人在期限内申报债权, 逾期视为放弃（" + strings.Repeat("长标题", 12) + "）"
			n1 := ts.openTestNotice("440000", long, 10, gd)
			n2 := ts.openTestNotice("110000", "北京僵尸类机构名单", 20, bj)

			read := func(path string) *ics.Calendar {
				t.Helper()
				r := ts.get(path)
				if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
					t.Fatalf("%s: %d %q", path, r.StatusCode, r.Header.Get("Content-Type"))
				}
				if !strings.HasSuffix(r.body, "\r\n") {
					t.Fatalf("%s: does not end with CRLF", path)
				}
				for i, l := range strings.Split(strings.TrimSuffix(r.body, "\r\n"), "\r\n") {
					if len(l) > 75 || strings.ContainsAny(l, "\r\n") {
						t.Fatalf("%s: line %d is %d octets or holds a bare line break: %q", path, i+1, len(l), l)
					}
				}
				cal, err := ics.ParseCalendar(strings.NewReader(r.body))
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				return cal
			}
			uids := func(cal *ics.Calendar) []string {
				var out []string
				for _, e := range cal.Events() {
					out = append(out, e.Id())
				}
				return out
			}

			all := read("/notices.ics")
			if len(all.Events()) != 2 {
				t.Fatalf("events: %v", uids(all))
			}
			var ev *ics.VEvent
			for _, e := range all.Events() {
				if e.Id() == fmt.Sprintf("notice-%d@pilu.test", n1.ID) {
					ev = e
				}
			}
			if ev == nil {
				t.Fatalf("no event for notice %d: %v", n1.ID, uids(all))
			}
			start, end := ev.GetProperty(ics.ComponentPropertyDtStart), ev.GetProperty(ics.ComponentPropertyDtEnd)
			last, _ := time.Parse("2006-01-02", n1.LastDay)
			if start == nil || start.Value != last.Format("20060102") || start.ICalParameters["VALUE"][0] != "DATE" ||
				end == nil || end.Value != last.AddDate(0, 0, 1).Format("20060102") || end.ICalParameters["VALUE"][0] != "DATE" {
				t.Fatalf("dates: %+v %+v, last day %s", start, end, n1.LastDay)
			}
			if stamp, err := ev.GetDtStampTime(); err != nil || !stamp.Equal(n1.PublishedAt.Truncate(time.Second)) {
				t.Fatalf("DTSTAMP %v %v, published %v", stamp, err, n1.PublishedAt)
			}
			summary := ics.FromText(ev.GetProperty(ics.ComponentPropertySummary).Value)
			if summary != "申报截止："+long {
				t.Fatalf("summary (escaping or folding broke it): %q", summary)
			}
			desc := ics.FromText(ev.GetProperty(ics.ComponentPropertyDescription).Value)
			if !strings.Contains(desc, gd.Name) || !strings.Contains(desc, fmt.Sprintf("http://pilu.test/notices/%d", n1.ID)) || !strings.Contains(desc, "\n") {
				t.Fatalf("description: %q", desc)
			}

			cases := []struct {
				path string
				want []string
			}{
				{"/notices.ics?province=440000", []string{fmt.Sprintf("notice-%d@pilu.test", n1.ID)}},
				{"/notices.ics?province=110000&kind=zombie_list&utm_source=x", []string{fmt.Sprintf("notice-%d@pilu.test", n2.ID)}},
				{"/notices.ics?kind=general", nil},
				{"/institutions/" + gd.USCC + "/notices.ics", []string{fmt.Sprintf("notice-%d@pilu.test", n1.ID)}},
				{"/institutions/" + strings.ToLower(bj.USCC) + "/notices.ics?lang=en", []string{fmt.Sprintf("notice-%d@pilu.test", n2.ID)}},
			}
			for _, c := range cases {
				if got := uids(read(c.path)); fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("%s: %v, want %v", c.path, got, c.want)
				}
			}
			if r := ts.get("/institutions/" + bj.USCC + "/notices.ics?lang=en"); !strings.Contains(r.body, "X-WR-CALNAME:Claim deadlines") {
				t.Errorf("English calendar name: %.400s", r.body)
			}

			// The Guangdong window closes: its event leaves every calendar.
			ts.clock.t = n1.Deadline.Add(time.Minute)
			if got := uids(read("/notices.ics")); len(got) != 1 || got[0] != fmt.Sprintf("notice-%d@pilu.test", n2.ID) {
				t.Fatalf("after the deadline: %v", got)
			}

			for path, status := range map[string]int{
				"/notices.ics?province=999999":       400,
				"/notices.ics?kind=zombie":           400,
				"/institutions/91440300/notices.ics": 404,
				"/institutions/" + strings.Replace(gd.USCC, "MA5KC0001", "MA5KC0009", 1) + "/notices.ics": 404,
			} {
				if r := ts.get(path); r.StatusCode != status && !(status == 404 && r.StatusCode == 400) {
					t.Errorf("%s: %d, want %d", path, r.StatusCode, status)
				}
			}

			// The pages that list notices link their calendar, in the head and visibly.
			for path, want := range map[string]string{
				"/notices":                        `href="/notices.ics"`,
				"/notices?province=440000":        `href="/notices.ics?province=440000"`,
				"/zombies":                        `href="/notices.ics?kind=zombie_list"`,
				"/institutions/" + gd.USCC:        `href="/institutions/` + gd.USCC + `/notices.ics"`,
				fmt.Sprintf("/notices/%d", n2.ID): `href="/notices.ics?province=110000"`,
			} {
				r := ts.get(path)
				wantAnswer(t, r, 200, `<link rel="alternate" type="text/calendar" `+want)
				if strings.Count(r.body, want) < 2 {
					t.Errorf("%s: the calendar is not linked visibly", path)
				}
			}
		})
	}
}
