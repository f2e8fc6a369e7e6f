package search

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A search runs on the segments of one index snapshot directly, not through
// Bleve's searchers. Bleve visits every hit through a chain of searchers and
// a collector (hundreds of nanoseconds a hit), which at a million documents,
// where a common word matches half of them, is more than the whole budget.
// Here the hits of a segment are a bitmap: each term's postings bitmaps are
// OR-ed over the fields it may match in, the terms AND-ed, the excluded terms
// and the filters applied as bitmaps. The total and the facets are counted
// from that bitmap; only the hits that may reach the page are scored from
// their postings and ranked (blocks.go).
//
// Scores follow Bleve's TF-IDF, which the index was tuned with: a term in a
// field scores boost × idf² × √freq × norm (idf = 1 + ln(docs / (df + 1))),
// a query term the sum over its fields times the share of its fields that
// matched, the query the sum over its terms, all divided by the square root of
// the summed squared weights (boost × idf) of every field of every term. A
// phrase scores like a term whose frequency is the number of places it occurs
// and whose df is its rarest term's.

// alt is one way a query term matches: a term or a phrase in one field.
type alt struct {
	field string
	terms []string // one term, or a phrase with gaps ("")
	text  string   // the query term the phrase came from (phraseText)
	boost float64
	idf   float64 // of this snapshot
}

// weight is what the alt's √freq × norm is multiplied by in a score:
// boost × idf².
func (a alt) weight() float64 { return a.boost * a.idf * a.idf }

// clause is one term of the query: it matches where any of its alts does.
type clause struct {
	alts    []alt
	exclude bool
}

// pass is when a clause is applied to a segment's hits: plain terms (0),
// then terms with a phrase (1), then exclusions (2).
func (c clause) pass() int {
	if c.exclude {
		return 2
	}
	for _, a := range c.alts {
		if len(a.terms) > 1 {
			return 1
		}
	}
	return 0
}

// clauses turns the parsed query into clauses; terms with nothing to search
// for (only punctuation, emoji, …) are left out. marks are the wanted terms,
// for snippets.
func (ix *Index) clauses(terms []userTerm) (cls []clause, marks []mark) {
	for _, t := range terms {
		seq := phraseTerms(ix.zh.Analyze([]byte(t.text)))
		if len(seq) == 0 {
			continue
		}
		c := clause{exclude: t.exclude, alts: []alt{
			{field: fieldNames, terms: seq, text: t.text, boost: boostNames},
			{field: fieldTitle, terms: seq, text: t.text, boost: boostTitle},
			{field: fieldListed, terms: seq, text: t.text, boost: boostListed},
			{field: fieldBody, terms: seq, text: t.text, boost: boostBody},
		}}
		if !t.phrase {
			if code := ix.code(t.text); code != "" {
				c.alts = append(c.alts, alt{field: fieldCodes, terms: []string{code}, boost: boostCodes})
			}
			if py := pinyinTerm(t.text); py != "" {
				c.alts = append(c.alts, alt{field: fieldPinyin, terms: []string{py}, boost: boostPinyin})
			}
		}
		cls = append(cls, c)
		if !t.exclude {
			marks = append(marks, newMark(t.text, seq))
		}
	}
	return cls, marks
}

// plan is one search over one snapshot.
type plan struct {
	ctx     context.Context
	snap    *indexSnapshot
	view    facetView
	clauses []clause
	q       Query
	types   []string // the type filter (q.Types, or the small types after a cut-off)
	byDate  bool
	scored  bool // there are terms: hits have scores
	qnorm   float64
	after   *ranked // the last hit of the previous page, or nil
	from    int     // hits before the page
	keep    int     // hits to keep: the page and those before it
	best    rankHeap
	page    []ranked // the page's hits, in order, their stored fields read
	total   uint64
	facets  *facetCounter
	lists   []*segLists // per segment
	steps   int         // hits visited, to look at the deadline now and then
	blocks  int         // blocks whose hits were offered
}

