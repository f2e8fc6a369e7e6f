package app

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// rateLimiter allows n requests per period and key (a client address prefixed with a scope), with
// bursts of n. Its counts live in memory, per process, unless the portal has Redis
// (PILU_REDIS_URL): then every process of the portal counts in the same buckets
// (ratelimit_redis.go), and several processes together allow the rate once.
type rateLimiter struct {
	burst int
	count counter
}

// counter keeps the token buckets of one limiter. take takes n tokens from key's bucket: n = 1 for a
// request, n = 0 only looks, n = -1 gives back a token taken for a request that is not to count.
type counter interface {
	take(ctx context.Context, key string, n int) verdict
}

// verdict is a bucket's answer to take.
type verdict struct {
	ok        bool          // the tokens were there (taken when n > 0); always true for n < 0
	remaining int           // whole tokens left afterwards
	wait      time.Duration // when !ok: until a token is back
	reset     time.Duration // until the bucket is full again
}

// newRateLimiter is a limiter of n requests per period counted in this process's memory, on the
// clock now.
func newRateLimiter(n int, per time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{burst: n, count: newMemBuckets(n, per, now)}
}

// newLimiter is the portal's limiter called name: shared through Redis when the portal has it,
// in memory otherwise (the embedded single-process default).
func (s *Server) newLimiter(name string, n int, per time.Duration) *rateLimiter {
	l := newRateLimiter(n, per, s.now)
	if s.redis != nil {
		l.count = s.redis.buckets(name, n, per, l.count.(*memBuckets))
	}
	return l
}

// take takes n tokens from key's bucket (see counter).
func (l *rateLimiter) take(ctx context.Context, key string, n int) verdict {
	return l.count.take(ctx, key, n)
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
	v := l.take(c.UserContext(), scope+"|"+c.IP(), 1)
	l.setHeaders(c, v)
	if v.ok {
		return c.Next()
	}
	return tooMany(c, v.wait)
}

// setHeaders sets the RateLimit-* headers of a bucket as v found it.
func (l *rateLimiter) setHeaders(c *fiber.Ctx, v verdict) {
	c.Set("RateLimit-Limit", strconv.Itoa(l.burst))
	c.Set("RateLimit-Remaining", strconv.Itoa(v.remaining))
	c.Set("RateLimit-Reset", strconv.Itoa(int((v.reset+time.Second-1)/time.Second)))
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
		ctx := c.UserContext()
		if v := invalid.take(ctx, key, 0); !v.ok {
			invalid.setHeaders(c, v) // the allowance that refused
			return tooMany(c, v.wait)
		}
		v := l.take(ctx, key, 1)
		l.setHeaders(c, v)
		if !v.ok {
			return tooMany(c, v.wait)
		}
		err := c.Next()
		status := c.Response().StatusCode()
		if err != nil {
			status = classify(err).Status
		}
		if status == fiber.StatusUnprocessableEntity {
			l.setHeaders(c, l.take(ctx, key, -1))
			invalid.take(ctx, key, 1)
		}
		return err
	}
}
