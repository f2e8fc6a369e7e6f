package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

// calendarFixture is a 2027 file in the shape of the shipped years (a test fixture, not the State
// Council's arrangement).
func calendarFixture(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../models/testdata/calendar-2027.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// postCalendar uploads a calendar file from /admin's form (name "file", CSRF token in the query).
func (b *noticeBrowser) postCalendar(content string, csrf string) response {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	f, _ := w.CreateFormFile("file", "2027.json")
	f.Write([]byte(content))
	w.Close()
	req := httptest.NewRequest("POST", "/admin/calendar?_csrf="+csrf, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	return b.ts.do(req)
}

func withHeader(r *http.Request, k, v string) *http.Request {
	r.Header.Set(k, v)
	return r
}

// secretOf reads a value shown once (password or token) from an admin page.
func secretOf(t *testing.T, body, label string) string {
	t.Helper()
	m := regexp.MustCompile(`<dt>` + label + `</dt><dd><code class="hash">([^<]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		m = regexp.MustCompile(`<p><code class="hash">(pilu_[^<]+)</code></p>`).FindStringSubmatch(body)
	}
	if m == nil {
		t.Fatalf("no %s shown in %.2000s", label, body)
	}
	return m[1]
}

// TestAdminCalendar: a window ending in 2027 is refused in the reader's language until an admin
// loads 2027 on /admin (checked strictly, CSRF-protected, admins only); then /deadlines computes
// into 2027, lists the year as loaded, and the ledger holds the file's hash.
func TestAdminCalendar(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			ts := newTestServer(t, be.env)
			ctx := context.Background()
			admin, _, _, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "root@example.cn"})
			if err != nil {
				t.Fatal(err)
			}
			office, _, officeToken, err := ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			// An office drafts a zombie list on 2026-12-17: its 15-day window ends in 2027.
			ts.clock.t = time.Date(2026, 12, 17, 10, 0, 0, 0, models.ChinaZone)
			in := ts.seedInstitution("440106", "MA5D0AMD1", "广州某网贷信息服务有限公司", "440000")
			draft, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: "440000", Title: "关于僵尸类网贷机构名单的公告",
				Body: "现予公告。", WindowDays: 15, WindowUnit: models.UnitCalendar, USCCs: []string{in.USCC}}, office.Email, ts.now())
			if err != nil {
				t.Fatal(err)
			}
			publish := fmt.Sprintf("/api/v1/notices/%d/publish", draft.ID)
			r := ts.callAPI("POST", publish, officeToken, nil)
			if code, fields := jsonError(t, r); r.StatusCode != 422 || code != "invalid" || !strings.Contains(fields["window"], "2027 is not loaded yet") {
				t.Fatalf("publishing into 2027 before the import: %d %s %v", r.StatusCode, code, fields)
			}
			officeBrowser := ts.newNoticeBrowser(&office)
			wantAnswer(t, officeBrowser.get(fmt.Sprintf("/office/notices/%d", draft.ID)), 200, "2027年的法定节假日安排尚未载入本站")
			wantAnswer(t, officeBrowser.post(fmt.Sprintf("/office/notices/%d/publish", draft.ID), url.Values{}), 422, "2027年的法定节假日安排尚未载入本站", "系统管理员")
			const q = "/deadlines?from=2026-12-17&days=15&unit=calendar"
			wantAnswer(t, ts.get(q), 422, "2027年的法定节假日安排尚未载入本站", "系统管理员", "2018–2026")
			wantAnswer(t, ts.get(q+"&lang=en"), 422, "The official holiday calendar for 2027 is not loaded yet", "an administrator loads it")
			r = ts.get("/api/v1/deadlines?from=2026-12-17&days=15")
			if code, fields := jsonError(t, r); r.StatusCode != 422 || code != "calendar_missing" || !strings.Contains(fields["from"], "2027") {
				t.Fatalf("API before the import: %d %s %v", r.StatusCode, code, fields)
			}
			if r := ts.get("/deadlines?from=2026-12-17&days=abc&lang=en"); r.StatusCode != 400 || !strings.Contains(r.body, "Days must be a whole number") {
				t.Fatalf("a bad number of days: %d %.300s", r.StatusCode, r.body)
			}

			if r := ts.get("/calendars/2027.json"); r.StatusCode != 404 {
				t.Fatalf("the 2027 placeholder is served as a calendar: %d", r.StatusCode)
			}
			fixture := calendarFixture(t)
			ab := ts.newNoticeBrowser(&admin)
			ob := ts.newNoticeBrowser(&office)
			if r := ob.postCalendar(fixture, ob.csrf); r.StatusCode != 403 {
				t.Fatalf("an office loads a calendar: %d", r.StatusCode)
			}
			if r := ab.postCalendar(fixture, "forged"); r.StatusCode != 403 {
				t.Fatalf("no CSRF token: %d", r.StatusCode)
			}
			bad := strings.Replace(fixture, `"2027-02-14", "isOffDay": false`, `"2027-02-15", "isOffDay": false`, 1)
			wantAnswer(t, ab.postCalendar(bad, ab.csrf), 422, "第 7 个日期 2027-02-15 是工作日，不能标为调休上班日")
			ab.cookies = append(ab.cookies, &http.Cookie{Name: "lang", Value: "en"})
			wantAnswer(t, ab.postCalendar(`{"year": 2027, "papers": [], "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}`, ab.csrf), 422,
				"papers must name the State Council notice")
			ab.cookies = ab.cookies[:len(ab.cookies)-1]
			wantAnswer(t, ab.postCalendar("", ab.csrf), 422, "请选择要载入的文件")
			if _, err := os.Stat(filepath.Join(ts.cfg.DataDir, "x")); err == nil {
				t.Fatal("unexpected file")
			}

			other := newTestServer(t, map[string]string{"PILU_DB": ts.cfg.DB, "PILU_SECRET": ts.cfg.Secret}) // a second process on the database
			wantAnswer(t, other.get(q), 422, "2027年的法定节假日安排尚未载入本站")
			wantAnswer(t, ab.postCalendar(fixture, ab.csrf), 200, "已载入 2027 年的节假日安排，记入公开账本第 1 条", "root@example.cn")
			if _, err := ts.indexer.Drain(ctx); err != nil {
				t.Fatalf("the indexer on the calendar's outbox row: %v", err)
			}
			if _, lag, _, err := ts.indexer.Status(ctx); err != nil || lag != 0 {
				t.Fatalf("the indexer left %d rows: %v", lag, err)
			}
			wantAnswer(t, other.do(withHeader(httptest.NewRequest("GET", q, nil), "Cache-Control", "no-cache")), 200, "2027年1月4日")
			wantAnswer(t, ab.postCalendar(fixture, ab.csrf), 200, "2027 年的节假日安排已从相同文件载入，未作任何更改")
			wantAnswer(t, ts.get(q), 200, "2027年1月4日", "2018–2027", "管理员载入")
			r = ts.get("/api/v1/deadlines?from=2026-12-17&days=15")
			wantAnswer(t, r, 200, `"last_day":"2027-01-04"`, `"2027-01-01"`)
			r = ts.callAPI("POST", publish, officeToken, nil)
			wantAnswer(t, r, 200, `"last_day":"2027-01-04"`, `"calendar":{"years":"2018–2027","sha256":"`)
			page := ts.get("/deadlines")
			if strings.Contains(page.body, "root@example.cn") {
				t.Fatal("the public page shows who loaded the calendar")
			}
			sum := regexp.MustCompile(`id="calendar-2027"[\s\S]*?<span class="hash">([0-9a-f]{64})</span>`).FindStringSubmatch(page.body)
			if sum == nil {
				t.Fatalf("no 2027 row with its hash on /deadlines: %.3000s", page.body)
			}
			wantAnswer(t, ts.get("/api/v1/verify?sha256="+sum[1]), 200, `"published":true`, `"kind":"calendar"`)
			for year, want := range map[string]string{"2027": sum[1], "2026": ""} {
				r := ts.get("/calendars/" + year + ".json")
				got := sha256.Sum256([]byte(r.body))
				if r.StatusCode != 200 || !strings.Contains(page.body, hex.EncodeToString(got[:])) || (want != "" && hex.EncodeToString(got[:]) != want) {
					t.Fatalf("/calendars/%s.json: %d, its SHA-256 %x is not the one /deadlines lists", year, r.StatusCode, got)
				}
			}
			for _, path := range []string{"/calendars/2028.json", "/calendars/2017.json", "/calendars/abcd.json", "/calendars/2027"} {
				if r := ts.get(path); r.StatusCode != 404 {
					t.Fatalf("%s: %d", path, r.StatusCode)
				}
			}
			wantAnswer(t, ts.get("/ledger"), 200, "节假日安排 2027", "/deadlines#calendar-2027")
		})
	}
}