// prepare sets the idf of every alt and the query norm from the snapshot's
// document frequencies.
func (p *plan) prepare() error {
	var docs uint64
	for _, ss := range p.snap.Segments() {
		docs += ss.Count()
	}
	var sum float64
	for ci := range p.clauses {
		c := &p.clauses[ci]
		for ai := range c.alts {
			a := &c.alts[ai]
			df := uint64(math.MaxUint64)
			for _, term := range a.terms {
				if term == "" {
					continue
				}
				var n uint64
				for _, l := range p.lists {
					pl, err := l.get(a.field, term)
					if err != nil {
						return err
					}
					if pl != nil {
						n += pl.Count()
					}
				}
				df = min(df, n)
			}
			a.idf = 1 + math.Log(float64(docs)/float64(df+1))
			if !c.exclude {
				w := a.boost * a.idf
				sum += w * w
			}
		}
	}
	p.qnorm = 1
	if sum > 0 {
		p.qnorm = 1 / math.Sqrt(sum)
	}
	return nil
}

// segLists finds postings in one segment for one search: each field's
// dictionary and each term's postings are looked up once, though the idf,
// the matching and the filters all ask for them.
type segLists struct {
	ss    *segmentSnapshot
	kept  *segCache // what the segment keeps for all searches
	dicts map[string]segment.TermDictionary
	lists map[[2]string]segment.PostingsList // by field and term; nil: none
}

func newSegLists(ss *segmentSnapshot, kept *segCache) *segLists {
	return &segLists{ss: ss, kept: kept, dicts: map[string]segment.TermDictionary{}, lists: map[[2]string]segment.PostingsList{}}
}

// get returns the postings of term in field, without the segment's deleted
// documents; nil when the segment has none.
func (l *segLists) get(field, term string) (segment.PostingsList, error) {
	key := [2]string{field, term}
	if pl, ok := l.lists[key]; ok {
		return pl, nil
	}
	dict, ok := l.dicts[field]
	if !ok {
		var err error
		if dict, err = l.ss.Segment().Dictionary(field); err != nil {
			return nil, err
		}
		l.dicts[field] = dict
	}
	var pl segment.PostingsList
	if dict != nil {
		var err error
		if pl, err = livePostings(dict, term, l.ss); err != nil {
			return nil, err
		}
	}
	l.lists[key] = pl
	return pl, nil
}

// altMatches are the documents of one segment where an alt matches, and
// what scoring them needs.
type altMatches struct {
	docs   *roaring.Bitmap
	list   segment.PostingsList // terms: their postings
	phrase *phraseAlt           // phrases
}

// match finds where a matches in segment ss; within, when not nil, limits
// the documents a phrase is checked in.
func match(l *segLists, a alt, within *roaring.Bitmap) (altMatches, error) {
	m := altMatches{docs: roaring.New()}
	if len(a.terms) == 1 {
		pl, err := l.get(a.field, a.terms[0])
		if err != nil || pl == nil {
			return m, err
		}
		m.list = pl
		return m, termBitmap(pl, m.docs)
	}
	return matchPhrase(l, a, within)
}

// segment finds the hits of one segment, counts their facets and keeps the
// best of them.
func (p *plan) segment(si int, ss *segmentSnapshot) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	hits := liveDocs(ss)
	if err := p.filter(si, ss, hits); err != nil {
		return err
	}
	// Plain terms first, each narrowing the hits, then phrases (their
	// positions are read only where the hits still are), then exclusions.
	matches := make([][]altMatches, len(p.clauses))
	for pass := range 3 {
		for ci, c := range p.clauses {
			if c.pass() != pass || hits.IsEmpty() {
				continue
			}
			any := roaring.New()
			matches[ci] = make([]altMatches, len(c.alts))
			for ai, a := range c.alts {
				m, err := match(p.lists[si], a, hits)
				if err != nil {
					return err
				}
				matches[ci][ai] = m
				any.Or(m.docs)
			}
			if c.exclude {
				hits.AndNot(any)
			} else {
				hits.And(any)
			}
		}
	}
	if hits.IsEmpty() {
		return nil
	}

	p.count(si, hits)
	if p.keep == 0 {
		return nil
	}
	return p.rank(si, hits, matches)
}

