package search

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// corpus is small on purpose; each document is there for a case below.
var corpus = []Doc{
	{Type: TypeInstitution, ID: "91440300MA5DHL0001", Title: "深圳市鹭汀创投电子商务股份有限公司",
		Names:    []string{"鹭汀创投", "深圳市鹭汀创投电子商务股份有限公司"},
		Codes:    []string{"91440300MA5DHL0001", "luting.example.cn"},
		Province: "440000", Class: "voluntary_exit", Body: "网络借贷信息中介机构，已宣布良性退出。",
		Date: day("2019-03-28"), URL: "/institutions/91440300MA5DHL0001"},
	{Type: TypeInstitution, ID: "91350100M000100Y43", Title: "福州ABC网络科技有限公司",
		Names:    []string{"ABC金融", "福州ABC网络科技有限公司"},
		Codes:    []string{"91350100M000100Y43", "abcjr.example.com"},
		Province: "350000", Class: "zombie", Body: "ABC金融已停止运营，列入僵尸类机构名单。",
		Date: day("2020-01-10"), URL: "/institutions/91350100M000100Y43"},
	{Type: TypeDisclosure, ID: "1", Title: "关于兑付进展的公告",
		Body:     "鹭汀创投本月兑付出借人本金。鹭汀创投将持续推进兑付工作。截至本月末，鹭汀创投累计兑付比例为60%。",
		Province: "440000", Kind: "repayment_progress", Date: day("2020-05-01"), URL: "/disclosures/1"},
	{Type: TypeDisclosure, ID: "2", Title: "2019年12月运营数据", Body: "２０１９年１２月，借贷余额和出借人数量双降。",
		Province: "350000", Kind: "monthly_data", Date: day("2020-01-05"), URL: "/disclosures/2"},
	{Type: TypeDisclosure, ID: "3", Title: "秋季风景", Body: "江边的白鹭飞了，远处沙汀连绵。",
		Province: "350000", Kind: "other", Date: day("2018-10-01"), URL: "/disclosures/3"},
	{Type: TypeDisclosure, ID: "4", Title: "<b>说明</b> & 提示",
		Body:     `风险提示：<script>alert(1)</script> 年化收益 > 8% & 本金 "保障" 's`,
		Province: "110000", Kind: "other", Date: day("2017-01-01"), URL: "/disclosures/4", Demo: true},
	{Type: TypeNotice, ID: "1", Title: "关于鹭汀创投等机构的退出监督公告",
		Names:    []string{"深圳市鹭汀创投电子商务股份有限公司", "福州ABC网络科技有限公司"},
		Codes:    []string{"粤金整治〔2020〕3号"},
		Province: "440000", Kind: "exit_supervision", Body: "对所列机构的退出过程进行监督，公示期三十日。",
		Date: day("2020-06-01"), URL: "/notices/1"},
}

const (
	instHL  = "institution/91440300MA5DHL0001"
	instABC = "institution/91350100M000100Y43"
	dis1    = "disclosure/1"
	dis2    = "disclosure/2"
	dis3    = "disclosure/3"
	dis4    = "disclosure/4"
	notice1 = "notice/1"
)

func corpusIndex(t *testing.T, engine string) *Index {
	t.Helper()
	ix := mustOpenEngine(t, engine, filepath.Join(t.TempDir(), "index"))
	mustApply(t, ix, corpus, nil, 1)
	return ix
}

