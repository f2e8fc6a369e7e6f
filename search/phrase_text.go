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
type phraseText struct {
	field string
	lit   []byte   // the folded phrase when it is all Han characters; else nil
	seq   []string // its phrase terms (phraseTerms), "" a gap
}

// newPhraseText verifies the phrase seq, typed as text, in field.
func newPhraseText(field string, seq []string, text string) *phraseText {
	t := &phraseText{field: field, seq: seq}
	if folded, _ := fold([]byte(text)); oneRun(folded) {
		t.lit = bytes.Clone(folded)
	}
	return t
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
	folded, _ := fold(text)
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
