package search

import (
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The tests check Search against Bleve's own query execution: the same
// clauses (Index.clauses), built as Bleve queries, must find the same
// documents, and for a single field the same order.

// Bleve's orders of hits: by relevance, and by date.
var (
	bleveByScore = []string{"-_score", "-" + fieldDate, "_id"}
	bleveByDate  = []string{"-" + fieldDate, "-_score", "_id"}
)

// bleveHits runs q with Bleve: the ids ("type/id") of size hits from from, in
// order (Bleve's default, by score, when order is nil), and the total.
func bleveHits(t *testing.T, ix *Index, q query.Query, size, from int, order []string) ([]string, uint64) {
	req := bleve.NewSearchRequestOptions(q, size, from, false)
	if order != nil {
		req.SortBy(order)
	}
	res, err := ix.idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids, res.Total
}

// bleveQuery is q as a Bleve query: text and filters.
func bleveQuery(t *testing.T, ix *Index, q Query) query.Query {
	var main query.Query = bleve.NewMatchAllQuery()
	if q.Text != "" {
		must, mustNot := ix.bleveClauses(parseQuery(q.Text))
		main = query.NewBooleanQuery(must, nil, mustNot)
	}
	if f := filterQuery(q, nil); f != nil {
		b := query.NewBooleanQuery([]query.Query{main}, nil, nil)
		b.AddFilter(f)
		return b
	}
	return main
}

// bleveClauses builds, per clause, the disjunction of its alts.
func (ix *Index) bleveClauses(terms []userTerm) (must, mustNot []query.Query) {
	cls, _ := ix.clauses(terms)
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
	return must, mustNot
}

// bleveAlt is one alt as a Bleve term or phrase query.
func bleveAlt(a alt) query.Query {
	if len(a.terms) == 1 {
		q := query.NewTermQuery(a.terms[0])
		q.SetField(a.field)
		q.SetBoost(a.boost)
		return q
	}
	q := query.NewPhraseQuery(a.terms, a.field)
	q.SetBoost(a.boost)
	return q
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
