package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"pilu/models"
)

// schedulerLeaseDefault is how long the scheduler's lease lasts unless PILU_SCHEDULER_LEASE says
// otherwise: renewed every 15 s, so when its holder dies another process takes the scheduler over
// within a minute.
const schedulerLeaseDefault = 45 * time.Second

// newHolderName names this process for leases: host, pid and a random part (a restarted process is
// a new holder).
func newHolderName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%.60s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// runScheduler runs the deadline scheduler in the one process of a portal that holds its lease
// (models.LeaseScheduler, lasting PILU_SCHEDULER_LEASE and renewed every third of it): it moves notices whose claim window has passed from open to expired, once
// a minute and when it takes the lease (so a portal that was down across a deadline catches up), and
// once an hour it sweeps orphan blobs and purges claimants' personal data past its retention period
// (PILU_CLAIM_RETENTION). The lease is released when ctx ends.
// On every tick it also runs the mail job (runMail).
func (s *Server) runScheduler(ctx context.Context) {
	holder := newHolderName()
	ttl := s.cfg.SchedulerLease
	if ttl <= 0 {
		ttl = schedulerLeaseDefault
	}
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	var lastSweep, lastExpire time.Time
	held := false
	for {
		ok, err := s.store.TakeLease(ctx, models.LeaseScheduler, holder, time.Now(), ttl)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler lease", "err", err)
		}
		if ok != held {
			s.log.Info("scheduler lease", "held", ok, "holder", holder)
			held = ok
			lastSweep, lastExpire = time.Time{}, time.Time{}
		}
		s.metrics.schedulerLease.Set(map[bool]float64{true: 1}[held])
		if held && time.Since(lastSweep) > time.Hour {
			lastSweep = time.Now()
			if n, err := s.sweepOrphans(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("orphan sweeper", "err", err)
			} else if n > 0 {
				s.log.Info("orphan blobs deleted", "count", n)
			}
			if done, err := purgeClaims(ctx, s.store, s.blobs, s.cfg.ClaimRetention, s.now()); err != nil && ctx.Err() == nil {
				s.log.Warn("claim retention", "err", err)
			} else if len(done) > 0 {
				s.log.Info("claimants' personal data purged after the retention period", "listed_institutions", len(done))
			}
			if n, err := s.store.PruneIdempotencyKeys(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.log.Warn("idempotency keys", "err", err)
			} else if n > 0 {
				s.log.Info("idempotency keys pruned", "count", n)
			}
		}
		if held && time.Since(lastExpire) >= time.Minute {
			lastExpire = time.Now()
			if ids, err := s.store.ExpireNotices(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.log.Warn("scheduler", "err", err)
			} else if len(ids) > 0 {
				s.log.Info("notices expired", "ids", ids)
				s.indexer.Poke()
			}
		}
		if held {
			if err := s.runMail(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("mail", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			if held {
				release, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if err := s.store.ReleaseLease(release, models.LeaseScheduler, holder); err != nil {
					s.log.Warn("scheduler lease", "err", err)
				}
				cancel()
				s.metrics.schedulerLease.Set(0)
			}
			return
		case <-tick.C:
		}
	}
}
