package search

import (
	"testing"
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