func TestSearchQueries(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := corpusIndex(t, engine)
		hl := []string{instHL, dis1, notice1}
		tests := []struct {
			name  string
			q     Query
			want  []string // exactly these hits, any order
			first string   // this hit first, when set
		}{
			// Chinese analysis
			{"one character 汀", Query{Text: "汀"}, []string{instHL, dis1, dis3, notice1}, ""},
			{"one character 鹭", Query{Text: "鹭"}, []string{instHL, dis1, dis3, notice1}, ""},
			{"two characters are a word, not two characters apart", Query{Text: "鹭汀"}, hl, ""},
			{"two characters 沙汀", Query{Text: "沙汀"}, []string{dis3}, ""},
			{"three characters 鹭汀创", Query{Text: "鹭汀创"}, hl, ""},
			{"word order matters", Query{Text: "汀鹭"}, nil, ""},
			{"full width ＡＢＣ finds abc", Query{Text: "ＡＢＣ"}, []string{instABC, notice1}, instABC},
			{"full width ａｂｃ金融", Query{Text: "ａｂｃ金融"}, []string{instABC}, ""},
			{"lower case abc", Query{Text: "abc"}, []string{instABC, notice1}, instABC},
			{"digits inside Chinese", Query{Text: "2019年12月"}, []string{dis2}, ""},
			{"full-width digits fold", Query{Text: "１２月 双降"}, []string{dis2}, ""},

			// known items first
			{"brand first", Query{Text: "鹭汀创投"}, hl, instHL},
			{"legal name first", Query{Text: "深圳市鹭汀创投电子商务股份有限公司"}, []string{instHL, notice1}, instHL},
			{"brand ABC金融", Query{Text: "ABC金融"}, []string{instABC}, ""},
			{"USCC exact", Query{Text: "91350100M000100Y43"}, []string{instABC}, ""},
			{"USCC lower case", Query{Text: "91350100m000100y43"}, []string{instABC}, ""},
			{"USCC full width", Query{Text: "９１３５０１００Ｍ０００１００Ｙ４３"}, []string{instABC}, ""},
			{"USCC prefix is not a match", Query{Text: "91350100M"}, nil, ""},
			{"domain exact", Query{Text: "luting.example.cn"}, []string{instHL}, ""},
			{"domain any case", Query{Text: "LuTing.Example.CN"}, []string{instHL}, ""},
			{"notice number", Query{Text: "粤金整治〔2020〕3号"}, []string{notice1}, ""},

			// query language
			{"AND of two terms", Query{Text: "鹭汀 兑付"}, []string{dis1}, ""},
			{"AND across fields", Query{Text: "ABC 僵尸"}, []string{instABC}, ""},
			{"AND with no common doc", Query{Text: "鹭汀 僵尸"}, nil, ""},
			{"full-width space separates", Query{Text: "鹭汀\u3000兑付"}, []string{dis1}, ""},
			{"phrase", Query{Text: `"兑付进展"`}, []string{dis1}, ""},
			{"phrase in wrong order", Query{Text: `"进展兑付"`}, nil, ""},
			{"phrase with a space inside", Query{Text: `"鹭汀创投 本月"`}, []string{dis1}, ""},
			{"phrase in Chinese quotes", Query{Text: "“兑付进展”"}, []string{dis1}, ""},
			{"unclosed quote runs to the end", Query{Text: `"兑付进展`}, []string{dis1}, ""},
			{"phrase is not a code", Query{Text: `"91350100M000100Y43"`}, nil, ""},
			{"excluded term", Query{Text: "鹭汀 -兑付"}, []string{instHL, notice1}, ""},
			{"excluded with full-width minus", Query{Text: "鹭汀 －兑付"}, []string{instHL, notice1}, ""},
			{"excluded phrase", Query{Text: `鹭汀 -"退出监督"`}, []string{instHL, dis1}, ""},
			{"excluded code", Query{Text: "abc -91350100M000100Y43"}, []string{notice1}, ""},
			{"only excluded: nothing", Query{Text: "-鹭汀"}, nil, ""},
			{"only excluded terms: nothing", Query{Text: "-鹭汀 -ABC"}, nil, ""},
			{"excluded term not in corpus", Query{Text: "鹭汀 -不存在"}, hl, ""},
			{"a lone minus is text", Query{Text: "鹭汀 -"}, hl, ""},

			// what people type
			{"syntax around a word +", Query{Text: "+鹭汀 (创投)"}, hl, ""},
			{"syntax around a word !", Query{Text: "鹭汀!"}, hl, ""},
			{"syntax around a word []", Query{Text: "[鹭汀]"}, hl, ""},
			{"syntax around a word {}", Query{Text: "{鹭汀}"}, hl, ""},
			{"syntax around a word ^*?~", Query{Text: "鹭汀^ 鹭汀* 鹭汀? 鹭汀~"}, hl, ""},
			{"syntax around a word \\/", Query{Text: `\鹭汀/`}, hl, ""},
			{"syntax between words &&", Query{Text: "鹭汀&&创投"}, hl, ""},
			{"syntax between words ||", Query{Text: "鹭汀||兑付"}, nil, ""},
			{"field syntax is text", Query{Text: "title:鹭汀"}, nil, ""},
			{"all syntax characters after a word", Query{Text: `鹭汀 +-=&|><!(){}[]^"~*?:\/`}, hl, ""},
			{"all syntax characters", Query{Text: `+-=&|><!(){}[]^"~*?:\/`}, nil, ""},
			{"boost and fuzzy syntax", Query{Text: "鹭汀^2 兑付~1"}, nil, ""},
			{"emoji only", Query{Text: "😀"}, nil, ""},
			{"emoji beside a word", Query{Text: "鹭汀😀"}, hl, ""},
			{"emoji and excluded", Query{Text: "😀 -鹭汀"}, nil, ""},
			{"10,000 characters of one word", Query{Text: strings.Repeat("鹭", 10000)}, nil, ""},
			{"10,000 characters of many words", Query{Text: strings.Repeat("鹭汀 ", 2500)}, hl, ""},
			{"10,000 Latin characters", Query{Text: strings.Repeat("a", 10000)}, nil, ""},
			{"10,000 syntax characters", Query{Text: strings.Repeat(`"(-`, 3334)}, nil, ""},
			{"invalid UTF-8", Query{Text: "鹭汀\xff\xfe"}, hl, ""},
			{"control characters", Query{Text: "鹭汀\x00\x1b"}, hl, ""},
			{"HTML", Query{Text: "<script>"}, []string{dis4}, ""},

			// filters
			{"type filter", Query{Text: "鹭汀", Types: []string{TypeInstitution}}, []string{instHL}, ""},
			{"two types", Query{Text: "鹭汀", Types: []string{TypeDisclosure, TypeNotice}}, []string{dis1, notice1}, ""},
			{"province filter, no text", Query{Province: "350000"}, []string{instABC, dis2, dis3}, ""},
			{"class filter", Query{Class: "zombie"}, []string{instABC}, ""},
			{"kind filter", Query{Text: "公告", Kind: "exit_supervision"}, []string{notice1}, ""},
			{"filters together", Query{Province: "350000", Types: []string{TypeDisclosure}, Kind: "other"}, []string{dis3}, ""},
			{"unknown filter value", Query{Types: []string{"person"}}, nil, ""},
			{"filter with excluded term", Query{Text: "鹭汀 -兑付", Province: "440000", Types: []string{TypeNotice}}, []string{notice1}, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := ix.Search(context.Background(), tt.q)
				if err != nil {
					t.Fatalf("Search(%q): %v", tt.q.Text, err)
				}
				got := hitIDs(res)
				if !sameSet(got, tt.want) {
					t.Errorf("Search(%.40q) = %v, want %v", tt.q.Text, got, tt.want)
				}
				if res.Total != uint64(len(tt.want)) {
					t.Errorf("Total = %d, want %d", res.Total, len(tt.want))
				}
				if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
					t.Errorf("first hit of %v, want %s", got, tt.first)
				}
				if res.Hits == nil || len(res.Facets) != 4 {
					t.Errorf("Hits %v, Facets %v: want non-nil hits and four facets", res.Hits, res.Facets)
				}
			})
		}

		// Every syntax character alone, and doubled: never an error, never a hit.
		for _, c := range `+-=&|><!(){}[]^"~*?:\/` {
			for _, text := range []string{string(c), string(c) + string(c), "-" + string(c)} {
				res, err := ix.Search(context.Background(), Query{Text: text})
				if err != nil || res.Total != 0 {
					t.Errorf("Search(%q): %v, total %v", text, err, res)
				}
			}
		}
	})
}

