package app

import (
	"path/filepath"
	"pilu/models/dbtest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestOneSchedulerAmongProcesses starts two portals on one database: exactly one holds the
// scheduler's lease; when it stops, it releases the lease, and the other takes it at its next turn.
func TestOneSchedulerAmongProcesses(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "pilu.db")
	a := newTestServer(t, map[string]string{"PILU_DB": db, "PILU_INDEX_DIR": filepath.Join(dir, "index-a")})
	b := newTestServer(t, map[string]string{"PILU_DB": db, "PILU_INDEX_DIR": filepath.Join(dir, "index-b")})
	held := func(ts *testServer) float64 { return testutil.ToFloat64(ts.metrics.schedulerLease) }
	a.Start()
	b.Start()
	deadline := time.Now().Add(10 * time.Second)
	for held(a)+held(b) != 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // both have asked by now
	if held(a)+held(b) != 1 {
		t.Fatalf("lease held by a: %v, b: %v", held(a), held(b))
	}
	holder, other := a, b
	if held(b) == 1 {
		holder, other = b, a
	}
	holder.Close()
	if held(holder) != 0 {
		t.Fatal("a stopped process still says it holds the lease")
	}
	var rows []struct{ Holder string }
	dbtest.Handle(t.Context(), other.store).Raw("SELECT holder FROM leases WHERE expires_at > ?", time.Now().UTC()).Scan(&rows)
	if len(rows) != 0 {
		t.Fatalf("the lease was not released: %v", rows)
	}
}
