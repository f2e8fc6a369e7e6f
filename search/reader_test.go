package search

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/search/query"
)

// TestReaderQueries covers what issue 6 adds for readers: pinyin, traditional
// characters, the date range and the sort order.
func TestReaderQueries(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := corpusIndex(t, engine)
		tests := []struct {
			name  string
			q     Query
			want  []string // exactly these hits, any order
			first string   // this hit first, when set
		}{
			{"full pinyin of a brand", Query{Text: "luting"}, []string{instHL}, instHL},
			{"full pinyin of a whole brand", Query{Text: "lutingchuangtou"}, []string{instHL}, instHL},
			{"initials of a brand", Query{Text: "ltct"}, []string{instHL}, instHL},
			{"upper-case pinyin", Query{Text: "LTCT"}, []string{instHL}, instHL},
			{"pinyin of a legal name's middle", Query{Text: "chuangtoudianzi"}, []string{instHL}, instHL},
			{"one pinyin syllable is not a key", Query{Text: "lu"}, nil, ""},
			{"pinyin that reads nothing", Query{Text: "zzzz"}, nil, ""},
			{"traditional characters find simplified text", Query{Text: "鷺汀創投"}, []string{instHL, dis1, notice1}, instHL},
			{"traditional phrase", Query{Text: `"兌付進展"`}, []string{dis1}, ""},
			{"one traditional character", Query{Text: "僵屍"}, []string{instABC}, ""},
			{"date range", Query{From: day("2020-01-01"), To: day("2020-05-31")}, []string{instABC, dis1, dis2}, ""},
			{"date range with text", Query{Text: "鹭汀", From: day("2020-06-01")}, []string{notice1}, ""},
			{"open start", Query{To: day("2017-12-31")}, []string{dis4}, ""},
			{"sort by date with text", Query{Text: "鹭汀", Sort: SortDate}, []string{instHL, dis1, notice1}, notice1},
			{"sort by relevance", Query{Text: "鹭汀", Sort: SortRelevance}, []string{instHL, dis1, notice1}, instHL},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := ix.Search(context.Background(), tt.q)
				if err != nil {
					t.Fatal(err)
				}
				got := hitIDs(res)
				slices.Sort(got)
				want := slices.Clone(tt.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("hits %v, want %v", got, want)
				}
				if tt.first != "" && hitIDs(res)[0] != tt.first {
					t.Errorf("first %s, want %s (%v)", hitIDs(res)[0], tt.first, hitIDs(res))
				}
			})
		}
	})
}

func TestTraditionalSnippetMarksWhatWasTyped(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := mustOpenEngine(t, engine, filepath.Join(t.TempDir(), "index"))
		mustApply(t, ix, []Doc{{Type: TypeDisclosure, ID: "9", Title: "公告", Body: "鷺汀創投兌付公告"}}, nil, 1)
		res, err := ix.Search(context.Background(), Query{Text: "鹭汀"})
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("%v %+v", err, res)
		}
		if want := "<mark>鷺汀</mark>創投兌付公告"; res.Hits[0].Snippet != want {
			t.Errorf("snippet %q, want %q", res.Hits[0].Snippet, want)
		}
	})
}

// TestFirstPageOrder checks that a first page sorted by score alone and put
// in order afterwards, and the pages after it, list the hits exactly as the
// full order (score, newest, id) does: scores that differ, ties inside a page
// and ties across a page's end.
func TestFirstPageOrder(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := mustOpenEngine(t, engine, filepath.Join(t.TempDir(), "index"))
		var docs []Doc
		for i := range 45 {
			// i%9 sets how often the word occurs (the score); i%4 the date: ties of every kind.
			body := strings.Repeat("兑付", 1+i%9) + strings.Repeat("进展说明。", 9-i%9)
			docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "公告", Body: body,
				Date: day("2021-01-01").Add(time.Duration(i%4) * 24 * time.Hour)})
		}
		mustApply(t, ix, docs, nil, 1)
		want, _ := bleveHits(t, ix, query.NewBooleanQuery(ix.mustQueries(t, "兑付"), nil, nil), 100, 0, bleveByScore)
		for _, perPage := range []int{1, 4, 5, 7, 10, 45, 50} {
			var got []string
			q := Query{Text: "兑付", PerPage: perPage}
			for {
				res, err := ix.Search(context.Background(), q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, hitIDs(res)...)
				if res.Next == "" || len(got) > 100 {
					break
				}
				q.After = res.Next
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("per page %d: %v\nwant %v", perPage, got, want)
			}
		}
		for _, bad := range []string{"@", "@0", "@-3", "@x", "@101", "@1.5"} {
			if _, err := ix.Search(context.Background(), Query{Text: "兑付", After: bad}); !errors.Is(err, ErrBadCursor) {
				t.Errorf("After %q: err %v, want ErrBadCursor", bad, err)
			}
		}
	})
}

