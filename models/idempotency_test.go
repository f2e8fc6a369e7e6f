package models_test

import (
	"errors"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestIdempotencyKey: a key is reserved once; while running a second use is in progress; once
// completed the same request gets the stored answer and another request is refused; a released key
// runs again; keys are per owner; after a day the key is pruned and counts as new.
func TestIdempotencyKey(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		now := at("2026-12-01 10:00")
		got, err := st.ReserveIdempotencyKey(ctx, "user:1", "k1", "fp-a", now)
		if err != nil || got != nil {
			t.Fatalf("first reservation: %v, %v", got, err)
		}
		if _, err := st.ReserveIdempotencyKey(ctx, "user:1", "k1", "fp-a", now); !errors.Is(err, models.ErrIdempotencyInProgress) {
			t.Fatalf("while running: %v, want in progress", err)
		}
		if got, err := st.ReserveIdempotencyKey(ctx, "user:2", "k1", "fp-a", now); err != nil || got != nil {
			t.Fatalf("another owner's key: %v, %v", got, err)
		}
		if _, err := st.ReserveIdempotencyKey(ctx, "user:2", "k1", "fp-a", now.Add(models.IdempotencyPending+time.Minute)); !errors.Is(err, models.ErrIdempotencyUnfinished) {
			t.Fatalf("a reservation cut off: %v, want unfinished", err)
		}
		answer := models.IdempotencyKey{Status: 201, ContentType: "application/json", Location: "/api/v1/x/1", Body: []byte(`{"id":1}`)}
		if err := st.CompleteIdempotencyKey(ctx, "user:1", "k1", answer); err != nil {
			t.Fatal(err)
		}
		got, err = st.ReserveIdempotencyKey(ctx, "user:1", "k1", "fp-a", now.Add(time.Hour))
		if err != nil || got == nil || got.Status != 201 || string(got.Body) != `{"id":1}` || got.Location != "/api/v1/x/1" {
			t.Fatalf("replay: %+v, %v", got, err)
		}
		if _, err := st.ReserveIdempotencyKey(ctx, "user:1", "k1", "fp-b", now); !errors.Is(err, models.ErrIdempotencyMismatch) {
			t.Fatalf("other request: %v, want mismatch", err)
		}
		if err := st.ReleaseIdempotencyKey(ctx, "user:2", "k1"); err != nil {
			t.Fatal(err)
		}
		if got, err := st.ReserveIdempotencyKey(ctx, "user:2", "k1", "fp-b", now); err != nil || got != nil {
			t.Fatalf("released key reserved again: %v, %v", got, err)
		}
		if n, err := st.PruneIdempotencyKeys(ctx, now.Add(time.Hour)); err != nil || n != 0 {
			t.Fatalf("prune within a day: %d, %v", n, err)
		}
		if got, err := st.ReserveIdempotencyKey(ctx, "user:1", "k1", "fp-b", now.Add(25*time.Hour)); err != nil || got != nil {
			t.Fatalf("expired key counts as new: %v, %v", got, err)
		}
		if n, err := st.PruneIdempotencyKeys(ctx, now.Add(25*time.Hour)); err != nil || n != 1 {
			t.Fatalf("prune after a day: %d, %v (want the user:2 key)", n, err)
		}
	})
}