// count counts the hits in bm (of segment si) and their facets: one by one,
// unless they are so many that the segment's bitmaps of each facet value
// count them faster (manyHits).
func (p *plan) count(si int, bm *roaring.Bitmap) {
	n := bm.GetCardinality()
	p.total += n
	packed := p.view.docs[si]
	switch {
	case p.facets == nil:
	case !manyHits(n, uint64(len(packed))):
		it := bm.Iterator()
		for it.HasNext() {
			p.facets.add(packed[it.Next()])
		}
	default:
		p.facets.addAll(bm, p.view.sets[si])
	}
}

// manyHits reports whether n hits of a segment of size documents are
// counted faster from the bitmaps of each facet value than one by one. Those
// bitmaps win only over hits stored densely (more than 4096 in one of
// roaring's containers of 65,536 documents; sparser, every value's count
// looks up each hit again) and more than an eighth of the segment. At 8,000
// documents on a busy machine (BenchmarkFacetCount): 1,024 hits took 8–30 µs
// one by one and 0.9–1.1 ms by bitmaps; 8,000 hits 0.15–0.36 ms and
// 0.05–0.13 ms.
func manyHits(n, size uint64) bool {
	containers := (size + 1<<16 - 1) >> 16
	return n > 4096*containers && n*8 > size
}

// visit offers the hits in bm (of segment si) to the kept best; dense holds
// their scores (nil: not scored), and is zeroed as it is read.
func (p *plan) visit(si int, bm *roaring.Bitmap, dense []float64) error {
	dates := p.view.dates[si]
	it := bm.Iterator()
	for it.HasNext() {
		doc := it.Next()
		if p.steps++; p.steps&0xfff == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
		}
		r := ranked{date: dates[doc], seg: si, doc: uint64(doc)}
		if dense != nil {
			r.score = dense[doc] * p.qnorm
			dense[doc] = 0
		}
		if p.after != nil && !p.before(p.after, &r) {
			continue
		}
		if len(p.best) < p.keep {
			p.best.push(r, p.before)
		} else if p.before(&r, &p.best[0]) {
			p.best.replaceTop(r, p.before)
		}
	}
	return nil
}

// hitScorer scores hits of one segment from their postings. Its readers only
// go forward: the bitmaps given to score and survivors must come in document
// order, each after the last.
type hitScorer struct {
	p       *plan
	matches [][]altMatches
	sc      *scratch
	readers [][]altReader // per clause, per alt: for score
	bounded [][]altReader // per clause, per alt: for survivors
}

func (p *plan) newScorer(matches [][]altMatches, sc *scratch) *hitScorer {
	s := &hitScorer{p: p, matches: matches, sc: sc,
		readers: make([][]altReader, len(p.clauses)), bounded: make([][]altReader, len(p.clauses))}
	for ci, c := range p.clauses {
		s.readers[ci] = make([]altReader, len(c.alts))
		s.bounded[ci] = make([]altReader, len(c.alts))
	}
	return s
}

// altReader is how far an alt's postings were read: a term's iterator, or
// for a phrase where it is in the hits found when it was matched, or the
// reader of its positions.
type altReader struct {
	it     segment.PostingsIterator
	next   int
	reader *phraseHitReader
}

// read calls add with √freq × norm of alt m for each document of on, which
// it matches, in order.
func (r *altReader) read(m altMatches, on *roaring.Bitmap, add func(d uint32, v float64)) error {
	if ph := m.phrase; ph != nil {
		if ph.found == nil && r.reader == nil {
			r.reader = ph.hitReader()
		}
		it := on.Iterator()
		for it.HasNext() {
			d := it.Next()
			if ph.found != nil {
				freq, nrm := ph.found.at(d, &r.next)
				add(d, tf(freq)*nrm)
			} else {
				freq, nrm, err := r.reader.at(d)
				if err != nil {
					return err
				}
				add(d, tf(freq)*nrm)
			}
		}
		return nil
	}
	if r.it == nil {
		r.it = m.list.Iterator(true, true, false, nil)
		if on.GetCardinality() == m.list.Count() {
			// Every live document of the term is a hit: read them in a row.
			for {
				post, err := r.it.Next()
				if err != nil || post == nil {
					return err
				}
				add(uint32(post.Number()), tf(post.Frequency())*norm(post))
			}
		}
	}
	it := on.Iterator()
	for it.HasNext() {
		d := it.Next()
		post, err := r.it.Advance(uint64(d))
		if err != nil {
			return err
		}
		if post != nil && post.Number() == uint64(d) {
			add(d, tf(post.Frequency())*norm(post))
		}
	}
	return nil
}