// mustQueries builds the queries of text as Search does.
func (ix *Index) mustQueries(t *testing.T, text string) []query.Query {
	must, _ := ix.bleveClauses(parseQuery(text))
	if len(must) == 0 {
		t.Fatalf("no query for %q", text)
	}
	return must
}

func TestPagingAfter(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := mustOpenEngine(t, engine, filepath.Join(t.TempDir(), "index"))
		var docs []Doc
		for i := range 57 {
			docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "兑付公告", Body: "本月兑付进展。",
				Date: day("2020-01-01").Add(time.Duration(i%7) * 24 * time.Hour)})
		}
		mustApply(t, ix, docs, nil, 1)
		for _, q := range []Query{{Text: "兑付"}, {}, {Text: "兑付", Sort: SortDate}} {
			t.Run(q.Text+q.Sort, func(t *testing.T) {
				seen := map[string]bool{}
				q.PerPage = 10
				pages := 0
				for {
					res, err := ix.Search(context.Background(), q)
					if err != nil {
						t.Fatal(err)
					}
					pages++
					for _, id := range hitIDs(res) {
						if seen[id] {
							t.Fatalf("page %d repeats %s", pages, id)
						}
						seen[id] = true
					}
					if res.Total != 57 {
						t.Fatalf("total %d", res.Total)
					}
					if res.Next == "" {
						break
					}
					q.After = res.Next
				}
				if len(seen) != 57 || pages != 6 {
					t.Errorf("saw %d documents in %d pages, want 57 in 6", len(seen), pages)
				}
			})
		}
		for _, bad := range []string{"!!", "a.b.c.d.e", string(make([]byte, 600)), "YQ"} {
			if _, err := ix.Search(context.Background(), Query{Text: "兑付", After: bad}); !errors.Is(err, ErrBadCursor) {
				t.Errorf("After %.10q: err %v, want ErrBadCursor", bad, err)
			}
		}
	})
}

func TestSearchCutOffByBudget(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := corpusIndex(t, engine)
		res, err := ix.Search(context.Background(), Query{Text: "鹭汀", Budget: time.Nanosecond})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Partial {
			t.Fatal("not marked partial")
		}
		got := hitIDs(res)
		slices.Sort(got)
		if want := []string{instHL, notice1}; !slices.Equal(got, want) {
			t.Errorf("partial hits %v, want the small types %v", got, want)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := ix.Search(ctx, Query{Text: "沙汀"}); err == nil {
			t.Error("a cancelled request searched on")
		}
	})
}

func TestCacheFollowsTheIndex(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := corpusIndex(t, engine)
		q := Query{Text: "鹭汀"}
		first, _ := ix.Search(context.Background(), q)
		again, _ := ix.Search(context.Background(), q)
		if first != again {
			t.Error("a repeated query was not answered from the cache")
		}
		mustApply(t, ix, nil, []string{dis1}, 2)
		after, err := ix.Search(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(hitIDs(after), dis1) {
			t.Error("a deleted document came back from the cache")
		}
	})
}

func TestPinyinKeys(t *testing.T) {
	keys := pinyinKeys([]string{"鹭汀创投"})
	for _, want := range []string{"luting", "lutingchuangtou", "tingchuang", "ltct", "tct"} {
		if !slices.Contains(keys, want) {
			t.Errorf("keys %v lack %q", keys, want)
		}
	}
	for _, not := range []string{"lu", "l", "lt", "tc"} {
		if slices.Contains(keys, not) {
			t.Errorf("keys %v have %q", keys, not)
		}
	}
	if got := Reading("鷺汀 ABC"); got != "luting" {
		t.Errorf("Reading = %q", got)
	}
	if len(pinyinKeys([]string{"ABC", "", "😀"})) != 0 {
		t.Error("keys for names without characters")
	}
}
