package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestConcurrentMonthlyFilings: several first filings of one month at once (two browser tabs, a
// retried API call) leave exactly one published; the others are refused as conflicts.
func TestConcurrentMonthlyFilings(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f := figures(100_000_00, 50)
				_, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: "2026-10", Figures: f}, "a@x.cn", now)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, models.ErrConflict):
				t.Errorf("want a conflict, got %v", err)
			}
		}
		list, err := dbtest.Handle(ctx, st).Model(&models.Disclosure{}).Where("institution_id = ? AND period = ?", in.ID, "2026-10").Rows()
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for list.Next() {
			rows++
		}
		list.Close()
		if ok != 1 || rows != 1 {
			t.Fatalf("%d filings accepted, %d rows for the month; want 1 and 1", ok, rows)
		}
	})
}
