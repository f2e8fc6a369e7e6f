package search

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPhraseTextAsAnalysed: a phrase of Chinese characters looked for as it
// stands in the folded text is found as often as its terms stand in a row in
// the analysed text (the positions the index no longer keeps for bodies), on
// random texts with punctuation, spaces, Latin words, full-width and
// traditional forms.
func TestPhraseTextAsAnalysed(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 19))
	alphabet := []string{"兑", "付", "本", "金", "出", "借", "人", "兌", "，", " ", "ab", "２０", "。", "\u3000", "é", "😀"}
	text := func(n int) string {
		var b strings.Builder
		traditional := rng.IntN(2) == 0 // half the texts have 兌, the traditional 兑
		for range n {
			if a := alphabet[rng.IntN(len(alphabet))]; a != "兌" || traditional {
				b.WriteString(a)
			}
		}
		return b.String()
	}
	han := []rune("兑付本金出借人兌")
	found, told := 0, 0
	for range 3000 {
		body := text(60)
		p := make([]rune, 4+rng.IntN(4))
		for i := range p {
			p[i] = han[rng.IntN(len(han))]
		}
		if rng.IntN(2) == 0 { // a phrase that stands in the text
			rs := []rune(body)
			at := rng.IntN(len(rs) - len(p))
			copy(rs[at:], p)
			body = string(rs)
		}
		phrase := string(p)
		seq := phraseTerms(textAnalysis().Analyze([]byte(phrase)))
		pt := newPhraseText(fieldBody, seq, phrase)
		if pt.lit == nil {
			t.Fatalf("%q: not looked for as it stands", phrase)
		}
		got, want := pt.count([]byte(body)), countAnalysed([]byte(body), seq)
		if got != want {
			t.Errorf("%q in %q: %d as it stands, %d analysed", phrase, body, got, want)
		}
		// How often its trigrams and shared bigrams stand, when they tell, tell right.
		freq := map[string]uint64{}
		for _, tok := range textAnalysis().Analyze([]byte(body)) {
			freq[string(tok.Term)]++
		}
		var tri, shared []uint64
		for _, g := range pt.tris {
			tri = append(tri, freq[g])
		}
		for _, g := range pt.shared {
			shared = append(shared, freq[g])
		}
		if n, ok := pt.fromFreqs(tri, shared); ok {
			told++
			if n != want {
				t.Errorf("%q in %q: %d from the frequencies %v %v, %d analysed", phrase, body, n, tri, shared, want)
			}
		}
		found += int(want)
	}
	if found < 500 || told < 1000 {
		t.Fatalf("only %d occurrences, %d told by frequencies: the test is too weak", found, told)
	}
	for _, text := range []string{"出借 人本金", "p2p平台", "出借人，本金", "2020年"} {
		if pt := newPhraseText(fieldBody, nil, text); pt.lit != nil {
			t.Errorf("%q is looked for as it stands; it needs the analysed text", text)
		}
	}
}
