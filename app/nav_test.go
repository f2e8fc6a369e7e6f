package app

import (
	"context"
	"strings"
	"testing"
)

// TestOfficeHeaderLinksToTheDesk: after login an office clerk finds the desk, the notices (with
// their claims) and the import in the header on every page; the public and filers do not.
func TestOfficeHeaderLinksToTheDesk(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	_, password, _, err := ts.store.CreateUser(context.Background(), modelsNewOffice("desk@example.cn", "440000"))
	if err != nil {
		t.Fatal(err)
	}
	links := []string{`href="/office"`, `href="/office/notices"`, `href="/office/import"`}
	clerk := ts.loginAs("desk@example.cn", password)
	for _, path := range []string{"/", "/institutions", "/office"} {
		r := clerk.get(path)
		for _, l := range links {
			if r.StatusCode != 200 || !strings.Contains(r.body, l) {
				t.Errorf("%s as the clerk: %d, no %s", path, r.StatusCode, l)
			}
		}
	}
	if !strings.Contains(clerk.get("/office").body, `href="/office" aria-current="page"`) {
		t.Error("the desk link does not say it is the current page")
	}
	if r := ts.get("/"); strings.Contains(r.body, `href="/office/import"`) {
		t.Error("the public sees the office's links")
	}
}
