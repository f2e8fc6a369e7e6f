package app

import (
	"context"
	"encoding/json"
	"net/url"
	"pilu/app/demo"
	"strings"
	"testing"
	"time"
)

// searchAnswer is the API's answer, as far as these tests read it.
type searchAnswer struct {
	Items       []struct{ Title, Type, URL string }
	Total       int
	PerPage     int    `json:"per_page"`
	Next        string `json:"next"`
	Partial     bool   `json:"partial"`
	Suggestions *suggestions
}

func (ts *testServer) search(query string) (int, searchAnswer) {
	ts.t.Helper()
	r := ts.get("/api/v1/search?" + query)
	var a searchAnswer
	if r.StatusCode == 200 {
		if err := json.Unmarshal([]byte(r.body), &a); err != nil {
			ts.t.Fatalf("%s: %v", r.body, err)
		}
	}
	return r.StatusCode, a
}

func TestSearchForReaders(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ts.seedInstitution("440106", "MA5LTCT01", "广州市鹭汀网络借贷信息中介服务有限公司", "440000", "鹭汀创投")
			ts.seedInstitution("110105", "MA0BJ0001", "北京某某网络科技有限公司", "110000", "京贷宝")
			ts.drain()
			const hl = "广州市鹭汀网络借贷信息中介服务有限公司"
			finds := []struct{ name, query, first string }{
				{"full pinyin", "q=luting", hl},
				{"initials", "q=ltct", hl},
				{"traditional", "q=" + url.QueryEscape("鷺汀創投"), hl},
				{"pinyin of the other", "q=jingdaibao", "北京某某网络科技有限公司"},
				{"date range holds today", "q=" + url.QueryEscape("鹭汀") + "&from=2020-01-01&to=2099-12-31", hl},
				{"sort by date", "sort=date&q=" + url.QueryEscape("公司"), ""},
			}
			for _, f := range finds {
				code, a := ts.search(f.query)
				if code != 200 || a.Total == 0 || (f.first != "" && a.Items[0].Title != f.first) {
					t.Errorf("%s (%s): %d %+v", f.name, f.query, code, a)
				}
			}
			if _, a := ts.search("q=" + url.QueryEscape("鹭汀") + "&to=2020-01-01"); a.Total != 0 {
				t.Errorf("a date range before the record still finds it: %+v", a)
			}

			// Bad input tried: unknown filter values, bad dates, a range backwards, a foreign cursor and
			// bad paging are 400 naming what is allowed; odd text is a 200.
			bad := []struct{ query, field, allowed string }{
				{"type=company", "type", "institution"},
				{"class=bad", "class", "zombie"},
				{"kind=nope", "kind", "repayment_plan"},
				{"province=999999", "province", "440000"},
				{"sort=popular", "sort", "relevance, date"},
				{"from=2020-13-01", "from", "YYYY-MM-DD"},
				{"to=yesterday", "to", "YYYY-MM-DD"},
				{"from=2021-01-01&to=2020-01-01", "to", "not before"},
				{"q=a&after=" + url.QueryEscape("!!not-ours"), "after", "cursor"},
				{"page=0", "page", "whole number"},
				{"per_page=abc", "per_page", "whole number"},
			}
			for _, c := range bad {
				r := ts.get("/api/v1/search?" + c.query)
				code, fields := jsonError(t, r)
				if r.StatusCode != 400 || code != "bad_request" || !strings.Contains(fields[c.field], c.allowed) {
					t.Errorf("%s: %d %s %v", c.query, r.StatusCode, code, fields)
				}
			}
			// A 10,000-character query in ASCII; in Chinese 1,500 characters fill the 16 KiB request line.
			odd := []string{"", "红", strings.Repeat("a", 10_000), strings.Repeat("长", 1_500), "😀", `"鹭汀`, `鹭汀"`, "-鹭汀", "-鹭汀 -京贷宝",
				`+-=&|><!(){}[]^"~*?:\/`, "a:b^2~*?", "lu ting", "page=999"}
			for _, q := range odd {
				query := "q=" + url.QueryEscape(q)
				if q == "page=999" {
					query = "q=" + url.QueryEscape("鹭汀") + "&page=999"
				}
				if code, _ := ts.search(query); code != 200 {
					t.Errorf("query %.20q: %d", q, code)
				}
				if r := ts.get("/search?" + query); r.StatusCode != 200 {
					t.Errorf("page for %.20q: %d", q, r.StatusCode)
				}
			}
			if _, a := ts.search("per_page=500"); a.PerPage != 100 {
				t.Errorf("per_page above 100 answered %d", a.PerPage)
			}
			if _, a := ts.search("q=" + url.QueryEscape("鹭汀") + "&page=999"); a.Total != 1 || len(a.Items) != 0 {
				t.Errorf("a page beyond the results: %+v", a)
			}
		})
	}
}

