package search

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseQuery feeds the query language any text: it never panics, and every term it keeps is
// valid UTF-8 and not empty (an unclosed quote, a lone minus, control characters, emoji, any length).
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`鹭汀 "兑付 进展" -逾期`, `"unclosed`, `-`, `--"`, "\x00\xff", "😀😀", "91440300MA5XXXXXX0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, term := range parseQuery(s) {
			if !utf8.ValidString(term.text) || term.text == "" {
				t.Fatalf("%q gives the term %q", s, term.text)
			}
		}
	})
}
