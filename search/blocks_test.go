package search

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestBlocksAsBleve is TestSearchAsBleve on segments of several blocks, where
// the search passes over the blocks that cannot reach the page: the same
// totals and hits as Bleve, and blocks were passed over.
func TestBlocksAsBleve(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	if checked := searchAsBleve(t, ix, 3, fewHits+blockSize/2); checked < 500 {
		t.Fatalf("only %d hits compared: the test is too weak", checked)
	}
}

// TestBlocksPassedOver: where two documents stand out, one far (the only
// title with the word, the newest date) and one barely (a shorter body, the
// next newest date), the first page of three hits is those two and the
// newest of the others, and reading it passes over blocks (those read before
// the second is found are read while it is not yet known to stand out).
func TestBlocksPassedOver(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	n := 32 * blockSize // a segment of 32 blocks, more hits than fewHits
	far, barely := n/2+7, 100
	var docs []Doc
	for i := range n {
		d := Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "关于平台运营情况的说明公告", Body: "兑付进展，其他内容",
			Date: day("2020-01-01").Add(time.Duration(i) * time.Minute)}
		switch i {
		case far:
			d.Title, d.Date = "兑付", day("2021-01-02")
		case barely:
			d.Body, d.Date = "兑付进展", day("2021-01-01")
		}
		docs = append(docs, d)
	}
	mustApply(t, ix, docs, nil, 1)
	// The third hit ties with all the others on score and is the newest of them.
	want := []string{TypeDisclosure + "/" + fmt.Sprint(far), TypeDisclosure + "/" + fmt.Sprint(barely),
		TypeDisclosure + "/" + fmt.Sprint(n-1)}
	for _, q := range []Query{{Text: "兑付"}, {Sort: SortDate}, {Text: "兑付", Sort: SortDate}} {
		cls, _ := ix.clauses(parseQuery(q.Text))
		p := &plan{q: q, clauses: cls, keep: 3, scored: q.Text != "", byDate: q.Sort == SortDate}
		if err := ix.run(context.Background(), p, false); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range p.page {
			got = append(got, r.id)
		}
		if p.total != uint64(n) || !slices.Equal(got, want) {
			t.Errorf("%+v: total %d, page %v, want %v", q, p.total, got, want)
		}
		// How many are read before the second is found depends on where Bleve put
		// the documents: 4 to 16 of 32 in 75 runs.
		if p.blocks == 0 || p.blocks > n/blockSize*3/4 {
			t.Errorf("%+v: %d blocks read of %d", q, p.blocks, n/blockSize)
		}
	}
}
