package app

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestHTTPCachingRevalidatesAndStaysPrivateWhereItMust checks ETag and Last-Modified on pages, API
// reads, feeds and exports (304 on revalidation), that a write changes the answer, that pages with a
// per-visitor CSRF token or a logged-in user are never shared, and compression. Bad inputs tried:
// malformed If-None-Match (full answer), a stale ETag, an unparsable If-Modified-Since.
func TestHTTPCachingRevalidatesAndStaysPrivateWhereItMust(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	set := ts.publishAll("MA5CA0001")
	for _, path := range []string{"/", "/institutions/" + set.in.USCC, "/api/v1/notices", "/feeds/notices.atom", "/exports/institutions.csv", "/ledger"} {
		t.Run(path, func(t *testing.T) {
			r := ts.get(path)
			etag, modified := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
			if r.StatusCode != 200 || etag == "" || modified == "" || r.Header.Get("Cache-Control") != cacheControlPublic || cookie(r, csrfCookie) != nil {
				t.Fatalf("%d ETag %q Last-Modified %q Cache-Control %q", r.StatusCode, etag, modified, r.Header.Get("Cache-Control"))
			}
			cases := []struct {
				name    string
				headers []string
				status  int
			}{
				{"same ETag", []string{"If-None-Match", etag}, 304},
				{"weak ETag in a list", []string{"If-None-Match", `"x", W/` + etag}, 304},
				{"any", []string{"If-None-Match", "*"}, 304},
				{"stale ETag", []string{"If-None-Match", `"0123"`}, 200},
				{"malformed If-None-Match", []string{"If-None-Match", `abc, "unterminated`}, 200},
				{"If-Modified-Since", []string{"If-Modified-Since", modified}, 304},
				{"older If-Modified-Since", []string{"If-Modified-Since", "Mon, 01 Jan 2018 00:00:00 GMT"}, 200},
				{"unparsable If-Modified-Since", []string{"If-Modified-Since", "yesterday"}, 200},
				{"ETag wins over If-Modified-Since", []string{"If-None-Match", `"0123"`, "If-Modified-Since", modified}, 200},
			}
			for _, c := range cases {
				got := ts.get(path, c.headers...)
				if got.StatusCode != c.status || (c.status == 304 && got.body != "") || (c.status == 200 && got.body != r.body) {
					t.Errorf("%s: %d (%d bytes)", c.name, got.StatusCode, len(got.body))
				}
			}
		})
	}
	// A request asking for a fresh answer (a forced reload, the search load test) is not served
	// from the response cache: a change made behind GORM's back (so no new data version) shows.
	path := "/api/v1/institutions/" + set.in.USCC
	ts.get(path)
	sqlDB, err := dbtest.Handle(context.Background(), ts.store).DB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlDB.Exec("UPDATE institutions SET name = ? WHERE uscc = ?", "绕过缓存有限公司", set.in.USCC); err != nil {
		t.Fatal(err)
	}
	if r := ts.get(path); strings.Contains(r.body, "绕过缓存") {
		t.Fatal("the kept answer should still be served without no-cache")
	}
	for _, h := range [][]string{{"Cache-Control", "no-cache"}, {"Cache-Control", "max-age=0, No-Cache"}, {"Pragma", "no-cache"}} {
		if r := ts.get(path, h...); r.StatusCode != 200 || !strings.Contains(r.body, "绕过缓存") {
			t.Errorf("%s: %s: %d, the answer was not made anew", h[0], h[1], r.StatusCode)
		}
	}

	// A write through the models starts a new data version: the answer and its ETag change.
	before := ts.get("/api/v1/institutions")
	ts.seedInstitution("440106", "MA5CA0002", "深圳市新增有限公司", "440000")
	after := ts.get("/api/v1/institutions", "If-None-Match", before.Header.Get("ETag"))
	if after.StatusCode != 200 || after.Header.Get("ETag") == before.Header.Get("ETag") || !strings.Contains(after.body, "MA5CA0002") {
		t.Fatalf("after a write: %d %s", after.StatusCode, after.Header.Get("ETag"))
	}
	// Pages with a form carry a per-visitor token (in a field or in the form's action): never
	// stored by shared caches.
	open, err := ts.store.CreateNotice(context.Background(), models.NewNotice{Kind: "zombie_list", Province: "440000", Title: "第二批",
		Body: "名单", WindowDays: 7, WindowUnit: models.UnitCalendar, USCCs: []string{set.in.USCC}}, "gd", ts.now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.PublishNotice(context.Background(), open.ID, ts.now()); err != nil {
		t.Fatal(err)
	}
	claimForm := fmt.Sprintf("/notices/%d/claims/new?institution=%s", open.ID, set.in.USCC)
	for _, path := range []string{"/login", "/verify", claimForm} {
		if r := ts.get(path); r.Header.Get("Cache-Control") != "private, no-store" || r.Header.Get("ETag") != "" {
			t.Errorf("%s: Cache-Control %q ETag %q", path, r.Header.Get("Cache-Control"), r.Header.Get("ETag"))
		}
	}
	// A logged-in user's pages are private.
	u, _, _, err := ts.store.CreateUser(context.Background(), modelsNewOffice("gd-cache@example.cn", "440000"))
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := ts.store.CreateSession(context.Background(), u, ts.now())
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
	if r := ts.do(req); r.Header.Get("Cache-Control") != "private, no-store" || r.Header.Get("ETag") != "" {
		t.Errorf("logged in: %q", r.Header.Get("Cache-Control"))
	}
	// Compression on request.
	req = httptest.NewRequest("GET", "/api/v1/openapi.json", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := ts.Handler().Test(req, 10_000)
	if err != nil || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("compression: %v %q", err, res.Header.Get("Content-Encoding"))
	}
	zr, _ := gzip.NewReader(res.Body)
	if b, _ := io.ReadAll(zr); string(b) != string(openAPIDocument) {
		t.Fatal("the gzip body is not the document")
	}
}

// TestAPIListsAndRateLimits: paging parameters and per-client limits. Bad inputs tried: per_page
// above 100 (capped), page 0 and negative (400), page huge (400 past 1,000,000; an empty page
// before), an unknown parameter (ignored), more reads than the limit (429 with Retry-After and
// RateLimit-* headers).
func TestAPIListsAndRateLimits(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	ts.publishAll("MA5RL0001")
	var page struct {
		Items   []any `json:"items"`
		Total   int   `json:"total"`
		Page    int   `json:"page"`
		PerPage int   `json:"per_page"`
	}
	cases := []struct {
		query          string
		status         int
		items, perPage int
	}{
		{"per_page=1000", 200, 1, 100},
		{"per_page=100&unknown=1&sort_by=x", 200, 1, 100},
		{"page=999999", 200, 0, 20},
		{"page=0", 400, 0, 0},
		{"page=-3", 400, 0, 0},
		{"page=99999999999999999999", 400, 0, 0},
		{"per_page=abc", 400, 0, 0},
	}
	for _, c := range cases {
		r := ts.get("/api/v1/notices?" + c.query)
		if r.StatusCode != c.status {
			t.Errorf("%s: %d", c.query, r.StatusCode)
			continue
		}
		if c.status != 200 {
			jsonError(t, r)
			continue
		}
		decode(t, r, &page)
		if len(page.Items) != c.items || page.PerPage != c.perPage {
			t.Errorf("%s: %d items, per_page %d", c.query, len(page.Items), page.PerPage)
		}
	}
	var r response
	for range apiReadsPerMinute + 1 {
		if r = ts.get("/api/v1/stats"); r.StatusCode == 429 {
			break
		}
		if r.Header.Get("RateLimit-Limit") != "600" || r.Header.Get("RateLimit-Remaining") == "" {
			t.Fatalf("headers: %v", r.Header)
		}
	}
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" || r.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("past the limit: %d %v", r.StatusCode, r.Header)
	}
	if code, _ := jsonError(t, r); code != "too_many_requests" {
		t.Fatal(code)
	}
	// Writes have their own allowance; a minute later reads are allowed again.
	if w := ts.do(httptest.NewRequest("POST", "/api/v1/claims/status", strings.NewReader(`{}`))); w.StatusCode == 429 && w.Header.Get("RateLimit-Limit") == "600" {
		t.Fatal("a write used the read allowance")
	}
	ts.clock.t = ts.clock.t.Add(time.Minute)
	if r = ts.get("/api/v1/stats"); r.StatusCode != 200 {
		t.Fatalf("a minute later: %d", r.StatusCode)
	}
}

