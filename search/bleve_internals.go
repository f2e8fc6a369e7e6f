package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search/scorer"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// This file is the fence around what the Pilu engine (EnginePilu) assumes of
// Bleve's and zap's internals: behaviour no API of theirs promises, which an
// upgrade may change without a compile error. Everything the engine relies on
// beyond Bleve's public search API is here, each assumption named by one of
// the assumption constants below and checked by a test of its own in
// bleve_internals_test.go (TestInternals…), which fails naming it. What the
// compiler checks (the exported methods of scorch's snapshot types, the
// segment API's interfaces) needs no test: an upgrade that removes them does
// not build.
//
// At run time, a broken assumption the engine cannot work without gives an
// error wrapping ErrInternals that names it (never "index closed"); a missing
// fast path only makes searches slower, so its test is what catches it.
// EngineBleve, Bleve's own query path, relies on none of this.

// ErrInternals marks a search that failed because Bleve or zap no longer
// behave as the Pilu engine assumes (after an upgrade); the error names the
// assumption. PILU_SEARCH_ENGINE=bleve runs Bleve's own query path instead.
var ErrInternals = errors.New("search: Bleve/zap internals differ from what the pilu engine assumes (PILU_SEARCH_ENGINE=bleve runs Bleve's own query path)")

// The assumptions, as errors and test failures name them.
const (
	// The reader of Bleve's Advanced() index is a *scorch.IndexSnapshot,
	// whose segments the engine reads directly.
	assumeSnapshotType = "snapshot type: Advanced().Reader() is a *scorch.IndexSnapshot"
	// Advanced() is a *scorch.Scorch, so Rebuild can merge its segments
	// (settle) before the index is swapped in.
	assumeForceMerge = "force merge: Advanced() is a *scorch.Scorch with ForceMerge"
	// Segments have doc values (segment.DocValueVisitable): facets and dates
	// are read from them once per segment.
	assumeDocValues = "doc values: every segment is a segment.DocValueVisitable"
	// A segment keeps its deleted documents: its document numbers run from 0
	// to Count()-1 including them; SegmentSnapshot.Deleted lists them; a
	// postings list asked for without them (except) leaves them out of
	// Count and its iterators, but not out of OrInto.
	assumeDeleted = "deleted documents: kept in the segment, listed by Deleted(), left out of postings Count and iterators but not OrInto"
	// zap's postings lists have OrInto(*roaring.Bitmap): a term's documents
	// are OR-ed into a bitmap at once instead of iterated one by one.
	assumeOrInto = "fast path: zap postings lists have OrInto(*roaring.Bitmap)"
	// zap's postings have NormUint64(), the field's length in terms, and
	// Norm() is float32(1/√length).
	assumeNorm = "fast path: zap postings have NormUint64() (the field length) and Norm() = float32(1/√length)"
	// A date field's doc values are prefix-coded int64 Unix nanoseconds at
	// several precisions; the one of shift 0 is exact.
	assumeDates = "date layout: doc values are prefix-coded Unix nanoseconds, shift 0 exact"
	// A document's stored fields come from VisitDocument, its Bleve id as
	// field "_id" and text fields with type 't'; DocID gives the id alone.
	// Phrases in bodies are verified from the stored body (phraseText).
	assumeStored = "stored fields: VisitDocument gives \"_id\" and text fields typed 't'; DocID gives the id"
	// A field indexed without term vectors (bodies, positionsIn) still has
	// each posting's frequency and the field's norm, which scoring reads;
	// its postings simply have no locations.
	assumeNoVectors = "fields without term vectors: postings keep Frequency() and the norm, with no locations"
	// Segments never change once written: the same segment.Segment value
	// stands in every snapshot that holds it, so what is built per segment
	// (facet arrays, impacts) is kept by that key.
	assumeSegmentIdentity = "segment identity: a segment is the same value in every snapshot holding it"
	// Bleve's TF-IDF: scorer.SqrtCache holds √freq for small frequencies, and
	// a term scores boost × idf² × √freq × norm (TestSearchAsBleve checks the
	// whole score against Bleve's order).
	assumeScoring = "scoring: Bleve's TF-IDF with scorer.SqrtCache[freq] = √freq"
	// scorch calls the callback named by the config's "eventCallbackName"
	// (from scorch.RegistryEventCallbacks) with the index's *scorch.Scorch
	// after a batch's segment is introduced, a segment persisted and a merge
	// introduced: the engine computes new segments' impacts then, not on a
	// word's first search (a missing event only makes first searches slower).
	assumeEvents = "events: scorch fires EventKindBatchIntroduction, EventKindPersisterProgress and EventKindMergeTaskIntroduction to the callback named by \"eventCallbackName\""
	// A term dictionary's AutomatonIterator with a nil automaton and no
	// bounds visits every term with its document count.
	assumeEveryTerm = "every term: TermDictionary.AutomatonIterator(nil, nil, nil) visits every term with its count"
)

