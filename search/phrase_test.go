package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/search/query"
)

// TestPhraseAsBleve checks phrases against Bleve's PhraseQuery: the same
// documents for random phrases over a small alphabet (so phrases occur often,
// and their terms often occur apart), in a plain field and in one of several
// values (names), on an index of many segments with documents deleted and
// replaced, alone and beside another clause.
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
			// The title holds the body's text: bodies have no positions in the
			// index, so Bleve's phrase query on the title is their oracle.
			body := text(40)
			docs = append(docs, Doc{Type: TypeInstitution, ID: fmt.Sprint(round*60 + i), Title: body, Body: body,
				Names: []string{text(5), text(5), text(5)}})
		}
		var deletes []string
		if round > 0 {
			body := text(40)
			docs = append(docs, Doc{Type: TypeInstitution, ID: fmt.Sprint(round*60 - 1), Title: body, Body: body})
			deletes = append(deletes, TypeInstitution+"/"+fmt.Sprint(round*60-2))
		}
		mustApply(t, ix, docs, deletes, uint64(round+1))
	}

	ours := func(cls ...clause) []string {
		p := &plan{clauses: cls, scored: true, keep: 1000}
		if err := ix.run(context.Background(), p, false); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range p.page {
			out = append(out, r.id)
		}
		slices.Sort(out)
		return out
	}
	ids := func(q query.Query) []string {
		out, _ := bleveHits(t, ix, q, 1000, 0, nil)
		slices.Sort(out)
		return out
	}
	found := 0
	for k := range 300 {
		sample := text(2 + k%7)
		seq := phraseTerms(ix.zh.Analyze([]byte(sample)))
		if len(seq) < 2 {
			continue
		}
		for _, field := range []string{fieldBody, fieldNames} {
			phrase := alt{field: field, terms: seq, text: sample, boost: 1}
			theirs := bleveAlt(phrase)
			got, want := ours(clause{alts: []alt{phrase}}), ids(theirs)
			if field == fieldBody {
				// EngineBleve's query verifies the stored text as EnginePilu does;
				// positions in the title are the oracle of both.
				if positionsIn(fieldBody) {
					t.Fatal("bodies have positions: this oracle is not needed")
				}
				if title := ids(bleveAlt(alt{field: fieldTitle, terms: seq, boost: 1})); !slices.Equal(want, title) {
					t.Errorf("%q in body (%q), Bleve: %v; as a phrase in the same text of the title: %v", sample, seq, want, title)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%q in %s (%q): %v, Bleve %v", sample, field, seq, got, want)
			}
			// Beside another clause, the phrase is checked only where that one matched:
			// the documents both find alone. (Bleve's conjunction of the two is not the
			// oracle: at times it also finds a document its phrase query alone does not,
			// when the phrase repeats a term in a field of several values.)
			other := alt{field: field, terms: seq[:1], boost: 1}
			got = ours(clause{alts: []alt{other}}, clause{alts: []alt{phrase}})
			alone := ids(bleveAlt(other))
			want = slices.DeleteFunc(slices.Clone(want), func(id string) bool { return !slices.Contains(alone, id) })
			if !slices.Equal(got, want) {
				t.Errorf("%q in %s with %q: %v, Bleve %v", sample, field, seq[0], got, want)
			}
			found += len(want)
		}
	}
	if found < 100 {
		t.Fatalf("only %d matches in all: the test is too weak", found)
	}
}

// TestPhrasesKeptAsBleve runs the phrase and search oracles with every
// phrase's documents kept by its segment: a phrase's first search finds and
// keeps them, the next ones (the phrase test asks each phrase twice, the
// second time beside another clause) use what was kept.
func TestPhrasesKeptAsBleve(t *testing.T) {
	defer func(saved uint64) { phraseKept = saved }(phraseKept)
	phraseKept = 1
	TestPhraseAsBleve(t)
	TestSearchAsBleve(t)
}

// TestPhraseKeptThenDeleted: documents deleted or replaced after their
// segment kept a phrase's documents are no longer found by it.
func TestPhraseKeptThenDeleted(t *testing.T) {
	defer func(saved uint64) { phraseKept = saved }(phraseKept)
	phraseKept = 1
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	var docs []Doc
	for i := range 6 {
		docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "公告", Body: "关于出借人本金的兑付安排"})
	}
	mustApply(t, ix, docs, nil, 1)
	total := func() uint64 {
		res, err := ix.Search(context.Background(), Query{Text: `"出借人本金"`})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if n := total(); n != 6 {
		t.Fatalf("before: %d hits", n)
	}
	mustApply(t, ix, []Doc{{Type: TypeDisclosure, ID: "1", Title: "公告", Body: "出借人的本金"}},
		[]string{TypeDisclosure + "/2", TypeDisclosure + "/3"}, 2)
	if n := total(); n != 3 {
		t.Fatalf("after one replaced and two deleted: %d hits, want 3", n)
	}
}

// TestPhraseHitReader: for every document a phrase was found in, the reader
// of hits (positions only where a term occurs more than once) gives the same
// frequency and norm as reading the positions, for random phrases over a small
// alphabet, so that terms repeat within a document and phrases occur more than
// once.
func TestPhraseHitReader(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []rune("兑付本")
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for round := range 3 {
		var docs []Doc
		for i := range 80 {
			docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(round*80 + i), Title: text(3 + rng.IntN(6)), Body: text(5 + rng.IntN(80))})
		}
		mustApply(t, ix, docs, nil, uint64(round+1))
	}
	snap, err := snapshot(ix.idx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	once, more := 0, 0
	for k := range 60 {
		seq := phraseTerms(ix.zh.Analyze([]byte(text(2 + k%5))))
		if len(seq) < 2 {
			continue
		}
		for _, field := range []string{fieldTitle, fieldBody} {
			for _, ss := range snap.Segments() {
				m, err := matchPhrase(newSegLists(ss, &segCache{}), alt{field: field, terms: seq}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if m.phrase == nil || m.docs.IsEmpty() {
					continue
				}
				byPositions, byHits := m.phrase.reader(), m.phrase.hitReader()
				it := m.docs.Iterator()
				for it.HasNext() {
					d := it.Next()
					f1, n1, err1 := byPositions.at(d)
					f2, n2, err2 := byHits.at(d)
					if err1 != nil || err2 != nil || f1 != f2 || n1 != n2 {
						t.Fatalf("%q in %s, document %d: positions say %d × %v (%v), hits %d × %v (%v)", seq, field, d, f1, n1, err1, f2, n2, err2)
					}
					if f1 == 1 {
						once++
					} else {
						more++
					}
				}
			}
		}
	}
	t.Logf("%d hits with the phrase once, %d more often", once, more)
	if once < 50 || more < 50 {
		t.Fatalf("%d hits with the phrase once, %d with it more often: the test is too weak", once, more)
	}
}
