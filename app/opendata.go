package app

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// openData holds the state of the open-data features (issue 7): the response cache, the API's
// rate limiters and the cached daily roots of the ledger. routes creates one per Server.
type openData struct {
	s       *Server
	cache   responseCache
	reads   *rateLimiter
	writes  *rateLimiter
	mu      sync.Mutex
	roots   map[string]models.LedgerEntry // China date → the last entry before that day
	version atomic.Pointer[dataVersion]
}

// API rate limits per client address (documented on /api and in the OpenAPI document).
const (
	apiReadsPerMinute  = 600
	apiWritesPerMinute = 120
)

func newOpenData(s *Server) *openData {
	o := &openData{s: s, reads: s.newLimiter("api-read", apiReadsPerMinute, time.Minute),
		writes: s.newLimiter("api-write", apiWritesPerMinute, time.Minute), roots: map[string]models.LedgerEntry{}}
	o.invalidateOnWrite()
	return o
}

// dailyRoot is the ledger's root of the day: the hash of the last entry appended before today began
// (China time). It never changes during the day, so it is computed once per day.
func (o *openData) dailyRoot(c *fiber.Ctx) (models.LedgerEntry, string) {
	today := models.DateOf(o.s.now())
	day := today.String()
	o.mu.Lock()
	e, ok := o.roots[day]
	o.mu.Unlock()
	if ok {
		return e, today.AddDays(-1).String()
	}
	e, err := o.s.store.LedgerRootBefore(c.UserContext(), today.AddDays(-1).End())
	if err != nil {
		return e, today.AddDays(-1).String()
	}
	o.mu.Lock()
	if len(o.roots) > 7 {
		clear(o.roots)
	}
	o.roots[day] = e
	o.mu.Unlock()
	return e, today.AddDays(-1).String()
}
