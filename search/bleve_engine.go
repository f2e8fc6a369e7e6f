package search

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/numeric"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Engines: how a search is run. Both read the same index and answer the same
// query language with the same Result.
const (
	// EnginePilu (the default) reads the postings of the index's segments
	// directly (engine.go): fast at a million documents, but it relies on
	// Bleve's and zap's internals (bleve_internals.go).
	EnginePilu = "pilu"
	// EngineBleve runs the same clauses as Bleve queries through Bleve's own
	// searchers, collector and facets: slower (every hit is visited), but
	// through Bleve's public API only, so it keeps working when an upgrade of
	// Bleve breaks what EnginePilu assumes. A phrase in a body (no positions
	// there) is a conjunction of its terms whose documents are verified in
	// the stored text, as EnginePilu verifies them. It differs by design in one way:
	// Bleve scores a phrase as the sum of its terms' scores, where EnginePilu
	// scores how often the phrase itself occurs, so hits found by a phrase may
	// come in another order (the same hits, the same total).
	EngineBleve = "bleve"
)

// Engines lists the engines, the default first.
var Engines = []string{EnginePilu, EngineBleve}

// checkEngine returns an error unless name is one of Engines.
func checkEngine(name string) error {
	for _, e := range Engines {
		if name == e {
			return nil
		}
	}
	return fmt.Errorf("search: unknown engine %q (want one of %s)", name, strings.Join(Engines, ", "))
}

// Engine names the engine the index searches with (EnginePilu or EngineBleve).
func (ix *Index) Engine() string { return ix.engine }

// The orders of hits, as Bleve sorts: by relevance, by date, and by date
// without text (every hit scores the same).
var (
	bleveByScore  = []string{"-_score", "-" + fieldDate, "_id"}
	bleveByDate   = []string{"-" + fieldDate, "-_score", "_id"}
	bleveBrowsing = []string{"-" + fieldDate, "_id"}
)

// searchBleve runs w through Bleve's own query path. When it takes longer
// than budget it is cut off and run again over the small types only, without
// facets, marked partial, as searchPilu does.
func (ix *Index) searchBleve(ctx context.Context, w want, budget time.Duration) (found, error) {
	sctx, cancel := context.WithTimeout(ctx, budget)
	f, err := ix.runBleve(sctx, w, w.q.Types, true)
	cancel()
	if err != nil && ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || sctx.Err() != nil) {
		sctx, cancel := context.WithTimeout(ctx, max(budget/2, fallbackBudget))
		f, err = ix.runBleve(sctx, w, smallTypes, false)
		cancel()
		f.partial = true
	}
	return f, err
}

// runBleve runs w over types with Bleve; with facets, it counts them.
func (ix *Index) runBleve(ctx context.Context, w want, types []string, facets bool) (found, error) {
	q := bleveQueryOf(w.clauses, w.q, types)
	order := bleveByScore
	switch {
	case !w.scored:
		order = bleveBrowsing
	case w.byDate:
		order = bleveByDate
	}
	req := bleve.NewSearchRequestOptions(q, w.size, w.from, false)
	req.SortBy(order)
	req.Fields = []string{fieldTitle, fieldURL, fieldBody}
	if w.after != nil {
		req.From = 0
		req.SearchAfter = searchAfter(order, w.after)
	}
	if facets {
		for _, f := range facetSizes {
			req.AddFacet(f.field, bleve.NewFacetRequest(f.field, f.size))
		}
	}
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return found{}, err
	}
	f := found{total: res.Total}
	for _, h := range res.Hits {
		r := ranked{id: h.ID, seg: -1, date: noDate, fields: map[string]string{}}
		if w.scored {
			r.score = h.Score
		}
		for i, by := range order {
			if by == "-"+fieldDate && i < len(h.Sort) {
				if v, err := numeric.PrefixCoded(h.Sort[i]).Int64(); err == nil && h.Sort[i] != bsearch.LowTerm {
					r.date = v
				}
			}
		}
		for k, v := range h.Fields {
			if s, ok := v.(string); ok {
				r.fields[k] = s
			}
		}
		f.page = append(f.page, r)
	}
	if facets {
		f.facets = map[string][]FacetCount{}
		for _, fs := range facetSizes {
			list := []FacetCount{}
			if fr := res.Facets[fs.field]; fr != nil {
				for _, t := range fr.Terms.Terms() {
					list = append(list, FacetCount{Value: t.Term, Count: t.Count})
				}
			}
			f.facets[fs.field] = list
		}
	}
	return f, nil
}

