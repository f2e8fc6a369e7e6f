package app

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"pilu/models"
)

// ledgerSize counts the public ledger's entries.
func (ts *testServer) ledgerSize() int64 {
	seq, _, err := ts.store.LedgerHead(context.Background()) // entries are numbered from 1, one after another
	if err != nil {
		panic(err)
	}
	return int64(seq)
}

// TestAPIWritesNeedMoreThanACookie: a logged-in office's browser cookie authorises an API write only
// with the form token in X-CSRF-Token and an Origin (or Referer) of the portal itself; bearer tokens
// need neither; JSON routes take JSON only (415). Refused writes leave the ledger as it was; the
// public claim endpoint still works for a logged-in browser.
func TestAPIWritesNeedMoreThanACookie(t *testing.T) {
	ts := newTestServer(t, nil)
	_, pw, token, err := ts.store.CreateUser(context.Background(), modelsNewOffice("gd@example.cn", "440000"))
	if err != nil {
		t.Fatal(err)
	}
	b := ts.loginAs("gd@example.cn", pw)
	const decision = `{"class":"zombie","reason":"借贷余额连续四个月为零"}`
	cases := []struct {
		name                   string
		cookies, csrf          bool
		bearer                 bool
		ctype, origin, referer string
		status                 int
	}{
		{"the audit's request: cookie, text/plain, another origin", true, false, false, "text/plain", "https://evil.example", "", 403},
		{"cookie and JSON from another origin", true, false, false, "application/json", "https://evil.example", "", 403},
		{"cookie from the portal without the token", true, false, false, "application/json", "http://pilu.test", "", 403},
		{"cookie and token from another origin", true, true, false, "application/json", "https://evil.example", "", 403},
		{"cookie and token from an opaque origin", true, true, false, "application/json", "null", "", 403},
		{"cookie and token, no Origin nor Referer", true, true, false, "application/json", "", "", 403},
		{"cookie and token, Referer on another site", true, true, false, "application/json", "", "https://evil.example/pilu.test/", 403},
		{"cookie and another browser's token", true, true, false, "application/json", "http://pilu.test", "", 403},
		{"cookie, token and origin, but text/plain", true, true, false, "text/plain", "http://pilu.test", "", 415},
		{"cookie, token and the portal's origin", true, true, false, "application/json", "http://pilu.test", "", 201},
		{"cookie, token and the request's own origin", true, true, false, "application/json; charset=utf-8", "http://example.com", "", 201},
		{"cookie, token and a Referer on the portal", true, true, false, "application/json", "", "http://pilu.test/office", 201},
		{"bearer token, text/plain", false, false, true, "text/plain", "", "", 415},
		{"bearer token, form", false, false, true, "application/x-www-form-urlencoded", "", "", 415},
		{"bearer token from anywhere", false, false, true, "application/json", "https://evil.example", "", 201},
		{"nothing", false, false, false, "application/json", "", "", 401},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ts.seedInstitution("440106", fmt.Sprintf("MA5CXRF%02d", i), fmt.Sprintf("广州市第%02d网贷有限公司", i), "440000")
			req := httptest.NewRequest("POST", "/api/v1/institutions/"+in.USCC+"/classification", strings.NewReader(decision))
			req.Header.Set("Content-Type", c.ctype)
			if c.cookies {
				for _, ck := range b.cookies {
					req.AddCookie(ck)
				}
			}
			if c.csrf {
				tok := b.token
				if strings.Contains(c.name, "another browser's token") {
					tok = ts.csrfFor(strings.Repeat("0", 32))
				}
				req.Header.Set("X-CSRF-Token", tok)
			}
			if c.bearer {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			if c.origin != "" {
				req.Header.Set("Origin", c.origin)
			}
			if c.referer != "" {
				req.Header.Set("Referer", c.referer)
			}
			before := ts.ledgerSize()
			r := ts.do(req)
			if r.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %.300s", r.StatusCode, c.status, r.body)
			}
			if c.status == 201 {
				return
			}
			jsonError(t, r)
			if after := ts.ledgerSize(); after != before {
				t.Fatalf("a refused write entered the ledger: %d → %d", before, after)
			}
			if got, _ := ts.store.InstitutionByUSCC(context.Background(), in.USCC); got.Class == "zombie" {
				t.Fatal("a refused write classified the institution")
			}
		})
	}

	// The public claim endpoint takes no account: a logged-in browser files a claim like anyone
	// (its cookie is simply not used), and only as JSON or multipart.
	path, uscc, _ := ts.openClaimNotice()
	claim := fmt.Sprintf(`{"institution":%q,"name":"欧阳娜娜","id_number":%q,"phone":"13812345678","principal":100000,"interest":0,"statement":""}`,
		uscc, residentID("11010519491231002"))
	for _, c := range []struct {
		ctype  string
		status int
	}{{"text/plain", 415}, {"application/json", 201}} {
		req := httptest.NewRequest("POST", path, strings.NewReader(claim))
		req.Header.Set("Content-Type", c.ctype)
		req.Header.Set("Origin", "https://evil.example")
		for _, ck := range b.cookies {
			req.AddCookie(ck)
		}
		if r := ts.do(req); r.StatusCode != c.status {
			t.Fatalf("claim as %s with a session cookie: %d, want %d: %.300s", c.ctype, r.StatusCode, c.status, r.body)
		}
	}
}