// TestCachedSearchNeverOlderThanTheIndex files an institution, asks for it before the indexer has
// applied the filing (nothing found, and that answer is kept), then lets the indexer catch up: the
// same request, from a plain client with no cache directives, must now find it. The response cache
// was once keyed on the data version alone and kept the empty answer until the minute changed.
func TestCachedSearchNeverOlderThanTheIndex(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	ts.drain()
	ts.seedInstitution("440106", "MA5CA0077", "深圳市缓存测试有限公司", "440000", "缓存测试")
	// A words query, not the USCC: a credit code names a known item, looked up in the database.
	q := url.QueryEscape("缓存测试有限")
	for _, path := range []string{"/api/v1/search?q=" + q, "/search?q=" + q} {
		if r := ts.get(path); r.StatusCode != 200 || strings.Contains(r.body, "缓存测试有限公司") {
			t.Fatalf("%s before the indexer ran: %d, found already", path, r.StatusCode)
		}
	}
	ts.drain()
	for _, path := range []string{"/api/v1/search?q=" + q, "/search?q=" + q} {
		if r := ts.get(path); r.StatusCode != 200 || !strings.Contains(r.body, "缓存测试有限公司") {
			t.Errorf("%s after the indexer applied the filing: %d, still the kept answer", path, r.StatusCode)
		}
	}
}

