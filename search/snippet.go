package search

import (
	"html"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Snippet sizes, in characters.
const (
	snippetRunes = 120 // length of a snippet
	snippetLead  = 20  // context kept before the first match
)

// span is a byte range [start, end) of a matched term in the body.
type span struct{ start, end int }

// snippet returns the passage of body with the most distinct matches, the
// matches in <mark>, everything escaped, white space collapsed and "…" where
// the passage was cut. It cuts only between characters, and escapes after
// cutting, so neither a character nor an entity is ever split. Spans that are
// out of range or not on character boundaries are ignored; overlapping ones
// (a bigram and its unigrams) and touching ones are merged.
func snippet(body string, spans []span) string {
	if body == "" {
		return ""
	}
	spans = cleanSpans(body, spans)
	if len(spans) == 0 {
		end := advance(body, 0, snippetRunes)
		return render(body, 0, end, nil)
	}

	// Pick the window with the most distinct matched texts, then the most
	// matches; the earliest wins a tie.
	best, bestScore := 0, -1
	for i := range spans {
		end := advance(body, spans[i].start, snippetRunes)
		seen := map[string]bool{}
		n := 0
		for _, s := range spans[i:] {
			if s.end > end {
				break
			}
			seen[strings.ToLower(body[s.start:s.end])] = true
			n++
		}
		if score := len(seen)*1000 + n; score > bestScore {
			best, bestScore = i, score
		}
	}

	// Start a little before the first match, after a sentence end when one
	// is near, and never inside the previous match.
	first := spans[best].start
	floor := 0
	if best > 0 {
		floor = spans[best-1].end
	}
	start := first
	for k := 0; k < snippetLead && start > floor; k++ {
		r, size := utf8.DecodeLastRuneInString(body[:start])
		if isSentenceEnd(r) {
			break
		}
		start -= size
	}
	for start < first {
		r, size := utf8.DecodeRuneInString(body[start:])
		if !unicode.IsSpace(r) {
			break
		}
		start += size
	}
	end := advance(body, start, snippetRunes)
	// Never end inside a match: drop a match that does not fit.
	var inside []span
	for _, s := range spans[best:] {
		if s.start >= end {
			break
		}
		if s.end > end {
			end = s.start
			break
		}
		inside = append(inside, s)
	}
	return render(body, start, end, inside)
}

func isSentenceEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '；', '\n', '.', '!', '?', ';':
		return true
	}
	return false
}