// score adds up, for every hit in hits, the scores of the alts it matches,
// into the scratch's score array.
func (s *hitScorer) score(hits *roaring.Bitmap) error {
	dense, sum, count := s.sc.score, s.sc.sum, s.sc.count
	for ci, c := range s.p.clauses {
		if c.exclude {
			continue
		}
		clauseHits := roaring.New()
		for ai, a := range c.alts {
			m := s.matches[ci][ai]
			if m.docs == nil {
				continue
			}
			on := roaring.And(m.docs, hits)
			if on.IsEmpty() {
				continue
			}
			clauseHits.Or(on)
			w := a.weight()
			err := s.readers[ci][ai].read(m, on, func(d uint32, v float64) {
				sum[d] += w * v // as bounds adds it
				count[d]++
			})
			if err != nil {
				return err
			}
		}
		total := float64(len(c.alts))
		it := clauseHits.Iterator()
		for it.HasNext() {
			d := it.Next()
			dense[d] += sum[d] * float64(count[d]) / total
			sum[d], count[d] = 0, 0
		}
	}
	return nil
}

// survivors returns the hits of bm (within one group of blocks) whose score
// may still reach worst. A hit's bound is its exact sum over the alts outside
// bodies (short fields, cheap to read) and, for the alts in bodies, their
// impacts in its block (imps, per clause, per alt, as bounds gives them),
// counted as matched; a little is added, as the sums are made in another
// order than score makes them.
func (s *hitScorer) survivors(bm *roaring.Bitmap, imps [][][]float64, worst float64) (*roaring.Bitmap, error) {
	bound, sum, count := s.sc.bound, s.sc.sum, s.sc.count
	docs := bm.ToArray()
	for ci, c := range s.p.clauses {
		if c.exclude {
			continue
		}
		for ai, a := range c.alts {
			m := s.matches[ci][ai]
			if a.field == fieldBody || m.docs == nil {
				continue
			}
			on := roaring.And(m.docs, bm)
			if on.IsEmpty() {
				continue
			}
			w := a.weight()
			err := s.bounded[ci][ai].read(m, on, func(d uint32, v float64) {
				sum[d] += w * v
				count[d]++
			})
			if err != nil {
				return nil, err
			}
		}
		total := float64(len(c.alts))
		for _, d := range docs {
			b := int(d) / blockSize
			ws, n := sum[d], float64(count[d])
			for ai, a := range c.alts {
				if imp := imps[ci][ai]; a.field == fieldBody && imp != nil && imp[b] > 0 {
					ws += a.weight() * imp[b]
					n++
				}
			}
			bound[d] += ws * n / total
			sum[d], count[d] = 0, 0
		}
	}
	out := roaring.New()
	for _, d := range docs {
		if bound[d]*s.p.qnorm*(1+1e-9) >= worst {
			out.Add(d)
		}
		bound[d] = 0
	}
	return out, nil
}