// TestSearchKnownItemFirst puts an institution among documents that mention
// its names far more often, in titles and bodies: it still comes first.
func TestSearchKnownItemFirst(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := mustOpenEngine(t, engine, filepath.Join(t.TempDir(), "index"))
		docs := []Doc{{Type: TypeInstitution, ID: "91440300MA5DHL0001", Title: "深圳市鹭汀创投电子商务股份有限公司",
			Names: []string{"鹭汀创投", "深圳市鹭汀创投电子商务股份有限公司", "鹭汀网"},
			Codes: []string{"91440300MA5DHL0001", "luting.example.cn"},
			Body:  "网络借贷信息中介机构。", Date: day("2015-01-01")}}
		for i := 0; i < 20; i++ {
			docs = append(docs,
				Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "鹭汀创投" + fmt.Sprint(2000+i) + "年运营数据",
					Names: []string{"深圳市鹭汀创投电子商务股份有限公司"},
					Body:  strings.Repeat("鹭汀创投电子商务股份有限公司兑付进展。鹭汀网公告。", 5), Date: day("2020-01-01")},
				Doc{Type: TypeNotice, ID: fmt.Sprint(i), Title: "关于鹭汀创投的公告",
					Names: []string{"深圳市鹭汀创投电子商务股份有限公司"},
					Codes: []string{fmt.Sprintf("深金〔2020〕%d号", i)}, Body: "鹭汀创投 luting.example.cn", Date: day("2021-01-01")},
				Doc{Type: TypeInstitution, ID: fmt.Sprintf("9144030000000000%02d", i), Title: "鹭汀投资咨询有限公司",
					Names: []string{"鹭汀投资"}, Body: "鹭汀创投的同业。", Date: day("2016-01-01")})
		}
		mustApply(t, ix, docs, nil, 1)
		for _, text := range []string{"鹭汀创投", "鹭汀网", "深圳市鹭汀创投电子商务股份有限公司", "鹭汀创投电子商务",
			"91440300MA5DHL0001", "luting.example.cn", "鹭汀创投 深圳"} {
			res, err := ix.Search(context.Background(), Query{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 || res.Hits[0].ID != "91440300MA5DHL0001" {
				t.Errorf("%q: first hits %v, want the institution first", text, hitIDs(res)[:min(3, len(res.Hits))])
			}
			if testing.Verbose() && len(res.Hits) > 1 {
				t.Logf("%q: %.3f then %s %.3f", text, res.Hits[0].Score, hitIDs(res)[1], res.Hits[1].Score)
			}
		}
	})
}

