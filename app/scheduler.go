package app

import (
	"context"
	"time"
)

// runScheduler moves notices whose claim window has passed from open to expired, once a minute and
// at start-up (so a server that was down across a deadline catches up). The UPDATE is conditional,
// so several processes never transition a notice twice. Once an hour it sweeps orphan blobs.
func (s *Server) runScheduler(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	var lastSweep time.Time
	for {
		if time.Since(lastSweep) > time.Hour {
			lastSweep = time.Now()
			if n, err := s.sweepOrphans(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("orphan sweeper", "err", err)
			} else if n > 0 {
				s.log.Info("orphan blobs deleted", "count", n)
			}
		}
		if ids, err := s.store.ExpireNotices(ctx, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler", "err", err)
		} else if len(ids) > 0 {
			s.log.Info("notices expired", "ids", ids)
			s.indexer.Poke()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
