package app

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

func TestConfigRejectsBadValues(t *testing.T) {
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"PILU_ADDR": "8080"}, nil, "PILU_ADDR"},
		{map[string]string{"PILU_DB": "postgres://x"}, nil, "PILU_DB"},
		{map[string]string{"PILU_DB": "mysql://nohost"}, nil, "PILU_DB"},
		{map[string]string{"PILU_DB": "mysql://root@127.0.0.1:3306/pilu"}, nil, "PILU_SECRET"},
		{map[string]string{"PILU_S3_ENDPOINT": "http://minio:9000"}, nil, "PILU_S3_ENDPOINT"},
		{map[string]string{"PILU_S3_ENDPOINT": "minio:9000"}, nil, "PILU_S3_ACCESS_KEY"},
		{map[string]string{"PILU_S3_BUCKET": "No_Caps"}, nil, "PILU_S3_BUCKET"},
		{map[string]string{"PILU_S3_SECURE": "maybe"}, nil, "PILU_S3_SECURE"},
		{map[string]string{"PILU_SECRET": "short"}, nil, "PILU_SECRET"},
		{map[string]string{"PILU_BASE_URL": "ftp://x"}, nil, "PILU_BASE_URL"},
		{map[string]string{"PILU_DEMO": "yes please"}, nil, "PILU_DEMO"},
		{map[string]string{"PILU_SEARCH_CACHE": "-1"}, nil, "PILU_SEARCH_CACHE"},
		{map[string]string{"PILU_SEARCH_ENGINE": "lucene"}, nil, "PILU_SEARCH_ENGINE"},
		{map[string]string{"PILU_REDIS_URL": "127.0.0.1:6379"}, nil, "PILU_REDIS_URL"},
		{map[string]string{"PILU_REDIS_URL": "http://127.0.0.1:6379/0"}, nil, "PILU_REDIS_URL"},
		{map[string]string{"PILU_REDIS_URL": "redis://127.0.0.1:6379/zero"}, nil, "PILU_REDIS_URL"},
		{nil, []string{"--redis-url", "redis://"}, "PILU_REDIS_URL"},
		{map[string]string{"PILU_SCHEDULER_LEASE": "1s"}, nil, "PILU_SCHEDULER_LEASE"},
		{nil, []string{"--scheduler-lease", "45"}, "PILU_SCHEDULER_LEASE"},
		{nil, []string{"--search-cache", "lots"}, "PILU_SEARCH_CACHE"},
		{nil, []string{"--addr", "nonsense"}, "PILU_ADDR"},
		{nil, []string{"--no-such-flag"}, "no-such-flag"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			_, err := LoadConfig(c.args, func(k string) string { return c.env[k] })
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("want one line naming %s, got %v", c.want, err)
			}
		})
	}
	cfg, err := LoadConfig([]string{"--data-dir", "/srv/pilu"}, func(string) string { return "" })
	if err != nil || cfg.DB != "sqlite:///srv/pilu/pilu.db" || cfg.IndexDir != "/srv/pilu/index" || !cfg.Demo || cfg.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, _ = LoadConfig(nil, func(k string) string {
		return map[string]string{"PILU_DB": "mysql://u:p@db:3306/pilu", "PILU_SECRET": strings.Repeat("x", 32)}[k]
	})
	if cfg.Demo {
		t.Fatal("demo data defaults to off with MySQL")
	}
}

func TestStartupFailuresAreOneClearLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o600)
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"data folder under a file", map[string]string{"PILU_DATA_DIR": filepath.Join(file, "data")}, "PILU_DATA_DIR"},
		{"MySQL unreachable", map[string]string{"PILU_DATA_DIR": t.TempDir(), "PILU_DB": "mysql://root@127.0.0.1:1/pilu", "PILU_SECRET": strings.Repeat("x", 32)}, "PILU_DB"},
		{"Redis unreachable", map[string]string{"PILU_DATA_DIR": t.TempDir(), "PILU_REDIS_URL": "redis://127.0.0.1:1/0"}, "PILU_REDIS_URL"},
		{"MinIO unreachable", map[string]string{"PILU_DATA_DIR": t.TempDir(), "PILU_S3_ENDPOINT": "127.0.0.1:1", "PILU_S3_ACCESS_KEY": "a", "PILU_S3_SECRET_KEY": "b"}, "PILU_S3_ENDPOINT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := LoadConfig(nil, func(k string) string { return c.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			srv, err := Open(ctx, cfg, Options{})
			if err == nil {
				srv.Close()
				t.Fatal("want a start-up error")
			}
			if line := ErrorLine(err); !strings.Contains(line, c.want) {
				t.Fatalf("want a line naming %s, got %q", c.want, line)
			}
		})
	}
}

