package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"pilu/models"
)

var (
	secretPattern   = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)
	recoveryPattern = regexp.MustCompile(`<code class="hash">([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`)
)

// post sends a form as the browser, with its CSRF token.
func (b browser) post(path string, form url.Values) response {
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.token)
	return b.ts.postForm(path, form, b.cookies...)
}

// enrolInBrowser sets up the browser's authenticator on the account page and returns the secret and
// the recovery codes shown once.
func (b browser) enrolInBrowser(t *testing.T) (string, []string) {
	t.Helper()
	r := b.post("/account/2fa", nil)
	m := secretPattern.FindStringSubmatch(r.body)
	if r.StatusCode != 200 || m == nil || !strings.Contains(r.body, `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page: %d, secret %v, QR code %v", r.StatusCode, m != nil, strings.Contains(r.body, "data:image/png"))
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	// A wrong first code leaves the enrolment pending: 422, the QR code shown again.
	wantAnswer(t, b.post("/account/2fa/confirm", url.Values{"code": {"000000"}}), 422, "data:image/png")
	code, _ := totp.GenerateCode(secret, b.ts.now())
	r = b.post("/account/2fa/confirm", url.Values{"code": {code}})
	codes := recoveryPattern.FindAllStringSubmatch(r.body, -1)
	if r.StatusCode != 200 || len(codes) != models.RecoveryCodeCount {
		t.Fatalf("confirm: %d, %d recovery codes", r.StatusCode, len(codes))
	}
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c[1]
	}
	if again := b.get("/account"); recoveryPattern.MatchString(again.body) || strings.Contains(again.body, "totp-secret") {
		t.Fatal("the recovery codes or the secret are shown a second time")
	}
	return secret, out
}

// passwordStep logs in with the password and returns the pending login's cookie (the login must ask
// for a code).
func (ts *testServer) passwordStep(t *testing.T, email, password string) (csrf *http.Cookie, token string, pending *http.Cookie) {
	t.Helper()
	csrf = cookie(ts.get("/login"), csrfCookie)
	token = ts.csrfFor(csrf.Value)
	r := ts.postForm("/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token}}, csrf)
	pending = cookie(r, pendingCookie)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/login/code" || pending == nil || cookie(r, sessionCookie) != nil {
		t.Fatalf("password step: %d to %q, pending %v, session %v", r.StatusCode, r.Header.Get("Location"), pending, cookie(r, sessionCookie))
	}
	return csrf, token, pending
}

// TestSecondFactorLogin walks an office account through enrolment, logout and logins with a code
// and a recovery code, with the bad inputs: a wrong code, a replayed code, a recovery code used
// twice, a pending login used as a session.
func TestSecondFactorLogin(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			ts := newTestServer(t, be.env)
			_, pw, _, err := ts.store.CreateUser(context.Background(), modelsNewOffice("totp@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			b := ts.loginAs("totp@example.cn", pw)
			wantAnswer(t, b.get("/account"), 200, "/account/2fa")
			secret, recovery := b.enrolInBrowser(t)
			wantAnswer(t, b.get("/account"), 200, fmt.Sprint(models.RecoveryCodeCount))
			ts.postForm("/logout", url.Values{"_csrf": {b.token}}, b.cookies...)

			ts.clock.t = ts.clock.t.Add(time.Minute)
			csrf, token, pending := ts.passwordStep(t, "totp@example.cn", pw)
			// The pending login is no session: it opens no staff page.
			if r := ts.get("/office", "Cookie", sessionCookie+"="+pending.Value); r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				t.Fatalf("the pending login's token as a session: %d %s", r.StatusCode, r.Header.Get("Location"))
			}
			wantAnswer(t, ts.get("/login/code", "Cookie", pendingCookie+"="+pending.Value), 200, `name="code"`)
			code := func(form string) response {
				return ts.postForm("/login/code", url.Values{"code": {form}, "_csrf": {token}}, csrf, pending)
			}
			wantAnswer(t, code("123456"), 401, `id="code-error"`)
			wantAnswer(t, code(""), 422)
			right, _ := totp.GenerateCode(secret, ts.now())
			r := code(right)
			sess := cookie(r, sessionCookie)
			if r.StatusCode != 303 || sess == nil || r.Header.Get("Location") != "/office" {
				t.Fatalf("right code: %d to %q", r.StatusCode, r.Header.Get("Location"))
			}
			if gone := cookie(r, pendingCookie); gone == nil || gone.MaxAge >= 0 && gone.Value != "" {
				t.Fatalf("the pending cookie is not removed: %+v", gone)
			}
			wantAnswer(t, ts.get("/office", "Cookie", sessionCookie+"="+sess.Value), 200)

			// Replay: the same code in a new login within its window.
			ts.clock.t = ts.clock.t.Add(10 * time.Second)
			csrf, token, pending = ts.passwordStep(t, "totp@example.cn", pw)
			if r := ts.postForm("/login/code", url.Values{"code": {right}, "_csrf": {token}}, csrf, pending); r.StatusCode != 401 || cookie(r, sessionCookie) != nil {
				t.Fatalf("replayed code: %d", r.StatusCode)
			}
			// A recovery code logs in once and says how many are left.
			r = ts.postForm("/login/code", url.Values{"code": {recovery[3]}, "_csrf": {token}}, csrf, pending)
			if r.StatusCode != 303 || r.Header.Get("Location") != "/account?recovery=used" || cookie(r, sessionCookie) == nil {
				t.Fatalf("recovery code: %d to %q", r.StatusCode, r.Header.Get("Location"))
			}
			acc := ts.get("/account?recovery=used", "Cookie", sessionCookie+"="+cookie(r, sessionCookie).Value)
			wantAnswer(t, acc, 200, fmt.Sprint(models.RecoveryCodeCount-1))
			csrf, token, pending = ts.passwordStep(t, "totp@example.cn", pw)
			if r := ts.postForm("/login/code", url.Values{"code": {recovery[3]}, "_csrf": {token}}, csrf, pending); r.StatusCode != 401 {
				t.Fatalf("a recovery code used twice: %d", r.StatusCode)
			}
			// Without a pending login the code step goes back to the password.
			if r := ts.get("/login/code"); r.StatusCode != 303 || r.Header.Get("Location") != "/login" {
				t.Fatalf("code step without a pending login: %d", r.StatusCode)
			}
			if r := ts.postForm("/login/code", url.Values{"code": {right}, "_csrf": {token}}, csrf); r.StatusCode != 401 || cookie(r, sessionCookie) != nil {
				t.Fatalf("a code without a pending login: %d", r.StatusCode)
			}
		})
	}
}

// TestSecondFactorThrottled: wrong codes wait like wrong passwords (429 with Retry-After), and the
// right code does not pass while waiting.
func TestSecondFactorThrottled(t *testing.T) {
	ts := newTestServer(t, nil)
	_, pw, _, _ := ts.store.CreateUser(context.Background(), models.NewUser{Role: models.RoleAdmin, Email: "slow@example.cn"})
	b := ts.loginAs("slow@example.cn", pw)
	secret, _ := b.enrolInBrowser(t)
	ts.clock.t = ts.clock.t.Add(models.LoginWindow + time.Minute) // the wrong first code is forgotten
	csrf, token, pending := ts.passwordStep(t, "slow@example.cn", pw)
	for i := 0; i < models.LoginFreeFailures; i++ {
		wantAnswer(t, ts.postForm("/login/code", url.Values{"code": {"999999"}, "_csrf": {token}}, csrf, pending), 401)
	}
	right, _ := totp.GenerateCode(secret, ts.now())
	r := ts.postForm("/login/code", url.Values{"code": {right}, "_csrf": {token}}, csrf, pending)
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" || cookie(r, sessionCookie) != nil {
		t.Fatalf("right code while throttled: %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
}

// TestSecondFactorPolicyAndReset: an admin requires the second factor for offices; an office
// without it is sent to enrol and can do nothing else (pages redirect, the API with its cookie is
// 403), its API token still works; an admin's reset removes it and the office enrols again.
func TestSecondFactorPolicyAndReset(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			ts := newTestServer(t, be.env)
			ctx := context.Background()
			_, apw, _, _ := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "root@example.cn"})
			office, opw, otoken, _ := ts.store.CreateUser(ctx, modelsNewOffice("gd2fa@example.cn", "440000"))
			admin := ts.loginAs("root@example.cn", apw)
			wantAnswer(t, admin.get("/admin"), 200, `action="/admin/policies"`)
			if r := admin.post("/admin/policies", url.Values{"role": {"office"}, "require": {"1"}}); r.StatusCode != 303 {
				t.Fatalf("require for offices: %d", r.StatusCode)
			}
			wantAnswer(t, admin.post("/admin/policies", url.Values{"role": {"nobody"}, "require": {"1"}}), 422)

			csrf := cookie(ts.get("/login"), csrfCookie)
			tok := ts.csrfFor(csrf.Value)
			r := ts.postForm("/login", url.Values{"email": {"gd2fa@example.cn"}, "password": {opw}, "_csrf": {tok}}, csrf)
			if r.StatusCode != 303 || r.Header.Get("Location") != "/account/2fa" {
				t.Fatalf("login of an office without a second factor: %d to %q", r.StatusCode, r.Header.Get("Location"))
			}
			ob := browser{ts: ts, cookies: []*http.Cookie{csrf, cookie(r, sessionCookie)}, token: tok}
			for _, p := range []string{"/office", "/office/notices", "/account", "/"} {
				if r := ob.get(p); r.StatusCode != 303 || r.Header.Get("Location") != "/account/2fa" {
					t.Fatalf("%s before enrolling: %d to %q", p, r.StatusCode, r.Header.Get("Location"))
				}
			}
			req := httptest.NewRequest("POST", "/api/v1/institutions", strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			for _, c := range ob.cookies {
				req.AddCookie(c)
			}
			req.Header.Set("X-CSRF-Token", ob.token)
			req.Header.Set("Origin", "http://pilu.test")
			if r := ts.do(req); r.StatusCode != 403 {
				t.Fatalf("API with the cookie before enrolling: %d", r.StatusCode)
			} else if c, _ := jsonError(t, r); c != "second_factor_required" {
				t.Fatalf("code %q", c)
			}
			wantAnswer(t, ts.callAPI("GET", "/api/v1/institutions", otoken, nil), 200)
			wantAnswer(t, ob.get("/account/2fa"), 200, "totp-secret")
			ob.enrolInBrowser(t)
			wantAnswer(t, ob.get("/office"), 200)

			// The admin resets it: the office's sessions end and it enrols again at its next login.
			user := fmt.Sprintf("/admin/users/%d", office.ID)
			wantAnswer(t, admin.get(user), 200, "/2fa/reset")
			wantAnswer(t, admin.post(user+"/2fa/reset", nil), 200)
			if r := ob.get("/office"); r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				t.Fatalf("the office's session after a reset: %d %q", r.StatusCode, r.Header.Get("Location"))
			}
			wantAnswer(t, admin.post(user+"/2fa/reset", nil), 409)
			r = ts.postForm("/login", url.Values{"email": {"gd2fa@example.cn"}, "password": {opw}, "_csrf": {tok}}, csrf)
			if r.StatusCode != 303 || r.Header.Get("Location") != "/account/2fa" {
				t.Fatalf("login after a reset: %d to %q", r.StatusCode, r.Header.Get("Location"))
			}
		})
	}
}
