package search

import (
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The tests check Search against Bleve's own query execution: the same
// clauses (Index.clauses), built as Bleve queries, must find the same
// documents, and for a single field the same order.

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
	cls, _ := ix.clauses(parseQuery(q.Text))
	return bleveQueryOf(cls, q, nil)
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
