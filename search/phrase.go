package search

import (
	"context"
	"errors"
	"strings"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/scorer"
	index "github.com/blevesearch/bleve_index_api"
)

// phraseQuery matches terms at consecutive positions of one field, "" where
// any term will do (phraseTerms makes such sequences). Bleve's PhraseQuery
// answers the same, but through a conjunction that builds maps of every
// term's locations for every document holding all the terms, which made a
// phrase of two common trigrams ten times slower than one of its words
// alone. This one walks the terms' postings side by side and compares their
// positions in place. A match is scored like a term query whose frequency is
// the number of places the phrase occurs.
type phraseQuery struct {
	field string
	terms []string
	boost float64
}

// Searcher implements query.Query.
func (q *phraseQuery) Searcher(ctx context.Context, r index.IndexReader, _ mapping.IndexMapping, opts search.SearcherOptions) (search.Searcher, error) {
	s := &phraseSearcher{}
	fail := func(err error) (search.Searcher, error) {
		_ = s.Close()
		return nil, err
	}
	var df uint64
	for off, t := range q.terms {
		if t == "" {
			continue
		}
		if err := search.RecordTermSearcher(ctx); err != nil {
			return fail(err)
		}
		tfr, err := r.TermFieldReader(ctx, []byte(t), q.field, true, true, true)
		if err != nil {
			return fail(err)
		}
		s.readers = append(s.readers, tfr)
		s.offs = append(s.offs, uint64(off))
		if len(s.readers) == 1 || tfr.Count() < df {
			df = tfr.Count() // the phrase is at most as frequent as its rarest term
		}
	}
	if len(s.readers) == 0 {
		return fail(errEmptyPhrase)
	}
	docs, err := r.DocCount()
	if err != nil {
		return fail(err)
	}
	s.count = df
	s.tfds = make([]index.TermFieldDoc, len(s.readers))
	s.cur = make([]*index.TermFieldDoc, len(s.readers))
	s.scorer = scorer.NewTermQueryScorer([]byte(strings.Join(q.terms, " ")), q.field, q.boost, docs, df, 0, opts)
	return s, nil
}

var errEmptyPhrase = errors.New("search: a phrase without terms")

// phraseSearcher is phraseQuery's search.Searcher.
type phraseSearcher struct {
	readers []index.TermFieldReader
	offs    []uint64 // the position of readers[i]'s term in the phrase
	tfds    []index.TermFieldDoc
	cur     []*index.TermFieldDoc // where each reader stands; nil once one runs out
	started bool                  // the readers have been positioned
	done    bool                  // a reader ran out: no more matches
	matched bool                  // cur is the document last returned
	scorer  *scorer.TermQueryScorer
	count   uint64
	hit     index.TermFieldDoc
}

func (s *phraseSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	switch {
	case s.done:
		return nil, nil
	case !s.started:
		s.started = true
		for i := range s.readers {
			if err := s.move(i, nil); err != nil || s.done {
				return nil, err
			}
		}
	case s.matched:
		if err := s.move(0, nil); err != nil || s.done {
			return nil, err
		}
	}
	return s.align(ctx)
}

func (s *phraseSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if s.done {
		return nil, nil
	}
	if s.started && s.matched && s.cur[0].ID.Compare(id) >= 0 {
		return s.Next(ctx)
	}
	for i := range s.readers {
		if s.started && s.cur[i].ID.Compare(id) >= 0 {
			continue
		}
		if err := s.move(i, id); err != nil || s.done {
			return nil, err
		}
	}
	s.started = true
	return s.align(ctx)
}

// move moves reader i to its next document, or to the first at or after id
// when id is not nil.
func (s *phraseSearcher) move(i int, id index.IndexInternalID) error {
	var tfd *index.TermFieldDoc
	var err error
	if id == nil {
		tfd, err = s.readers[i].Next(s.tfds[i].Reset())
	} else {
		tfd, err = s.readers[i].Advance(id, s.tfds[i].Reset())
	}
	if err != nil {
		return err
	}
	s.cur[i] = tfd
	if tfd == nil {
		s.done = true
	}
	return nil
}

// align moves the readers forward until all stand on one document where the
// phrase occurs, and scores it.
func (s *phraseSearcher) align(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	s.matched = false
	for {
		target := s.cur[0].ID
		for _, c := range s.cur[1:] {
			if c.ID.Compare(target) > 0 {
				target = c.ID
			}
		}
		same := true
		for i := range s.readers {
			if s.cur[i].ID.Compare(target) < 0 {
				if err := s.move(i, target); err != nil || s.done {
					return nil, err
				}
				same = same && s.cur[i].ID.Equals(target)
			}
		}
		if !same {
			continue
		}
		if freq := s.occurrences(); freq > 0 {
			s.matched = true
			s.hit = index.TermFieldDoc{ID: s.cur[0].ID, Freq: freq, Norm: s.cur[0].Norm}
			return s.scorer.Score(ctx, &s.hit), nil
		}
		if err := s.move(0, nil); err != nil || s.done {
			return nil, err
		}
	}
}

// occurrences counts the places of the current document where every term
// stands at its offset, within one value of the field.
func (s *phraseSearcher) occurrences() uint64 {
	var n uint64
	for _, v := range s.cur[0].Vectors {
		if v.Pos < s.offs[0] {
			continue
		}
		start := v.Pos - s.offs[0]
		all := true
		for i := 1; i < len(s.cur) && all; i++ {
			all = hasPos(s.cur[i].Vectors, start+s.offs[i], v.ArrayPositions)
		}
		if all {
			n++
		}
	}
	return n
}

func hasPos(vs []*index.TermFieldVector, pos uint64, array []uint64) bool {
	for _, v := range vs {
		if v.Pos == pos && sameArray(v.ArrayPositions, array) {
			return true
		}
	}
	return false
}

func sameArray(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (s *phraseSearcher) Close() error {
	var first error
	for _, r := range s.readers {
		if err := r.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *phraseSearcher) Weight() float64            { return s.scorer.Weight() }
func (s *phraseSearcher) SetQueryNorm(n float64)     { s.scorer.SetQueryNorm(n) }
func (s *phraseSearcher) Count() uint64              { return s.count }
func (s *phraseSearcher) Min() int                   { return 0 }
func (s *phraseSearcher) DocumentMatchPoolSize() int { return 1 }
func (s *phraseSearcher) Size() int {
	n := 64 + s.scorer.Size()
	for _, r := range s.readers {
		n += r.Size()
	}
	return n
}