// TestAdminAccounts: /admin is for admins only; an admin creates accounts (password and token shown
// once; refusals in the reader's language), disables and enables them, and makes, rotates and
// revokes their API tokens, each taking effect at once.
func TestAdminAccounts(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			ts := newTestServer(t, be.env)
			ctx := context.Background()
			admin, _, _, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "root@example.cn"})
			if err != nil {
				t.Fatal(err)
			}
			office, _, _, err := ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			if r := ts.get("/admin"); r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
				t.Fatalf("the public on /admin: %d %s", r.StatusCode, r.Header.Get("Location"))
			}
			ob := ts.newNoticeBrowser(&office)
			for _, path := range []string{"/admin", fmt.Sprintf("/admin/users/%d", admin.ID)} {
				if r := ob.get(path); r.StatusCode != 403 {
					t.Fatalf("an office on %s: %d", path, r.StatusCode)
				}
			}
			if r := ob.post(fmt.Sprintf("/admin/users/%d/disable", admin.ID), url.Values{}); r.StatusCode != 403 {
				t.Fatalf("an office disables an admin: %d", r.StatusCode)
			}
			ab := ts.newNoticeBrowser(&admin)
			wantAnswer(t, ab.get("/admin"), 200, "系统管理", "gd@example.cn", "广东省", "网贷整治办", "2018–2026")
			wantAnswer(t, ab.get("/admin?lang=en"), 200, "Administration", "Clean-up office")

			// Refusals, in the reader's language.
			wantAnswer(t, ab.post("/admin/users", url.Values{"role": {"office"}, "email": {"not-an-address"}, "province": {"990000"}}), 422,
				`id="e-email"`, `id="e-province"`)
			for _, uscc := range []string{"", "914403", "91350100M000100Y43"} {
				r := ab.post("/admin/users", url.Values{"role": {"institution"}, "email": {"filer@example.cn"}, "institution": {uscc}})
				wantAnswer(t, r, 422, `id="e-institution"`)
				if m := regexp.MustCompile(`id="e-institution" class="error" role="alert">([^<]*)<`).FindStringSubmatch(r.body); m == nil || !regexp.MustCompile(`\p{Han}`).MatchString(m[1]) {
					t.Errorf("institution %q: the reason is not in Chinese: %v", uscc, m)
				}
			}
			wantAnswer(t, ab.post("/admin/users", url.Values{"role": {"office"}, "email": {"gd@example.cn"}, "province": {"440000"}}), 409,
				"该电子邮箱已有账户")
			r := ts.postForm("/admin/users", url.Values{"role": {"office"}, "email": {"x@example.cn"}, "province": {"440000"}}, ab.cookies...)
			if r.StatusCode != 403 {
				t.Fatalf("no CSRF token: %d", r.StatusCode)
			}

			// A new account: password and token shown once, and both work.
			r = ab.post("/admin/users", url.Values{"role": {"office"}, "email": {"BJ@Example.cn"}, "province": {"110000"}, "institution": {"ignored"}})
			wantAnswer(t, r, 201, "已创建账户 bj@example.cn", "只显示这一次")
			if r.Header.Get("Cache-Control") != "private, no-store" {
				t.Errorf("a page with a password is cached: %q", r.Header.Get("Cache-Control"))
			}
			password, token := secretOf(t, r.body, "初始密码"), secretOf(t, r.body, "API 令牌")
			bj, err := ts.store.Authenticate(ctx, "bj@example.cn", password, "test", ts.now())
			if err != nil || bj.Province != "110000" {
				t.Fatalf("log in with the password shown: %+v, %v", bj, err)
			}
			apiAs := func(tok string) int {
				return ts.callAPI("POST", "/api/v1/notices", tok, "{}").StatusCode
			}
			if code := apiAs(token); code != 422 {
				t.Fatalf("the token shown works: %d (want 422 for an empty notice)", code)
			}
			if strings.Contains(ab.get("/admin").body, password) {
				t.Fatal("the password is shown again")
			}

			// Tokens: made, rotated (the old one stops), revoked.
			userPage := fmt.Sprintf("/admin/users/%d", bj.ID)
			r = ab.post(userPage+"/tokens", url.Values{})
			wantAnswer(t, r, 201, "新的 API 令牌")
			second := secretOf(t, r.body, "")
			tokens, err := ts.store.UserTokens(ctx, bj.ID)
			if err != nil || len(tokens) != 2 {
				t.Fatalf("tokens %+v, %v", tokens, err)
			}
			first := tokens[1] // newest first
			r = ab.post(fmt.Sprintf("%s/tokens/%d/rotate", userPage, first.ID), url.Values{})
			wantAnswer(t, r, 200, "新的 API 令牌")
			rotated := secretOf(t, r.body, "")
			if code := apiAs(token); code != 401 {
				t.Fatalf("the rotated token still works: %d", code)
			}
			if code := apiAs(rotated); code != 422 {
				t.Fatalf("the rotated token's successor: %d", code)
			}
			if r := ab.post(fmt.Sprintf("%s/tokens/%d/revoke", userPage, first.ID), url.Values{"lang": {"en"}}); r.StatusCode != 409 {
				t.Fatalf("revoking a revoked token: %d", r.StatusCode)
			}
			tokens, _ = ts.store.UserTokens(ctx, bj.ID)
			var secondID uint64
			for _, tk := range tokens {
				if tk.RevokedAt == nil && tk.ID != tokens[0].ID {
					secondID = tk.ID
				}
			}
			if r := ab.post(fmt.Sprintf("%s/tokens/%d/revoke", userPage, secondID), url.Values{}); r.StatusCode != 303 {
				t.Fatalf("revoke: %d", r.StatusCode)
			}
			if code := apiAs(second); code != 401 {
				t.Fatalf("a revoked token works: %d", code)
			}
			if r := ab.post(fmt.Sprintf("/admin/users/%d/tokens/%d/revoke", office.ID, tokens[0].ID), url.Values{}); r.StatusCode != 404 {
				t.Fatalf("revoking another account's token through this one: %d", r.StatusCode)
			}

			// Disabling ends sessions, tokens and logins at once; enabling restores logins.
			bjBrowser := ts.newNoticeBrowser(&bj)
			if r := bjBrowser.get("/office"); r.StatusCode != 200 {
				t.Fatalf("the office's desk before: %d", r.StatusCode)
			}
			if r := ab.post(userPage+"/disable", url.Values{}); r.StatusCode != 303 {
				t.Fatalf("disable: %d", r.StatusCode)
			}
			wantAnswer(t, ab.get(userPage), 200, "已于", "停用", "启用账户")
			if r := bjBrowser.get("/office"); r.StatusCode != 303 {
				t.Fatalf("a disabled account's session: %d", r.StatusCode)
			}
			if code := apiAs(rotated); code != 401 {
				t.Fatalf("a disabled account's token: %d", code)
			}
			if _, err := ts.store.Authenticate(ctx, "bj@example.cn", password, "test2", ts.now()); err != models.ErrBadLogin {
				t.Fatalf("a disabled account logs in: %v", err)
			}
			if r := ab.post(userPage+"/tokens", url.Values{}); r.StatusCode != 409 {
				t.Fatalf("a token for a disabled account: %d", r.StatusCode)
			}
			if r := ab.post(userPage+"/disable", url.Values{}); r.StatusCode != 409 {
				t.Fatalf("disabling twice: %d", r.StatusCode)
			}
			if r := ab.post(userPage+"/enable", url.Values{}); r.StatusCode != 303 {
				t.Fatalf("enable: %d", r.StatusCode)
			}
			if _, err := ts.store.Authenticate(ctx, "bj@example.cn", password, "test3", ts.now()); err != nil {
				t.Fatalf("log in after enabling: %v", err)
			}
			wantAnswer(t, ab.post(fmt.Sprintf("/admin/users/%d/disable", admin.ID), url.Values{}), 422, "管理员不能停用自己的账户")
			if r := ab.get("/admin/users/999999"); r.StatusCode != 404 {
				t.Fatalf("an unknown account: %d", r.StatusCode)
			}
			if r := ab.get("/admin/users/abc"); r.StatusCode != 404 {
				t.Fatalf("a malformed account id: %d", r.StatusCode)
			}
		})
	}
}

