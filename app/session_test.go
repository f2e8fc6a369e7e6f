package app

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

// TestSessionCookieOverHTTPS: served over https the session cookie is __Host-pilu_session (Secure,
// Path=/, no Domain) and the plain name logs nobody in; a session left idle past models.SessionIdle
// no longer logs in, one in use does.
func TestSessionCookieOverHTTPS(t *testing.T) {
	ts := newTestServer(t, map[string]string{"PILU_BASE_URL": "https://pilu.test"})
	_, pw, _, err := ts.store.CreateUser(context.Background(), modelsNewOffice("gd@example.cn", "440000"))
	if err != nil {
		t.Fatal(err)
	}
	page := ts.get("/login")
	csrf := cookie(page, csrfCookie)
	r := ts.postForm("/login", url.Values{"email": {"gd@example.cn"}, "password": {pw}, "_csrf": {ts.csrfFor(csrf.Value)}}, csrf)
	sess := cookie(r, "__Host-"+sessionCookie)
	if r.StatusCode != 303 || sess == nil || !sess.Secure || !sess.HttpOnly || sess.Path != "/" || sess.Domain != "" {
		t.Fatalf("login over https: %d, cookie %+v", r.StatusCode, sess)
	}
	if cookie(r, sessionCookie) != nil {
		t.Fatal("over https the cookie without the prefix is not set")
	}
	loggedIn := func(name string) bool {
		return strings.Contains(ts.get("/", "Cookie", name+"="+sess.Value).body, "gd@example.cn")
	}
	if !loggedIn("__Host-" + sessionCookie) {
		t.Fatal("the __Host- session cookie logs in")
	}
	if loggedIn(sessionCookie) {
		t.Fatal("over https the cookie without the prefix logs nobody in")
	}
	ts.clock.t = ts.clock.t.Add(models.SessionIdle - time.Minute)
	if !loggedIn("__Host-" + sessionCookie) {
		t.Fatal("a session used within its idle time goes on")
	}
	ts.clock.t = ts.clock.t.Add(models.SessionIdle + time.Minute)
	if loggedIn("__Host-" + sessionCookie) {
		t.Fatal("a session idle past models.SessionIdle is over")
	}
}
