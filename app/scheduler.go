package app

import (
	"context"
	"time"
)

// runScheduler moves notices whose claim window has passed from open to expired, once a minute and
// at start-up (so a server that was down across a deadline catches up). The UPDATE is conditional,
// so several processes never transition a notice twice.
func (s *Server) runScheduler(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
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