// TestCalendarCommand: pilu calendar import loads a year once (the same file again changes
// nothing), refuses a bad file in one line with exit 1, and checks its usage (exit 2).
func TestCalendarCommand(t *testing.T) {
	for _, db := range backends(t) {
		t.Run(db.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("PILU_DATA_DIR", dir)
			for k, v := range db.env {
				t.Setenv(k, v)
			}
			good := filepath.Join(dir, "2027.json")
			os.WriteFile(good, []byte(calendarFixture(t)), 0o600)
			changed := filepath.Join(dir, "2027-changed.json")
			os.WriteFile(changed, []byte(strings.Replace(calendarFixture(t), "2027-02-05", "2027-02-12", 1)), 0o600)
			notJSON := filepath.Join(dir, "bad.json")
			os.WriteFile(notJSON, []byte("year: 2027"), 0o600)
			cases := []struct {
				args []string
				code int
				out  string
			}{
				{[]string{"calendar"}, 2, "pilu calendar import FILE"},
				{[]string{"calendar", "export", good}, 2, "pilu calendar import FILE"},
				{[]string{"calendar", "import", filepath.Join(dir, "missing.json")}, 1, "no such file"},
				{[]string{"calendar", "import", notJSON}, 1, "not a calendar in the shape of the shipped years"},
				{[]string{"calendar", "import", good}, 0, "calendar 2027 loaded (sha256 "},
				{[]string{"calendar", "import", good}, 0, "already loaded from an identical file"},
				{[]string{"calendar", "import", changed}, 1, "already loaded from another file"},
				{[]string{"verify"}, 0, ""},
			}
			for _, c := range cases {
				code, out, errs := runMain(t, c.args...)
				if code != c.code || !strings.Contains(out+errs, c.out) {
					t.Errorf("pilu %s: exit %d (want %d), output %q", strings.Join(c.args, " "), code, c.code, out+errs)
				}
				if code == 1 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
					t.Errorf("pilu %s: a failure is one line on stderr, got %q", strings.Join(c.args, " "), errs)
				}
			}
		})
	}
}

