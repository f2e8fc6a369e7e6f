package search

import (
	"context"
	"errors"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Facets are counted over every hit. Bleve's own facets read each hit's doc
// values, which for a common word costs more than the search itself; here a
// hit's facet values are one number read from an array built once per segment
// of the index (segments never change), and counting is adding to small
// arrays. The counting rides on Bleve's collector through its documented hook
// (search.MakeDocumentMatchHandlerKey), so the hits, the total and the paging
// stay Bleve's.

// facetBits is the width of one facet's value number in a document's packed
// values: up to 65,535 values a facet, four facets in a uint64.
const facetBits = 16

// errTooManyValues is returned when a facet has more values than facetBits
// can number.
var errTooManyValues = errors.New("search: too many facet values to count")

// facetTable numbers the values of the facet fields and keeps, per segment,
// the packed value numbers of every document. It is safe for concurrent use.
type facetTable struct {
	mu     sync.Mutex
	values [][]string                   // per facet (facetSizes order): number → value; 0 is "none"
	number []map[string]uint64          // per facet: value → number
	segs   map[segment.Segment][]uint64 // per segment: packed value numbers by local document number
}

// facetFields are the facet fields, in facetSizes order.
var facetFields = func() []string {
	out := make([]string, len(facetSizes))
	for i, f := range facetSizes {
		out[i] = f.field
	}
	return out
}()

// facetView is what counting needs of one snapshot: where each segment's documents
// start and their packed values, and the values by number as they were then.
type facetView struct {
	offsets []uint64   // global number of each segment's first document
	docs    [][]uint64 // per segment, per local document: packed value numbers
	values  [][]string // per facet: number → value
}

// view returns the facet view of snap, building the arrays of segments seen
// for the first time. Segments no longer in the index are forgotten once
// there are twice as many remembered as in use.
func (t *facetTable) view(snap *scorch.IndexSnapshot) (facetView, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(facetFields)*facetBits > 64 {
		return facetView{}, errors.New("search: more facets than a uint64 packs")
	}
	if t.segs == nil {
		t.segs = map[segment.Segment][]uint64{}
		t.values = make([][]string, len(facetFields))
		t.number = make([]map[string]uint64, len(facetFields))
		for i := range facetFields {
			t.values[i] = []string{""}
			t.number[i] = map[string]uint64{}
		}
	}
	var v facetView
	var running uint64
	inUse := map[segment.Segment]bool{}
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		// Bleve numbers a snapshot's documents segment after segment, each
		// segment counting all its documents, deleted ones too.
		v.offsets = append(v.offsets, running)
		running += seg.Count()
		docs, ok := t.segs[seg]
		if !ok {
			var err error
			if docs, err = t.build(seg); err != nil {
				return facetView{}, err
			}
			t.segs[seg] = docs
		}
		inUse[seg] = true
		v.docs = append(v.docs, docs)
	}
	if len(t.segs) > 2*len(inUse)+8 {
		for seg := range t.segs {
			if !inUse[seg] {
				delete(t.segs, seg)
			}
		}
	}
	v.values = make([][]string, len(t.values))
	copy(v.values, t.values) // numbers are only ever added: these stay valid
	return v, nil
}

// build reads the facet values of every document of seg from its doc values.
func (t *facetTable) build(seg segment.Segment) ([]uint64, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, errors.New("search: a segment without doc values")
	}
	docs := make([]uint64, seg.Count())
	var state segment.DocVisitState
	var err, bad error
	for n := range docs {
		state, err = dv.VisitDocValues(uint64(n), facetFields, func(field string, term []byte) {
			for i, f := range facetFields {
				if f != field {
					continue
				}
				num, ok := t.number[i][string(term)]
				if !ok {
					num = uint64(len(t.values[i]))
					if num >= 1<<facetBits {
						bad = errTooManyValues
						return
					}
					t.number[i][string(term)] = num
					t.values[i] = append(t.values[i], string(term))
				}
				docs[n] |= num << (facetBits * i)
			}
		}, state)
		if err != nil {
			return nil, err
		}
		if bad != nil {
			return nil, bad
		}
	}
	return docs, nil
}

// facetCounter counts the facet values of the hits of one search.
type facetCounter struct {
	view   facetView
	counts [][]int // per facet: number → hits
	seg    int     // segment of the last hit (hits come in document order)
	err    error
}

// counting returns ctx carrying a collector hook that counts the facets of
// every hit of the search run with it, and the counter to read afterwards.
func (t *facetTable) counting(ctx context.Context) (context.Context, *facetCounter) {
	fc := &facetCounter{}
	hook := search.MakeDocumentMatchHandler(func(sctx *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
		next, loadID, err := collector.MakeTopNDocumentMatchHandler(sctx)
		if err != nil {
			return nil, false, err
		}
		snap, ok := sctx.IndexReader.(*scorch.IndexSnapshot)
		if !ok {
			return nil, false, errors.New("search: facets need a scorch index")
		}
		if fc.view, err = t.view(snap); err != nil {
			return nil, false, err
		}
		fc.counts = make([][]int, len(fc.view.values))
		for i, vs := range fc.view.values {
			fc.counts[i] = make([]int, len(vs))
		}
		return func(d *search.DocumentMatch) error {
			if d != nil {
				fc.add(d.IndexInternalID.Value())
			}
			return next(d)
		}, loadID, nil
	})
	return context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, hook), fc
}

// add counts the values of the document with global number doc.
func (fc *facetCounter) add(doc uint64) {
	offs := fc.view.offsets
	if fc.seg >= len(offs) || doc < offs[fc.seg] {
		fc.seg = sort.Search(len(offs), func(i int) bool { return offs[i] > doc }) - 1
	}
	for fc.seg+1 < len(offs) && doc >= offs[fc.seg+1] {
		fc.seg++
	}
	if fc.seg < 0 || doc-offs[fc.seg] >= uint64(len(fc.view.docs[fc.seg])) {
		fc.err = errors.New("search: a hit outside the index's segments")
		fc.seg = 0
		return
	}
	packed := fc.view.docs[fc.seg][doc-offs[fc.seg]]
	for i, c := range fc.counts {
		c[(packed>>(facetBits*i))&(1<<facetBits-1)]++
	}
}

// result returns the counts of each facet, most hits first (then by value),
// as many values as facetSizes allows; every facet is present.
func (fc *facetCounter) result() (map[string][]FacetCount, error) {
	out := map[string][]FacetCount{}
	for i, f := range facetSizes {
		list := []FacetCount{}
		if i < len(fc.counts) {
			for num, n := range fc.counts[i] {
				if num > 0 && n > 0 {
					list = append(list, FacetCount{Value: fc.view.values[i][num], Count: n})
				}
			}
		}
		sort.Slice(list, func(a, b int) bool {
			if list[a].Count != list[b].Count {
				return list[a].Count > list[b].Count
			}
			return list[a].Value < list[b].Value
		})
		out[f.field] = list[:min(len(list), f.size)]
	}
	return out, fc.err
}