// eventConfigKey and eventCallback name, in an index's configuration, the
// callback scorch calls on its events (assumeEvents).
const (
	eventConfigKey = "eventCallbackName"
	eventCallback  = "pilu.segments"
)

// eventTargets maps an open index's *scorch.Scorch to what its events call.
var eventTargets sync.Map

func init() {
	scorch.RegistryEventCallbacks[eventCallback] = func(e scorch.Event) bool {
		switch e.Kind {
		case scorch.EventKindBatchIntroduction, scorch.EventKindPersisterProgress, scorch.EventKindMergeTaskIntroduction:
			if f, ok := eventTargets.Load(e.Scorch); ok {
				f.(func())()
			}
		}
		return true
	}
}

// onSegments has f called (on Bleve's goroutines: f must not block) after
// Bleve brings segments into idx: a batch's, a persisted one, a merged one
// (assumeEvents). stop ends it.
func onSegments(idx bleve.Index, f func()) (stop func(), err error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil, internalsError(assumeEvents, fmt.Sprintf("%T", adv))
	}
	eventTargets.Store(s, f)
	return func() { eventTargets.Delete(s) }, nil
}

// everyTerm iterates over every term of dict with its document count
// (assumeEveryTerm).
func everyTerm(dict segment.TermDictionary) segment.DictionaryIterator {
	return dict.AutomatonIterator(nil, nil, nil)
}

// internalsError is ErrInternals naming the assumption and what was found.
func internalsError(assumption, found string) error {
	return fmt.Errorf("%w: %s; found %s", ErrInternals, assumption, found)
}

// indexSnapshot and segmentSnapshot are scorch's concrete snapshot types,
// which the engine reads segments through.
type (
	indexSnapshot   = scorch.IndexSnapshot
	segmentSnapshot = scorch.SegmentSnapshot
)

// errClosed is what snapshot returns for an index closed while it was asked.
var errClosed = errors.New("search: index closed")

// snapshot returns the current snapshot of idx's segments; the caller closes
// it (assumeSnapshotType).
func snapshot(idx bleve.Index) (*indexSnapshot, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	snap, ok := r.(*indexSnapshot)
	if !ok {
		_ = r.Close()
		return nil, internalsError(assumeSnapshotType, fmt.Sprintf("%T", r))
	}
	if snap == nil {
		return nil, errClosed
	}
	return snap, nil
}

// forceMerge merges idx's segments once as Bleve's merger would in the
// background (assumeForceMerge).
func forceMerge(idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	s, ok := adv.(*scorch.Scorch)
	if !ok {
		return internalsError(assumeForceMerge, fmt.Sprintf("%T", adv))
	}
	return s.ForceMerge(context.Background(), &mergeplan.DefaultMergePlanOptions)
}

// docValues returns seg's doc values (assumeDocValues).
func docValues(seg segment.Segment) (segment.DocValueVisitable, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, internalsError(assumeDocValues, fmt.Sprintf("%T", seg))
	}
	return dv, nil
}

// liveDocs returns the documents of ss that are not deleted (assumeDeleted).
func liveDocs(ss *segmentSnapshot) *roaring.Bitmap {
	live := roaring.New()
	live.AddRange(0, ss.Segment().Count())
	if d := ss.Deleted(); d != nil {
		live.AndNot(d)
	}
	return live
}

