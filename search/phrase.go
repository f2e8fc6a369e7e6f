package search

import (
	"slices"
	"sort"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A phrase's documents are found in two steps: those holding every one of its
// terms, from the postings bitmaps, then among them those where the terms
// stand in a row: from their positions in the short fields, from the stored
// text in bodies, whose positions the index does not keep (positionsIn).
// That second step is what costs (a common phrase stands in a third of a
// million documents), so when a phrase has many candidates in a segment, the
// documents found and their impacts are kept with the segment, which never
// changes; the next search verifies only the hits it scores.

// phraseKept is the fewest candidates for which a phrase's documents are kept
// (a variable for tests).
var phraseKept uint64 = 1024

// phraseAlt is what ranking needs of a phrase alt in one segment: its terms'
// postings, for reading how often it occurs, and its impacts.
type phraseAlt struct {
	lists []segment.PostingsList
	offs  []uint64    // the position of lists[i]'s term in the phrase
	imp   []float64   // per block: the highest tf(freq) × norm there
	found *phraseHits // when the positions were read by this search: what they gave
	text  *phraseText // in a field without positions: how the stored text is checked
	ss    *segmentSnapshot
	proof []segment.PostingsList // text.tris, then text.shared: how often each stands (phraseText.fromFreqs)
}

// phraseHits are the documents where a phrase occurs, in order, with how
// often and the field's norm there.
type phraseHits struct {
	docs  []uint32
	freqs []uint64
	norms []float64
}

// at returns how often the phrase occurs in document d, one of h.docs, and
// the norm there; k is where to start looking, and is moved past d.
func (h *phraseHits) at(d uint32, k *int) (uint64, float64) {
	*k += sort.Search(len(h.docs)-*k, func(i int) bool { return h.docs[*k+i] >= d })
	return h.freqs[*k], h.norms[*k]
}

// phraseReader reads how often a phrase occurs in documents, in order.
type phraseReader struct {
	its   []segment.PostingsIterator
	offs  []uint64
	posts []segment.Posting
	text  *phraseText // nil: from the positions
	ss    *segmentSnapshot

	proofIts   []segment.PostingsIterator // of phraseAlt.proof
	proofPosts []segment.Posting
	freqs      []uint64
}

func (ph *phraseAlt) reader() *phraseReader {
	r := &phraseReader{offs: ph.offs, posts: make([]segment.Posting, len(ph.lists)), text: ph.text, ss: ph.ss}
	for _, pl := range ph.lists {
		r.its = append(r.its, pl.Iterator(true, true, ph.text == nil, nil))
	}
	for _, pl := range ph.proof {
		r.proofIts = append(r.proofIts, pl.Iterator(true, false, false, nil))
	}
	r.proofPosts, r.freqs = make([]segment.Posting, len(ph.proof)), make([]uint64, len(ph.proof))
	return r
}

// fromFreqs returns how often the phrase occurs in document d when the
// frequencies of its trigrams and shared bigrams there tell
// (phraseText.fromFreqs), with ok; d must not come before the last asked.
func (r *phraseReader) fromFreqs(d uint32) (n uint64, ok bool, err error) {
	if len(r.proofIts) == 0 {
		return 0, false, nil
	}
	for i, pi := range r.proofIts {
		p := r.proofPosts[i]
		if p == nil || p.Number() < uint64(d) {
			if p, err = pi.Advance(uint64(d)); err != nil {
				return 0, false, err
			}
			r.proofPosts[i] = p
		}
		r.freqs[i] = 0
		if p != nil && p.Number() == uint64(d) {
			r.freqs[i] = p.Frequency()
		}
	}
	tris := len(r.text.tris)
	n, ok = r.text.fromFreqs(r.freqs[:tris], r.freqs[tris:])
	return n, ok, nil
}

// at returns how often the phrase occurs in document d, and the field's norm
// there; 0 when it does not. Documents must be asked for in order. A term's
// posting read past d is kept for the next document asked for.
func (r *phraseReader) at(d uint32) (uint64, float64, error) {
	if all, err := postingsAt(r.its, r.posts, d); err != nil || !all {
		return 0, 0, err
	}
	var n uint64
	if r.text != nil {
		var ok bool
		var err error
		if n, ok, err = r.fromFreqs(d); err == nil && !ok {
			n, err = r.text.in(r.ss, d)
		}
		if err != nil {
			return 0, 0, err
		}
	} else {
		n = occurrences(r.posts, r.offs)
	}
	if n == 0 {
		return 0, 0, nil
	}
	return n, norm(r.posts[0]), nil
}

// postingsAt moves each iterator of its to document d, keeping in posts the
// posting each stands at (a posting read past d is kept for a later document;
// nil once an iterator has ended), and reports whether all of them hold d.
// Documents must be asked for in order.
func postingsAt(its []segment.PostingsIterator, posts []segment.Posting, d uint32) (bool, error) {
	for i, it := range its {
		p := posts[i]
		if p == nil || p.Number() < uint64(d) {
			var err error
			if p, err = it.Advance(uint64(d)); err != nil || p == nil {
				posts[i] = nil
				return false, err
			}
			posts[i] = p
		}
		if p.Number() != uint64(d) {
			return false, nil
		}
	}
	return true, nil
}

// phraseHitReader reads how often a phrase occurs in documents known to hold
// it (hits of a kept phrase), in order, reading positions only where they
// decide it: a phrase occurs at least once in such a document and at most as
// often as its rarest term there, so where one of its terms occurs once, it
// occurs once, and the terms' frequencies and norms (no positions) say so.
type phraseHitReader struct {
	ph    *phraseAlt
	its   []segment.PostingsIterator // frequencies and norms only
	posts []segment.Posting
	locs  *phraseReader // with positions, made when first needed
}

func (ph *phraseAlt) hitReader() *phraseHitReader {
	r := &phraseHitReader{ph: ph, posts: make([]segment.Posting, len(ph.lists))}
	for _, pl := range ph.lists {
		r.its = append(r.its, pl.Iterator(true, true, false, nil))
	}
	return r
}

// at returns how often the phrase occurs in document d, which holds it, and
// the field's norm there. Documents must be asked for in order.
func (r *phraseHitReader) at(d uint32) (uint64, float64, error) {
	if all, err := postingsAt(r.its, r.posts, d); err != nil || !all {
		return 0, 0, err // not a hit after all, as phraseReader.at would say
	}
	least := r.posts[0].Frequency()
	for _, p := range r.posts[1:] {
		least = min(least, p.Frequency())
	}
	if least == 1 {
		return 1, norm(r.posts[0]), nil
	}
	if r.locs == nil {
		r.locs = r.ph.reader()
	}
	return r.locs.at(d)
}

// matchPhrase finds the documents of the segment of l, among within (all when
// nil), where a's terms stand at consecutive positions of a.field, "" where
// any term will do (phraseTerms makes such sequences), within one value of
// the field; in a field without positions, where the stored text holds them
// so (phraseText).
func matchPhrase(l *segLists, a alt, within *roaring.Bitmap) (altMatches, error) {
	m := altMatches{docs: roaring.New()}
	ph := &phraseAlt{}
	var cand *roaring.Bitmap
	for off, term := range a.terms {
		if term == "" {
			continue
		}
		pl, err := l.get(a.field, term)
		if err != nil || pl == nil {
			return m, err
		}
		bm := roaring.New()
		if err := termBitmap(pl, bm); err != nil {
			return m, err
		}
		if cand == nil {
			cand = bm
		} else {
			cand.And(bm)
		}
		if cand.IsEmpty() {
			return m, nil
		}
		ph.lists = append(ph.lists, pl)
		ph.offs = append(ph.offs, uint64(off))
	}
	if cand == nil {
		return m, nil
	}
	if !positionsIn(a.field) {
		ph.text, ph.ss = newPhraseText(a.field, a.terms, a.text), l.ss
		// Every trigram of the phrase stands where it does: the candidates
		// hold them all, and how often each stands, with the bigrams they
		// share, often tells how often the phrase does.
		for _, terms := range [][]string{ph.text.tris, ph.text.shared} {
			for _, term := range terms {
				pl, err := l.get(a.field, term)
				if err != nil || pl == nil {
					return m, err
				}
				bm := roaring.New()
				if err := termBitmap(pl, bm); err != nil {
					return m, err
				}
				if cand.And(bm); cand.IsEmpty() {
					return m, nil
				}
				ph.proof = append(ph.proof, pl)
			}
		}
	}
	dropDeleted(l.ss, cand) // termBitmap may give deleted documents too
	m.phrase = ph
	key := a.field + "\x00" + strings.Join(a.terms, "\x00")
	keep := cand.GetCardinality() >= phraseKept
	if keep {
		if k, ok := l.kept.get(key); ok {
			m.docs, ph.imp = k.docs.Clone(), k.imp
			if within != nil {
				m.docs.And(within)
			}
			return m, nil
		}
	} else if within != nil {
		cand.And(within)
	}
	// Kept, the documents are found among all candidates, not only within.
	ph.imp = make([]float64, blocks(int(l.ss.Segment().Count())))
	ph.found = &phraseHits{}
	r := ph.reader()
	it := cand.Iterator()
	for it.HasNext() {
		d := it.Next()
		n, nrm, err := r.at(d)
		if err != nil {
			return m, err
		}
		if n > 0 {
			m.docs.Add(d)
			ph.imp[d/blockSize] = max(ph.imp[d/blockSize], tf(n)*nrm)
			ph.found.docs = append(ph.found.docs, d)
			ph.found.freqs = append(ph.found.freqs, n)
			ph.found.norms = append(ph.found.norms, nrm)
		}
	}
	if keep {
		l.kept.put(key, kept{docs: m.docs.Clone(), imp: ph.imp})
		if within != nil {
			m.docs.And(within)
		}
	}
	return m, nil
}

// occurrences counts the places where every posting's term stands at its
// offset from one start, within one value of the field.
func occurrences(posts []segment.Posting, offs []uint64) uint64 {
	var n uint64
	for _, l := range posts[0].Locations() {
		if l.Pos() < offs[0] {
			continue
		}
		start := l.Pos() - offs[0]
		all := true
		for i := 1; i < len(posts) && all; i++ {
			all = hasPos(posts[i].Locations(), start+offs[i], l.ArrayPositions())
		}
		if all {
			n++
		}
	}
	return n
}

func hasPos(ls []segment.Location, pos uint64, array []uint64) bool {
	for _, l := range ls {
		if l.Pos() == pos && slices.Equal(l.ArrayPositions(), array) {
			return true
		}
	}
	return false
}
