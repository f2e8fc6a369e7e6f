package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// TestFeedsFollowWhatIsPublished parses the Atom feeds with a real feed parser: entries, filters,
// stable tag: ids, updated times, and the alternate links on the pages they follow. Bad inputs
// tried: an unknown province, an unknown kind, a malformed USCC (400), a USCC not on the lists (404),
// an unknown parameter (ignored).
func TestFeedsFollowWhatIsPublished(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			set := ts.publishAll("MA5FD0001")
			other := ts.seedInstitution("110105", "MA5FD0002", "北京某网贷有限公司", "110000")
			parse := func(path string) *gofeed.Feed {
				t.Helper()
				r := ts.get(path)
				if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/atom+xml") {
					t.Fatalf("%s: %d %s", path, r.StatusCode, r.Header.Get("Content-Type"))
				}
				f, err := gofeed.NewParser().ParseString(r.body)
				if err != nil || f.FeedType != "atom" {
					t.Fatalf("%s: %v %.300s", path, err, r.body)
				}
				return f
			}
			cases := []struct {
				path    string
				entries int
			}{
				{"/feeds/notices.atom", 1},
				{"/feeds/notices.atom?province=440000&kind=zombie_list&utm_source=x", 1},
				{"/feeds/notices.atom?province=110000", 0},
				{"/feeds/notices.atom?kind=general", 0},
				{"/feeds/notices.atom?institution=" + strings.ToLower(set.in.USCC), 1},
				{"/feeds/notices.atom?institution=" + other.USCC, 0},
				{"/feeds/disclosures.atom", 1},
				{"/feeds/disclosures.atom?institution=" + set.in.USCC + "&kind=other", 1},
				{"/feeds/disclosures.atom?kind=monthly_data", 0},
				{"/feeds/disclosures.atom?province=110000", 0},
			}
			for _, c := range cases {
				if f := parse(c.path); len(f.Items) != c.entries {
					t.Errorf("%s: %d entries, want %d", c.path, len(f.Items), c.entries)
				}
			}
			n := parse("/feeds/notices.atom").Items[0]
			again := parse("/feeds/notices.atom?province=440000").Items[0]
			if n.GUID != fmt.Sprintf("tag:pilu.test,2018:notice/%d", set.notice.ID) || again.GUID != n.GUID {
				t.Fatalf("entry id %q / %q", n.GUID, again.GUID)
			}
			if n.Link != fmt.Sprintf("http://pilu.test/notices/%d", set.notice.ID) || n.Title != set.notice.Title {
				t.Fatalf("entry: %+v", n)
			}
			if n.PublishedParsed == nil || !n.PublishedParsed.Equal(set.notice.PublishedAt.Truncate(1e9)) || n.UpdatedParsed == nil || !n.UpdatedParsed.Equal(set.notice.ConcludedAt.Truncate(1e9)) {
				t.Fatalf("times: published %v updated %v, notice %v %v", n.PublishedParsed, n.UpdatedParsed, set.notice.PublishedAt, set.notice.ConcludedAt)
			}
			d := parse("/feeds/disclosures.atom").Items[0]
			if d.GUID != fmt.Sprintf("tag:pilu.test,2018:disclosure/%d", set.disclosure.ID) || !d.UpdatedParsed.Equal(set.disclosure.PublishedAt.Truncate(1e9)) {
				t.Fatalf("disclosure entry: %+v", d)
			}
			bad := []struct {
				path, field string
				status      int
			}{
				{"/feeds/notices.atom?province=999999", "province", 400},
				{"/feeds/disclosures.atom?province=44", "province", 400},
				{"/feeds/notices.atom?kind=zombie", "kind", 400},
				{"/feeds/disclosures.atom?institution=91440300", "institution", 400},
			}
			for _, c := range bad {
				if r := ts.get(c.path); r.StatusCode != c.status || !strings.Contains(r.body, c.field) {
					t.Errorf("%s: %d", c.path, r.StatusCode)
				}
			}
			unknown := strings.Replace(other.USCC, "MA5FD0002", "MA5FD0003", 1)
			if r := ts.get("/feeds/notices.atom?institution=" + unknown); r.StatusCode != 404 && r.StatusCode != 400 {
				t.Errorf("unknown institution: %d", r.StatusCode)
			}
			for path, want := range map[string]string{
				"/":                            `href="/feeds/notices.atom"`,
				"/notices":                     `href="/feeds/notices.atom"`,
				"/institutions/" + set.in.USCC: `href="/feeds/disclosures.atom?institution=` + set.in.USCC + `"`,
			} {
				wantAnswer(t, ts.get(path), 200, `<link rel="alternate" type="application/atom+xml"`, want)
			}
		})
	}
}

