package app

import (
	"context"
	"os"
	"path/filepath"
	"pilu/models/dbtest"
	"strings"
	"testing"
)

// TestIndexAheadOfItsDatabaseIsRebuilt restores the database from a copy made before the last
// filings while keeping the index: at start the index is found ahead of the database and rebuilt, so
// the filings after the copy are no longer found, a new filing (which reuses their ids) is found as
// itself, and of the index.broken-* folders left beside the index all but the newest are removed. An index from another
// database (another identity) is rebuilt too; one that matches is kept as it is.
func TestIndexAheadOfItsDatabaseIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PILU_DATA_DIR": dir, "PILU_INDEX_DIR": filepath.Join(dir, "index")}
	ts := newTestServer(t, env)
	before := ts.seedInstitution("440106", "MA5YX0001", "深圳市备份之前有限公司", "440000")
	ts.drain()
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := dbtest.Handle(context.Background(), ts.store).Exec("VACUUM INTO ?", backup).Error; err != nil {
		t.Fatal(err)
	}
	after := ts.seedInstitution("440106", "MA5YX0002", "深圳市备份之后有限公司", "440000")
	ts.drain()
	if _, a := ts.search("q=" + after.USCC); a.Total != 1 {
		t.Fatalf("before the restore the later filing is found %d times", a.Total)
	}
	if why, err := ts.indexer.mismatch(context.Background()); why != "" || err != nil {
		t.Fatalf("a matching index: %q, %v", why, err)
	}
	ts.Close()

	for _, f := range []string{"pilu.db-wal", "pilu.db-shm"} {
		os.Remove(filepath.Join(dir, f))
	}
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pilu.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	broken, newest := filepath.Join(dir, "index.broken-20260101000000"), filepath.Join(dir, "index.broken-20260102000000")
	for _, d := range []string{broken, newest} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	restored := newTestServer(t, env)
	why, err := restored.indexer.mismatch(context.Background())
	if err != nil || !strings.Contains(why, "database's last is") {
		t.Fatalf("after the restore: %q, %v", why, err)
	}
	restored.indexer.prepare(context.Background())
	reused := restored.seedInstitution("440106", "MA5YX0003", "深圳市恢复之后有限公司", "440000")
	restored.drain()
	for _, c := range []struct {
		uscc  string
		found int
	}{{before.USCC, 1}, {after.USCC, 0}, {reused.USCC, 1}} {
		if _, a := restored.search("q=" + c.uscc); a.Total != c.found {
			t.Errorf("%s found %d times after the restore, want %d", c.uscc, a.Total, c.found)
		}
	}
	if _, err := os.Stat(broken); !os.IsNotExist(err) {
		t.Errorf("%s is still there after a rebuild: %v", broken, err)
	}
	if _, err := os.Stat(newest); err != nil {
		t.Errorf("the newest broken index is kept for a look: %v", err)
	}
	restored.Close()

	other := newTestServer(t, map[string]string{"PILU_DATA_DIR": t.TempDir(), "PILU_INDEX_DIR": filepath.Join(dir, "index")})
	if why, err := other.indexer.mismatch(context.Background()); err != nil || !strings.Contains(why, "built from database") {
		t.Fatalf("an index of another database: %q, %v", why, err)
	}
}
