package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"pilu/models"
)

// TestStaticFiles: pages link the static files by content hash; such an address is cached a year
// as immutable, a plain or outdated one five minutes; each is sent brotli or gzip as the client
// accepts, with Vary: Accept-Encoding, and revalidates by ETag. Bad inputs: an unknown file, a
// hash of the wrong length, q=0.
func TestStaticFiles(t *testing.T) {
	ts := newTestServer(t, nil)
	home := ts.get("/")
	m := regexp.MustCompile(`href="(/static/css/pilu\.([0-9a-f]{10})\.css)"`).FindStringSubmatch(home.body)
	if m == nil {
		t.Fatalf("the home page does not link a content-hashed stylesheet")
	}
	hashed, hash := m[1], m[2]
	raw := ts.views.assets.files["css/pilu.css"].raw
	decode := map[string]func(io.Reader) (io.Reader, error){
		"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
		"gzip": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		"":     func(r io.Reader) (io.Reader, error) { return r, nil },
	}
	for _, c := range []struct {
		path, accept, encoding, cache string
	}{
		{hashed, "gzip, deflate, br", "br", staticImmutable},
		{hashed, "gzip", "gzip", staticImmutable},
		{hashed, "br;q=0, gzip", "gzip", staticImmutable},
		{hashed, "", "", staticImmutable},
		{"/static/css/pilu.css", "br", "br", staticShort},
		{"/static/css/pilu.0000000000.css", "gzip", "gzip", staticShort}, // a page from before a release
	} {
		t.Run(c.path+" "+c.accept, func(t *testing.T) {
			r := ts.get(c.path, "Accept-Encoding", c.accept)
			if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != c.encoding || r.Header.Get("Cache-Control") != c.cache ||
				r.Header.Get("Vary") != "Accept-Encoding" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
				t.Fatalf("%d, encoding %q, cache %q, vary %q, type %q", r.StatusCode, r.Header.Get("Content-Encoding"),
					r.Header.Get("Cache-Control"), r.Header.Get("Vary"), r.Header.Get("Content-Type"))
			}
			dr, err := decode[c.encoding](strings.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			if b, err := io.ReadAll(dr); err != nil || !bytes.Equal(b, raw) {
				t.Fatalf("the body is not the stylesheet: %v", err)
			}
			if c.encoding != "" && len(r.body) >= len(raw)/2 {
				t.Errorf("%s body of %d bytes for %d", c.encoding, len(r.body), len(raw))
			}
		})
	}
	if r := ts.get(hashed, "If-None-Match", `"`+hash+`"`); r.StatusCode != 304 || r.body != "" {
		t.Errorf("revalidation: %d %q", r.StatusCode, trimTo(r.body, 40))
	}
	for _, p := range []string{"/static/css/nothing.css", "/static/css/pilu.123.css", "/static/css/pilu.zzzzzzzzzz.css", "/static/../go.mod"} {
		if r := ts.get(p); r.StatusCode != 404 {
			t.Errorf("%s: %d", p, r.StatusCode)
		}
	}
	if r := ts.do(httptest.NewRequest("HEAD", hashed, nil)); r.StatusCode != 200 || r.body != "" || r.Header.Get("Content-Length") != fmt.Sprint(len(raw)) {
		t.Errorf("HEAD: %d, length %q, body %d bytes", r.StatusCode, r.Header.Get("Content-Length"), len(r.body))
	}
}

// maxFirstVisit is the most a public page may transfer on a first visit, compressed, with every
// stylesheet, script and image it links (issue 16).
const maxFirstVisit = 150 << 10

// TestPageWeight: every public page of the demo data set transfers at most 150 KB on a first
// visit, as a browser asking for brotli or gzip fetches it with all its static resources.
func TestPageWeight(t *testing.T) {
	ts := newTestServer(t, map[string]string{"PILU_DEMO": "1"})
	ts.Start()
	waitForIndex(t, ts)
	ctx := context.Background()
	open, _, err := ts.store.ListNotices(ctx, models.NoticeFilter{Kind: models.NoticeZombieList, Status: models.NoticeOpen, Now: ts.now(), PerPage: 1})
	if err != nil || len(open) == 0 {
		t.Fatalf("no open zombie list in the demo data set: %v", err)
	}
	first := func(path, pattern string) string {
		m := regexp.MustCompile(pattern).FindStringSubmatch(ts.get(path).body)
		if m == nil {
			t.Fatalf("%s: nothing matches %s", path, pattern)
		}
		return m[1]
	}
	pages := []string{"/", "/search?q=%E8%81%9A%E8%B4%A2%E7%8C%AB", "/institutions", "/institutions/" + first("/institutions", `href="/institutions/([0-9A-Z]{18})"`),
		"/notices", fmt.Sprintf("/notices/%d", open[0].ID), "/zombies", "/exits", "/stats", "/ledger", "/api",
		"/deadlines", "/deadlines?from=2019-06-14&days=15&unit=working", "/disclosures/" + first("/exits", `href="/disclosures/(\d+)"`)}
	for _, lang := range []string{"zh", "en"} {
		for _, p := range pages {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			p += sep + "lang=" + lang
			t.Run(p, func(t *testing.T) {
				total, parts := transferred(t, ts, p)
				if total > maxFirstVisit {
					t.Errorf("%s transfers %d bytes on a first visit, more than %d: %s", p, total, maxFirstVisit, parts)
				}
			})
		}
	}
}

// linkedResource finds what a page makes a browser fetch: stylesheets, icons, scripts, images.
var linkedResource = regexp.MustCompile(`<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"`)

// transferred fetches a page and every resource it links once, as a first visit does, and returns
// the bytes sent over the wire (compressed bodies) with a breakdown.
func transferred(t *testing.T, ts *testServer, path string) (int, string) {
	t.Helper()
	get := func(p string) (response, int) {
		r := ts.get(p, "Accept-Encoding", "br, gzip")
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, r.StatusCode)
		}
		return r, len(r.body)
	}
	page, total := get(path)
	if page.Header.Get("Content-Encoding") == "" {
		t.Errorf("%s is sent uncompressed", path)
	}
	parts := []string{fmt.Sprintf("page %d", total)}
	seen := map[string]bool{}
	html := page.body
	if dr, err := decodeBody(page); err == nil {
		html = dr
	} else {
		t.Fatal(err)
	}
	for _, m := range linkedResource.FindAllStringSubmatch(html, -1) {
		u := strings.ReplaceAll(m[1], "&amp;", "&")
		if seen[u] || strings.HasPrefix(u, "/feeds/") { // feeds are for readers, not fetched by the page
			continue
		}
		seen[u] = true
		_, n := get(u)
		total += n
		parts = append(parts, fmt.Sprintf("%s %d", u, n))
	}
	return total, strings.Join(parts, ", ")
}

// decodeBody returns an answer's body as sent before compression.
func decodeBody(r response) (string, error) {
	var rd io.Reader = strings.NewReader(r.body)
	switch r.Header.Get("Content-Encoding") {
	case "br":
		rd = brotli.NewReader(rd)
	case "gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return "", err
		}
		rd = zr
	}
	b, err := io.ReadAll(rd)
	return string(b), err
}
