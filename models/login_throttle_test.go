package models_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestLoginDelayGrows: no wait up to the free failures, then a wait that never shrinks as failures
// grow and stops at LoginMaxDelay (random counts, a property).
func TestLoginDelayGrows(t *testing.T) {
	for f := 0; f < models.LoginFreeFailures; f++ {
		if d := models.LoginDelay(f); d != 0 {
			t.Fatalf("LoginDelay(%d) = %v, want none", f, d)
		}
	}
	if d := models.LoginDelay(models.LoginFreeFailures); d != models.LoginFirstDelay {
		t.Fatalf("first wait %v", d)
	}
	if d := models.LoginDelay(models.LoginFreeFailures + 1); d != 2*models.LoginFirstDelay {
		t.Fatalf("second wait %v, want it doubled", d)
	}
	for range 1000 {
		a, b := rand.IntN(100000), rand.IntN(100000)
		if a > b {
			a, b = b, a
		}
		da, db := models.LoginDelay(a), models.LoginDelay(b)
		if da > db || db > models.LoginMaxDelay || da < 0 {
			t.Fatalf("LoginDelay(%d) = %v, LoginDelay(%d) = %v", a, da, b, db)
		}
	}
	if models.LoginDelay(1000) != models.LoginMaxDelay {
		t.Fatal("the wait stops at LoginMaxDelay")
	}
}

// TestLoginThrottleLocksNoOneOut is the audit's case: a stranger's wrong passwords slow down that
// stranger (per account and address, growing waits; per address over many accounts), and the right
// password from another address always works. Old failure rows are deleted.
func TestLoginThrottleLocksNoOneOut(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		now := at("2026-11-25 10:00")
		u, pw, _, err := st.CreateUser(ctx, models.NewUser{Role: "admin", Email: "admin@example.cn"})
		if err != nil {
			t.Fatal(err)
		}
		var th models.ErrThrottled
		// The stranger's free failures, then waits that grow with each failure.
		clock := now
		for i := 1; i <= models.LoginFreeFailures+6; i++ {
			if _, err := st.Authenticate(ctx, "admin@example.cn", "wrong", "9.9.9.9", clock); !errors.Is(err, models.ErrBadLogin) {
				t.Fatalf("failure %d: %v", i, err)
			}
			wait := models.LoginDelay(i)
			if i < models.LoginFreeFailures {
				if wait != 0 {
					t.Fatalf("failure %d waits %v", i, wait)
				}
				continue
			}
			// Even the right password is not checked during the wait, from the stranger's address.
			if _, err := st.Authenticate(ctx, "admin@example.cn", pw, "9.9.9.9", clock.Add(wait-time.Second)); !errors.As(err, &th) || !th.Until.Equal(clock.Add(wait)) {
				t.Fatalf("after failure %d: %v, want a wait until %v", i, err, clock.Add(wait))
			}
			// The owner, from another address, is never kept out.
			if got, err := st.Authenticate(ctx, "admin@example.cn", pw, "8.8.8.8", clock); err != nil || got.ID != u.ID {
				t.Fatalf("after the stranger's failure %d the owner's right password failed: %v", i, err)
			}
			clock = clock.Add(wait)
		}
		// After the wait the stranger's address is checked again, and a success forgets its failures.
		if _, err := st.Authenticate(ctx, "admin@example.cn", pw, "9.9.9.9", clock); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
		if _, err := st.Authenticate(ctx, "admin@example.cn", "wrong", "9.9.9.9", clock); !errors.Is(err, models.ErrBadLogin) {
			t.Fatalf("a success starts the count again: %v", err)
		}

		// One address trying many accounts: past MaxAddressFailures it waits for the window, whatever
		// the account; other addresses are not concerned.
		for i := range models.MaxAddressFailures {
			if _, err := st.Authenticate(ctx, fmt.Sprintf("guess%d@example.cn", i), "wrong", "7.7.7.7", now); !errors.Is(err, models.ErrBadLogin) {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		if _, err := st.Authenticate(ctx, "admin@example.cn", pw, "7.7.7.7", now.Add(time.Minute)); !errors.As(err, &th) || !th.Until.Equal(now.Add(models.LoginWindow)) {
			t.Fatalf("the address past its limit: %v", err)
		}
		if _, err := st.Authenticate(ctx, "admin@example.cn", pw, "6.6.6.6", now.Add(time.Minute)); err != nil {
			t.Fatalf("another address: %v", err)
		}
		if _, err := st.Authenticate(ctx, "admin@example.cn", pw, "7.7.7.7", now.Add(models.LoginWindow+time.Second)); err != nil {
			t.Fatalf("after the window: %v", err)
		}

		// Rows of failures older than the window are deleted by the next failure.
		var rows int64
		dbtest.Handle(ctx, st).Model(&models.LoginAttempt{}).Count(&rows)
		if rows < models.MaxAddressFailures {
			t.Fatalf("%d failure rows before pruning", rows)
		}
		later := clock.Add(2 * models.LoginWindow)
		st.Authenticate(ctx, "admin@example.cn", "wrong", "5.5.5.5", later)
		dbtest.Handle(ctx, st).Model(&models.LoginAttempt{}).Count(&rows)
		if rows != 2 {
			t.Fatalf("%d failure rows after pruning, want the 2 of the last failure", rows)
		}
	})
}
