package search

import (
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// matchPhrase finds the documents of the segment of l, among within (all when
// nil), where a's terms stand at consecutive positions of a.field, "" where
// any term will do (phraseTerms makes such sequences), within one value of
// the field. The documents holding every term are found from the postings
// bitmaps first; only their term positions are read.
func matchPhrase(l *segLists, a alt, within *roaring.Bitmap) (altMatches, error) {
	m := altMatches{docs: roaring.New(), phrase: &phraseHits{}}
	var lists []segment.PostingsList
	var offs []uint64 // the position of lists[i]'s term in the phrase
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
			if within != nil {
				cand.And(within)
			}
		} else {
			cand.And(bm)
		}
		if cand.IsEmpty() {
			return m, nil
		}
		lists = append(lists, pl)
		offs = append(offs, uint64(off))
	}
	if cand == nil {
		return m, nil
	}
	its := make([]segment.PostingsIterator, len(lists))
	for i, pl := range lists {
		its[i] = pl.Iterator(true, true, true, nil)
	}
	posts := make([]segment.Posting, len(lists))
	it := cand.Iterator()
	for it.HasNext() {
		d := it.Next()
		ok := true
		for i, pi := range its {
			p, err := pi.Advance(uint64(d))
			if err != nil {
				return m, err
			}
			if p == nil || p.Number() != uint64(d) {
				ok = false
				break
			}
			posts[i] = p
		}
		if !ok {
			continue
		}
		if n := occurrences(posts, offs); n > 0 {
			m.docs.Add(d)
			m.phrase.add(d, n, norm(posts[0]))
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
