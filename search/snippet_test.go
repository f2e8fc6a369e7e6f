package search

import (
	"fmt"
	"html"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// find returns the span of the n-th (0-based) occurrence of sub in s.
func find(s, sub string, n int) span {
	off := 0
	for i := 0; ; i++ {
		k := strings.Index(s[off:], sub)
		if k < 0 {
			panic("no " + sub)
		}
		if i == n {
			return span{off + k, off + k + len(sub)}
		}
		off += k + len(sub)
	}
}

func TestSnippet(t *testing.T) {
	filler := strings.Repeat("网络借贷信息中介机构专项整治。", 20) // 300 characters
	long := filler + "鹭汀创投兑付进展" + filler
	tests := []struct {
		name  string
		body  string
		spans []span
		want  string // exact, when set
		has   []string
		not   []string
	}{
		{name: "empty body", body: "", spans: []span{{0, 3}}, want: ""},
		{name: "no matches: the start", body: "短文本 & <b>", want: "短文本 &amp; &lt;b&gt;"},
		{name: "no matches, long: cut with …", body: long,
			has: []string{"网络借贷", "…"}, not: []string{"<mark>"}},
		{name: "one match", body: "本月兑付出借人", spans: []span{find("本月兑付出借人", "兑付", 0)},
			want: "本月<mark>兑付</mark>出借人"},
		{name: "overlapping bigrams merge into one mark", body: "鹭汀创投本月",
			spans: []span{{0, 6}, {3, 9}, {6, 12}}, want: "<mark>鹭汀创投</mark>本月"},
		{name: "unigram inside bigram merges", body: "鹭汀创投",
			spans: []span{{0, 6}, {3, 6}}, want: "<mark>鹭汀</mark>创投"},
		{name: "touching matches merge", body: "鹭汀兑付。",
			spans: []span{{0, 6}, {6, 12}}, want: "<mark>鹭汀兑付</mark>。"},
		{name: "match deep inside: … on both sides", body: long,
			spans: []span{find(long, "鹭汀创投", 0)},
			has:   []string{"<mark>鹭汀创投</mark>兑付进展", "…"}},
		{name: "spans out of range or mid-character are ignored", body: "鹭汀创投",
			spans: []span{{-1, 3}, {1, 3}, {0, 4}, {6, 99}, {9, 6}}, want: "鹭汀创投"},
		{name: "escapes outside and inside marks", body: `a<b>&"c'd`,
			spans: []span{{1, 4}}, want: `a<mark>&lt;b&gt;</mark>&amp;&#34;c&#39;d`},
		{name: "entities are never cut", body: strings.Repeat("&", 300),
			not: []string{"&am…", "&a…", "&…"}},
		{name: "white space collapsed", body: "第一行\n\n\t第二行   第三行", want: "第一行 第二行 第三行"},
		{name: "the window with both terms wins", body: "兑付" + filler + "鹭汀创投兑付",
			spans: []span{{0, 6}, find("兑付"+filler+"鹭汀创投兑付", "鹭汀", 0), find("兑付"+filler+"鹭汀创投兑付", "兑付", 1)},
			has:   []string{"<mark>鹭汀</mark>创投<mark>兑付</mark>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := snippet(tt.body, tt.spans)
			if tt.want != "" || tt.body == "" {
				if got != tt.want {
					t.Errorf("snippet = %q, want %q", got, tt.want)
				}
			}
			for _, h := range tt.has {
				if !strings.Contains(got, h) {
					t.Errorf("snippet %q lacks %q", got, h)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("snippet %q has %q", got, n)
				}
			}
			if !utf8.ValidString(got) {
				t.Errorf("snippet %q is not valid UTF-8", got)
			}
			if n := utf8.RuneCountInString(html.UnescapeString(stripMarks(got))); n > snippetRunes+2 {
				t.Errorf("snippet of %d characters", n)
			}
		})
	}
}

func stripMarks(s string) string {
	return strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
}

// TestMatchSpansAsAnalysed checks that looking for a term's literal text in
// the folded body finds the very spans that analysing the body finds, with
// traditional and full-width characters, Latin words inside and beside
// Chinese, and terms that need the analysis (mixed, with spaces).
func TestMatchSpansAsAnalysed(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	bodies := []string{
		"本平台出借人本金兑付进展：出借人本金已兑付30%。逾期借款人名单见附件。",
		"鷺汀創投兌付公告：鷺汀創投于２０２０年清退，ＡＢＣ金融同日公告。",
		"P2P平台abc与abcd、xabc不同；ABC在句尾abc",
		"贷贷贷，汀南，出借 人本金（拆开的不算）",
		"",
	}
	for _, text := range []string{"出借人本金", "兑付", "贷", "鹭汀创投", "创投兑", "abc", "2020", "ABC金融", "p2p平台", "出借 人本金", "汀", "不存在"} {
		seq := phraseTerms(ix.zh.Analyze([]byte(text)))
		m := newMark(text, seq)
		for _, body := range bodies {
			got := cleanSpans(body, ix.matchSpans(body, []mark{m}))
			want := cleanSpans(body, ix.analysedSpans(body, [][]string{seq}))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%q in %q: %v, analysed %v (literal %q)", text, body, got, want, m.lit)
			}
		}
	}
}