func TestPagesAndAPI(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			in := ts.seedInstitution("440106", "MA5LTCT01", "广州市鹭汀网络借贷信息中介服务有限公司", "440000", "鹭汀创投")
			pages := []struct {
				path, lang, want string
				status           int
			}{
				{"/", "", "网贷机构分类处置信息公开", 200},
				{"/?lang=en", "", "in the open", 200},
				{"/", "en-US,en;q=0.9", "in the open", 200},
				{"/institutions", "", "鹭汀创投", 200},
				{"/institutions?province=440000&class=unclassified&sort=uscc", "", in.USCC, 200},
				{"/institutions/" + in.USCC, "", "广州市鹭汀网络借贷信息中介服务有限公司", 200},
				{"/institutions/" + strings.ToLower(in.USCC), "", "鹭汀创投", 200},
				{"/notices", "", "公告", 200},
				{"/deadlines?from=2019-06-14&days=15&unit=calendar", "", "2019年7月1日", 200},
				{"/deadlines?from=2027-03-01&days=15", "", "2027", 422},
				{"/login", "", "电子邮箱", 200},
				{"/institutions/91350100M000100Y43", "", "没有找到", 404},
				{"/institutions?province=999999", "", "province", 400},
				{"/institutions?page=abc", "", "page", 400},
				{"/notices/abc", "", "没有找到", 404},
				{"/notices/999", "", "没有找到", 404},
				{"/disclosures/1", "", "没有找到", 404},
				{"/attachments/1", "", "没有找到", 404},
				{"/no/such/page", "", "没有找到", 404},
				{"/no/such/page?lang=en", "", "There is no such page", 404},
			}
			for _, p := range pages {
				t.Run(p.path, func(t *testing.T) {
					r := ts.get(p.path, "Accept-Language", p.lang)
					if r.StatusCode != p.status || !strings.Contains(r.body, p.want) {
						t.Fatalf("status %d, want %d with %q", r.StatusCode, p.status, p.want)
					}
					if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, `<main id="main"`) {
						t.Fatalf("every page, errors included, is a full HTML page: %s", r.Header.Get("Content-Type"))
					}
					if strings.Contains(r.body, "https://") && strings.Contains(r.body, "<script src=\"http") {
						t.Fatal("no CDN links")
					}
				})
			}
			apis := []struct {
				path, code, field string
				status            int
			}{
				{"/api/v1/institutions?province=990000", "bad_request", "province", 400},
				{"/api/v1/institutions?class=nice", "bad_request", "class", 400},
				{"/api/v1/institutions?page=-1", "bad_request", "page", 400},
				{"/api/v1/institutions?per_page=x", "bad_request", "per_page", 400},
				{"/api/v1/institutions/NOPE", "not_found", "", 404},
				{"/api/v1/notices/0", "not_found", "", 404},
				{"/api/v1/notices?status=lost", "bad_request", "status", 400},
				{"/api/v1/search?type=person", "bad_request", "type", 400},
				{"/api/v1/deadlines?from=2019-02-30&days=5", "bad_request", "from", 400},
				{"/api/v1/deadlines?from=2019-02-01&days=0", "invalid", "days", 422},
				{"/api/v1/deadlines?from=2019-02-01&days=5&unit=weeks", "bad_request", "unit", 400},
				{"/api/v1/nothing", "not_found", "", 404},
			}
			for _, a := range apis {
				t.Run(a.path, func(t *testing.T) {
					r := ts.get(a.path)
					if r.StatusCode != a.status {
						t.Fatalf("status %d, want %d: %s", r.StatusCode, a.status, r.body)
					}
					code, fields := jsonError(t, r)
					if code != a.code || (a.field != "" && fields[a.field] == "") {
						t.Fatalf("code %s fields %v", code, fields)
					}
				})
			}
			r := ts.get("/api/v1/institutions?per_page=1000")
			var list struct {
				Items   []map[string]any `json:"items"`
				Total   int              `json:"total"`
				Page    int              `json:"page"`
				PerPage int              `json:"per_page"`
			}
			if err := json.Unmarshal([]byte(r.body), &list); err != nil || list.Total != 1 || list.PerPage != 100 || list.Page != 1 || list.Items[0]["uscc"] != in.USCC {
				t.Fatalf("list shape: %s", r.body)
			}
			r = ts.get("/api/v1/institutions/" + in.USCC)
			var one map[string]any
			json.Unmarshal([]byte(r.body), &one)
			for _, k := range []string{"uscc", "name", "brands", "former_names", "websites", "province", "district", "class", "class_since", "disposition", "flags", "history"} {
				if _, ok := one[k]; !ok {
					t.Errorf("institution answer lacks %q: %s", k, r.body)
				}
			}
			r = ts.get("/api/v1/deadlines?from=2019-06-14&days=15&unit=calendar")
			if r.StatusCode != 200 || !strings.Contains(r.body, `"last_day":"2019-07-01"`) || !strings.Contains(r.body, `"skipped":["2019-06-29","2019-06-30"]`) {
				t.Fatalf("deadline: %s", r.body)
			}
			if r := ts.do(httptest.NewRequest("DELETE", "/institutions", nil)); r.StatusCode != 405 {
				t.Fatalf("unknown method: %d", r.StatusCode)
			}
			if r := ts.do(httptest.NewRequest("PUT", "/api/v1/institutions", nil)); r.StatusCode != 405 {
				t.Fatalf("unknown API method: %d", r.StatusCode)
			} else {
				jsonError(t, r)
			}
			r = ts.get("/readyz")
			if r.StatusCode != 200 || !strings.Contains(r.body, `"database"`) || !strings.Contains(r.body, `"blobs"`) || !strings.Contains(r.body, `"index"`) {
				t.Fatalf("readyz: %d %s", r.StatusCode, r.body)
			}
		})
	}
}

