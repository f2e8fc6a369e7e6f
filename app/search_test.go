package app

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pilu/models"
)

// drain applies the outbox to the index, as the running indexer does.
func (ts *testServer) drain() {
	ts.t.Helper()
	if _, err := ts.indexer.Drain(context.Background()); err != nil {
		ts.t.Fatal(err)
	}
}

func TestSearchFollowsTheDatabase(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ts.seedInstitution("440106", "MA5LTCT01", "广州市鹭汀网络借贷信息中介服务有限公司", "440000", "鹭汀创投")
			ts.seedInstitution("110105", "MA0BJ0001", "北京某某网络科技有限公司", "110000", "京贷宝")
			ts.drain()
			queries := []struct{ q, first string }{
				{"鹭汀创投", "广州市鹭汀网络借贷信息中介服务有限公司"},
				{"鹭汀", "广州市鹭汀网络借贷信息中介服务有限公司"},
				{"京贷宝", "北京某某网络科技有限公司"},
				{"ma5ltct01.example.cn", "广州市鹭汀网络借贷信息中介服务有限公司"},
			}
			for _, q := range queries {
				r := ts.get("/api/v1/search?q=" + url.QueryEscape(q.q))
				var res struct {
					Items []struct{ Title, Type, URL string }
					Total int
				}
				if err := json.Unmarshal([]byte(r.body), &res); err != nil || res.Total == 0 || res.Items[0].Title != q.first {
					t.Fatalf("%q: %s", q.q, r.body)
				}
				page := ts.get("/search?q=" + url.QueryEscape(q.q))
				if page.StatusCode != 200 || !strings.Contains(page.body, q.first) {
					t.Fatalf("search page for %q", q.q)
				}
			}
			for _, q := range []string{"", "\"", "((", "-鹭汀", "😀", strings.Repeat("长", 1000), "a:b^2~*?"} {
				if r := ts.get("/api/v1/search?q=" + url.QueryEscape(q)); r.StatusCode != 200 {
					t.Fatalf("query %.20q: %d %s", q, r.StatusCode, r.body)
				}
			}
			// A reclassification reaches the index through the outbox.
			code, _ := models.MakeUSCC("440106", "MA5LTCT01")
			in, _ := ts.store.InstitutionByUSCC(context.Background(), code)
			if _, err := ts.store.Classify(context.Background(), in, "voluntary_exit", "发布退出公告", nil, "t", ts.now()); err != nil {
				t.Fatal(err)
			}
			ts.drain()
			r := ts.get("/api/v1/search?q=" + url.QueryEscape("鹭汀") + "&class=voluntary_exit")
			if !strings.Contains(r.body, "广州市鹭汀") {
				t.Fatalf("class filter after reclassification: %s", r.body)
			}
			docs, lag, _, err := ts.indexer.Status(context.Background())
			if err != nil || docs != 2 || lag != 0 {
				t.Fatalf("index status: %d docs, lag %d, %v", docs, lag, err)
			}
		})
	}
}

func TestBrokenIndexIsRebuiltAtStartup(t *testing.T) {
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
	uscc, _ := models.MakeUSCC("440106", "MA5LTCT01")
	if _, err := srv.store.CreateInstitution(context.Background(), models.NewInstitution{USCC: uscc, Name: "鹭汀公司", Province: "440000", Brands: []string{"鹭汀创投"}}, "t", srv.now()); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	// Break the index: garbage where its metadata was.
	if err := os.WriteFile(filepath.Join(cfg.IndexDir, "index_meta.json"), []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err = Open(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatalf("a broken index must not stop start-up: %v", err)
	}
	defer srv.Close()
	if !srv.indexer.index().Empty() {
		t.Fatal("a broken index is replaced by an empty one")
	}
	if err := srv.indexer.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := srv.indexer.Search(context.Background(), searchQuery("鹭汀创投"))
	if err != nil || res.Total != 1 {
		t.Fatalf("after the rebuild: %v %v", res, err)
	}
	moved, _ := filepath.Glob(cfg.IndexDir + ".broken-*")
	if len(moved) != 1 {
		t.Fatalf("the broken index is moved aside, found %v", moved)
	}
}