// searchAfter is the hit a cursor names as Bleve's SearchAfter values, in
// order: scores as decimals, dates prefix-coded as Bleve sorts them (a hit
// without a date has Bleve's lowest term), ids as they are.
func searchAfter(order []string, r *ranked) []string {
	out := make([]string, len(order))
	for i, by := range order {
		switch by {
		case "-_score":
			out[i] = strconv.FormatFloat(r.score, 'g', -1, 64)
		case "-" + fieldDate:
			out[i] = bsearch.LowTerm
			if r.date != noDate {
				out[i] = string(numeric.MustNewPrefixCodedInt64(r.date, 0))
			}
		default:
			out[i] = r.id
		}
	}
	return out
}

// bleveQueryOf is the search as one Bleve query: every wanted clause, none of
// the excluded, and the filters with types (nil: q.Types).
func bleveQueryOf(cls []clause, q Query, types []string) query.Query {
	var main query.Query = bleve.NewMatchAllQuery()
	var must, mustNot []query.Query
	for _, c := range cls {
		var alts []query.Query
		for _, a := range c.alts {
			alts = append(alts, bleveAlt(a))
		}
		d := query.NewDisjunctionQuery(alts)
		if c.exclude {
			mustNot = append(mustNot, d)
		} else {
			must = append(must, d)
		}
	}
	if len(must) > 0 {
		main = query.NewBooleanQuery(must, nil, mustNot)
	}
	if f := filterQuery(q, types); f != nil {
		b := query.NewBooleanQuery([]query.Query{main}, nil, nil)
		b.AddFilter(f)
		return b
	}
	return main
}

// bleveAlt is one alt as a Bleve term or phrase query.
func bleveAlt(a alt) query.Query {
	if len(a.terms) == 1 {
		q := query.NewTermQuery(a.terms[0])
		q.SetField(a.field)
		q.SetBoost(a.boost)
		return q
	}
	if !positionsIn(a.field) {
		return &textPhraseQuery{terms: a.terms, field: a.field, boost: a.boost,
			text: newPhraseText(a.field, a.terms, a.text)}
	}
	q := query.NewPhraseQuery(a.terms, a.field)
	q.SetBoost(a.boost)
	return q
}

// textPhraseQuery is a phrase in a field without positions (positionsIn) as
// a Bleve query, through Bleve's public searcher API: the documents holding
// all its terms (a conjunction of term searchers, scored as Bleve's phrase
// searcher scores its own), kept where the field's stored text holds the
// phrase (phraseText), as EnginePilu verifies it.
type textPhraseQuery struct {
	terms []string
	field string
	boost float64
	text  *phraseText
}

func (q *textPhraseQuery) Searcher(ctx context.Context, r bindex.IndexReader, _ mapping.IndexMapping,
	options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	var terms []bsearch.Searcher
	closeAll := func() {
		for _, s := range terms {
			_ = s.Close()
		}
	}
	for _, t := range q.terms {
		if t == "" {
			continue
		}
		s, err := searcher.NewTermSearcher(ctx, r, t, q.field, q.boost, options)
		if err != nil {
			closeAll()
			return nil, err
		}
		terms = append(terms, s)
	}
	all, err := searcher.NewConjunctionSearcher(ctx, r, terms, options)
	if err != nil {
		closeAll()
		return nil, err
	}
	return searcher.NewFilteringSearcher(ctx, all, func(_ *bsearch.SearchContext, d *bsearch.DocumentMatch) bool {
		id, err := r.ExternalID(d.IndexInternalID)
		if err != nil {
			return false
		}
		doc, err := r.Document(id)
		if err != nil || doc == nil {
			return false
		}
		var n uint64
		doc.VisitFields(func(f bindex.Field) {
			if f.Name() == q.field {
				n += q.text.count(f.Value())
			}
		})
		return n > 0
	}), nil
}

// filterQuery turns the filters into one query, nil when there are none;
// types, when given, replace q.Types.
func filterQuery(q Query, types []string) query.Query {
	term := func(field, v string) query.Query {
		t := query.NewTermQuery(v)
		t.SetField(field)
		return t
	}
	var fs []query.Query
	if types == nil {
		types = q.Types
	}
	var tqs []query.Query
	for _, t := range types {
		if t = strings.TrimSpace(t); t != "" {
			tqs = append(tqs, term(fieldType, t))
		}
	}
	if len(tqs) > 0 {
		fs = append(fs, query.NewDisjunctionQuery(tqs))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		inc := true
		d := query.NewDateRangeInclusiveQuery(q.From, q.To, &inc, &inc)
		d.SetField(fieldDate)
		fs = append(fs, d)
	}
	for _, f := range []struct{ field, v string }{
		{fieldProvince, q.Province}, {fieldClass, q.Class}, {fieldKind, q.Kind},
	} {
		if v := strings.TrimSpace(f.v); v != "" {
			fs = append(fs, term(f.field, v))
		}
	}
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return query.NewConjunctionQuery(fs)
}