// TestFeedsNameTheirFilterAndCarryTheWholeRecord checks that a feed's title names what it is narrowed
// to, that each entry's summary carries the record (listed institutions, dates, the body; for a
// disclosure its institution, body and attachments), not one line, and that the pages a feed filters
// link it in their head and visibly, with the page's filter.
func TestFeedsNameTheirFilterAndCarryTheWholeRecord(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			set := ts.publishAll("MA5FD0011")
			parse := func(path string) *gofeed.Feed {
				t.Helper()
				f, err := gofeed.NewParser().ParseString(ts.get(path).body)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				return f
			}
			titles := map[string][]string{
				"/feeds/notices.atom": {"公告", "披露"},
				"/feeds/notices.atom?province=440000&kind=zombie_list":           {"公告", "广东省", "僵尸类机构名单公告"},
				"/feeds/disclosures.atom?institution=" + set.in.USCC:             {"信息披露", set.in.Name},
				"/feeds/disclosures.atom?kind=exit_announcement&province=440000": {"信息披露", "广东省", "退出公告"},
			}
			for path, want := range titles {
				f := parse(path)
				for _, w := range want {
					if !strings.Contains(f.Title, w) {
						t.Errorf("%s: title %q does not name %q", path, f.Title, w)
					}
				}
			}
			n := parse("/feeds/notices.atom").Items[0]
			for _, w := range []string{set.in.Name, set.in.USCC, "名单如下。", "申报截止：", "发布日期："} {
				if !strings.Contains(n.Description, w) || !strings.Contains(n.Content, w) {
					t.Errorf("notice entry lacks %q: %q / %q", w, n.Description, n.Content)
				}
			}
			d := parse("/feeds/disclosures.atom").Items[0]
			for _, w := range []string{set.in.Name, "本平台自即日起清退。", "公告.pdf"} {
				if !strings.Contains(d.Description, w) {
					t.Errorf("disclosure entry lacks %q: %q", w, d.Description)
				}
			}
			if strings.Count(n.Description, "\n") < 3 || strings.Count(d.Content, "<p>") < 3 {
				t.Errorf("summaries of one line: %q / %q", n.Description, d.Content)
			}
			for path, want := range map[string]string{
				"/notices?province=440000&kind=zombie_list": `href="/feeds/notices.atom?kind=zombie_list&amp;province=440000"`,
				"/zombies":                     `href="/feeds/notices.atom?kind=zombie_list"`,
				"/exits?province=440000":       `href="/feeds/disclosures.atom?kind=exit_announcement&amp;province=440000"`,
				"/search?q=" + set.in.USCC:     `href="/feeds/disclosures.atom"`,
				"/institutions/" + set.in.USCC: `href="/feeds/notices.atom?institution=` + set.in.USCC + `"`,
			} {
				r := ts.get(path)
				wantAnswer(t, r, 200, `<link rel="alternate" type="application/atom+xml" `+want)
				if strings.Count(r.body, want) < 2 {
					t.Errorf("%s: the feed is not linked visibly", path)
				}
			}
		})
	}
}
