package search

import (
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Facets are counted over every hit. Bleve's own facets read each hit's doc
// values, which for a common word costs more than the search itself; here a
// hit's facet values are one number read from an array built once per segment
// of the index (segments never change), and counting is adding to small
// arrays. The same arrays hold each document's date, which the search sorts
// and filters by.

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
	values [][]string          // per facet (facetSizes order): number → value; 0 is "none"
	number []map[string]uint64 // per facet: value → number
	segs   map[segment.Segment]segValues
	// the segments of the last view and the view: searches of one snapshot
	// share it
	last     []segment.Segment
	lastView facetView
}

// segValues are what a segment's documents are sorted, filtered and counted
// by, by local document number.
type segValues struct {
	packed []uint64 // facet value numbers, facetBits each, in facetSizes order
	dates  []int64  // Unix nanoseconds; noDate when none
	// per facet, per value number (from 1): the documents with that value, so
	// that the facets of many hits are counted from bitmaps (facetCounter.addAll)
	byValue [][]*roaring.Bitmap
	// per block of blockSize documents: the newest date in it
	maxDates []int64
	kept     *segCache
}

// facetFields are the facet fields, in facetSizes order; valueFields adds
// the date.
var facetFields = func() []string {
	out := make([]string, len(facetSizes))
	for i, f := range facetSizes {
		out[i] = f.field
	}
	return out
}()

var valueFields = append(slices.Clone(facetFields), fieldDate)

// facetView is what a search needs of one snapshot: per segment, its
// documents' packed values and dates, and the values by number as they were
// then.
type facetView struct {
	docs  [][]uint64            // per segment, per local document: packed value numbers
	sets  [][][]*roaring.Bitmap // per segment: segValues.byValue
	dates [][]int64             // per segment, per local document: date
	// per segment: segValues.maxDates and .kept
	maxDates [][]int64
	kept     []*segCache
	values   [][]string // per facet: number → value
}

// view returns the facet view of snap, building the arrays of segments seen
// for the first time. Segments no longer in the index are forgotten once
// there are twice as many remembered as in use.
func (t *facetTable) view(snap *indexSnapshot) (facetView, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(facetFields)*facetBits > 64 {
		return facetView{}, errors.New("search: more facets than a uint64 packs")
	}
	if t.segs == nil {
		t.segs = map[segment.Segment]segValues{}
		t.values = make([][]string, len(facetFields))
		t.number = make([]map[string]uint64, len(facetFields))
		for i := range facetFields {
			t.values[i] = []string{""}
			t.number[i] = map[string]uint64{}
		}
	}
	if len(t.last) == len(snap.Segments()) && func() bool {
		for i, ss := range snap.Segments() {
			if t.last[i] != ss.Segment() {
				return false
			}
		}
		return true
	}() {
		return t.lastView, nil
	}
	var v facetView
	inUse := map[segment.Segment]bool{}
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		sv, ok := t.segs[seg]
		if !ok {
			var err error
			if sv, err = t.build(seg); err != nil {
				return facetView{}, err
			}
			t.segs[seg] = sv
		}
		inUse[seg] = true
		v.docs = append(v.docs, sv.packed)
		v.sets = append(v.sets, sv.byValue)
		v.dates = append(v.dates, sv.dates)
		v.maxDates = append(v.maxDates, sv.maxDates)
		v.kept = append(v.kept, sv.kept)
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
	t.last, t.lastView = t.last[:0], v
	for _, ss := range snap.Segments() {
		t.last = append(t.last, ss.Segment())
	}
	return v, nil
}

// build reads the facet values and the date of every document of seg from
// its doc values.
func (t *facetTable) build(seg segment.Segment) (segValues, error) {
	dv, err := docValues(seg)
	if err != nil {
		return segValues{}, err
	}
	docs := make([]uint64, seg.Count())
	dates := make([]int64, seg.Count())
	var state segment.DocVisitState
	var bad error
	for n := range docs {
		dates[n] = noDate
		state, err = dv.VisitDocValues(uint64(n), valueFields, func(field string, term []byte) {
			if field == fieldDate {
				// Dates are indexed at several precisions; shift 0 is the exact one.
				if v, ok := exactDate(term); ok {
					dates[n] = v
				}
				return
			}
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
			return segValues{}, err
		}
		if bad != nil {
			return segValues{}, bad
		}
	}
	byValue := make([][]*roaring.Bitmap, len(facetFields))
	for i := range byValue {
		byValue[i] = make([]*roaring.Bitmap, len(t.values[i]))
	}
	for n, packed := range docs {
		for i, bms := range byValue {
			if num := valueNum(packed, i); num > 0 {
				if bms[num] == nil {
					bms[num] = roaring.New()
				}
				bms[num].Add(uint32(n))
			}
		}
	}
	maxDates := make([]int64, blocks(len(dates)))
	for b := range maxDates {
		maxDates[b] = slices.Max(dates[b*blockSize : min((b+1)*blockSize, len(dates))])
	}
	return segValues{packed: docs, dates: dates, byValue: byValue, maxDates: maxDates, kept: &segCache{}}, nil
}

// facetCounter counts the facet values of the hits of one search.
type facetCounter struct {
	values [][]string // per facet: number → value
	counts [][]int    // per facet: number → hits
}

func newFacetCounter(v facetView) *facetCounter {
	fc := &facetCounter{values: v.values, counts: make([][]int, len(v.values))}
	for i, vs := range v.values {
		fc.counts[i] = make([]int, len(vs))
	}
	return fc
}

// add counts the values of one hit, packed as in segValues.
func (fc *facetCounter) add(packed uint64) {
	for i, c := range fc.counts {
		c[valueNum(packed, i)]++
	}
}

// valueNum is the value number of facet i in a document's packed values.
func valueNum(packed uint64, i int) uint64 {
	return (packed >> (facetBits * i)) & (1<<facetBits - 1)
}

// addAll counts the values of all hits, of one segment, from the segment's
// value bitmaps (segValues.byValue): for many hits, cheaper than add for each.
func (fc *facetCounter) addAll(hits *roaring.Bitmap, byValue [][]*roaring.Bitmap) {
	for i, bms := range byValue {
		for num, bm := range bms {
			if bm != nil {
				fc.counts[i][num] += int(hits.AndCardinality(bm))
			}
		}
	}
}

// result returns the counts of each facet, most hits first (then by value),
// as many values as facetSizes allows; every facet is present.
func (fc *facetCounter) result() map[string][]FacetCount {
	out := map[string][]FacetCount{}
	for i, f := range facetSizes {
		list := []FacetCount{}
		if i < len(fc.counts) {
			for num, n := range fc.counts[i] {
				if num > 0 && n > 0 {
					list = append(list, FacetCount{Value: fc.values[i][num], Count: n})
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
	return out
}