// TestAPICalendars: GET /api/v1/calendars says which calendar is in force; an admin's token loads a
// year with POST (201, then 200 unchanged for the same file, 422 for another); others may not.
func TestAPICalendars(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			ts := newTestServer(t, be.env)
			ctx := context.Background()
			_, _, adminToken, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "root@example.cn"})
			if err != nil {
				t.Fatal(err)
			}
			_, _, officeToken, err := ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			wantAnswer(t, ts.get("/api/v1/calendars"), 200, `"years":"2018–2026"`, `"url":"http://pilu.test/calendars/2026.json"`)
			fixture := calendarFixture(t)
			if r := ts.callAPI("POST", "/api/v1/calendars", "", fixture); r.StatusCode != 401 {
				t.Fatalf("no token: %d", r.StatusCode)
			}
			if r := ts.callAPI("POST", "/api/v1/calendars", officeToken, fixture); r.StatusCode != 403 {
				t.Fatalf("an office's token: %d", r.StatusCode)
			}
			r := ts.callAPI("POST", "/api/v1/calendars", adminToken, `{"year":2027,"papers":[],"days":[]}`)
			if code, fields := jsonError(t, r); r.StatusCode != 422 || code != "invalid" || !strings.Contains(fields["file"], "empty placeholder") {
				t.Fatalf("a placeholder: %d %s %v", r.StatusCode, code, fields)
			}
			wantAnswer(t, ts.callAPI("POST", "/api/v1/calendars", adminToken, fixture), 201, `"year":2027`, `"unchanged":false`, `"ledger_seq":1`)
			wantAnswer(t, ts.callAPI("POST", "/api/v1/calendars", adminToken, fixture), 200, `"unchanged":true`)
			r = ts.callAPI("POST", "/api/v1/calendars", adminToken, strings.Replace(fixture, "2027-02-05", "2027-02-12", 1))
			if code, fields := jsonError(t, r); r.StatusCode != 422 || !strings.Contains(fields["file"], "already loaded from another file") {
				t.Fatalf("another 2027: %d %s %v", r.StatusCode, code, fields)
			}
			wantAnswer(t, ts.get("/api/v1/calendars"), 200, `"years":"2018–2027"`, `"year":2027`, `"imported":true`, `"loaded_at":"`)
		})
	}
}
