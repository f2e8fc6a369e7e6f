package app

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis timing: one limiter call waits at most redisTimeout; after a failure the limiters count in
// memory for redisRetry before Redis is tried again, so an outage slows no request for long.
const (
	redisTimeout = 500 * time.Millisecond
	redisRetry   = 5 * time.Second
)

// redisLink is a portal's Redis (PILU_REDIS_URL), where every process counts the same rate-limit
// buckets (GCRA, by go-redis/redis_rate, on Redis's own clock). While Redis does not answer, each
// limiter counts in its process's memory, as a portal without Redis does: limits still hold, per
// process, and no request fails for it.
type redisLink struct {
	rdb     *redis.Client
	lim     *redis_rate.Limiter
	prefix  string // before every key: "pilu:" in production, one per test
	log     *slog.Logger
	retryAt atomic.Int64 // UnixNano until which Redis is not tried; 0 while it answers
}

// openRedis connects to url (checked by LoadConfig) and makes sure it answers.
func openRedis(ctx context.Context, url, prefix string, log *slog.Logger) (*redisLink, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = time.Second
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = redisTimeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = redisTimeout
	}
	opt.MaxRetries = 1
	rdb := redis.NewClient(opt)
	ping, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ping).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("Redis does not answer: %w", err)
	}
	if prefix == "" {
		prefix = "pilu:"
	}
	return &redisLink{rdb: rdb, lim: redis_rate.NewLimiter(rdb), prefix: prefix, log: log}, nil
}

// ping asks Redis whether it answers, for /readyz; the error names what failed, without the URL.
func (r *redisLink) ping(ctx context.Context) error {
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("Redis does not answer: %w", err)
	}
	return nil
}

// Close closes the connections.
func (r *redisLink) Close() error { return r.rdb.Close() }

// buckets is the counter of the limiter called name (n requests per period) in Redis, with local
// for the time Redis does not answer.
func (r *redisLink) buckets(name string, n int, per time.Duration, local *memBuckets) *redisBuckets {
	return &redisBuckets{link: r, prefix: r.prefix + name + ":", limit: redis_rate.Limit{Rate: n, Burst: n, Period: per}, local: local}
}

// redisBuckets is one limiter's buckets in Redis.
type redisBuckets struct {
	link   *redisLink
	prefix string
	limit  redis_rate.Limit
	local  *memBuckets
}

func (b *redisBuckets) take(ctx context.Context, key string, n int) verdict {
	r := b.link
	if until := r.retryAt.Load(); until != 0 && time.Now().UnixNano() < until {
		return b.local.take(ctx, key, n)
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	res, err := r.lim.AllowN(ctx, b.prefix+key, b.limit, n)
	if err != nil {
		if r.retryAt.Swap(time.Now().Add(redisRetry).UnixNano()) == 0 {
			r.log.Warn("Redis does not answer: rate limits are counted per process until it does", "err", err)
		}
		return b.local.take(ctx, key, n)
	}
	if r.retryAt.Swap(0) != 0 {
		r.log.Info("Redis answers again: rate limits are shared")
	}
	// The whole tokens left follow from the time until the bucket is full (the script's own count
	// of them can come out a hair below a whole number, one token short).
	interval := b.limit.Period.Seconds() / float64(b.limit.Rate)
	v := verdict{ok: true, reset: max(res.ResetAfter, 0)}
	v.remaining = min(max(int(math.Floor(float64(b.limit.Burst)-v.reset.Seconds()/interval+1e-6)), 0), b.limit.Burst)
	switch {
	case n > 0:
		if res.Allowed == 0 {
			v.ok, v.wait, v.remaining = false, res.RetryAfter, 0
		}
	case n == 0:
		if v.remaining < 1 { // the next token comes when the bucket lacks only burst-1
			v.ok, v.wait = false, res.ResetAfter-time.Duration(float64(b.limit.Burst-1)*interval*float64(time.Second))
		}
	default:
		// GCRA keeps the time the bucket is full again; a refund that would put it in the past is not
		// written, so a bucket that a refund fills is removed instead (a request of another process
		// in between loses its count: at most one request, once).
		if res.ResetAfter <= 0 {
			if err := r.lim.Reset(ctx, b.prefix+key); err != nil {
				r.log.Warn("Redis: refund of a rate-limit token", "err", err)
			}
		}
	}
	return v
}