// dropDeleted removes ss's deleted documents from bm (assumeDeleted).
func dropDeleted(ss *segmentSnapshot, bm *roaring.Bitmap) {
	if d := ss.Deleted(); d != nil {
		bm.AndNot(d)
	}
}

// livePostings returns the postings of term in dict without ss's deleted
// documents in its Count and iterators (assumeDeleted); nil when none.
func livePostings(dict segment.TermDictionary, term string, ss *segmentSnapshot) (segment.PostingsList, error) {
	pl, err := dict.PostingsList([]byte(term), ss.Deleted(), nil)
	if err != nil || pl == nil || pl.Count() == 0 {
		return nil, err
	}
	return pl, nil
}

// orInto is what zap's postings lists can do: add all their documents to a
// bitmap at once (assumeOrInto).
type orInto interface{ OrInto(*roaring.Bitmap) }

// termBitmap adds the documents of a postings list to bm. With zap's fast
// path the segment's deleted documents come too (assumeDeleted): callers
// narrow the result to live documents.
func termBitmap(pl segment.PostingsList, bm *roaring.Bitmap) error {
	if o, ok := pl.(orInto); ok {
		o.OrInto(bm)
		return nil
	}
	it := pl.Iterator(false, false, false, nil)
	for {
		p, err := it.Next()
		if err != nil || p == nil {
			return err
		}
		bm.Add(uint32(p.Number()))
	}
}

// tf is √freq, from Bleve's table for the frequencies most terms have
// (assumeScoring).
func tf(freq uint64) float64 {
	if freq < scorer.MaxSqrtCache {
		return scorer.SqrtCache[freq]
	}
	return math.Sqrt(float64(freq))
}

// normTable holds zap's field norm, float32(1/√length), for the lengths most
// fields have, so scoring a hit does not take a square root and a division
// (assumeNorm).
var normTable = func() []float64 {
	t := make([]float64, 1<<13)
	for n := range t {
		t[n] = float64(float32(1.0 / math.Sqrt(float64(n))))
	}
	return t
}()

// normUint64 is what zap's postings can give: the field's length, from which
// Norm computes the norm (assumeNorm).
type normUint64 interface{ NormUint64() uint64 }

// norm is post.Norm(), from normTable where the length is in it.
func norm(post segment.Posting) float64 {
	if p, ok := post.(normUint64); ok {
		if n := p.NormUint64(); n < uint64(len(normTable)) {
			return normTable[n]
		}
	}
	return post.Norm()
}

// exactDate reads a date field's doc value term: the Unix nanoseconds when it
// is the exact (shift 0) one of its precisions (assumeDates).
func exactDate(term []byte) (int64, bool) {
	pc := numeric.PrefixCoded(term)
	if shift, err := pc.Shift(); err != nil || shift != 0 {
		return 0, false
	}
	v, err := pc.Int64()
	return v, err == nil
}

// storedID reads the Bleve id of document doc of ss (assumeStored).
func storedID(ss *segmentSnapshot, doc uint64) (string, error) {
	b, err := ss.DocID(doc)
	return string(b), err
}

// readStored reads the Bleve id and the stored text fields of document doc
// of ss (assumeStored).
func readStored(ss *segmentSnapshot, doc uint64) (id string, fields map[string]string, err error) {
	fields = map[string]string{}
	err = ss.VisitDocument(doc, func(field string, typ byte, value []byte, _ []uint64) bool {
		switch {
		case field == "_id":
			id = string(value)
		case typ == 't':
			fields[field] = string(value)
		}
		return true
	})
	if err == nil && id == "" {
		err = internalsError(assumeStored, "a document without \"_id\"")
	}
	return id, fields, err
}

// visitStoredField calls f with the stored value of text field of document
// doc of ss, if it has one (assumeStored). The value is valid only during
// the call.
func visitStoredField(ss *segmentSnapshot, doc uint64, field string, f func(value []byte)) error {
	return ss.VisitDocument(doc, func(name string, typ byte, value []byte, _ []uint64) bool {
		if name == field && typ == 't' {
			f(value)
			return false
		}
		return true
	})
}
