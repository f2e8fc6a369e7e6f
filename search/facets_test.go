package search

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

// TestFacetsAsBleveCounts checks the facet counts against Bleve's own facets
// on an index of many segments (one per Apply), with documents deleted and
// replaced, for queries, filters, both sorts and later pages.
func TestFacetsAsBleveCounts(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	provinces := []string{"440000", "110000", "310000", "330000", "440300"}
	kinds := []string{"monthly", "exit", "plan", "progress", "event"}
	for round := range 6 {
		var docs []Doc
		for i := range 40 {
			n := round*40 + i
			d := Doc{Type: TypeDisclosure, ID: fmt.Sprint(n), Title: "兑付公告", Body: "本月兑付进展。",
				Province: provinces[n%len(provinces)], Kind: kinds[n%len(kinds)], Date: day("2021-01-01")}
			if n%5 == 1 {
				d.Title = "运营报告" // 兑付 only in the body: counted, not scored, once the page is full
			}
			if n%7 == 0 {
				d = Doc{Type: TypeInstitution, ID: fmt.Sprint(n), Title: "兑付测试机构", Province: provinces[n%3], Class: []string{"zombie", "high_risk"}[n%2]}
			}
			if n%11 == 0 {
				d.Body = "另一段文字" // still found by the title
				d.Province = ""
			}
			docs = append(docs, d)
		}
		var deletes []string
		if round > 0 { // replace some of the last round's and delete others
			docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(round*40 - 1), Title: "兑付更正", Province: "110000", Kind: "exit"})
			deletes = append(deletes, TypeDisclosure+"/"+fmt.Sprint(round*40-2), TypeDisclosure+"/"+fmt.Sprint(round*40-3))
		}
		mustApply(t, ix, docs, deletes, uint64(round+1))
	}
	for _, q := range []Query{
		{Text: "兑付"}, {Text: "兑付", PerPage: 3}, {Text: "兑付", Sort: SortDate}, {Text: "兑付", Page: 3, PerPage: 5},
		{}, {Text: "进展"}, {Text: "兑付", Province: "440000"}, {Text: "兑付", Types: []string{TypeInstitution}},
		{Text: "兑付 -进展"}, {Text: "没有这样的词"},
	} {
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		req := bleve.NewSearchRequestOptions(bleveQuery(t, ix, q), 0, 0, false)
		for _, f := range facetSizes {
			req.AddFacet(f.field, bleve.NewFacetRequest(f.field, f.size))
		}
		want, err := ix.idx.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want.Total {
			t.Errorf("%+v: total %d, Bleve %d", q, res.Total, want.Total)
		}
		for _, f := range facetSizes {
			wantList := []FacetCount{}
			for _, tf := range want.Facets[f.field].Terms.Terms() {
				wantList = append(wantList, FacetCount{tf.Term, tf.Count})
			}
			if !reflect.DeepEqual(res.Facets[f.field], wantList) {
				t.Errorf("%+v: facet %s %v, Bleve %v", q, f.field, res.Facets[f.field], wantList)
			}
		}
	}
}

// TestFacetsWarmedAtOpen: opening an index builds the facet arrays in the background, so the first
// search does not wait for them, and Close waits for that work.
func TestFacetsWarmedAtOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix := mustOpen(t, dir)
	mustApply(t, ix, []Doc{{Type: TypeDisclosure, ID: "1", Title: "兑付公告", Province: "440000"}}, nil, 1)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix.facets.mu.Lock()
	defer ix.facets.mu.Unlock()
	if len(ix.facets.segs) == 0 || len(ix.facets.values[1]) != 2 || ix.facets.values[1][1] != "440000" {
		t.Fatalf("no facet arrays after opening: %d segments, provinces %v", len(ix.facets.segs), ix.facets.values)
	}
}
