package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"pilu/app/demo"
	"pilu/app/proctest"
	"pilu/models"
	"pilu/models/dbtest"
)

// TestTwoProcessesConverge runs two portals on one database, each with its own index folder: a write
// through either reaches both indexes.
func TestTwoProcessesConverge(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			one, two := newTestServer(t, b.env), newTestServer(t, b.env)
			in := one.seedInstitution("440106", "MA5LTCT01", "广州市鹭汀网络借贷信息中介服务有限公司", "440000", "鹭汀创投")
			two.seedInstitution("110105", "MA0BJ0001", "北京某某网络科技有限公司", "110000", "京贷宝")
			if _, err := two.store.Classify(context.Background(), in, "zombie", "停止运营", nil, "t", two.now()); err != nil {
				t.Fatal(err)
			}
			for _, ts := range []*testServer{one, two} {
				ts.drain()
				for _, q := range []string{"q=ltct&class=zombie", "q=" + url.QueryEscape("京贷宝")} {
					if _, a := ts.search(q); a.Total != 1 {
						t.Errorf("%s: %+v", q, a)
					}
				}
				if _, lag, _, err := ts.indexer.Status(context.Background()); err != nil || lag != 0 {
					t.Errorf("lag %d %v", lag, err)
				}
			}
		})
	}
}

// TestDeletedIndexIsRebuilt deletes the index folder of a stopped portal; the next start rebuilds it
// from the database.
func TestDeletedIndexIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PILU_DATA_DIR": dir, "PILU_DEMO": "0"}
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Open(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Generate(context.Background(), srv.store, demo.Corpus{Institutions: 20, Disclosures: 300, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := os.RemoveAll(cfg.IndexDir); err != nil {
		t.Fatal(err)
	}
	srv, err = Open(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !srv.indexer.index().Empty() {
		t.Fatal("a deleted index opens empty")
	}
	if err := srv.indexer.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	docs, lag, rebuilding, err := srv.indexer.Status(context.Background())
	if err != nil || docs != 320 || lag != 0 || rebuilding != -1 {
		t.Fatalf("after the rebuild: %d docs, lag %d, rebuilding %d, %v", docs, lag, rebuilding, err)
	}
}

// TestKilledWhileIndexingConverges builds the real binary, kills it (SIGKILL) while it drains a
// long outbox, starts it again and checks that the index and the database agree.
func TestKilledWhileIndexingConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pilu")
	build := exec.Command("go", "build", "-o", bin, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "PILU_DATA_DIR="+filepath.Join(dir, "data"), "PILU_DEMO=0")
	run := func(args ...string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("pilu %v: %v\n%s", args, err, out)
		}
	}
	start := func() (*exec.Cmd, string) {
		addr := proctest.FreeAddr(t)
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(env, "PILU_ADDR="+addr)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		return cmd, "http://" + addr
	}

	// A first start indexes a small corpus; then a long outbox waits for the next start.
	run("gen", "--institutions", "5", "--disclosures", "10", "--seed", "1")
	cmd, base := start()
	waitIndex(t, base, func(docs, lag int64) bool { return docs == 15 && lag == 0 })
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_, _ = cmd.Process.Wait()
	run("gen", "--institutions", "20", "--disclosures", "1500", "--seed", "2")

	cmd, base = start()
	var before int64
	waitIndex(t, base, func(docs, lag int64) bool { before = lag; return docs > 15 && lag > 0 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = cmd.Process.Wait()
	t.Logf("killed with %d outbox rows waiting", before)

	_, base = start()
	waitIndex(t, base, func(docs, lag int64) bool { return lag == 0 && docs == 1535 })
	st, err := models.Open("sqlite://" + filepath.Join(dir, "data", "pilu.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var nIn, nDi int64
	dbtest.Handle(context.Background(), st).Model(&models.Institution{}).Count(&nIn)
	dbtest.Handle(context.Background(), st).Model(&models.Disclosure{}).Count(&nDi)
	if nIn+nDi != 1535 {
		t.Fatalf("database has %d records", nIn+nDi)
	}
	res, err := http.Get(base + "/api/v1/search?type=disclosure&per_page=1")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a struct{ Total int64 }
	if err := json.NewDecoder(res.Body).Decode(&a); err != nil || a.Total != nDi {
		t.Fatalf("index has %d disclosures, database %d (%v)", a.Total, nDi, err)
	}
}

// waitIndex polls /readyz until ok says the index is where the test wants it (at most a minute).
func waitIndex(t *testing.T, base string, ok func(docs, lag int64) bool) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			continue
		}
		var r struct {
			Checks struct {
				Index struct {
					Documents, Lag int64
				}
			}
		}
		err = json.NewDecoder(res.Body).Decode(&r)
		res.Body.Close()
		if err == nil {
			last = fmt.Sprintf("%d documents, lag %d", r.Checks.Index.Documents, r.Checks.Index.Lag)
			if ok(r.Checks.Index.Documents, r.Checks.Index.Lag) {
				return
			}
		}
	}
	t.Fatalf("index never got there: %s", strings.TrimSpace(last))
}
