package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestBackupAndRestore backs up the demo portal while institutions are being filed, restores the
// backup into a fresh data folder (SQLite) or a fresh MariaDB database and bucket, and checks that
// `pilu verify` passes there and the ledger head and row counts equal the manifest's. A restore onto
// the portal that kept writing (its ledger is ahead) and a second restore onto the restored one are
// refused; a backup into a folder that is not empty and a tampered table file are refused too.
func TestBackupAndRestore(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			source := map[string]string{"PILU_DATA_DIR": t.TempDir(), "PILU_DEMO": "1"}
			for k, v := range b.env {
				source[k] = v
			}
			ts := newTestServer(t, source)
			setEnv := func(env map[string]string) {
				for _, k := range []string{"PILU_DATA_DIR", "PILU_DB", "PILU_SECRET", "PILU_S3_ENDPOINT", "PILU_S3_ACCESS_KEY", "PILU_S3_SECRET_KEY", "PILU_S3_BUCKET", "PILU_DEMO"} {
					t.Setenv(k, env[k])
				}
			}
			setEnv(source)

			var filed atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // writes while the backup runs (at most 5,000: the codes MA5BK0000–4999 stay valid and apart from MA5BK9999 below)
				defer wg.Done()
				for i := 0; i < 5000; i++ {
					select {
					case <-stop:
						return
					default:
					}
					ts.seedInstitution("440106", fmt.Sprintf("MA5BK%04d", i), "广州市备份中有限公司", "440000")
					filed.Add(1)
				}
			}()
			dir := filepath.Join(t.TempDir(), "backup")
			code, out, errs := runMain(t, "backup", dir)
			close(stop)
			wg.Wait()
			if code != 0 || !strings.Contains(out, "backup written") {
				t.Fatalf("backup: exit %d: %s%s", code, out, errs)
			}
			var m struct { // the parts of manifest.json this test reads (cli's backupManifest)
				Database models.DumpInfo        `json:"database"`
				Blobs    []struct{ Key string } `json:"blobs"`
			}
			raw, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
			if err := json.Unmarshal(raw, &m); err != nil || m.Database.LedgerSeq == 0 || len(m.Blobs) == 0 || m.Database.Tables["disclosures"].Rows == 0 {
				t.Fatalf("manifest: %v; %+v", err, m.Database)
			}
			t.Logf("backed up while %d institutions were filed: %d ledger entries, %d files", filed.Load(), m.Database.LedgerSeq, len(m.Blobs))
			if code, _, errs := runMain(t, "backup", dir); code != 1 || !strings.Contains(errs, "not empty") {
				t.Errorf("backup into a used folder: exit %d %s", code, errs)
			}

			target := map[string]string{"PILU_DATA_DIR": t.TempDir(), "PILU_DEMO": "0", "PILU_SECRET": source["PILU_SECRET"]}
			if b.name != "sqlite+local" {
				target["PILU_DB"] = dbtest.DSNs(t)[1].DSN
				for _, k := range []string{"PILU_S3_ENDPOINT", "PILU_S3_ACCESS_KEY", "PILU_S3_SECRET_KEY"} {
					target[k] = source[k]
				}
				if source["PILU_S3_BUCKET"] != "" {
					target["PILU_S3_BUCKET"] = source["PILU_S3_BUCKET"] + "-restored"
				}
			}
			setEnv(target)
			code, out, errs = runMain(t, "restore", dir)
			if code != 0 || !strings.Contains(out, "verified") {
				t.Fatalf("restore: exit %d: %s%s", code, out, errs)
			}
			if code, out, errs := runMain(t, "verify"); code != 0 {
				t.Fatalf("verify after the restore: exit %d: %s%s", code, out, errs)
			}
			restored := newTestServer(t, target)
			seq, hash, err := restored.store.LedgerHead(context.Background())
			if err != nil || seq != m.Database.LedgerSeq || hash != m.Database.LedgerHash {
				t.Fatalf("restored ledger head %d %s, manifest %d %s (%v)", seq, hash, m.Database.LedgerSeq, m.Database.LedgerHash, err)
			}
			_, institutions, err := restored.store.ListInstitutions(context.Background(), models.InstitutionFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if institutions != m.Database.Tables["institutions"].Rows {
				t.Errorf("%d institutions restored, the manifest says %d", institutions, m.Database.Tables["institutions"].Rows)
			}
			restored.drain()
			if r := restored.get("/institutions"); r.StatusCode != 200 {
				t.Errorf("the restored portal's list: %d", r.StatusCode)
			}
			if code, _, errs := runMain(t, "restore", dir); code != 1 || !strings.Contains(errs, "not empty") {
				t.Errorf("a second restore onto the restored portal: exit %d %s", code, errs)
			}

			setEnv(source)
			ts.publishAll("MA5BK9999") // the portal goes on publishing after the backup
			if code, _, errs := runMain(t, "restore", dir); code != 1 || !strings.Contains(errs, "ahead of the backup") {
				t.Errorf("restore onto the portal that kept writing: exit %d %s", code, errs)
			}

			tampered := t.TempDir()
			copyTree(t, dir, tampered)
			os.WriteFile(filepath.Join(tampered, "tables", "institutions.ndjson.gz"), []byte("not gzip"), 0o600)
			fresh := map[string]string{"PILU_DATA_DIR": t.TempDir(), "PILU_DEMO": "0", "PILU_SECRET": source["PILU_SECRET"]}
			setEnv(fresh)
			if code, _, errs := runMain(t, "restore", tampered); code != 1 || !strings.Contains(errs, "institutions") {
				t.Errorf("restore of a tampered backup: exit %d %s", code, errs)
			}
		})
	}
}

// copyTree copies the files under src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
