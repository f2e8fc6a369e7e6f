package search

import (
	"bytes"
	"fmt"
	"html"
	"math/rand/v2"
	"path/filepath"
	"slices"
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

// TestLiteralSpansAsFolded checks the in-place literal search against the
// plain way to do it, searching a folded, lower-cased copy of the body and
// mapping the offsets back: the same spans for random bodies mixing
// traditional and simplified characters, full-width and ASCII letters and
// digits in either case, ideographic spaces and invalid bytes.
func TestLiteralSpansAsFolded(t *testing.T) {
	folded := func(body string, lit []byte) []span {
		f, offs := fold([]byte(body))
		f = lowerASCII(f)
		orig := func(k int) int {
			if offs == nil {
				return k
			}
			return offs.at(k)
		}
		word := isASCIIWord(lit[0])
		var out []span
		for from := 0; from < len(f); {
			j := bytes.Index(f[from:], lit)
			if j < 0 {
				break
			}
			start, end := from+j, from+j+len(lit)
			if !word || (start == 0 || !isASCIIWord(f[start-1])) && (end == len(f) || !isASCIIWord(f[end])) {
				out = append(out, span{orig(start), orig(end)})
			}
			_, size := utf8.DecodeRune(f[start:])
			from = start + size
		}
		return out
	}
	rng := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"鹭", "鷺", "汀", "创", "創", "投", "兑", "兌", "付", "ab", "AB", "ａｂ", "Ａb", "c", "2", "２", "0", "　", " ", "，", ",", "\xff", "x"}
	body := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	found := 0
	for _, text := range []string{"鹭汀", "鹭汀创投", "兑付", "汀", "ab", "abc", "ab2", "2", "20", "c"} {
		m := newMark(text, nil)
		if m.lit == nil {
			t.Fatalf("%q has no literal", text)
		}
		for range 600 {
			b := body(rng.IntN(40))
			got, want := literalSpans(b, m.lit), folded(b, m.lit)
			slices.SortFunc(got, func(x, y span) int { return x.start - y.start })
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%q in %q: %v, folded copy %v", text, b, got, want)
			}
			found += len(want)
		}
	}
	if found < 1000 {
		t.Fatalf("only %d matches: the test is too weak", found)
	}
}