// filter removes from hits, the live documents of segment si, those that do
// not pass the filters: type, province, class, kind and dates.
func (p *plan) filter(si int, ss *segmentSnapshot, hits *roaring.Bitmap) error {
	and := func(field string, values []string) error {
		bm := roaring.New()
		for _, v := range values {
			pl, err := p.lists[si].get(field, v)
			if err != nil {
				return err
			}
			if pl != nil {
				if err := termBitmap(pl, bm); err != nil {
					return err
				}
			}
		}
		hits.And(bm)
		return nil
	}
	var types []string
	for _, t := range p.types {
		if t = strings.TrimSpace(t); t != "" {
			types = append(types, t)
		}
	}
	if len(types) > 0 {
		if err := and(fieldType, types); err != nil {
			return err
		}
	}
	for _, f := range []struct{ field, v string }{
		{fieldProvince, p.q.Province}, {fieldClass, p.q.Class}, {fieldKind, p.q.Kind},
	} {
		if v := strings.TrimSpace(f.v); v != "" {
			if err := and(f.field, []string{v}); err != nil {
				return err
			}
		}
	}
	if p.q.From.IsZero() && p.q.To.IsZero() {
		return nil
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !p.q.From.IsZero() {
		from = p.q.From.UnixNano()
	}
	if !p.q.To.IsZero() {
		to = p.q.To.UnixNano()
	}
	dates := p.view.dates[si]
	hits.And(filterDocs(hits, func(d uint32) bool {
		date := dates[d]
		return date != noDate && date >= from && date <= to
	}))
	return nil
}

// ranked is a hit while the best are chosen: where it is, and what it is
// ordered by. id is read from the index only when two hits tie on the rest.
type ranked struct {
	score float64
	date  int64 // noDate when the document has none
	seg   int   // -1 once the hit is read (or for a cursor)
	doc   uint64
	id    string

	fields map[string]string // stored text fields, read for the page's hits
}

// noDate sorts after every date.
const noDate = math.MinInt64

// before reports whether a comes before b in the order of the search:
// by relevance, best score, newest, then id; by date, newest, best score,
// then id.
func (p *plan) before(a, b *ranked) bool {
	if p.byDate {
		if a.date != b.date {
			return a.date > b.date
		}
		if a.score != b.score {
			return a.score > b.score
		}
	} else {
		if a.score != b.score {
			return a.score > b.score
		}
		if a.date != b.date {
			return a.date > b.date
		}
	}
	return p.idOf(a) < p.idOf(b)
}

// idOf reads (once) the id of a ranked hit; hits are compared in place,
// so the id read stays with the hit.
func (p *plan) idOf(r *ranked) string {
	if r.id != "" || r.seg < 0 {
		return r.id
	}
	if id, err := storedID(p.snap.Segments()[r.seg], r.doc); err == nil {
		r.id = id
	}
	return r.id
}

// rankHeap keeps the best hits with the worst of them on top.
type rankHeap []ranked

func (h *rankHeap) push(r ranked, before func(a, b *ranked) bool) {
	*h = append(*h, r)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !before(&s[parent], &s[i]) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h rankHeap) replaceTop(r ranked, before func(a, b *ranked) bool) {
	h[0] = r
	for i := 0; ; {
		worst, l, rt := i, 2*i+1, 2*i+2
		if l < len(h) && before(&h[worst], &h[l]) {
			worst = l
		}
		if rt < len(h) && before(&h[worst], &h[rt]) {
			worst = rt
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// sorted returns the kept hits in order.
func (h rankHeap) sorted(before func(a, b *ranked) bool) []ranked {
	out := slices.Clone(h)
	sort.Slice(out, func(i, j int) bool { return before(&out[i], &out[j]) })
	return out
}

// read reads the id and stored text fields of a hit.
func (p *plan) read(r *ranked) error {
	var err error
	r.id, r.fields, err = readStored(p.snap.Segments()[r.seg], r.doc)
	r.seg = -1
	return err
}

// scratch holds the per-document arrays one search needs on one segment.
// They are zero when taken from the pool and are put back zero: only the
// entries of hits are written, and those are reset once read.
type scratch struct {
	score []float64 // a hit's score
	bound []float64 // a hit's bound (hitScorer.survivors)
	sum   []float64 // a hit's scores from the alts of one clause
	count []uint8   // how many alts of one clause a hit matched
}

var scratchPool sync.Pool

func getScratch(n int) *scratch {
	if sc, ok := scratchPool.Get().(*scratch); ok && cap(sc.score) >= n {
		return &scratch{score: sc.score[:n], bound: sc.bound[:n], sum: sc.sum[:n], count: sc.count[:n]}
	}
	return &scratch{score: make([]float64, n), bound: make([]float64, n), sum: make([]float64, n), count: make([]uint8, n)}
}

func putScratch(sc *scratch) { scratchPool.Put(sc) }
