package search

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The query tests (TestSearch…, TestReaderQueries, TestFirstPageOrder,
// TestPagingAfter, TestSearchCutOffByBudget, TestCacheFollowsTheIndex, …) are
// one suite run against every engine: the same queries, the same expected
// hits, totals, facets and snippets, as subtests named after the engine.
// Where EngineBleve differs by design (the order of hits found by a phrase),
// the tests expect no order.

// forEngines runs body once per engine, as a subtest named after it.
func forEngines(t *testing.T, body func(t *testing.T, engine string)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) { body(t, engine) })
	}
}

// mustOpenEngine opens a fresh index in dir that searches with engine,
// closed when the test ends.
func mustOpenEngine(t *testing.T, engine, dir string) *Index {
	t.Helper()
	ix, err := OpenEngine(dir, nil, engine)
	if err != nil {
		t.Fatalf("OpenEngine(%s, %s): %v", dir, engine, err)
	}
	if ix.Engine() != engine {
		t.Fatalf("Engine() = %q, want %q", ix.Engine(), engine)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

// TestSearchWhileApplying searches from several goroutines while batches are applied and the
// index's segments merge, with each engine: every search answers, and never with fewer documents
// than had been applied before it began. Under go test -race (.ci/run) it checks what searches
// share: the facet table, the segments' kept impacts, the result cache, the scratch pool.
func TestSearchWhileApplying(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := mustOpenEngine(t, engine, filepath.Join(t.TempDir(), "index"))
		const batches, perBatch = 12, 15
		var applied atomic.Int64
		done := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				queries := []Query{{}, {Text: "兑付"}, {Text: `"兑付进展"`}, {Text: "鹭汀 -逾期", Sort: SortDate},
					{Province: "440000"}, {Text: "公告", PerPage: 3, Page: 2}}
				for i := 0; ; i++ {
					select {
					case <-done:
						return
					default:
					}
					before := applied.Load()
					q := queries[(g+i)%len(queries)]
					res, err := ix.Search(context.Background(), q)
					if err != nil {
						t.Errorf("%+v: %v", q, err)
						return
					}
					if q.Text == "" && q.Province == "" && res.Total < uint64(before) {
						t.Errorf("listed %d documents after %d were applied", res.Total, before)
						return
					}
				}
			}()
		}
		for b := range batches {
			var docs []Doc
			for i := range perBatch {
				docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprintf("%d-%d", b, i), Title: "鹭汀创投公告",
					Body: strings.Repeat("兑付进展。", 1+i%4) + "逾期", Province: []string{"440000", "110000"}[i%2],
					Date: day("2021-01-01").Add(time.Duration(b*perBatch+i) * time.Hour)})
			}
			mustApply(t, ix, docs, nil, uint64(b+1))
			applied.Add(perBatch)
		}
		close(done)
		wg.Wait()
	})
}
