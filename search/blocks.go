package search

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// The hits of a segment are ranked in blocks of blockSize documents, each
// with a bound: by relevance the highest score a hit in the block can have,
// by date the newest date in it. Blocks are scored best bound first until the
// page is full; then the others in document order, and a block whose bound
// cannot come before the worst hit kept is passed over without reading its
// postings. Inside a block read, a hit's body postings (or a phrase's
// positions there) are read only if its exact score over the short fields
// plus the block's bound for bodies can still beat the worst hit kept
// (hitScorer.survivors). A common word matches most of a million documents,
// but only the blocks that hold its best-scoring hits are read; the total and
// the facets are counted from bitmaps.
//
// A term's bound in a block is its impact there: the highest √freq × norm of
// its postings in the block (Lucene keeps the same, as block-max impacts,
// in its index; Bleve does not). Reading them takes a pass over the postings:
// those of a segment's long lists are computed when the segment comes into
// the index (impacts.go); a search reads those of shorter lists itself and
// keeps them with the segment when they are still long (impactsKept), as it
// does a phrase's. Segments never change; deleting documents only lowers the
// true maxima.

// blockSize is how many documents of a segment one bound covers.
const blockSize = 128

// groupSize is how many documents' blocks, at most, are scored in one pass.
const groupSize = 4096

// fewHits is the most hits of a segment that are all scored in one pass,
// without bounds.
const fewHits = 512

// impactsKept is the shortest postings list whose impacts are kept; shorter
// ones are read again, which costs little.
const impactsKept = 1024

// maxKept is how many lists and phrases a segment keeps impacts of; when more
// come, it starts again. Impacts take 8 bytes a block: 64 KiB for a segment
// of a million documents.
const maxKept = 512

// segCache keeps, for one segment, what searches would otherwise read again:
// the impacts of long postings lists, by field and term, and the documents
// and impacts of phrases with many candidates (phrase.go). It is safe for
// concurrent use.
type segCache struct {
	mu    sync.Mutex
	m     map[string]kept
	ready readyImpacts // computed when the segment came in (impacts.go)
}

// kept is one entry of a segCache; docs is nil for a term.
type kept struct {
	docs *roaring.Bitmap
	imp  []float64
}

func (c *segCache) get(key string) (kept, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.m[key]
	return k, ok
}

func (c *segCache) put(key string, k kept) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxKept {
		c.m = map[string]kept{}
	}
	c.m[key] = k
}

// impactPostings counts the postings searches have read for impacts
// (BenchmarkFirstSearch reports it).
var impactPostings atomic.Uint64

// blocks is the number of blocks of a segment of n documents.
func blocks(n int) int {
	return (n + blockSize - 1) / blockSize
}

// impacts returns the impact of alt a in each of the nb blocks of segment
// si, where m holds its matches; 0 where it has none.
func (p *plan) impacts(si, nb int, a alt, m altMatches) ([]float64, error) {
	if m.phrase != nil {
		return m.phrase.imp, nil
	}
	key := a.field + "\x00" + a.terms[0]
	if imp, ok := p.lists[si].kept.ready.get(key); ok {
		return imp, nil
	}
	keep := m.list.Count() >= impactsKept
	if keep {
		if k, ok := p.lists[si].kept.get(key); ok {
			return k.imp, nil
		}
	}
	impactPostings.Add(m.list.Count())
	imp := make([]float64, nb)
	if err := readImpacts(m.list.Iterator(true, true, false, nil), imp); err != nil {
		return nil, err
	}
	if keep {
		p.lists[si].kept.put(key, kept{imp: imp})
	}
	return imp, nil
}

// readImpacts sets imp[b] to the highest √freq × norm of the postings of it
// in block b.
func readImpacts(it segment.PostingsIterator, imp []float64) error {
	for {
		post, err := it.Next()
		if err != nil || post == nil {
			return err
		}
		b := post.Number() / blockSize
		imp[b] = max(imp[b], tf(post.Frequency())*norm(post))
	}
}

// bounds returns, for each of the nb blocks of segment si, the highest score
// a hit there can have: the score's sum with each alt's impact in the block
// for its √freq × norm, and every alt with postings in the block counted as
// matched. The sums are made in the order hitScorer.score makes them, and
// float arithmetic rounds monotonically: no hit's score is above its block's
// bound, and the best hit's equals it where it matches every alt counted.
// imps are the impacts it was made from, per clause, per alt.
func (p *plan) bounds(si, nb int, matches [][]altMatches) (out []float64, imps [][][]float64, err error) {
	out = make([]float64, nb)
	imps = make([][][]float64, len(p.clauses))
	sum := make([]float64, nb)
	count := make([]int, nb)
	for ci, c := range p.clauses {
		if c.exclude {
			continue
		}
		imps[ci] = make([][]float64, len(c.alts))
		for ai, a := range c.alts {
			m := matches[ci][ai]
			if m.docs == nil || m.docs.IsEmpty() {
				continue
			}
			imp, err := p.impacts(si, nb, a, m)
			if err != nil {
				return nil, nil, err
			}
			imps[ci][ai] = imp
			w := a.weight()
			for b, v := range imp {
				if v > 0 {
					sum[b] += w * v
					count[b]++
				}
			}
		}
		total := float64(len(c.alts))
		for b := range out {
			out[b] += sum[b] * float64(count[b]) / total
			sum[b], count[b] = 0, 0
		}
	}
	for b := range out {
		out[b] *= p.qnorm
	}
	return out, imps, nil
}

