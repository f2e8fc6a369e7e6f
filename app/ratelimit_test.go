package app

import (
	"fmt"
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
			ok, w := l.allow("1.2.3.4")
			if ok {
				got++
			} else {
				wait = w
			}
		}
		if got != s.allowed {
			t.Fatalf("step %d: %d allowed, want %d", i, got, s.allowed)
		}
		if got < s.calls && (wait <= 0 || wait > 6*time.Second) {
			t.Fatalf("step %d: retry after %v", i, wait)
		}
	}
	if ok, _ := l.allow("5.6.7.8"); !ok {
		t.Fatal("another client has its own bucket")
	}
	l.maxKeys = 100
	for i := range 1000 {
		l.allow(fmt.Sprint("client-", i))
	}
	if len(l.buckets) > 100 {
		t.Fatalf("%d buckets kept, bound is 100", len(l.buckets))
	}
}
