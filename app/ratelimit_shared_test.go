package app

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pilu/app/proctest"
	"pilu/models/dbtest"
)

// sharedServers opens n servers of one portal: one database (MariaDB when configured), one Redis
// with a key prefix of this test's own, each server with its own data folder and index.
func sharedServers(t *testing.T, n int, env map[string]string) []*testServer {
	t.Helper()
	dbs := dbtest.DSNs(t)
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "pilu-test-" + hex.EncodeToString(b) + ":"
	full := map[string]string{"PILU_DB": dbs[len(dbs)-1].DSN, "PILU_SECRET": strings.Repeat("s", 40), "PILU_REDIS_URL": proctest.RedisURL(t)}
	for k, v := range env {
		full[k] = v
	}
	out := make([]*testServer, n)
	for i := range out {
		out[i] = newTestServerWith(t, full, Options{RedisPrefix: prefix})
	}
	return out
}

// TestRateLimitsHoldAcrossProcesses: three servers of one portal sharing Redis allow a client its
// allowance once, whichever server answers (round-robin, as a balancer sends): the claim-status
// limit, the API's reads, and the claim limit with its refunds of invalid claims and the
// allowance of invalid claims. Redis counts on its own clock, so the test allows for the tokens that
// come back while it runs.
func TestRateLimitsHoldAcrossProcesses(t *testing.T) {
	servers := sharedServers(t, 3, map[string]string{"PILU_TRUSTED_PROXIES": "0.0.0.0"})
	// refilled is how many tokens of a per-minute allowance come back in the time since start.
	refilled := func(perMinute int, start time.Time) int {
		return int(time.Since(start).Seconds()*float64(perMinute)/60) + 1
	}

	t.Run("claim status", func(t *testing.T) {
		start := time.Now()
		statuses := map[int]int{}
		var refused response
		for i := range 3 * claimsPerMinute {
			r := servers[i%3].send("POST", "/api/v1/claims/status", "", "application/json", `{}`)
			statuses[r.StatusCode]++
			if r.StatusCode == 429 {
				refused = r
			}
		}
		if got := 3*claimsPerMinute - statuses[429]; got < claimsPerMinute || got > claimsPerMinute+refilled(claimsPerMinute, start)-1 {
			t.Fatalf("%d of %d requests through three servers passed, want one allowance of %d: %v", got, 3*claimsPerMinute, claimsPerMinute, statuses)
		}
		if refused.Header.Get("Retry-After") == "" || refused.Header.Get("RateLimit-Remaining") != "0" || refused.Header.Get("RateLimit-Limit") != fmt.Sprint(claimsPerMinute) {
			t.Fatalf("a refusal's headers: %v", refused.Header)
		}
	})

	t.Run("API reads", func(t *testing.T) {
		start := time.Now()
		ok := 0
		for i := range 3 * apiReadsPerMinute {
			r := servers[i%3].get("/api/v1/stats", "X-Real-IP", "203.0.113.9")
			switch r.StatusCode {
			case 200:
				ok++
			case 429:
			default:
				t.Fatalf("request %d: %d", i, r.StatusCode)
			}
			if r.StatusCode == 429 && ok >= apiReadsPerMinute {
				break
			}
		}
		if max := apiReadsPerMinute + refilled(apiReadsPerMinute, start); ok < apiReadsPerMinute || ok > max {
			t.Fatalf("%d reads passed through three servers, want %d to %d (one allowance)", ok, apiReadsPerMinute, max)
		}
		// Another client has an allowance of its own.
		if r := servers[1].get("/api/v1/stats", "X-Real-IP", "203.0.113.10"); r.StatusCode != 200 || r.Header.Get("RateLimit-Remaining") != fmt.Sprint(apiReadsPerMinute-1) {
			t.Fatalf("another client: %d, %s left", r.StatusCode, r.Header.Get("RateLimit-Remaining"))
		}
	})

	t.Run("claims and invalid claims", func(t *testing.T) {
		path, uscc, _ := servers[0].openClaimNotice()
		claim := func(i int, client, id string) response {
			req := httptest.NewRequest("POST", path, strings.NewReader(fmt.Sprintf(`{"institution":%q,"name":"欧阳娜娜","id_number":%q,"phone":"13812345678","principal":100000}`, uscc, id)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Real-IP", client)
			return servers[i%3].do(req)
		}
		const wrong = "110105194912310021" // a wrong check character
		start := time.Now()
		for i := range claimsPerMinute {
			if r := claim(i, "203.0.113.20", wrong); r.StatusCode != 422 {
				t.Fatalf("invalid claim %d: %d %s", i, r.StatusCode, r.body)
			}
		}
		valid := residentID("11010519491231002")
		for i := range claimsPerMinute {
			if r := claim(i, "203.0.113.20", valid); r.StatusCode != 201 {
				t.Fatalf("valid claim %d after %d invalid ones: %d %s", i, claimsPerMinute, r.StatusCode, r.body)
			}
		}
		for extra := 0; ; extra++ {
			r := claim(extra, "203.0.113.20", valid)
			if r.StatusCode == 429 {
				break
			}
			if r.StatusCode != 201 || extra >= refilled(claimsPerMinute, start) {
				t.Fatalf("past the allowance through three servers: %d (%d more passed)", r.StatusCode, extra+1)
			}
		}
		// The allowance of invalid claims is shared as well.
		start = time.Now()
		invalid := 0
		for i := range 3 * invalidClaimsPerMinute {
			r := claim(i, "203.0.113.21", wrong)
			if r.StatusCode == 429 {
				break
			}
			if r.StatusCode != 422 {
				t.Fatalf("invalid claim: %d", r.StatusCode)
			}
			invalid++
		}
		if invalid < invalidClaimsPerMinute || invalid > invalidClaimsPerMinute+refilled(invalidClaimsPerMinute, start) {
			t.Fatalf("%d invalid claims passed through three servers, want one allowance of %d", invalid, invalidClaimsPerMinute)
		}
		if r := claim(1, "203.0.113.21", valid); r.StatusCode != 429 {
			t.Fatalf("a client past the allowance of invalid claims waits: %d", r.StatusCode)
		}
	})
}

// TestRateLimitsOutliveRedis: while Redis does not answer, each process counts in its own memory:
// requests are still limited and none fails; a portal whose Redis does not answer at start-up does
// not start (TestStartupFailuresAreOneClearLine).
func TestRateLimitsOutliveRedis(t *testing.T) {
	ts := sharedServers(t, 1, nil)[0]
	ts.redis.rdb.Close() // every later call fails, as when Redis is gone
	statuses := map[int]int{}
	for range claimsPerMinute + 5 {
		statuses[ts.send("POST", "/api/v1/claims/status", "", "application/json", `{}`).StatusCode]++
	}
	if statuses[429] != 5 || len(statuses) != 2 {
		t.Fatalf("without Redis: %v, want %d answered and 5 refused", statuses, claimsPerMinute)
	}
}
