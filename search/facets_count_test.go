package search

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
)

// BenchmarkFacetCount compares the two ways plan.count counts the facets of
// a segment's hits — each hit's packed values, or the segment's bitmap of
// each value (facetCounter.addAll) — on a segment of 8,000 documents with as
// many values as the generated corpus has (3 types, 31 provinces, 8 classes,
// 12 kinds), for hits from 64 to all of them:
//
//	go test ./search -run '^$' -bench FacetCount
func BenchmarkFacetCount(b *testing.B) {
	const docs = 8000
	rng := rand.New(rand.NewPCG(1, 1))
	v, packed, byValue := randomFacets(rng, docs)
	for _, n := range []int{64, 256, 1024, 4096, 6000, docs} {
		hits := randomHits(rng, n, docs)
		b.Run(fmt.Sprintf("each/%d", n), func(b *testing.B) {
			fc := newFacetCounter(v)
			for b.Loop() {
				it := hits.Iterator()
				for it.HasNext() {
					fc.add(packed[it.Next()])
				}
			}
		})
		b.Run(fmt.Sprintf("bitmaps/%d", n), func(b *testing.B) {
			fc := newFacetCounter(v)
			for b.Loop() {
				fc.addAll(hits, byValue)
			}
		})
	}
}

// TestFacetCountBothWays: counting hits one by one and from the value
// bitmaps gives the same counts, for hits sparse and dense.
func TestFacetCountBothWays(t *testing.T) {
	const docs = 70000 // two of roaring's containers
	rng := rand.New(rand.NewPCG(2, 2))
	v, packed, byValue := randomFacets(rng, docs)
	for _, n := range []int{1, 100, 5000, 40000, docs} {
		hits := randomHits(rng, n, docs)
		each, all := newFacetCounter(v), newFacetCounter(v)
		it := hits.Iterator()
		for it.HasNext() {
			each.add(packed[it.Next()])
		}
		all.addAll(hits, byValue)
		if !reflect.DeepEqual(each.counts, all.counts) {
			t.Errorf("%d hits: one by one %v, by bitmaps %v", n, each.counts, all.counts)
		}
	}
	if manyHits(1024, 8000) || !manyHits(8000, 8000) || manyHits(5000, 70000) || !manyHits(40000, 70000) {
		t.Error("manyHits does not pick the bitmaps for dense hits only")
	}
}

// randomFacets makes the facet values of a segment of docs documents with
// as many values as the generated corpus has (3 types, 31 provinces, 8
// classes, 12 kinds), drawn at random.
func randomFacets(rng *rand.Rand, docs int) (facetView, []uint64, [][]*roaring.Bitmap) {
	sizes := []int{3, 31, 8, 12}
	v := facetView{values: make([][]string, len(sizes))}
	packed := make([]uint64, docs)
	byValue := make([][]*roaring.Bitmap, len(sizes))
	for i, n := range sizes {
		v.values[i] = make([]string, n+1)
		byValue[i] = make([]*roaring.Bitmap, n+1)
		for num := 1; num <= n; num++ {
			byValue[i][num] = roaring.New()
		}
	}
	for d := range docs {
		for i, n := range sizes {
			num := 1 + rng.IntN(n)
			packed[d] |= uint64(num) << (facetBits * i)
			byValue[i][num].Add(uint32(d))
		}
	}
	return v, packed, byValue
}

// randomHits draws n of docs documents.
func randomHits(rng *rand.Rand, n, docs int) *roaring.Bitmap {
	hits := roaring.New()
	for hits.GetCardinality() < uint64(n) {
		hits.Add(uint32(rng.IntN(docs)))
	}
	return hits
}
