package search

import (
	"sort"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names under which the analysis parts are known to Bleve. They are written
// into the index metadata, so renaming one needs a new mappingVersion.
const (
	textAnalyzer = "pilu_zh"
	codeAnalyzer = "pilu_code"
	gramFilter   = "pilu_cjk_grams"
	tokenizer    = "pilu_unicode"
)

// mappingVersion is stored in every index. Bump it whenever the mapping or the
// analysis changes: Open then treats older indexes as broken and the app
// rebuilds them. Version 4: bodies are indexed without term vectors
// (positionsIn), and phrases there are verified from the stored text.
const mappingVersion = "4"

// Field names in the index.
const (
	fieldType     = "type"
	fieldTitle    = "title"
	fieldBody     = "body"
	fieldNames    = "names"  // an institution's own names
	fieldListed   = "listed" // names of institutions a disclosure or notice is about
	fieldCodes    = "codes"
	fieldProvince = "province"
	fieldClass    = "class"
	fieldKind     = "kind"
	fieldDate     = "date"
	fieldURL      = "url"
	fieldDemo     = "demo"
	fieldPinyin   = "pinyin" // full pinyin and initials of an institution's names
)

func init() {
	if err := registry.RegisterTokenizer(tokenizer, func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
		return foldTokenizer{unicode.NewUnicodeTokenizer()}, nil
	}); err != nil {
		panic(err)
	}
	if err := registry.RegisterTokenFilter(gramFilter, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return cjkGrams{}, nil
	}); err != nil {
		panic(err)
	}
}

// foldTokenizer folds the text before the unicode tokenizer runs: full-width
// ASCII forms (ＡＢＣ，１２３，．) and the ideographic space to their half-width
// forms, so "２０２０" is one number as "2020" is (the tokenizer drops
// full-width digits otherwise), and traditional characters to simplified ones
// (see t2s.go), so 鷺汀 finds 鹭汀. Token offsets are mapped back to the
// original text, so snippets mark the characters the reader sees.
type foldTokenizer struct{ inner analysis.Tokenizer }

func (f foldTokenizer) Tokenize(input []byte) analysis.TokenStream {
	folded, offs := fold(input)
	toks := f.inner.Tokenize(folded)
	if offs != nil {
		for _, t := range toks {
			t.Start, t.End = offs.at(t.Start), offs.at(t.End)
		}
	}
	return toks
}

// foldRune returns the folded form of r and whether it differs.
func foldRune(r rune) (rune, bool) {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0, true
	case r == 0x3000:
		return ' ', true
	}
	if r >= 1<<16 || t2sMaybe[r>>6]&(1<<(r&63)) != 0 {
		if s, ok := t2s[r]; ok {
			return s, true
		}
	}
	return r, false
}

