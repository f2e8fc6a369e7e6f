package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TestPhraseAsBleve checks phraseQuery against Bleve's PhraseQuery: the same
// documents for random phrases over a small alphabet (so phrases occur often,
// and their terms often occur apart), in a plain field and in one of several
// values (names), on an index of many segments with documents deleted and
// replaced, alone and under Advance (as one clause of a conjunction).
func TestPhraseAsBleve(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("兑付进展本金出借人")
	words := []string{"p2p", "2020", "abc"}
	text := func(n int) string {
		var b strings.Builder
		for range n {
			switch rng.IntN(10) {
			case 0:
				b.WriteString(" " + words[rng.IntN(len(words))] + " ")
			case 1:
				b.WriteString("，")
			default:
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
		}
		return b.String()
	}
	for round := range 5 {
		var docs []Doc
		for i := range 60 {
			docs = append(docs, Doc{Type: TypeInstitution, ID: fmt.Sprint(round*60 + i), Title: text(8), Body: text(40),
				Names: []string{text(5), text(5), text(5)}})
		}
		var deletes []string
		if round > 0 {
			docs = append(docs, Doc{Type: TypeInstitution, ID: fmt.Sprint(round*60 - 1), Body: text(40)})
			deletes = append(deletes, TypeInstitution+"/"+fmt.Sprint(round*60-2))
		}
		mustApply(t, ix, docs, deletes, uint64(round+1))
	}

	ids := func(q query.Query) []string {
		req := bleve.NewSearchRequestOptions(q, 1000, 0, false)
		res, err := ix.idx.SearchInContext(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		slices.Sort(out)
		return out
	}
	found := 0
	for k := range 300 {
		phrase := text(2 + k%7)
		seq := phraseTerms(ix.zh.Analyze([]byte(phrase)))
		if len(seq) < 2 {
			continue
		}
		for _, field := range []string{fieldBody, fieldNames} {
			ours := &phraseQuery{field: field, terms: seq, boost: 1}
			theirs := query.NewPhraseQuery(seq, field)
			got, want := ids(ours), ids(theirs)
			if !slices.Equal(got, want) {
				t.Errorf("%q in %s (%q): %v, Bleve %v", phrase, field, seq, got, want)
			}
			// As one clause of a conjunction, the searcher is moved by Advance.
			other := query.NewTermQuery(seq[0])
			other.SetField(field)
			got = ids(query.NewConjunctionQuery([]query.Query{other, ours}))
			want = ids(query.NewConjunctionQuery([]query.Query{other, theirs}))
			if !slices.Equal(got, want) {
				t.Errorf("%q in %s with %q: %v, Bleve %v", phrase, field, seq[0], got, want)
			}
			found += len(want)
		}
	}
	if found < 100 {
		t.Fatalf("only %d matches in all: the test is too weak", found)
	}
}