// cleanSpans sorts spans, drops invalid ones and merges overlapping and
// touching ones (２０１９ and 年 of the term 2019年 make one mark).
func cleanSpans(body string, spans []span) []span {
	var ok []span
	for _, s := range spans {
		if s.start < 0 || s.end > len(body) || s.start >= s.end {
			continue
		}
		if !utf8.RuneStart(body[s.start]) || (s.end < len(body) && !utf8.RuneStart(body[s.end])) {
			continue
		}
		ok = append(ok, s)
	}
	sort.Slice(ok, func(i, j int) bool {
		if ok[i].start != ok[j].start {
			return ok[i].start < ok[j].start
		}
		return ok[i].end > ok[j].end
	})
	var out []span
	for _, s := range ok {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// advance returns the byte offset n characters after from (or the end).
func advance(s string, from, n int) int {
	i := from
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// render writes body[start:end] as HTML with the spans marked.
func render(body string, start, end int, spans []span) string {
	var b strings.Builder
	space := false // last written character was a space
	text := func(s string) {
		for _, r := range s {
			if unicode.IsSpace(r) {
				if !space {
					b.WriteByte(' ')
					space = true
				}
				continue
			}
			space = false
			switch r {
			case '<', '>', '&', '"', '\'':
				b.WriteString(html.EscapeString(string(r)))
			default:
				b.WriteRune(r)
			}
		}
	}
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, s := range spans {
		if s.start < at || s.end > end {
			continue
		}
		text(body[at:s.start])
		b.WriteString("<mark>")
		text(body[s.start:s.end])
		b.WriteString("</mark>")
		at = s.end
	}
	text(body[at:end])
	if end < len(body) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// mark is a wanted term of a query as snippets look for it in a body.
type mark struct {
	seq []string // its phrase terms (phraseTerms), "" a gap
	lit []byte   // its folded, lower-case text when that is all CJK or all ASCII letters and digits; else nil
}

// newMark makes the mark of a term typed as text with phrase terms seq.
func newMark(text string, seq []string) mark {
	m := mark{seq: seq}
	folded, _ := fold([]byte(text))
	lit := lowerASCII(folded) // folded is the copy made here
	han, alnum := true, true
	for _, r := range string(lit) {
		han = han && unicode.Is(unicode.Han, r)
		alnum = alnum && r < utf8.RuneSelf && isASCIIWord(byte(r))
	}
	if len(lit) > 0 && (han || alnum) {
		m.lit = lit
	}
	return m
}

// lowerASCII puts the ASCII capitals of b in lower case, in place, and returns
// b; the length never changes.
func lowerASCII(b []byte) []byte {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return b
}

// isASCIIWord reports whether c is an ASCII letter or digit.
func isASCIIWord(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// matchSpans returns where each of marks occurs in body: the same matches the
// phrase queries find, without the index handing back the locations of every
// hit. A mark with a literal text is looked for in the body as folded
// (literalSpans: a Chinese word is a run of characters; a Latin word or
// number must stand alone); only the others need the body analysed as the
// index does.
func (ix *Index) matchSpans(body string, marks []mark) []span {
	if body == "" || len(marks) == 0 {
		return nil
	}
	var spans []span
	var rest [][]string
	for _, m := range marks {
		if m.lit == nil {
			rest = append(rest, m.seq)
			continue
		}
		spans = append(spans, literalSpans(body, m.lit)...)
	}
	return append(spans, ix.analysedSpans(body, rest)...)
}

// literalSpans returns where lit — folded text in lower case, all CJK or all
// ASCII letters and digits (mark.lit) — occurs in body read as fold and
// lowerASCII read it, in body's own offsets; an ASCII lit must stand alone
// (no ASCII letter or digit, folded, on either side). It reads body in place,
// without a folded copy: a match starts where a character folds to lit's
// first one (foldVariants), and goes on while body's characters fold to
// lit's. Matches may overlap.
func literalSpans(body string, lit []byte) []span {
	first, _ := utf8.DecodeRune(lit)
	word := isASCIIWord(lit[0])
	var spans []span
	for _, v := range foldVariants(first) {
		var buf [utf8.UTFMax]byte
		enc := string(buf[:utf8.EncodeRune(buf[:], v)])
		for from := 0; from < len(body); {
			j := strings.Index(body[from:], enc)
			if j < 0 {
				break
			}
			start := from + j
			from = start + len(enc)
			end, ok := foldedPrefix(body, start, lit)
			if !ok {
				continue
			}
			if word {
				if r, _ := utf8.DecodeLastRuneInString(body[:start]); start > 0 && foldsToWord(r) {
					continue
				}
				if r, _ := utf8.DecodeRuneInString(body[end:]); end < len(body) && foldsToWord(r) {
					continue
				}
			}
			spans = append(spans, span{start, end})
		}
	}
	return spans
}

// foldedLower is r as fold and lowerASCII leave it; an invalid byte
// (utf8.RuneError) stays itself and matches no character of a query.
func foldedLower(r rune) rune {
	if f, ok := foldRune(r); ok {
		r = f
	}
	if 'A' <= r && r <= 'Z' {
		r += 'a' - 'A'
	}
	return r
}

// foldsToWord reports whether r folds to an ASCII letter or digit.
func foldsToWord(r rune) bool {
	f := foldedLower(r)
	return r != utf8.RuneError && f < utf8.RuneSelf && isASCIIWord(byte(f))
}

// foldedPrefix reports whether body, from start, folds to lit (foldedLower
// character by character), and where that ends.
func foldedPrefix(body string, start int, lit []byte) (int, bool) {
	i := start
	for _, want := range string(lit) {
		if i >= len(body) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(body[i:])
		if r == utf8.RuneError && size == 1 || foldedLower(r) != want {
			return 0, false
		}
		i += size
	}
	return i, true
}

// foldVariants returns the characters that fold to r (foldedLower): r itself
// unless it folds to another, its capital, full-width forms, and the
// traditional characters t2s maps to it.
func foldVariants(r rune) []rune {
	cands := append([]rune{r}, t2sFrom()[r]...)
	if 'a' <= r && r <= 'z' {
		cands = append(cands, r-'a'+'A')
	}
	for _, c := range slices.Clone(cands) {
		if '!' <= c && c <= '~' {
			cands = append(cands, c+0xFEE0) // the full-width form
		}
	}
	out := cands[:0]
	for _, c := range cands {
		if foldedLower(c) == r && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// t2sFrom maps a simplified character to the traditional ones t2s folds to
// it, made on first use.
var t2sFrom = sync.OnceValue(func() map[rune][]rune {
	m := map[rune][]rune{}
	for from, to := range t2s {
		m[to] = append(m[to], from)
	}
	for _, froms := range m {
		slices.Sort(froms)
	}
	return m
})

// analysedSpans analyses body as the index does and returns where each of
// marks (phrase terms from phraseTerms, "" a gap) occurs.
func (ix *Index) analysedSpans(body string, marks [][]string) []span {
	if len(marks) == 0 {
		return nil
	}
	type tok struct {
		term       string
		start, end int
	}
	at := map[int][]tok{}
	for _, t := range ix.zh.Analyze([]byte(body)) {
		at[t.Position] = append(at[t.Position], tok{string(t.Term), t.Start, t.End})
	}
	find := func(pos int, term string) (tok, bool) {
		for _, t := range at[pos] {
			if t.term == term {
				return t, true
			}
		}
		return tok{}, false
	}
	var spans []span
	for pos, toks := range at {
		for _, seq := range marks {
			first, ok := tok{}, false
			for _, t := range toks {
				if t.term == seq[0] {
					first, ok = t, true
				}
			}
			if !ok {
				continue
			}
			s := span{first.start, first.end}
			for i := 1; i < len(seq) && ok; i++ {
				if seq[i] == "" {
					continue
				}
				var t tok
				if t, ok = find(pos+i, seq[i]); ok {
					s.end = max(s.end, t.end)
				}
			}
			if ok {
				spans = append(spans, s)
			}
		}
	}
	return spans
}
