package models_test

import (
	"sync"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestLeaseHasOneHolder: a free lease is taken, renewed by its holder, refused to others while it
// runs, taken over once it expires or is released; many processes asking at once get exactly one
// holder.
func TestLeaseHasOneHolder(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		now := at("2026-12-01 10:00")
		const ttl = 45 * time.Second
		steps := []struct {
			holder string
			after  time.Duration
			want   bool
		}{
			{"a", 0, true},
			{"b", 0, false},
			{"a", 0, true},                // renewed at the same moment
			{"a", 30 * time.Second, true}, // renewed: now runs to 75 s
			{"b", 60 * time.Second, false},
			{"b", 76 * time.Second, true}, // a died: b takes over
			{"a", 77 * time.Second, false},
		}
		for i, s := range steps {
			got, err := st.TakeLease(ctx, models.LeaseScheduler, s.holder, now.Add(s.after), ttl)
			if err != nil || got != s.want {
				t.Fatalf("step %d: %s at +%s: %v, %v; want %v", i, s.holder, s.after, got, err, s.want)
			}
		}
		if h, until, err := st.LeaseHolder(ctx, models.LeaseScheduler, now.Add(77*time.Second)); err != nil || h != "b" || !until.Equal(now.Add(121*time.Second)) {
			t.Fatalf("holder at +77s: %q until %v, %v; want b until +121s", h, until, err)
		}
		if err := st.ReleaseLease(ctx, models.LeaseScheduler, "b"); err != nil {
			t.Fatal(err)
		}
		if h, _, err := st.LeaseHolder(ctx, models.LeaseScheduler, now.Add(78*time.Second)); err != nil || h != "" {
			t.Fatalf("holder after release: %q, %v", h, err)
		}
		if got, err := st.TakeLease(ctx, models.LeaseScheduler, "a", now.Add(78*time.Second), ttl); err != nil || !got {
			t.Fatalf("after b released: %v, %v", got, err)
		}

		later := now.Add(time.Hour) // expired: everyone races for it
		var mu sync.Mutex
		holders := 0
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := st.TakeLease(ctx, "race", string(rune('p'+i)), later, ttl)
				if err != nil {
					t.Error(err)
				}
				if got {
					mu.Lock()
					holders++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if holders != 1 {
			t.Fatalf("%d processes hold one lease", holders)
		}
	})
}