// rank offers the hits of segment si to the kept best, block by block (see
// above); matches are the alts' matches there, for scoring. Up to fewHits
// hits are all scored in one pass.
func (p *plan) rank(si int, hits *roaring.Bitmap, matches [][]altMatches) error {
	n := len(p.view.dates[si])
	var sc *scratch
	if p.scored {
		sc = getScratch(n)
	}
	// offer scores the hits in bm with s's iterators and offers them to the
	// kept best.
	offer := func(s *hitScorer, bm *roaring.Bitmap) error {
		var dense []float64
		if s != nil {
			if err := s.score(bm); err != nil {
				return err
			}
			dense = sc.score
		}
		return p.visit(si, bm, dense)
	}
	newScorer := func() *hitScorer {
		if !p.scored {
			return nil
		}
		return p.newScorer(matches, sc)
	}
	var err error
	if hits.GetCardinality() <= fewHits {
		err = offer(newScorer(), hits)
	} else {
		err = p.rankBlocks(si, n, hits, matches, offer, newScorer)
	}
	if err == nil && sc != nil {
		putScratch(sc) // every entry written is zero again
	}
	return err
}

// rankBlocks is rank for many hits: the best blocks first, then the others
// as long as they can beat the worst hit kept.
func (p *plan) rankBlocks(si, n int, hits *roaring.Bitmap, matches [][]altMatches,
	offer func(*hitScorer, *roaring.Bitmap) error, newScorer func() *hitScorer) error {
	nb := blocks(n)
	maxDates := p.view.maxDates[si]
	var bound []float64
	var imps [][][]float64
	if !p.byDate {
		var err error
		if bound, imps, err = p.bounds(si, nb, matches); err != nil {
			return err
		}
	}
	// better orders blocks by bound; beats tells whether a hit of block b
	// may come before the worst hit kept.
	better := func(a, b int) int {
		if p.byDate {
			return cmp.Compare(maxDates[b], maxDates[a])
		}
		return cmp.Compare(bound[b], bound[a])
	}
	beats := func(b int) bool {
		if len(p.best) < p.keep {
			return true
		}
		worst := &p.best[0]
		if p.byDate {
			return maxDates[b] >= worst.date
		}
		// On equal scores the newer date comes first.
		return bound[b] > worst.score || bound[b] == worst.score && maxDates[b] >= worst.date
	}
	// pass offers the hits of blocks bs, in document order, with s's iterators.
	pass := func(s *hitScorer, bs []int) error {
		bm := roaring.New()
		for _, b := range bs {
			bm.AddRange(uint64(b*blockSize), uint64(min((b+1)*blockSize, n)))
		}
		bm.And(hits)
		if bm.IsEmpty() {
			return nil
		}
		p.blocks += len(bs)
		if len(p.best) == p.keep {
			// Within the blocks, only the hits that may still beat the worst kept.
			worst := &p.best[0]
			if p.byDate {
				dates := p.view.dates[si]
				bm = filterDocs(bm, func(d uint32) bool { return dates[d] >= worst.date })
			} else if s != nil {
				var err error
				if bm, err = s.survivors(bm, imps, worst.score); err != nil {
					return err
				}
			}
		}
		return offer(s, bm)
	}

	done := make([]bool, nb)
	if need := p.keep - len(p.best); need > 0 {
		// The best blocks first, as many as hold the hits the page still needs.
		order := make([]int, 0, nb)
		for b := range nb {
			if p.byDate || bound[b] > 0 {
				order = append(order, b)
			}
		}
		slices.SortFunc(order, better)
		var first []int
		for _, b := range order {
			first = append(first, b)
			done[b] = true
			need -= int(hitsIn(hits, b, n))
			if need <= 0 {
				break
			}
		}
		slices.Sort(first)
		if err := pass(newScorer(), first); err != nil {
			return err
		}
	}
	// Then the others in order, each block passed over when it cannot beat the
	// worst hit kept when it comes. Blocks are read in passes of one block,
	// then two, four, … up to groupSize documents: the worst hit kept gets
	// better between passes, fastest at first.
	s := newScorer()
	var group []int
	size := 1
	for b := range nb {
		if !done[b] && (p.byDate || bound[b] > 0) && beats(b) {
			group = append(group, b)
		}
		if len(group) == size || b == nb-1 && len(group) > 0 {
			if err := pass(s, group); err != nil {
				return err
			}
			group = group[:0]
			size = min(2*size, groupSize/blockSize)
		}
	}
	return nil
}

// filterDocs returns the documents of bm that keep holds for.
func filterDocs(bm *roaring.Bitmap, keep func(d uint32) bool) *roaring.Bitmap {
	out := roaring.New()
	it := bm.Iterator()
	for it.HasNext() {
		if d := it.Next(); keep(d) {
			out.Add(d)
		}
	}
	return out
}

// hitsIn counts the hits in block b of a segment of n documents.
func hitsIn(hits *roaring.Bitmap, b, n int) uint64 {
	lo, hi := uint32(b*blockSize), uint32(min((b+1)*blockSize, n))
	below := uint64(0)
	if lo > 0 {
		below = hits.Rank(lo - 1)
	}
	return hits.Rank(hi-1) - below
}