func TestSearchEmptyListsNewestFirst(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := corpusIndex(t, engine)
		for _, text := range []string{"", "   ", "\t\n"} {
			res, err := ix.Search(context.Background(), Query{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{notice1, dis1, instABC, dis2, instHL, dis3, dis4}
			if got := hitIDs(res); !slices.Equal(got, want) || res.Total != uint64(len(corpus)) {
				t.Errorf("Search(%q) = %v (total %d), want %v", text, got, res.Total, want)
			}
			for i := 1; i < len(res.Hits); i++ {
				if res.Hits[i].Date.After(res.Hits[i-1].Date) {
					t.Errorf("not newest first at %d", i)
				}
			}
		}
	})
}

func TestSearchHitFields(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := corpusIndex(t, engine)
		res, err := ix.Search(context.Background(), Query{Text: "兑付进展"})
		if err != nil || len(res.Hits) != 1 {
			t.Fatalf("%v %+v", err, res)
		}
		h := res.Hits[0]
		if h.Type != TypeDisclosure || h.ID != "1" || h.Title != "关于兑付进展的公告" || h.URL != "/disclosures/1" ||
			!h.Date.Equal(day("2020-05-01")) || h.Score <= 0 {
			t.Errorf("hit = %+v", h)
		}
	})
}

func TestSearchSnippets(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := corpusIndex(t, engine)
		tests := []struct {
			text, id string
			want     []string // substrings of the snippet
			not      []string
		}{
			{"鹭汀创投", dis1, []string{"<mark>鹭汀创投</mark>本月兑付"}, []string{"<mark>鹭汀</mark>", "</mark><mark>"}},
			{"鹭汀创", dis1, []string{"<mark>鹭汀创</mark>投"}, nil},
			{"鹭汀 兑付", dis1, []string{"<mark>鹭汀</mark>创投本月<mark>兑付</mark>"}, nil},
			{"汀", dis3, []string{"沙<mark>汀</mark>连绵"}, []string{"<mark>沙"}},
			{"风险", dis4, []string{"<mark>风险</mark>提示：&lt;script&gt;alert(1)&lt;/script&gt; 年化收益 &gt; 8% &amp; 本金 &#34;保障&#34; &#39;s"}, []string{"<script>"}},
			{"script", dis4, []string{"&lt;<mark>script</mark>&gt;"}, nil},
			{"ABC 僵尸", instABC, []string{"<mark>ABC</mark>金融已停止运营，列入<mark>僵尸</mark>类"}, nil},
			{"ＡＢＣ", instABC, []string{"<mark>ABC</mark>"}, nil},
			{"2019年 双降", dis2, []string{"<mark>２０１９年</mark>１２月，借贷余额和出借人数量<mark>双降</mark>。"}, nil},
			{"鹭汀创投", instHL, []string{"网络借贷信息中介机构"}, []string{"<mark>"}}, // matched in names only: the body's start
		}
		for _, tt := range tests {
			t.Run(tt.text, func(t *testing.T) {
				res, err := ix.Search(context.Background(), Query{Text: tt.text})
				if err != nil {
					t.Fatal(err)
				}
				var snip string
				found := false
				for _, h := range res.Hits {
					if h.Type+"/"+h.ID == tt.id {
						snip, found = h.Snippet, true
					}
				}
				if !found {
					t.Fatalf("%s not found: %v", tt.id, hitIDs(res))
				}
				for _, w := range tt.want {
					if !strings.Contains(snip, w) {
						t.Errorf("snippet %q lacks %q", snip, w)
					}
				}
				for _, n := range tt.not {
					if strings.Contains(snip, n) {
						t.Errorf("snippet %q has %q", snip, n)
					}
				}
			})
		}
	})
}

