package search

import (
	"bytes"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// phraseText verifies a phrase in a field whose positions the index does not
// keep (positionsIn: bodies), from the field's stored text: it counts the
// places where the phrase's terms stand in a row, as the positions would.
// A phrase of Chinese characters only (nearly every phrase: a word of four
// or more characters is one) is looked for as it stands in the folded text:
// its terms stand in a row exactly where its characters do, one run of
// characters (phraseTerms covers a run with overlapping trigrams). Any other
// phrase (Latin words, numbers, punctuation or spaces between its parts) is
// matched on the text analysed as the index analyses it, which costs more.
//
// Reading the stored text costs (tens of microseconds a document), and a
// common phrase has tens of thousands of candidates in a segment; most are
// settled without it, from how often the phrase's trigrams and the bigrams
// two neighbouring trigrams share stand in the document (fromFreqs), which
// the postings hold.
type phraseText struct {
	field  string
	lit    []byte   // the folded phrase when it is all Han characters; else nil
	seq    []string // its phrase terms (phraseTerms), "" a gap
	tris   []string // with lit: its trigrams, one at each character but the last two
	shared []string // with lit: the bigram tris[i] and tris[i+1] share
}

// newPhraseText verifies the phrase seq, typed as text, in field.
func newPhraseText(field string, seq []string, text string) *phraseText {
	t := &phraseText{field: field, seq: seq}
	if folded, _ := fold([]byte(text)); oneRun(folded) {
		t.lit = bytes.Clone(folded)
		rs := []rune(string(folded))
		for i := 0; i+3 <= len(rs); i++ {
			t.tris = append(t.tris, string(rs[i:i+3]))
			if i+4 <= len(rs) {
				t.shared = append(t.shared, string(rs[i+1:i+3]))
			}
		}
	}
	return t
}

// fromFreqs returns how often the phrase (lit, of n characters) stands in a
// text where its trigrams stand tri[i] times and the bigrams they share
// shared[i] times, when those tell, with ok. The phrase stands where a run
// of its trigrams, each one character on from the last, does. When shared[i]
// == tri[i], every occurrence of the shared bigram comes after the phrase's
// character before it, so every tri[i+1] extends to the left into a tri[i];
// when shared[i] == tri[i+1], every tri[i] extends to the right. If from some
// trigram k every join to its left extends left and every join to its right
// extends right, each occurrence of trigram k is one of the phrase: it
// stands tri[k] times. (The positions would give the same count: both count
// the places where the characters stand in one run.)
func (t *phraseText) fromFreqs(tri, shared []uint64) (uint64, bool) {
	for _, f := range tri {
		if f == 0 {
			return 0, true // a trigram missing: the phrase is not there
		}
	}
	// left[k]: every join left of trigram k extends left.
	leftOK := true
	for k := range tri {
		if k > 0 {
			leftOK = leftOK && shared[k-1] == tri[k-1]
		}
		if !leftOK {
			return 0, false
		}
		rightOK := true
		for i := k; i < len(shared) && rightOK; i++ {
			rightOK = shared[i] == tri[i+1]
		}
		if rightOK {
			return tri[k], true
		}
	}
	return 0, false
}

// oneRun reports whether text, folded, is one run of Han characters that the
// analyzer makes one character each, as they stand: then its terms stand in a
// row in a text exactly where it stands in the folded text.
func oneRun(folded []byte) bool {
	var chars []string
	for _, r := range string(folded) {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
		chars = append(chars, string(r))
	}
	if len(chars) == 0 {
		return false
	}
	var singles []string
	for _, tok := range textAnalysis().Analyze(folded) {
		switch tok.Type {
		case analysis.Single:
			if tok.Position != len(singles)+1 {
				return false
			}
			singles = append(singles, string(tok.Term))
		case analysis.Double, analysis.Shingle:
		default:
			return false
		}
	}
	return slices.Equal(singles, chars)
}

// in counts the places where the phrase stands in document d of ss
// (its stored text of the field).
func (t *phraseText) in(ss *segmentSnapshot, d uint32) (n uint64, err error) {
	err = visitStoredField(ss, uint64(d), t.field, func(v []byte) { n = t.count(v) })
	return n, err
}

// count counts the places where the phrase stands in text.
func (t *phraseText) count(text []byte) uint64 {
	if t.lit == nil {
		return countAnalysed(text, t.seq)
	}
	// Only traditional characters fold into the Han characters the phrase is
	// made of (full-width forms fold to ASCII): a text without any is
	// searched as it stands, without a folded copy.
	folded := text
	if !t2sFree(text) {
		folded, _ = fold(text)
	}
	var n uint64
	for from := 0; ; {
		j := bytes.Index(folded[from:], t.lit)
		if j < 0 {
			return n
		}
		n++
		_, size := utf8.DecodeRune(folded[from+j:])
		from += j + size
	}
}

// textAnalysis is the text analyzer of the index mapping, for phrases checked
// on analysed text.
var textAnalysis = sync.OnceValue(func() analysis.Analyzer {
	m, err := newMapping()
	if err != nil {
		panic(err) // the mapping is built from constants: a test fails first
	}
	return m.AnalyzerNamed(textAnalyzer)
})

// countAnalysed counts the positions of text, analysed as the index does,
// where seq's terms stand at consecutive positions ("" any term).
func countAnalysed(text []byte, seq []string) uint64 {
	if len(seq) == 0 {
		return 0
	}
	at := map[int][]string{}
	for _, tok := range textAnalysis().Analyze(text) {
		at[tok.Position] = append(at[tok.Position], string(tok.Term))
	}
	has := func(pos int, term string) bool {
		for _, t := range at[pos] {
			if t == term {
				return true
			}
		}
		return false
	}
	var n uint64
	for pos := range at {
		all := true
		for i, term := range seq {
			if term != "" && !has(pos+i, term) {
				all = false
				break
			}
		}
		if all {
			n++
		}
	}
	return n
}

// t2sFree reports whether text (valid UTF-8) has no character that folds
// from traditional to simplified (t2s); false when it cannot tell quickly
// (a character outside the Basic Multilingual Plane).
func t2sFree(text []byte) bool {
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c < 0xC0: // ASCII (or a continuation byte, which valid text never starts at)
			i++
		case c < 0xE0:
			i += 2
		case c < 0xF0 && i+2 < len(text):
			r := rune(c&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F)
			if t2sMaybe[r>>6]&(1<<(r&63)) != 0 {
				if _, ok := t2s[r]; ok {
					return false
				}
			}
			i += 3
		default:
			return false
		}
	}
	return true
}
