package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRateLimiterRefillsAndStaysBounded(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newRateLimiter(10, time.Minute, clk.Now)
	steps := []struct {
		advance time.Duration
		calls   int
		allowed int
	}{
		{0, 1000, 10},             // 1,000 a minute from one client: only the burst passes
		{6 * time.Second, 3, 1},   // one token back after 6 s
		{time.Hour, 20, 10},       // never more than the burst
		{59 * time.Second, 10, 9}, // 9.83 tokens after 59 s
	}
	for i, s := range steps {
		clk.t = clk.t.Add(s.advance)
		got := 0
		var wait time.Duration
		for range s.calls {
			if v := l.take(context.Background(), "1.2.3.4", 1); v.ok {
				got++
			} else {
				wait = v.wait
			}
		}
		if got != s.allowed {
			t.Fatalf("step %d: %d allowed, want %d", i, got, s.allowed)
		}
		if got < s.calls && (wait <= 0 || wait > 6*time.Second) {
			t.Fatalf("step %d: retry after %v", i, wait)
		}
	}
	if !l.take(context.Background(), "5.6.7.8", 1).ok {
		t.Fatal("another client has its own bucket")
	}
	m := l.count.(*memBuckets)
	m.maxKeys = 100
	for i := range 1000 {
		l.take(context.Background(), fmt.Sprint("client-", i), 1)
	}
	if len(m.buckets) > 100 {
		t.Fatalf("%d buckets kept, bound is 100", len(m.buckets))
	}
}

// TestClaimLimitSparesInvalidClaims: a claim refused as invalid (422) does not use the claimant's
// allowance, so after mistakes the claimant still files claimsPerMinute claims; invalid claims have
// their own, looser allowance, past which the client waits (429 with Retry-After) like any other.
// The claim limit applies on the loopback interface too, as the README says.
func TestClaimLimitSparesInvalidClaims(t *testing.T) {
	ts := newTestServer(t, nil)
	path, uscc, _ := ts.openClaimNotice()
	claim := func(id string) response {
		return ts.send("POST", path, "", "application/json", fmt.Sprintf(`{"institution":%q,"name":"欧阳娜娜","id_number":%q,"phone":"13812345678","principal":100000}`, uscc, id))
	}
	valid := residentID("11010519491231002")
	for i := range claimsPerMinute {
		if r := claim("110105194912310021"); r.StatusCode != 422 { // a wrong check character
			t.Fatalf("invalid claim %d: %d", i, r.StatusCode)
		}
	}
	for i := range claimsPerMinute {
		if r := claim(valid); r.StatusCode != 201 {
			t.Fatalf("valid claim %d after %d invalid ones: %d %s", i, claimsPerMinute, r.StatusCode, r.body)
		}
	}
	if r := claim(valid); r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("past the allowance: %d", r.StatusCode)
	}
	ts.clock.t = ts.clock.t.Add(time.Hour)
	for i := range invalidClaimsPerMinute {
		if r := claim("110105194912310021"); r.StatusCode != 422 {
			t.Fatalf("invalid claim %d: %d", i, r.StatusCode)
		}
	}
	if r := claim("110105194912310021"); r.StatusCode != 429 {
		t.Fatalf("past the allowance of invalid claims: %d", r.StatusCode)
	}
	if r := claim(valid); r.StatusCode != 429 {
		t.Fatalf("a client past the allowance of invalid claims waits: %d", r.StatusCode)
	}

	// On the loopback interface, through a real listener, the claim limit holds as well.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.Handler().Listener(ln)
	t.Cleanup(func() { ts.Handler().ShutdownWithTimeout(time.Second) })
	ts.clock.t = ts.clock.t.Add(time.Hour)
	statuses := map[int]int{}
	for range claimsPerMinute + 1 {
		res, err := http.Post("http://"+ln.Addr().String()+path, "application/json", strings.NewReader(fmt.Sprintf(`{"institution":%q,"name":"欧阳娜娜","id_number":%q,"phone":"13812345678","principal":100000}`, uscc, valid)))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		statuses[res.StatusCode]++
	}
	if statuses[201] != claimsPerMinute || statuses[429] != 1 {
		t.Fatalf("from 127.0.0.1: %v", statuses)
	}
}
