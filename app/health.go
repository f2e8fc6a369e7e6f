package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz answers while the process is up.
func (s *Server) healthz(c *fiber.Ctx) error {
	c.Set("Cache-Control", "no-store")
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz reports the database, the blob store, the search index and, when the portal has one
// (PILU_REDIS_URL), Redis, each on its own (the index with the engine searches run on, PILU_SEARCH_ENGINE); 503 when any is not ready. Errors name the service and
// what failed, never a password or a key.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	checks := fiber.Map{}
	ready := true
	report := func(name string, err error, extra fiber.Map) {
		r := fiber.Map{"ok": err == nil}
		for k, v := range extra {
			r[k] = v
		}
		if err != nil {
			ready = false
			r["error"] = err.Error()
		}
		checks[name] = r
	}
	report("database", s.store.Ping(ctx), fiber.Map{"dialect": s.store.Dialect()})
	report("blobs", s.blobs.Ping(ctx), fiber.Map{"kind": s.blobs.Kind()})
	if s.redis != nil {
		// While Redis is away each process counts its own rate limits (three processes allow three
		// times the rate), so the portal is not as configured: a balancer should know.
		report("redis", s.redis.ping(ctx), nil)
	}
	docs, lag, rebuilding, err := s.indexer.Status(ctx)
	idx := fiber.Map{"documents": docs, "lag": lag, "engine": s.indexer.Engine()}
	if rebuilding >= 0 {
		idx["rebuilding"] = rebuilding
	}
	report("index", err, idx)
	status := 200
	if !ready {
		status = 503
	}
	c.Set("Cache-Control", "no-store")
	return c.Status(status).JSON(fiber.Map{"ready": ready, "checks": checks})
}