func TestLoginLogoutAndCSRF(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			_, pw, _, err := ts.store.CreateUser(context.Background(), modelsNewOffice("gd@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			page := ts.get("/login")
			csrf := cookie(page, csrfCookie)
			if csrf == nil || !csrf.HttpOnly {
				t.Fatal("the login page sets an HttpOnly CSRF cookie")
			}
			token := ts.csrfFor(csrf.Value)
			if !strings.Contains(page.body, token) {
				t.Fatal("the login form carries the CSRF token")
			}
			form := func(email, password, tok string) url.Values {
				return url.Values{"email": {email}, "password": {password}, "_csrf": {tok}}
			}
			cases := []struct {
				name    string
				form    url.Values
				cookies bool
				status  int
				want    string
			}{
				{"no token", form("gd@example.cn", pw, ""), true, 403, "表单已过期"},
				{"wrong token", form("gd@example.cn", pw, strings.Repeat("0", 64)), true, 403, "表单已过期"},
				{"token without cookie", form("gd@example.cn", pw, token), false, 403, "表单已过期"},
				{"empty fields", form("", "", token), true, 422, "请填写"},
				{"unknown user", form("nobody@example.cn", "whatever", token), true, 401, "电子邮箱或密码不正确"},
				{"wrong password", form("gd@example.cn", "wrong", token), true, 401, "电子邮箱或密码不正确"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					var r response
					if c.cookies {
						r = ts.postForm("/login", c.form, csrf)
					} else {
						r = ts.postForm("/login", c.form)
					}
					if r.StatusCode != c.status || !strings.Contains(r.body, c.want) {
						t.Fatalf("status %d want %d, %q missing", r.StatusCode, c.status, c.want)
					}
				})
			}
			r := ts.postForm("/login", form("GD@example.cn", pw, token), csrf)
			sess := cookie(r, sessionCookie)
			if r.StatusCode != 303 || sess == nil || !sess.HttpOnly {
				t.Fatalf("login: %d", r.StatusCode)
			}
			home := ts.get("/", "Cookie", sessionCookie+"="+sess.Value)
			if !strings.Contains(home.body, "gd@example.cn") || !strings.Contains(home.body, "退出登录") {
				t.Fatal("a logged-in page shows the account and a logout form")
			}
			r = ts.postForm("/logout", url.Values{"_csrf": {token}}, csrf, sess)
			if r.StatusCode != 303 {
				t.Fatalf("logout: %d", r.StatusCode)
			}
			if home := ts.get("/", "Cookie", sessionCookie+"="+sess.Value); strings.Contains(home.body, "gd@example.cn") {
				t.Fatal("the session must end at logout")
			}
			// Throttling: past the free failures this client waits, told for how long.
			for i := 0; i < models.LoginFreeFailures; i++ {
				ts.postForm("/login", form("gd@example.cn", "wrong", token), csrf)
			}
			r = ts.postForm("/login", form("gd@example.cn", pw, token), csrf)
			if r.StatusCode != 429 || r.Header.Get("Retry-After") != "2" || !strings.Contains(r.body, "请 2 秒后再试") {
				t.Fatalf("throttled login: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
			}
			if r := ts.postForm("/login?next=//evil.example", form("x", "y", token), csrf); strings.Contains(r.Header.Get("Location"), "evil") {
				t.Fatal("open redirect")
			}
		})
	}
}
