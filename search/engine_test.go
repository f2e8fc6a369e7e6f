package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSearchAsBleve runs random queries (words, phrases, exclusions, filters,
// both sorts, pages) on a random corpus of many segments, with documents
// replaced and deleted, and checks them against Bleve running the same
// clauses: the same total always, and the same hits in the same order unless
// a phrase is scored (Bleve sums its terms' scores; Search scores how often
// the phrase itself occurs).
func TestSearchAsBleve(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	if checked := searchAsBleve(t, ix, 6, 50); checked < 500 {
		t.Fatalf("only %d hits compared: the test is too weak", checked)
	}
}

// searchAsBleve fills ix with rounds of perRound random documents, runs
// random queries and compares them with Bleve; it returns how many hits
// were compared.
func searchAsBleve(t *testing.T, ix *Index, rounds, perRound int) (checked int) {
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := []string{"兑付", "本金", "逾期", "出借人", "清退", "进展", "公告", "鹭汀", "资金", "存管", "风险", "p2p"}
	provinces := []string{"440000", "110000", "310000"}
	kinds := []string{"monthly", "exit", "event"}
	text := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(vocab[rng.IntN(len(vocab))])
			if rng.IntN(4) == 0 {
				b.WriteString("，")
			}
		}
		return b.String()
	}
	for round := range rounds {
		var docs []Doc
		for i := range perRound {
			n := round*perRound + i
			d := Doc{Type: TypeDisclosure, ID: fmt.Sprint(n), Title: text(2), Body: text(5 + rng.IntN(30)),
				Province: provinces[rng.IntN(3)], Kind: kinds[rng.IntN(3)],
				Date: day("2020-01-01").Add(time.Duration(rng.IntN(40)) * 24 * time.Hour)}
			switch n % 10 {
			case 0:
				d = Doc{Type: TypeInstitution, ID: fmt.Sprint(n), Title: text(1), Names: []string{text(2), text(1)},
					Province: provinces[rng.IntN(3)], Class: "zombie"}
			case 1:
				d.Type, d.Names = TypeNotice, []string{text(2)}
			case 2:
				d.Date = time.Time{}
			}
			docs = append(docs, d)
		}
		var deletes []string
		if round > 0 {
			docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(round*perRound - 3), Title: text(2), Body: text(9)})
			deletes = append(deletes, TypeDisclosure+"/"+fmt.Sprint(round*perRound-4))
		}
		mustApply(t, ix, docs, deletes, uint64(round+1))
	}

	for k := range 400 {
		var words []string
		for range 1 + rng.IntN(3) {
			w := vocab[rng.IntN(len(vocab))]
			switch rng.IntN(6) {
			case 0:
				w = `"` + w + vocab[rng.IntN(len(vocab))] + `"`
			case 1:
				w = "-" + w
			case 2:
				w = w[:len(w)-3] // one character less (a character is 3 bytes; p2p loses "p2p"'s last two)
			}
			words = append(words, w)
		}
		q := Query{Text: strings.Join(words, " "), PerPage: 1 + rng.IntN(12), Page: 1 + rng.IntN(3)}
		if k%5 == 0 {
			q.Text = ""
		}
		if rng.IntN(3) == 0 {
			q.Sort = SortDate
		}
		switch rng.IntN(6) {
		case 0:
			q.Province = provinces[rng.IntN(3)]
		case 1:
			q.Types = []string{TypeDisclosure, TypeNotice}
		case 2:
			q.From, q.To = day("2020-01-10"), day("2020-01-30")
		case 3:
			q.Kind = kinds[rng.IntN(3)]
		}
		res, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(q.Text) != "" && len(mustOrNil(ix, q.Text)) == 0 {
			continue // only exclusions: nothing, by the query language
		}
		order := bleveByScore
		if q.Text == "" || q.Sort == SortDate {
			order = bleveByDate
		}
		wantIDs, wantTotal := bleveHits(t, ix, bleveQuery(t, ix, q), q.PerPage, (q.Page-1)*q.PerPage, order)
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.Type+"/"+h.ID)
		}
		// Phrases score by how often the phrase occurs, which also orders hits of one date.
		phraseScored := strings.Contains(q.Text, `"`)
		if res.Total != wantTotal || !phraseScored && !slices.Equal(got, wantIDs) {
			t.Errorf("%+v: total %d, hits %v\nBleve: total %d, hits %v", q, res.Total, got, wantTotal, wantIDs)
		}
		checked += len(got)
	}
	return checked
}

// mustOrNil returns the wanted clauses of text.
func mustOrNil(ix *Index, text string) []clause {
	cls, _ := ix.clauses(parseQuery(text))
	var out []clause
	for _, c := range cls {
		if !c.exclude {
			out = append(out, c)
		}
	}
	return out
}

// TestBodyOnlyHitsCanLead: a short body that only mentions a word can
// outrank a long title that also does, so hits matching only in bodies are
// skipped only below their true bound. For titles of many lengths, the first
// page (one hit) is Bleve's, and in some of them the body-only hit leads.
func TestBodyOnlyHitsCanLead(t *testing.T) {
	led := 0
	for n := 1; n <= 24; n++ {
		ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
		docs := []Doc{
			{Type: TypeDisclosure, ID: "title", Title: "兑付" + strings.Repeat("说明", n), Body: "其他内容"},
			{Type: TypeDisclosure, ID: "body", Title: "公告", Body: "兑付"},
		}
		for i := range 30 {
			docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "其他", Body: "无关内容"})
		}
		mustApply(t, ix, docs, nil, 1)
		res, err := ix.Search(context.Background(), Query{Text: "兑付", PerPage: 1})
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("%v %+v", err, res)
		}
		want, _ := bleveHits(t, ix, bleveQuery(t, ix, Query{Text: "兑付"}), 1, 0, bleveByScore)
		if got := res.Hits[0].Type + "/" + res.Hits[0].ID; got != want[0] {
			t.Errorf("title of %d characters: first %s, Bleve %s", 2+2*n, got, want[0])
		}
		if want[0] == TypeDisclosure+"/body" {
			led++
		}
		ix.Close()
	}
	if led == 0 || led == 24 {
		t.Fatalf("the body-only hit led %d times of 24: the test does not test the bound", led)
	}
}

// TestNormTable checks that scoring's norm is zap's, for field lengths inside the table and past it.
func TestNormTable(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	var docs []Doc
	for i, n := range []int{1, 2, 7, 300, 2730, 2731, 5000} { // 2731 characters make 8,190 grams
		docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "公告", Body: strings.Repeat("兑付进展", n)})
	}
	mustApply(t, ix, docs, nil, 1)
	snap, err := snapshot(ix.idx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	seen := map[bool]bool{}
	for _, ss := range snap.Segments() {
		pl, err := newSegLists(ss, &segCache{}).get(fieldBody, "兑付")
		if err != nil || pl == nil {
			t.Fatal(pl, err)
		}
		it := pl.Iterator(true, true, false, nil)
		for {
			p, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if p == nil {
				break
			}
			seen[p.(normUint64).NormUint64() < uint64(len(normTable))] = true
			if got, want := norm(p), p.Norm(); got != want {
				t.Errorf("doc %d: norm %v, zap %v", p.Number(), got, want)
			}
		}
	}
	if len(seen) != 2 {
		t.Errorf("lengths inside and past the table: %v", seen)
	}
}
