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
// (models.LeaseScheduler, lasting PILU_SCHEDULER_LEASE and renewed every third of it by keepLease,
// apart from the jobs, so a long job never lets the lease lapse): it moves notices whose claim window
// has passed from open to expired, once a minute and when it takes the lease (so a portal that was
// down across a deadline catches up); once an hour it sweeps orphan blobs, purges claimants' personal
// data past its retention period (PILU_CLAIM_RETENTION) and prunes idempotency keys; on every turn it
// runs the mail job (runMail) and the webhook job (runWebhooks). The jobs run under a context that
// ends when the lease is lost, so two processes never run them at once for longer than a job takes
// to notice.
func (s *Server) runScheduler(ctx context.Context) {
	ttl := s.cfg.SchedulerLease
	if ttl <= 0 {
		ttl = schedulerLeaseDefault
	}
	terms := make(chan context.Context, 1)
	done := make(chan struct{})
	go func() { defer close(done); s.keepLease(ctx, newHolderName(), ttl, terms) }()
	defer func() { <-done }()
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	var term context.Context
	var lastSweep, lastExpire time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case term = <-terms:
			lastSweep, lastExpire = time.Time{}, time.Time{}
		case <-tick.C:
		}
		if term == nil || term.Err() != nil {
			continue
		}
		if time.Since(lastSweep) > time.Hour {
			lastSweep = time.Now()
			s.hourlyJobs(term)
		}
		if time.Since(lastExpire) >= time.Minute {
			lastExpire = time.Now()
			if ids, err := s.store.ExpireNotices(term, s.now()); err != nil && term.Err() == nil {
				s.log.Warn("scheduler", "err", err)
			} else if len(ids) > 0 {
				s.log.Info("notices expired", "ids", ids)
				s.indexer.Poke()
			}
		}
		if err := s.runMail(term); err != nil && term.Err() == nil {
			s.log.Warn("mail", "err", err)
		}
		if err := s.runWebhooks(term); err != nil && term.Err() == nil {
			s.log.Warn("webhooks", "err", err)
		}
	}
}

// hourlyJobs sweeps orphan blobs, purges claimants' personal data past its retention period and
// prunes old idempotency keys.
func (s *Server) hourlyJobs(ctx context.Context) {
	if n, err := s.sweepOrphans(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("orphan sweeper", "err", err)
	} else if n > 0 {
		s.log.Info("orphan blobs deleted", "count", n)
	}
	if done, err := PurgeClaims(ctx, s.store, s.blobs, s.cfg.ClaimRetention, s.now()); err != nil && ctx.Err() == nil {
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

// keepLease takes and renews the scheduler's lease for holder every third of ttl until ctx ends,
// then releases it. Each time it takes the lease it sends on terms a context that ends when the lease
// is lost: when a renewal is refused, fails, or does not succeed until a sixth of ttl before the lease
// would lapse (so the term ends before another process could take the lease). The gauge
// pilu_scheduler_lease_held says whether this process holds the lease now.
func (s *Server) keepLease(ctx context.Context, holder string, ttl time.Duration, terms chan context.Context) {
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	var endTerm context.CancelFunc
	lose := func() {
		if endTerm != nil {
			endTerm()
			endTerm = nil
			s.metrics.schedulerLease.Set(0)
			s.log.Info("scheduler lease", "held", false, "holder", holder)
		}
	}
	var heldUntil time.Time // the expiry of the lease as last taken or renewed
	for {
		// A renewal may take until shortly before the lease would lapse (a loaded database is slow,
		// and giving the lease up for that would leave the scheduler without a holder); a first take
		// half a lease.
		at := time.Now()
		limit := at.Add(ttl / 2)
		if endTerm != nil {
			limit = heldUntil.Add(-ttl / 6)
		}
		try, cancel := context.WithDeadline(ctx, limit)
		ok, err := s.store.TakeLease(try, models.LeaseScheduler, holder, at, ttl)
		cancel()
		if ok && err == nil {
			heldUntil = at.Add(ttl)
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("scheduler lease", "err", err)
		}
		switch {
		case ok && err == nil && endTerm == nil:
			term, end := context.WithCancel(ctx)
			endTerm = end
			s.metrics.schedulerLease.Set(1)
			s.log.Info("scheduler lease", "held", true, "holder", holder)
			select {
			case <-terms: // a term the job loop never picked up has ended already
			default:
			}
			terms <- term
		case !ok || err != nil:
			lose()
		}
		select {
		case <-ctx.Done():
			if endTerm != nil {
				lose()
				release, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if err := s.store.ReleaseLease(release, models.LeaseScheduler, holder); err != nil {
					s.log.Warn("scheduler lease", "err", err)
				}
				cancel()
			}
			return
		case <-tick.C:
		}
	}
}