// TestColdPageIsMadeOnceForManyReaders sends many requests for one page at once just after a write
// (so nothing is kept for the new version): the readers wait for one computation instead of each
// making the page, so the database answers about one page's queries, not one set per reader. Then
// the clock moves a minute: the kept answer is made anew without a write.
func TestColdPageIsMadeOnceForManyReaders(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	set := ts.publishAll("MA5CA0003")
	path := "/institutions/" + set.in.USCC
	var queries atomic.Int64
	count := func(*gorm.DB) { // a slow database, so that the readers overlap
		queries.Add(1)
		time.Sleep(2 * time.Millisecond)
	}
	if err := dbtest.Handle(context.Background(), ts.store).Callback().Query().After("gorm:query").Register("test:count", count); err != nil {
		t.Fatal(err)
	}
	measure := func(readers int) (int64, []response) {
		ts.seedInstitution("440106", fmt.Sprintf("MA5CB%04d", queries.Load()%10000), "深圳市写入有限公司", "440000") // a new version
		ts.get("/healthz")
		queries.Store(0)
		out := make([]response, readers)
		var wg sync.WaitGroup
		for i := range readers {
			wg.Add(1)
			go func() { defer wg.Done(); out[i] = ts.get(path) }()
		}
		wg.Wait()
		return queries.Load(), out
	}
	one, _ := measure(1)
	many, answers := measure(32)
	for _, r := range answers {
		if r.StatusCode != 200 || r.body != answers[0].body {
			t.Fatalf("a reader got %d or another page", r.StatusCode)
		}
	}
	if one == 0 || many > 3*one {
		t.Fatalf("one reader cost %d queries, 32 readers at once %d: the page was made more than about once", one, many)
	}
	ts.get(path)
	queries.Store(0)
	if ts.get(path); queries.Load() != 0 {
		t.Fatalf("a kept page cost %d queries", queries.Load())
	}
	ts.clock.t = ts.clock.t.Add(time.Minute)
	if r := ts.get(path); r.StatusCode != 200 || queries.Load() == 0 {
		t.Fatalf("a minute later: %d after %d queries: the page was not made anew", r.StatusCode, queries.Load())
	}
}

// TestPagesThatDoNotSearchOutliveIndexBatches: when the indexer applies a batch, an answer that
// searched is made anew (TestCachedSearchNeverOlderThanTheIndex) but a page that did not search is
// still served from the cache. Every page was once keyed on the index's version too, so each filing
// emptied the cache twice: when it was written and again when the indexer applied it.
func TestPagesThatDoNotSearchOutliveIndexBatches(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	set := ts.publishAll("MA5CA0004")
	ts.drain()
	path := "/institutions/" + set.in.USCC
	search := "/api/v1/search?q=" + url.QueryEscape("索引批次有限")
	ts.seedInstitution("440106", "MA5CA0005", "深圳市索引批次有限公司", "440000") // written, not yet indexed
	ts.get("/healthz")
	if r := ts.get(path); r.StatusCode != 200 {
		t.Fatalf("%s: %d", path, r.StatusCode)
	}
	if r := ts.get(search); r.StatusCode != 200 || strings.Contains(r.body, "索引批次有限公司") {
		t.Fatalf("%s before the indexer ran: %d, found already", search, r.StatusCode)
	}
	var queries atomic.Int64
	count := func(*gorm.DB) { queries.Add(1) }
	if err := dbtest.Handle(context.Background(), ts.store).Callback().Query().After("gorm:query").Register("test:count", count); err != nil {
		t.Fatal(err)
	}
	before := ts.indexer.Version()
	ts.drain()
	if ts.indexer.Version() == before {
		t.Fatal("the drain applied no batch")
	}
	queries.Store(0)
	if r := ts.get(path); r.StatusCode != 200 || queries.Load() != 0 {
		t.Fatalf("%s after an index batch: %d, made anew with %d queries", path, r.StatusCode, queries.Load())
	}
	if r := ts.get(search); !strings.Contains(r.body, "索引批次有限公司") {
		t.Fatalf("%s after an index batch: %d, the answer searched before it", search, r.StatusCode)
	}
}
