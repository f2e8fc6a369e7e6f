package app

import (
	"maps"
	"strconv"
	"testing"
)

// TestTrustedProxies: behind a trusted reverse proxy each client (its X-Real-IP) has its own API
// allowance, and a client on the proxy's own machine stays unlimited; without the setting, or from
// a peer that is not trusted, the header is ignored and cannot buy a new allowance. Bad inputs tried:
// a header from an untrusted peer, a header that is not an address, configuration values that are
// neither IPs nor CIDR ranges.
func TestTrustedProxies(t *testing.T) {
	be := backends(t)[0]
	exhaust := func(ts *testServer, client string) {
		t.Helper()
		for range apiReadsPerMinute {
			if r := ts.get("/api/v1/stats", "X-Real-IP", client); r.StatusCode != 200 {
				t.Fatalf("request within the allowance: %d", r.StatusCode)
			}
		}
		if r := ts.get("/api/v1/stats", "X-Real-IP", client); r.StatusCode != 429 {
			t.Fatalf("past the allowance: %d", r.StatusCode)
		}
	}
	cases := []struct {
		name    string
		trusted string // app.Test's peer is 0.0.0.0
		status  map[string]int
	}{
		{"behind a trusted proxy", "10.0.0.0/8, 0.0.0.0", map[string]int{
			"203.0.113.6": 200, "127.0.0.1": 200, "203.0.113.5": 429, "not an address": 200, "": 200}},
		{"no trusted proxy", "", map[string]int{"203.0.113.6": 429, "127.0.0.1": 429, "203.0.113.5": 429}},
		{"another proxy trusted", "192.0.2.1", map[string]int{"203.0.113.6": 429, "127.0.0.1": 429}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := maps.Clone(be.env)
			if env == nil {
				env = map[string]string{}
			}
			env["PILU_TRUSTED_PROXIES"] = c.trusted
			ts := newTestServer(t, env)
			exhaust(ts, "203.0.113.5")
			for client, want := range c.status {
				if r := ts.get("/api/v1/stats", "X-Real-IP", client); r.StatusCode != want {
					t.Errorf("X-Real-IP %q: %d, want %d", client, r.StatusCode, want)
				}
			}
			// A missing or unreadable header counts against the proxy itself: one allowance.
			a := ts.get("/api/v1/stats")
			b := ts.get("/api/v1/stats", "X-Real-IP", "999.1.1.1")
			ra, _ := strconv.Atoi(a.Header.Get("RateLimit-Remaining"))
			rb, _ := strconv.Atoi(b.Header.Get("RateLimit-Remaining"))
			if a.StatusCode == 200 && rb != ra-1 {
				t.Errorf("no header: %d left, then a bad one: %d left; want one bucket", ra, rb)
			}
		})
	}
	for _, bad := range []string{"proxy.example", "10.0.0.0/33", "10.0.0.1, x"} {
		if _, err := LoadConfig(nil, func(k string) string { return map[string]string{"PILU_TRUSTED_PROXIES": bad}[k] }); err == nil {
			t.Errorf("PILU_TRUSTED_PROXIES=%q accepted", bad)
		}
	}
}