func TestSearchFacets(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := corpusIndex(t, engine)
		tests := []struct {
			q    Query
			want map[string]string
		}{
			{Query{}, map[string]string{
				"type":     "disclosure:4 institution:2 notice:1",
				"province": "350000:3 440000:3 110000:1",
				"class":    "voluntary_exit:1 zombie:1",
				"kind":     "other:2 exit_supervision:1 monthly_data:1 repayment_progress:1",
			}},
			{Query{Text: "鹭汀"}, map[string]string{
				"type":     "disclosure:1 institution:1 notice:1",
				"province": "440000:3",
				"class":    "voluntary_exit:1",
				"kind":     "exit_supervision:1 repayment_progress:1",
			}},
			{Query{Text: "鹭汀", Types: []string{TypeInstitution}}, map[string]string{
				"type": "institution:1", "province": "440000:1", "class": "voluntary_exit:1", "kind": "",
			}},
			{Query{Text: "不存在的词"}, map[string]string{"type": "", "province": "", "class": "", "kind": ""}},
			{Query{Text: "-鹭汀"}, map[string]string{"type": "", "province": "", "class": "", "kind": ""}},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%q %v", tt.q.Text, tt.q.Types), func(t *testing.T) {
				res, err := ix.Search(context.Background(), tt.q)
				if err != nil {
					t.Fatal(err)
				}
				for field, want := range tt.want {
					var parts []string
					for _, fc := range res.Facets[field] {
						parts = append(parts, fmt.Sprintf("%s:%d", fc.Value, fc.Count))
					}
					if got := strings.Join(parts, " "); got != want {
						t.Errorf("facet %s = %q, want %q", field, got, want)
					}
				}
			})
		}
	})
}

func TestSearchPaging(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		ix := mustOpenEngine(t, engine, filepath.Join(t.TempDir(), "index"))
		var docs []Doc
		for i := 0; i < 130; i++ {
			docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: "运营数据",
				Date: day("2020-01-01").Add(time.Duration(i) * time.Hour)})
		}
		mustApply(t, ix, docs, nil, 1)

		tests := []struct {
			name     string
			q        Query
			wantHits int
		}{
			{"default per page", Query{Text: "运营"}, DefaultPerPage},
			{"per page capped at 100", Query{Text: "运营", PerPage: 1000}, MaxPerPage},
			{"per page exactly 100", Query{Text: "运营", PerPage: 100}, 100},
			{"negative per page", Query{Text: "运营", PerPage: -3}, DefaultPerPage},
			{"last partial page", Query{Text: "运营", Page: 2, PerPage: 100}, 30},
			{"page beyond results", Query{Text: "运营", Page: 3, PerPage: 100}, 0},
			{"page far beyond results", Query{Text: "运营", Page: 1 << 40, PerPage: 100}, 0},
			{"page beyond the window", Query{Page: MaxResults, PerPage: 20}, 0},
			{"page zero is the first", Query{Page: 0, PerPage: 7}, 7},
			{"negative page is the first", Query{Page: -9, PerPage: 7}, 7},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := ix.Search(context.Background(), tt.q)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Hits) != tt.wantHits || res.Total != 130 {
					t.Errorf("%d hits, total %d; want %d hits, total 130", len(res.Hits), res.Total, tt.wantHits)
				}
				if res.Facets["type"][0] != (FacetCount{TypeDisclosure, 130}) {
					t.Errorf("facets %v", res.Facets["type"])
				}
			})
		}

		// Pages of a query fit together: no doc twice, none missing.
		for _, text := range []string{"", "运营"} {
			seen := map[string]bool{}
			for page := 1; page <= 3; page++ {
				res, err := ix.Search(context.Background(), Query{Text: text, Page: page, PerPage: 50})
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range hitIDs(res) {
					if seen[id] {
						t.Errorf("%q: %s on two pages", text, id)
					}
					seen[id] = true
				}
			}
			if len(seen) != 130 {
				t.Errorf("%q: pages hold %d docs, want 130", text, len(seen))
			}
		}
	})
}

func sameSet(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}
