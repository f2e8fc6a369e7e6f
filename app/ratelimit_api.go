package app

import (
	"net"

	"github.com/gofiber/fiber/v2"
)

// limitAPI applies the per-client rate limits of the API: reads and writes have separate buckets.
// Every answer carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset; past the limit the
// answer is 429 with Retry-After. Clients on the loopback interface (the operator's own scripts and
// the benchmark) are not limited.
func (o *openData) limitAPI(c *fiber.Ctx) error {
	ip := net.ParseIP(c.IP())
	if ip != nil && ip.IsLoopback() {
		return c.Next()
	}
	l, scope := o.reads, "api-read"
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
	default:
		l, scope = o.writes, "api-write"
	}
	return l.admit(c, scope)
}
