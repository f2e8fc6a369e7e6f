package app

import (
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// rateLimiter is a token bucket per key (a client address, an account), in memory and therefore per
// process: behind several processes each one allows the rate on its own. Memory is bounded: at most
// maxKeys buckets are kept, full buckets are dropped first, and when every bucket is busy the oldest
// goes.
type rateLimiter struct {
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

// newRateLimiter allows n requests per period and key, with bursts of n.
func newRateLimiter(n int, per time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: float64(n) / per.Seconds(), burst: float64(n), maxKeys: 100_000, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key; when none is left it reports how long until one is.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	return l.take(key, true)
}

// refund gives back a token taken for key, for a request that is not to count.
func (l *rateLimiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		b.tokens = min(l.burst, b.tokens+1)
	}
}

// take is allow that takes the token only when take is true (otherwise it only looks).
func (l *rateLimiter) take(key string, take bool) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
	}
	b.at = now
	if b.tokens >= 1 {
		if take {
			b.tokens--
		}
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// evict drops the buckets that have refilled; if none has, the least recently used one.
func (l *rateLimiter) evict(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
			continue
		}
		if oldest == "" || b.at.Before(oldestAt) {
			oldest, oldestAt = k, b.at
		}
	}
	if len(l.buckets) >= l.maxKeys {
		delete(l.buckets, oldest)
	}
}

// limitBy is a handler that answers 429 with Retry-After once the client (its address, prefixed
// with scope so that routes keep separate buckets) has used its rate (admit).
func (l *rateLimiter) limitBy(scope string) fiber.Handler {
	return func(c *fiber.Ctx) error { return l.admit(c, scope) }
}

// admit takes a token from the client's bucket in scope and passes the request on, or answers 429
// with Retry-After; every answer carries the RateLimit-* headers of that bucket, so a route's own
// limit (met after the API's) speaks last.
func (l *rateLimiter) admit(c *fiber.Ctx, scope string) error {
	key := scope + "|" + c.IP()
	ok, wait := l.allow(key)
	l.setHeaders(c, key)
	if ok {
		return c.Next()
	}
	return tooMany(c, wait)
}

// setHeaders sets the RateLimit-* headers of key's bucket.
func (l *rateLimiter) setHeaders(c *fiber.Ctx, key string) {
	remaining, reset := l.remaining(key)
	c.Set("RateLimit-Limit", strconv.Itoa(int(l.burst)))
	c.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	c.Set("RateLimit-Reset", strconv.Itoa(reset))
}

// tooMany is the 429 answer, with the seconds to wait.
func tooMany(c *fiber.Ctx, wait time.Duration) error {
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
	return fail(429, "too_many_requests", "")
}

// limitValid is limitBy for claims: a request refused as invalid (422: a mistyped ID number, an
// amount in the wrong form) gives its token back, so that a claimant who corrects a form is not kept
// out by the limit, and takes one from invalid instead, a looser allowance of its own; once that is
// spent the client waits like any other (evidence files are stored before the form is judged, so
// invalid claims are not free for the server).
func (l *rateLimiter) limitValid(scope string, invalid *rateLimiter) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key := scope + "|" + c.IP()
		if ok, wait := invalid.take(key, false); !ok {
			invalid.setHeaders(c, key) // the allowance that refused
			return tooMany(c, wait)
		}
		ok, wait := l.allow(key)
		l.setHeaders(c, key)
		if !ok {
			return tooMany(c, wait)
		}
		err := c.Next()
		status := c.Response().StatusCode()
		if err != nil {
			status = classify(err).Status
		}
		if status == fiber.StatusUnprocessableEntity {
			l.refund(key)
			invalid.allow(key)
			l.setHeaders(c, key)
		}
		return err
	}
}
