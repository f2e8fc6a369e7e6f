package models_test

import (
	"errors"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestSessionIdleTimeout: a session used every 20 minutes lives on, but never past SessionLifetime;
// one left unused for longer than SessionIdle is gone.
func TestSessionIdleTimeout(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		u, _, _, err := st.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "idle@example.cn"})
		if err != nil {
			t.Fatal(err)
		}
		now := at("2026-12-01 08:00")
		busy, _ := st.CreateSession(ctx, u, now)
		idle, _ := st.CreateSession(ctx, u, now)
		if _, err := st.SessionUser(ctx, idle, now.Add(models.SessionIdle+time.Minute)); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a session unused past its idle time: %v, want gone", err)
		}
		at := now
		for at.Before(now.Add(models.SessionLifetime - 20*time.Minute)) {
			at = at.Add(20 * time.Minute)
			if _, err := st.SessionUser(ctx, busy, at); err != nil {
				t.Fatalf("a session used every 20 minutes, at %s: %v", at.Sub(now), err)
			}
		}
		if _, err := st.SessionUser(ctx, busy, now.Add(models.SessionLifetime+time.Second)); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a busy session past its lifetime: %v, want gone", err)
		}
	})
}