// TestLoginRedirectStaysOnThePortal logs in with a table of nasty next values: each lands on the
// role's own page; same-origin paths are kept, normalised. A browser drops tabs and newlines from a
// URL, so "/\t/evil.example" would have taken it to evil.example.
func TestLoginRedirectStaysOnThePortal(t *testing.T) {
	ts := newTestServer(t, nil)
	_, pw, _, err := ts.store.CreateUser(context.Background(), modelsNewOffice("gd@example.cn", "440000"))
	if err != nil {
		t.Fatal(err)
	}
	csrf := cookie(ts.get("/login"), csrfCookie)
	token := ts.csrfFor(csrf.Value)
	nasty := []string{
		"//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
		"/\t/evil.example", "/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "/\n/evil.example",
		"/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
		"https://evil.example", "http:/evil.example", "HTTPS://evil.example/office", "javascript:alert(1)",
		"data:text/html,x", "evil.example", "evil.example/office", " /office", "/ /evil.example",
		"/office\r\nSet-Cookie: x=1", "/\x00/evil.example", "/%00", "/%E3%80%80/evil.example", "/\u3000/evil.example",
		"/\u202e/elpmaxe.live", "/%E2%80%AE", "/%ZZ", "/%", "/\xff", "/%ff",
	}
	login := func(next string) string {
		r := ts.postForm("/login", url.Values{"email": {"gd@example.cn"}, "password": {pw}, "_csrf": {token}, "next": {next}}, csrf)
		if r.StatusCode != 303 {
			t.Fatalf("next=%q: status %d", next, r.StatusCode)
		}
		return r.Header.Get("Location")
	}
	for _, next := range nasty {
		t.Run(fmt.Sprintf("%q", next), func(t *testing.T) {
			if loc := login(next); loc != "/office" {
				t.Fatalf("next=%q led to %q, want the role's own page /office", next, loc)
			}
			page := ts.get("/login?next=" + url.QueryEscape(next))
			if !strings.Contains(page.body, `name="next" value=""`) {
				t.Fatalf("the login form carries next=%q on", next)
			}
		})
	}
	kept := []struct{ next, want string }{
		{"/office/notices?page=2", "/office/notices?page=2"},
		{"/office/../filer", "/filer"},
		{"/a/./b/", "/a/b/"},
		{"/.//evil.example", "/evil.example"},
		{"/search?q=%E7%BA%A2%E5%B2%AD", "/search?q=%E7%BA%A2%E5%B2%AD"},
		{"/institutions/红岭", "/institutions/%E7%BA%A2%E5%B2%AD"},
		{"/", "/"},
	}
	for _, c := range kept {
		if loc := login(c.next); loc != c.want {
			t.Errorf("next=%q led to %q, want %q", c.next, loc, c.want)
		}
	}
}

// TestLoginThrottleLocksNoOneOutOfThePage is the audit's case through the login page: behind a trusted proxy,
// a stranger's wrong passwords make the stranger wait (429, Retry-After, in the reader's language),
// while the owner's right password from another address logs in at once.
func TestLoginThrottleLocksNoOneOutOfThePage(t *testing.T) {
	ts := newTestServer(t, map[string]string{"PILU_TRUSTED_PROXIES": "0.0.0.0"}) // app.Test's peer
	_, pw, _, err := ts.store.CreateUser(context.Background(), modelsNewOffice("gd@example.cn", "440000"))
	if err != nil {
		t.Fatal(err)
	}
	csrf := cookie(ts.get("/login"), csrfCookie)
	token := ts.csrfFor(csrf.Value)
	login := func(password, client, lang string) response {
		form := url.Values{"email": {"gd@example.cn"}, "password": {password}, "_csrf": {token}}
		req := httptest.NewRequest("POST", "/login"+lang, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Real-IP", client)
		req.AddCookie(csrf)
		return ts.do(req)
	}
	for i := 1; i <= 8; i++ {
		wantAnswer(t, login("wrong", "203.0.113.9", ""), 401, "电子邮箱或密码不正确")
		if i < models.LoginFreeFailures {
			continue
		}
		wait := models.LoginDelay(i)
		r := login(pw, "203.0.113.9", "?lang=en")
		wantAnswer(t, r, 429, "Too many failed attempts; try again in")
		if r.Header.Get("Retry-After") != fmt.Sprint(int(wait.Seconds())) {
			t.Fatalf("failure %d: Retry-After %q, want %v", i, r.Header.Get("Retry-After"), wait)
		}
		wantAnswer(t, login(pw, "198.51.100.7", ""), 303) // the owner, elsewhere
		ts.clock.t = ts.clock.t.Add(wait)
	}
	wantAnswer(t, login(pw, "203.0.113.9", ""), 303) // the wait is over
}
