package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/upsidedown"
	"github.com/blevesearch/bleve/v2/index/upsidedown/store/gtreap"
	"github.com/blevesearch/bleve/v2/search/scorer"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// One test per assumption of bleve_internals.go: each fails naming the
// assumption when an upgrade of Bleve or zap changes what it relies on.

// internalsIndex opens an index holding docs, applied as one batch per
// element of batches (each a segment), and returns it with a snapshot.
func internalsIndex(t *testing.T, batches ...[]Doc) (*Index, *indexSnapshot) {
	t.Helper()
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	for i, docs := range batches {
		mustApply(t, ix, docs, nil, uint64(i+1))
	}
	snap, err := snapshot(ix.idx)
	if err != nil {
		t.Fatalf("%s: %v", assumeSnapshotType, err)
	}
	t.Cleanup(func() { _ = snap.Close() })
	return ix, snap
}

// postings returns the postings of term in field of ss, without its deleted
// documents.
func postings(t *testing.T, ss *segmentSnapshot, field, term string) segment.PostingsList {
	t.Helper()
	dict, err := ss.Segment().Dictionary(field)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := dict.PostingsList([]byte(term), ss.Deleted(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

// iterated is what a postings list's iterator gives.
func iterated(t *testing.T, pl segment.PostingsList) *roaring.Bitmap {
	t.Helper()
	bm := roaring.New()
	it := pl.Iterator(false, false, false, nil)
	for {
		p, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if p == nil {
			return bm
		}
		bm.Add(uint32(p.Number()))
	}
}

func disclosures(n int, body string) []Doc {
	var docs []Doc
	for i := range n {
		docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "公告", Body: body,
			Date: day("2021-03-04").Add(time.Duration(i) * time.Hour)})
	}
	return docs
}

func TestInternalsSnapshotType(t *testing.T) {
	ix, _ := internalsIndex(t, disclosures(3, "兑付"))
	if _, err := snapshot(ix.idx); err != nil {
		t.Fatalf("%s: %v", assumeSnapshotType, err)
	}
	// Where the reader is of another type, the error names the assumption
	// (and Open refuses the pilu engine) instead of saying "index closed".
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	other, err := bleve.NewUsing("", m, upsidedown.Name, gtreap.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = snapshot(other)
	if !errors.Is(err, ErrInternals) || !strings.Contains(err.Error(), assumeSnapshotType) || strings.Contains(err.Error(), "closed") {
		t.Errorf("snapshot of an upside_down index: %v, want ErrInternals naming %q", err, assumeSnapshotType)
	}
	if _, err := wrap("mem", nil, other, EnginePilu); !errors.Is(err, ErrInternals) {
		t.Errorf("opening it for the pilu engine: %v, want ErrInternals", err)
	}
	// A closed index is still "closed".
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot(ix.idx); err == nil || errors.Is(err, ErrInternals) {
		t.Errorf("snapshot of a closed index: %v", err)
	}
}

func TestInternalsForceMerge(t *testing.T) {
	ix, _ := internalsIndex(t, disclosures(3, "兑付"), disclosures(2, "进展"))
	if err := forceMerge(ix.idx); err != nil {
		t.Fatalf("%s: %v", assumeForceMerge, err)
	}
}

func TestInternalsDocValues(t *testing.T) {
	_, snap := internalsIndex(t, disclosures(3, "兑付"))
	for _, ss := range snap.Segments() {
		if _, err := docValues(ss.Segment()); err != nil {
			t.Fatalf("%s: %v", assumeDocValues, err)
		}
	}
}

func TestInternalsDeleted(t *testing.T) {
	ix, _ := internalsIndex(t, disclosures(3, "兑付"))
	mustApply(t, ix, nil, []string{TypeDisclosure + "/1"}, 2)
	snap, err := snapshot(ix.idx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	seen := false
	for _, ss := range snap.Segments() {
		if ss.Segment().Count() != 3 {
			continue
		}
		seen = true
		if d := ss.Deleted(); d == nil || d.GetCardinality() != 1 {
			t.Fatalf("%s: the segment of 3 documents lists %v as deleted, want one", assumeDeleted, d)
		}
		if live := liveDocs(ss); live.GetCardinality() != 2 {
			t.Errorf("%s: %d live documents, want 2", assumeDeleted, live.GetCardinality())
		}
		pl := postings(t, ss, fieldBody, "兑付")
		if pl.Count() != 2 || iterated(t, pl).GetCardinality() != 2 {
			t.Errorf("%s: postings count %d, iterated %v, want 2 each", assumeDeleted, pl.Count(), iterated(t, pl))
		}
		bm := roaring.New()
		if err := termBitmap(pl, bm); err != nil {
			t.Fatal(err)
		}
		if bm.GetCardinality() != 3 {
			t.Errorf("%s: OrInto gave %v, want the deleted document too (3)", assumeDeleted, bm)
		}
		dropDeleted(ss, bm)
		if !bm.Equals(iterated(t, pl)) {
			t.Errorf("%s: OrInto less the deleted %v, iterated %v", assumeDeleted, bm, iterated(t, pl))
		}
	}
	if !seen {
		t.Fatalf("%s: no segment keeps the deleted document", assumeDeleted)
	}
}

func TestInternalsOrInto(t *testing.T) {
	_, snap := internalsIndex(t, append(disclosures(5, "兑付进展"), Doc{Type: TypeNotice, ID: "x", Title: "公告"}))
	for _, ss := range snap.Segments() {
		for _, term := range []string{"兑付", "x"} { // many documents, and one (zap keeps a lone hit apart)
			field := fieldBody
			if term == "x" {
				field, term = fieldType, TypeNotice
			}
			pl := postings(t, ss, field, term)
			o, ok := pl.(orInto)
			if !ok {
				t.Fatalf("%s: %T has no OrInto: every term is iterated hit by hit", assumeOrInto, pl)
			}
			bm := roaring.New()
			o.OrInto(bm)
			if want := iterated(t, pl); !bm.Equals(want) || bm.IsEmpty() {
				t.Errorf("%s: OrInto %v, iterator %v", assumeOrInto, bm, want)
			}
		}
	}
}

func TestInternalsNorm(t *testing.T) {
	// Bodies of 1 and 3 characters: 1 and 6 grams (unigrams, bigrams, the trigram).
	_, snap := internalsIndex(t, []Doc{
		{Type: TypeDisclosure, ID: "1", Title: "公告", Body: "兑"},
		{Type: TypeDisclosure, ID: "2", Title: "公告", Body: "兑付款"},
	})
	lengths := map[uint64]bool{}
	for _, ss := range snap.Segments() {
		it := postings(t, ss, fieldBody, "兑").Iterator(true, true, false, nil)
		for {
			p, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if p == nil {
				break
			}
			n, ok := p.(normUint64)
			if !ok {
				t.Fatalf("%s: %T has no NormUint64: every hit's norm takes a square root", assumeNorm, p)
			}
			lengths[n.NormUint64()] = true
			if want := float64(float32(1 / math.Sqrt(float64(n.NormUint64())))); p.Norm() != want || norm(p) != want {
				t.Errorf("%s: length %d, Norm %v, norm %v, want %v", assumeNorm, n.NormUint64(), p.Norm(), norm(p), want)
			}
		}
	}
	if !lengths[1] || !lengths[6] {
		t.Errorf("%s: lengths %v, want 1 and 6 (the fields' lengths in terms)", assumeNorm, lengths)
	}
}

func TestInternalsDates(t *testing.T) {
	when := time.Date(2021, 3, 4, 5, 6, 7, 891, time.UTC)
	_, snap := internalsIndex(t, []Doc{{Type: TypeDisclosure, ID: "1", Title: "公告", Date: when}})
	for _, ss := range snap.Segments() {
		dv, err := docValues(ss.Segment())
		if err != nil {
			t.Fatal(err)
		}
		var exact []int64
		terms := 0
		if _, err := dv.VisitDocValues(0, []string{fieldDate}, func(field string, term []byte) {
			terms++
			if v, ok := exactDate(term); ok {
				exact = append(exact, v)
			}
		}, nil); err != nil {
			t.Fatal(err)
		}
		if len(exact) != 1 || exact[0] != when.UnixNano() || terms < 2 {
			t.Errorf("%s: %d terms, exact %v, want several and one exact %d", assumeDates, terms, exact, when.UnixNano())
		}
	}
}

func TestInternalsStored(t *testing.T) {
	_, snap := internalsIndex(t, []Doc{{Type: TypeDisclosure, ID: "7", Title: "公告", Body: "兑付", URL: "/d/7",
		Date: day("2021-01-01")}})
	for _, ss := range snap.Segments() {
		id, fields, err := readStored(ss, 0)
		if err != nil || id != "disclosure/7" || fields[fieldTitle] != "公告" || fields[fieldBody] != "兑付" || fields[fieldURL] != "/d/7" {
			t.Errorf("%s: id %q, fields %v, err %v", assumeStored, id, fields, err)
		}
		if id, err := storedID(ss, 0); err != nil || id != "disclosure/7" {
			t.Errorf("%s: DocID %q, %v", assumeStored, id, err)
		}
	}
}

func TestInternalsNoVectors(t *testing.T) {
	if positionsIn(fieldBody) {
		t.Skip("bodies have positions")
	}
	_, snap := internalsIndex(t, []Doc{{Type: TypeDisclosure, ID: "1", Title: "公告", Body: "兑付，兑付。"}})
	for _, ss := range snap.Segments() {
		it := postings(t, ss, fieldBody, "兑付").Iterator(true, true, true, nil)
		p, err := it.Next()
		if err != nil || p == nil {
			t.Fatalf("%s: no posting of 兑付 (%v)", assumeNoVectors, err)
		}
		// 兑付，兑付: 兑 付 兑付 twice = 6 terms.
		if p.Frequency() != 2 || norm(p) != float64(float32(1/math.Sqrt(6))) || len(p.Locations()) != 0 {
			t.Errorf("%s: frequency %d, norm %v, %d locations; want 2, 1/√6, none",
				assumeNoVectors, p.Frequency(), norm(p), len(p.Locations()))
		}
		var body string
		calls := 0
		err = visitStoredField(ss, 0, fieldBody, func(v []byte) { body, calls = string(v), calls+1 })
		if err != nil || body != "兑付，兑付。" || calls != 1 {
			t.Errorf("%s: stored body %q (%d calls), %v", assumeStored, body, calls, err)
		}
	}
}

func TestInternalsSegmentIdentity(t *testing.T) {
	ix, first := internalsIndex(t, disclosures(3, "兑付"))
	// Bleve's merger may merge a snapshot's segments into a new one between two snapshots (then
	// none is shared, rightly): the assumption holds when, over a few writes, a segment of one
	// snapshot is found as the same value in the next.
	prev := first
	for i := range 10 {
		mustApply(t, ix, []Doc{{Type: TypeNotice, ID: fmt.Sprint(i + 1), Title: "公告"}}, nil, uint64(i+2))
		next, err := snapshot(ix.idx)
		if err != nil {
			t.Fatal(err)
		}
		defer next.Close()
		for _, o := range prev.Segments() {
			for _, ss := range next.Segments() {
				if ss.Segment() == o.Segment() {
					return
				}
			}
		}
		prev = next
	}
	t.Errorf("%s: over 10 writes, no segment of a snapshot was among the next snapshot's segments", assumeSegmentIdentity)
}

func TestInternalsScoring(t *testing.T) {
	for f := range uint64(scorer.MaxSqrtCache) {
		if tf(f) != math.Sqrt(float64(f)) {
			t.Fatalf("%s: tf(%d) = %v", assumeScoring, f, tf(f))
		}
	}
	// A word's scores are Bleve's, to rounding.
	var docs []Doc
	for i := range 12 {
		docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "公告",
			Body: strings.Repeat("兑付", 1+i%5) + strings.Repeat("进展", i)})
	}
	scores := map[string]map[string]float64{}
	for _, engine := range Engines {
		ix := mustOpenEngine(t, engine, filepath.Join(t.TempDir(), "index"))
		mustApply(t, ix, docs, nil, 1)
		res, err := ix.Search(context.Background(), Query{Text: "兑付 公告", PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		scores[engine] = map[string]float64{}
		for _, h := range res.Hits {
			scores[engine][h.ID] = h.Score
		}
	}
	if len(scores[EnginePilu]) != 12 {
		t.Fatalf("%d hits", len(scores[EnginePilu]))
	}
	for id, s := range scores[EnginePilu] {
		if b := scores[EngineBleve][id]; math.Abs(s-b) > 1e-9*b {
			t.Errorf("%s: %s scores %v, Bleve %v", assumeScoring, id, s, b)
		}
	}
}

func TestInternalsEvents(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	adv, err := ix.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	// What the index's own callback would be told, seen from beside it.
	events := make(chan struct{}, 64)
	stop, err := onSegments(ix.idx, func() {
		select {
		case events <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatalf("%s: %v", assumeEvents, err)
	}
	defer stop()
	defer ix.stopEvents() // the index's own again on Close: Store replaced it
	if _, ok := eventTargets.Load(adv); !ok {
		t.Fatalf("%s: no target stored for %T", assumeEvents, adv)
	}
	mustApply(t, ix, disclosures(3, "兑付"), nil, 1)
	// EventKindBatchIntroduction fires before Batch returns.
	select {
	case <-events:
	default:
		t.Errorf("%s: no event after a batch was introduced", assumeEvents)
	}
}

func TestInternalsEveryTerm(t *testing.T) {
	_, snap := internalsIndex(t, []Doc{
		{Type: TypeDisclosure, ID: "1", Body: "兑付进展"},
		{Type: TypeDisclosure, ID: "2", Body: "兑付"},
	})
	dict, err := snap.Segments()[0].Segment().Dictionary(fieldBody)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	it := everyTerm(dict)
	for {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("%s: %v", assumeEveryTerm, err)
		}
		if e == nil {
			break
		}
		got[e.Term] = e.Count
	}
	want := map[string]uint64{"兑": 2, "付": 2, "进": 1, "展": 1, "兑付": 2, "付进": 1, "进展": 1, "兑付进": 1, "付进展": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: got %v, want %v", assumeEveryTerm, got, want)
	}
}
