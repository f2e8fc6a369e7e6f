package search

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextAnalyzer(t *testing.T) {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	a := m.AnalyzerNamed(textAnalyzer)
	tests := []struct {
		in   string
		want string // term@position[start,end] …
	}{
		{"鹭汀", "鹭@1[0,3] 鹭汀@1[0,6] 汀@2[3,6]"},
		{"鹭", "鹭@1[0,3]"},
		{"鹭汀创", "鹭@1[0,3] 鹭汀@1[0,6] 鹭汀创@1[0,9] 汀@2[3,6] 汀创@2[3,9] 创@3[6,9]"},
		{"鹭，汀", "鹭@1[0,3] 汀@2[6,9]"}, // apart: no bigram
		{"ＡＢＣ公司", "abc@1[0,9] 公@2[9,12] 公司@2[9,15] 司@3[12,15]"},
		{"P2P平台2019年", "p2p@1[0,3] 平@2[3,6] 平台@2[3,9] 台@3[6,9] 2019@4[9,13] 年@5[13,16]"},
		{"91350100M000100Y43", "91350100m000100y43@1[0,18]"},
		{"luting.example.cn", "luting.example.cn@1[0,17]"},
		{"ｌｕｔｉｎｇ", "luting@1[0,18]"},
		{"１２３", "123@1[0,9]"},
		{"〔２０２０〕３号", "2020@1[3,15] 3@2[18,21] 号@3[21,24]"},
		{"鹭汀　ＡＢＣ", "鹭@1[0,3] 鹭汀@1[0,6] 汀@2[3,6] abc@3[9,18]"},
		{"ｌｕｔｉｎｇ．ｃｎ", "luting.cn@1[0,27]"},
		{"\xff鹭", "鹭@1[1,4]"},
		{"😀", ""},
		{`+-=&|><!(){}[]^"~*?:\/`, ""},
		{"カナ", "カ@1[0,3] カナ@1[0,6] ナ@2[3,6]"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var parts []string
			for _, tok := range a.Analyze([]byte(tt.in)) {
				parts = append(parts, fmt.Sprintf("%s@%d[%d,%d]", tok.Term, tok.Position, tok.Start, tok.End))
			}
			if got := strings.Join(parts, " "); got != tt.want {
				t.Errorf("Analyze(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPhraseTerms(t *testing.T) {
	m, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	a := m.AnalyzerNamed(textAnalyzer)
	tests := []struct {
		in   string
		want []string
	}{
		{"鹭", []string{"鹭"}},
		{"鹭汀", []string{"鹭汀"}},
		{"鹭汀创", []string{"鹭汀创"}},
		{"鹭汀创投", []string{"鹭汀创", "汀创投"}},
		{"出借人本金", []string{"出借人", "", "人本金"}},
		{"出借人本金兑", []string{"出借人", "", "人本金", "本金兑"}},
		{"出借人本金兑付", []string{"出借人", "", "人本金", "", "金兑付"}},
		{"A鹭汀创投B", []string{"a", "鹭汀创", "汀创投", "", "", "b"}},
		{"鹭汀 创投", []string{"鹭汀", "", "创投"}}, // the gap stands for 汀's position
		{"鹭 汀", []string{"鹭", "汀"}},
		{"P2P平台2019年", []string{"p2p", "平台", "", "2019", "年"}},
		{"abc def", []string{"abc", "def"}},
		{"😀", nil},
		{"!!", nil},
	}
	for _, tt := range tests {
		got := phraseTerms(a.Analyze([]byte(tt.in)))
		if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("phraseTerms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in   string
		want string // terms as text, "…" for phrases, - for excluded, | between
	}{
		{"", ""},
		{"鹭汀 创投", "鹭汀|创投"},
		{"  鹭汀\t\n创投  ", "鹭汀|创投"},
		{"鹭汀\u3000创投", "鹭汀|创投"},
		{`"鹭汀 创投" 兑付`, `"鹭汀 创投"|兑付`},
		{`-兑付 鹭汀`, "-兑付|鹭汀"},
		{`-"退出 监督"`, `-"退出 监督"`},
		{"－兑付", "-兑付"},
		{`"未闭合 引号`, `"未闭合 引号"`},
		{`“中文 引号”`, `"中文 引号"`},
		{`「直角」`, `"直角"`},
		{`""`, ""},
		{`"`, ""},
		{"-", "-"},
		{"- 鹭汀", "-|鹭汀"},
		{"--鹭汀", "--鹭汀"},
		{`a"b`, `a"b`},
		{"鹭汀-创投", "鹭汀-创投"},
		{strings.Repeat("字 ", 100), strings.TrimSuffix(strings.Repeat("字|", MaxTerms), "|")},
	}
	for _, tt := range tests {
		var parts []string
		for _, term := range parseQuery(tt.in) {
			s := term.text
			if term.phrase {
				s = `"` + s + `"`
			}
			if term.exclude {
				s = "-" + s
			}
			parts = append(parts, s)
		}
		if got := strings.Join(parts, "|"); got != tt.want {
			t.Errorf("parseQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	long := parseQuery(strings.Repeat("鹭", 10000))
	if len(long) != 1 || utf8.RuneCountInString(long[0].text) != MaxTermRunes {
		t.Errorf("a 10,000-character word gives %d terms of %d characters", len(long), utf8.RuneCountInString(long[0].text))
	}
	if got := cutRunes("鹭汀创投", 2); got != "鹭汀" {
		t.Errorf("cutRunes = %q", got)
	}
}

// TestFoldOffsets: fold's sparse offsets map every character boundary of the folded text to the
// boundary in the input that a byte-by-byte map gives (the one fold kept before issue 19.6), on
// text mixing ASCII, full-width forms, the ideographic space, traditional characters, characters
// outside the BMP and broken bytes.
func TestFoldOffsets(t *testing.T) {
	parts := []string{"a", "Z9 ", "，", "ＡＢ", "　", "鷺汀", "鹭汀创投", "。", "𠀋", "\xff", "兑付", "２０２０年", "（", "\n"}
	rnd := rand.New(rand.NewPCG(7, 19))
	for n := range 500 {
		var b strings.Builder
		for range rnd.IntN(30) {
			b.WriteString(parts[rnd.IntN(len(parts))])
		}
		input := []byte(b.String())
		// The byte-by-byte map: each byte of a folded character maps to that character's start.
		var want []int
		var folded []byte
		for i := 0; i < len(input); {
			r, size := utf8.DecodeRune(input[i:])
			f, ok := foldRune(r)
			if !ok || (r == utf8.RuneError && size == 1) {
				folded = append(folded, input[i:i+size]...)
				for k := range size {
					want = append(want, i+k)
				}
			} else {
				m := len(folded)
				folded = utf8.AppendRune(folded, f)
				for range len(folded) - m {
					want = append(want, i)
				}
			}
			i += size
		}
		want = append(want, len(input))
		got, offs := fold(input)
		if string(got) != string(folded) {
			t.Fatalf("%d: fold(%q) = %q, want %q", n, input, got, folded)
		}
		for k := 0; k <= len(got); k++ {
			if k < len(got) && !utf8.RuneStart(got[k]) {
				continue
			}
			at := k
			if offs != nil {
				at = offs.at(k)
			}
			if at != want[k] {
				t.Fatalf("%d: %q: folded offset %d maps to %d, want %d", n, input, k, at, want[k])
			}
		}
	}
}