// fold returns input with every rune folded (foldRune), and offs, which maps
// an offset of the result at a character's start or end (and the end) to the
// offset in input; offs is nil when nothing was folded (the result is then
// input itself).
func fold(input []byte) (folded []byte, offs *offsets) {
	i := 0
	for i < len(input) {
		if input[i] < utf8.RuneSelf { // ASCII never folds
			i++
			continue
		}
		r, size := utf8.DecodeRune(input[i:])
		if _, ok := foldRune(r); ok {
			break
		}
		i += size
	}
	if i == len(input) {
		return input, nil
	}
	folded = make([]byte, 0, len(input))
	folded = append(folded, input[:i]...)
	offs = &offsets{}
	for i < len(input) {
		if input[i] < utf8.RuneSelf {
			folded = append(folded, input[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(input[i:])
		f, ok := foldRune(r)
		if !ok || (r == utf8.RuneError && size == 1) {
			folded = append(folded, input[i:i+size]...)
			i += size
			continue
		}
		n := len(folded)
		folded = utf8.AppendRune(folded, f)
		i += size
		if len(folded)-n != size {
			offs.folded = append(offs.folded, len(folded))
			offs.orig = append(offs.orig, i)
		}
	}
	return folded, offs
}

// offsets maps offsets in folded text to offsets in the text it was folded
// from. It keeps only where a character's folded form has another length than
// the character (full-width forms, the ideographic space): where each such
// character ends, in both; between them both texts advance together. A body
// of Chinese text has a few dozen of them, not one entry a byte.
type offsets struct {
	folded, orig []int // ascending
}

// at returns the offset in the input of offset k of the folded text (k at a
// character's start or end).
func (o *offsets) at(k int) int {
	j := sort.SearchInts(o.folded, k+1) - 1 // the last change ending at or before k
	if j < 0 {
		return k
	}
	return o.orig[j] + k - o.folded[j]
}

// cjkGrams emits, for each run of adjacent CJK characters, every character
// (unigram), every pair of neighbours (bigram) and every three in a row
// (trigram), each at the position of its first character: a character, a
// two- or a three-character word is one plain term, and a longer word a short
// phrase of trigrams (phraseTerms). Words of three characters are the most
// common after two; as a term rather than a phrase of two bigrams they are
// found without reading where every bigram occurs. Other tokens pass unchanged.
// Positions are renumbered: one per CJK character, one per other token.
type cjkGrams struct{}

func (cjkGrams) Filter(input analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, 3*len(input))
	pos := 1
	for i := 0; i < len(input); {
		tok := input[i]
		if tok.Type != analysis.Ideographic {
			tok.Position = pos
			pos++
			out = append(out, tok)
			i++
			continue
		}
		// Collect the run of CJK tokens that touch each other (the unicode
		// tokenizer gives one token per ideograph, one per kana word).
		var run []gramChar
		j := i
		for ; j < len(input) && input[j].Type == analysis.Ideographic; j++ {
			if j > i && input[j].Start != input[j-1].End {
				break
			}
			run = appendChars(run, input[j])
		}
		i = j
		for k, c := range run {
			out = append(out, &analysis.Token{
				Term: c.term, Start: c.start, End: c.end,
				Position: pos + k, Type: analysis.Single,
			})
			if k+1 < len(run) {
				next := run[k+1]
				term := make([]byte, 0, len(c.term)+len(next.term))
				term = append(append(term, c.term...), next.term...)
				out = append(out, &analysis.Token{
					Term: term, Start: c.start, End: next.end,
					Position: pos + k, Type: analysis.Double,
				})
			}
			if k+2 < len(run) {
				next, third := run[k+1], run[k+2]
				term := make([]byte, 0, len(c.term)+len(next.term)+len(third.term))
				term = append(append(append(term, c.term...), next.term...), third.term...)
				out = append(out, &analysis.Token{
					Term: term, Start: c.start, End: third.end,
					Position: pos + k, Type: analysis.Shingle,
				})
			}
		}
		pos += len(run)
	}
	return out
}

type gramChar struct {
	term       []byte
	start, end int
}

// appendChars splits a CJK token into characters. When an earlier filter
// changed the term's length (width folding of half-width kana), every
// character keeps the whole token's offsets, which is still a valid span.
func appendChars(run []gramChar, tok *analysis.Token) []gramChar {
	exact := len(tok.Term) == tok.End-tok.Start
	for off := 0; off < len(tok.Term); {
		_, size := utf8.DecodeRune(tok.Term[off:])
		c := gramChar{term: tok.Term[off : off+size], start: tok.Start, end: tok.End}
		if exact {
			c.start, c.end = tok.Start+off, tok.Start+off+size
		}
		run = append(run, c)
		off += size
	}
	return run
}

// positionsIn reports whether the index keeps the positions of field's terms
// (term vectors). The short text fields do; bodies do not: their positions were
// two thirds of the index and over half of its build time (issue #19,
// BenchmarkIndexLayouts). A phrase in a body is found from its terms'
// postings and then verified in the stored text of those candidates
// (phraseText); snippets never read positions from the index.
func positionsIn(field string) bool { return field != fieldBody }

// newMapping builds the index mapping: one document shape for every type,
// nothing dynamic, no _all field.
func newMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	if err := im.AddCustomAnalyzer(textAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     tokenizer,
		"token_filters": []interface{}{cjk.WidthName, lowercase.Name, gramFilter},
	}); err != nil {
		return nil, err
	}
	if err := im.AddCustomAnalyzer(codeAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"tokenizer":     single.Name,
		"token_filters": []interface{}{cjk.WidthName, lowercase.Name},
	}); err != nil {
		return nil, err
	}
	im.DefaultAnalyzer = textAnalyzer
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false

	text := func(name string, store bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = textAnalyzer
		f.Store = store
		f.IncludeTermVectors = positionsIn(name) // phrases are matched on positions there
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := func(analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = analyzer == keyword.Name // facets
		return f
	}
	date := mapping.NewDateTimeFieldMapping()
	date.Store = true
	date.IncludeInAll = false
	date.DocValues = true // sorting
	url := mapping.NewTextFieldMapping()
	url.Index = false
	url.Store = true
	url.IncludeInAll = false
	url.IncludeTermVectors = false
	url.DocValues = false
	py := mapping.NewTextFieldMapping()
	py.Analyzer = keyword.Name
	py.Store = false
	py.IncludeInAll = false
	py.IncludeTermVectors = false
	py.DocValues = false
	demo := mapping.NewBooleanFieldMapping()
	demo.Store = false
	demo.IncludeInAll = false
	demo.DocValues = false

	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldType, kw(keyword.Name))
	dm.AddFieldMappingsAt(fieldTitle, text(fieldTitle, true))
	dm.AddFieldMappingsAt(fieldBody, text(fieldBody, true))
	dm.AddFieldMappingsAt(fieldNames, text(fieldNames, false))
	dm.AddFieldMappingsAt(fieldListed, text(fieldListed, false))
	dm.AddFieldMappingsAt(fieldCodes, kw(codeAnalyzer))
	dm.AddFieldMappingsAt(fieldProvince, kw(keyword.Name))
	dm.AddFieldMappingsAt(fieldClass, kw(keyword.Name))
	dm.AddFieldMappingsAt(fieldKind, kw(keyword.Name))
	dm.AddFieldMappingsAt(fieldDate, date)
	dm.AddFieldMappingsAt(fieldURL, url)
	dm.AddFieldMappingsAt(fieldDemo, demo)
	dm.AddFieldMappingsAt(fieldPinyin, py)
	im.DefaultMapping = dm
	return im, nil
}
