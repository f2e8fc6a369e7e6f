package search

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestImpactsReadyBeforeSearch: the impacts of a segment's long postings
// lists are computed when it comes into the index, without a search, after
// the index opens and after a batch; they equal what a search computes
// itself, and a search uses them.
func TestImpactsReadyBeforeSearch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	var docs []Doc
	n := 3 * impactsKept
	for i := range n {
		docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "关于兑付的公告",
			Body: strings.Repeat("兑付进展，", 1+i%7) + "出借人", Date: day("2021-01-01").Add(time.Duration(i) * time.Minute)})
	}
	ix := mustOpen(t, dir)
	mustApply(t, ix, docs, nil, 1)
	ix.waitBackground()
	// warmed returns a snapshot whose segments the warm loop has been over:
	// Bleve's persister may bring in a segment (the batch's, written to a
	// file) after a pass, and its event starts another.
	warmed := func(when string, ix *Index) (*indexSnapshot, facetView) {
		t.Helper()
		for range 100 {
			ix.waitBackground()
			snap, err := snapshot(ix.idx)
			if err != nil {
				t.Fatal(err)
			}
			view, err := ix.facets.view(snap)
			if err != nil {
				t.Fatal(err)
			}
			all := true
			for i, ss := range snap.Segments() {
				all = all && (ss.Count() < impactsKept || view.kept[i].ready.done())
			}
			if all {
				return snap, view
			}
			_ = snap.Close()
		}
		t.Fatalf("%s: segments not warmed after 100 passes", when)
		return nil, facetView{}
	}
	check := func(when string, ix *Index) {
		t.Helper()
		snap, view := warmed(when, ix)
		defer snap.Close()
		seen := 0
		for i, ss := range snap.Segments() {
			if ss.Count() < impactsKept {
				continue
			}
			kept := view.kept[i]
			for _, key := range []string{fieldBody + "\x00兑付", fieldBody + "\x00出借人", fieldTitle + "\x00兑付"} {
				ready, ok := kept.ready.get(key)
				if !ok {
					t.Fatalf("%s: no impacts for %q", when, key)
				}
				// What a search computes itself: a plan without the ready impacts.
				field, term, _ := strings.Cut(key, "\x00")
				l := newSegLists(ss, &segCache{})
				pl, err := l.get(field, term)
				if err != nil {
					t.Fatal(err)
				}
				p := &plan{lists: []*segLists{l}}
				own, err := p.impacts(0, blocks(int(ss.Segment().Count())), alt{field: field, terms: []string{term}}, altMatches{list: pl})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ready, own) {
					t.Errorf("%s: %q impacts %v, a search computes %v", when, key, ready[:3], own[:3])
				}
				seen++
			}
		}
		if seen == 0 {
			t.Fatalf("%s: no segment of %d documents or more", when, impactsKept)
		}
	}
	check("after a batch", ix)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = mustOpen(t, dir)
	check("after opening", ix)
	// A search of a word with ready impacts keeps none of its own.
	res, err := ix.Search(context.Background(), Query{Text: "兑付"})
	if err != nil || res.Total != uint64(n) {
		t.Fatalf("兑付: %v, %v", res, err)
	}
	snap, err := snapshot(ix.idx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	view, err := ix.facets.view(snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, kept := range view.kept {
		if _, ok := kept.get(fieldBody + "\x00兑付"); ok {
			t.Errorf("the search computed impacts of its own for 兑付")
		}
	}
}