func TestSearchSuggestsWhenNothingIsFound(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.seedInstitution("440106", "MA5LTCT01", "广州市鹭汀网络借贷信息中介服务有限公司", "440000", "鹭汀创投")
	ts.drain()
	// 鹿亭 reads luting, which finds the brand by its pinyin.
	_, a := ts.search("q=" + url.QueryEscape("鹿亭"))
	if a.Total != 0 || a.Suggestions == nil || a.Suggestions.Reading != "luting" {
		t.Fatalf("reading: %+v", a.Suggestions)
	}
	// One character off a brand.
	_, a = ts.search("q=" + url.QueryEscape("鹭汀创头"))
	if a.Suggestions == nil || len(a.Suggestions.Brands) != 1 || a.Suggestions.Brands[0] != "鹭汀创投" {
		t.Fatalf("near brand: %+v", a.Suggestions)
	}
	// A filter that empties the result can be dropped.
	r := ts.get("/search?q=" + url.QueryEscape("鹭汀") + "&type=notice")
	if !strings.Contains(r.body, `href="/search?q=`) || !strings.Contains(r.body, "去掉筛选条件") {
		t.Fatalf("no link dropping the filter:\n%s", r.body)
	}
	if r := ts.get("/search?q=" + url.QueryEscape("鹿亭")); !strings.Contains(r.body, "按拼音检索 luting") {
		t.Fatal("the page does not offer the pinyin reading")
	}
}

func TestSearchPagesDeepWithCursor(t *testing.T) {
	ts := newTestServer(t, nil)
	if err := demo.Generate(context.Background(), ts.store, demo.Corpus{Institutions: 5, Disclosures: 130, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	ts.drain()
	seen := map[string]bool{}
	query := "sort=date&per_page=50"
	for pages := 0; ; pages++ {
		code, a := ts.search(query)
		if code != 200 || a.Total != 135 {
			t.Fatalf("page %d: %d total %d", pages, code, a.Total)
		}
		for _, it := range a.Items {
			if seen[it.URL] {
				t.Fatalf("%s twice", it.URL)
			}
			seen[it.URL] = true
		}
		if a.Next == "" {
			break
		}
		query = "sort=date&per_page=50&after=" + url.QueryEscape(a.Next)
	}
	if len(seen) != 135 {
		t.Errorf("saw %d of 135", len(seen))
	}
}

func TestSearchCutOffIsMarked(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.seedInstitution("440106", "MA5LTCT01", "广州市鹭汀网络借贷信息中介服务有限公司", "440000", "鹭汀创投")
	ts.drain()
	old := searchBudget
	searchBudget = time.Nanosecond // every search runs out of time at once
	defer func() { searchBudget = old }()
	code, a := ts.search("q=" + url.QueryEscape("鹭汀"))
	if code != 200 || !a.Partial || a.Total != 1 {
		t.Fatalf("%d %+v", code, a)
	}
	if r := ts.get("/search?q=" + url.QueryEscape("鹭汀")); !strings.Contains(r.body, "检索超时") {
		t.Fatal("the page does not say the results are partial")
	}
}
