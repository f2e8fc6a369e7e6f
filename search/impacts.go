package search

import (
	"sync/atomic"
	"time"

	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A segment's impacts (blocks.go) are computed when the segment comes into
// the index, not on a word's first search: in the background after the index
// opens, and after Bleve introduces a batch's segment, persists one, or
// merges some (scorch's events, onSegments in bleve_internals.go). One pass
// over each text field's dictionary reads the postings of every term in
// keptFrom documents or more, once, for √freq × norm; the search then
// finds them ready (segCache.ready). Until the pass over a segment is done, a
// search computes what it needs itself. Segments never change, so
// what is computed stays right; deleting documents only lowers the true
// maxima, and the impacts, read with the deleted documents, stay bounds.

// impactFields are the fields whose terms are scored by impacts: the text
// fields a query term's alts search.
var impactFields = []string{fieldNames, fieldTitle, fieldListed, fieldBody}

// termImpacts maps field+"\x00"+term to the term's impact in each block of
// one segment.
type termImpacts map[string][]float64

// keptFrom is the shortest postings list whose impacts are computed when a
// segment of n documents comes in. A search reads the impacts of a shorter
// list itself, at most n/16 postings (about 2 ms at a million documents); a
// segment keeps those of a few thousand terms (at 50,000 documents of pilu
// gen's text, 2,850 terms stand in 1 document of 16 or more: 8 bytes a block
// each, about 180 MB at a million documents).
func keptFrom(n uint64) uint64 { return max(impactsKept, n/16) }

// segmentImpacts computes the impacts of every term of the text fields of seg
// whose postings list holds keptFrom(seg.Count()) documents or more. stop is
// asked between terms: when it says so, the pass ends with ok false.
func segmentImpacts(seg segment.Segment, stop func() bool) (out termImpacts, ok bool, err error) {
	out = termImpacts{}
	nb := blocks(int(seg.Count()))
	from := keptFrom(seg.Count())
	for _, field := range impactFields {
		dict, err := seg.Dictionary(field)
		if err != nil {
			return nil, false, err
		}
		if dict == nil {
			continue
		}
		var pl segment.PostingsList
		var it segment.PostingsIterator
		terms := everyTerm(dict)
		for {
			e, err := terms.Next()
			if err != nil {
				return nil, false, err
			}
			if e == nil {
				break
			}
			if e.Count < from {
				continue
			}
			if stop() {
				return nil, false, nil
			}
			if pl, err = dict.PostingsList([]byte(e.Term), nil, pl); err != nil {
				return nil, false, err
			}
			it = pl.Iterator(true, true, false, it)
			imp := make([]float64, nb)
			if err := readImpacts(it, imp); err != nil {
				return nil, false, err
			}
			out[field+"\x00"+e.Term] = imp
		}
	}
	return out, true, nil
}

// readyImpacts are the impacts computed for a segment when it came into the
// index (nil until they are).
type readyImpacts struct {
	p atomic.Pointer[termImpacts]
}

func (r *readyImpacts) get(key string) ([]float64, bool) {
	m := r.p.Load()
	if m == nil {
		return nil, false
	}
	imp, ok := (*m)[key]
	return imp, ok
}

// done reports whether the segment's impacts are computed.
func (r *readyImpacts) done() bool { return r.p.Load() != nil }

// warmSegments computes what searches would otherwise compute on their first
// query of a segment: the facet arrays of the current snapshot's segments and
// their impacts. It stops early when the index closes.
func (ix *Index) warmSegments() {
	snap, err := snapshot(ix.idx)
	if err != nil {
		return // closed already
	}
	defer snap.Close()
	view, err := ix.facets.view(snap)
	if err != nil {
		ix.log.Warn("search: facet arrays", "err", err)
		return
	}
	stop := func() bool {
		select {
		case <-ix.closing:
			return true
		default:
			return false
		}
	}
	for i, ss := range snap.Segments() {
		kept := view.kept[i]
		if kept.ready.done() {
			continue
		}
		t0 := time.Now()
		imp, ok, err := segmentImpacts(ss.Segment(), stop)
		if err != nil {
			ix.log.Warn("search: segment impacts", "err", err)
			return
		}
		if !ok {
			return
		}
		kept.ready.p.Store(&imp)
		ix.log.Debug("search: segment impacts computed", "docs", ss.Count(), "terms", len(imp),
			"took", time.Since(t0).Round(time.Millisecond))
	}
}

// warmLoop runs warmSegments once now and again whenever Bleve says segments
// came in (ix.segmentsIn), until the index closes.
func (ix *Index) warmLoop() {
	for {
		ix.warmSegments()
		ix.warmed.Add(1)
		select {
		case <-ix.closing:
			return
		case <-ix.segmentsIn:
		}
	}
}

// segmentsCame tells the warm loop that Bleve brought segments into the
// index; it never blocks.
func (ix *Index) segmentsCame() {
	select {
	case ix.segmentsIn <- struct{}{}:
	default:
	}
}
