package app

import (
	"context"
	"sync"
	"time"
)

// memBuckets are token buckets in this process's memory: the counter of a portal without Redis, and
// the fallback of one whose Redis does not answer. Memory is bounded: at most maxKeys buckets are
// kept, full buckets are dropped first, and when every bucket is busy the oldest goes.
type memBuckets struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	maxKeys int
	now     func() time.Time
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// newMemBuckets holds buckets of n tokens that refill at n per period.
func newMemBuckets(n int, per time.Duration, now func() time.Time) *memBuckets {
	return &memBuckets{rate: float64(n) / per.Seconds(), burst: float64(n), maxKeys: 100_000, now: now, buckets: map[string]*bucket{}}
}

func (m *memBuckets) take(_ context.Context, key string, n int) verdict {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	b, ok := m.buckets[key]
	if !ok {
		if n <= 0 { // a full bucket: nothing to give back, nothing to keep
			return verdict{ok: true, remaining: int(m.burst)}
		}
		if len(m.buckets) >= m.maxKeys {
			m.evict(now)
		}
		b = &bucket{tokens: m.burst, at: now}
		m.buckets[key] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = min(m.burst, b.tokens+elapsed*m.rate)
	}
	b.at = now
	need := float64(max(n, 1))
	v := verdict{ok: true}
	switch {
	case n < 0:
		b.tokens = min(m.burst, b.tokens-float64(n))
	case b.tokens >= need:
		b.tokens -= float64(n)
	default:
		v.ok, v.wait = false, time.Duration((need-b.tokens)/m.rate*float64(time.Second))
	}
	v.remaining = int(b.tokens)
	v.reset = time.Duration((m.burst - b.tokens) / m.rate * float64(time.Second))
	return v
}

// evict drops the buckets that have refilled; if none has, the least recently used one.
func (m *memBuckets) evict(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, b := range m.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*m.rate >= m.burst {
			delete(m.buckets, k)
			continue
		}
		if oldest == "" || b.at.Before(oldestAt) {
			oldest, oldestAt = k, b.at
		}
	}
	if len(m.buckets) >= m.maxKeys {
		delete(m.buckets, oldest)
	}
}
