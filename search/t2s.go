package search

import (
	_ "embed"
	"strings"
	"unicode/utf8"
)

// tsCharacters is OpenCC's table of traditional characters and their
// simplified forms (dictionary/TSCharacters.txt of
// github.com/longbridgeapp/opencc v0.3.13, Apache License 2.0, see
// t2s/LICENSE): one line per character, a tab, then the simplified
// candidates separated by spaces, the usual one first.
//
//go:embed t2s/TSCharacters.txt
var tsCharacters string

// t2s maps a traditional character to its usual simplified form. The fold is
// per character, so offsets stay exact; both the index and the query are
// folded, so a query in either script finds text in either script.
var t2s = loadT2S(tsCharacters)

// t2sMaybe has a bit set for each rune of the basic plane that t2s maps, so
// that folding the runes it does not map (most of a simplified text) skips
// the map; runes beyond the plane always look in it.
var t2sMaybe = func() (bits [1 << 16 / 64]uint64) {
	for r := range t2s {
		if r < 1<<16 {
			bits[r>>6] |= 1 << (r & 63)
		}
	}
	return bits
}()

func loadT2S(table string) map[rune]rune {
	m := make(map[rune]rune, 4200)
	for _, line := range strings.Split(table, "\n") {
		from, to, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if !ok || utf8.RuneCountInString(from) != 1 {
			continue
		}
		to, _, _ = strings.Cut(to, " ")
		if utf8.RuneCountInString(to) != 1 {
			continue
		}
		f, _ := utf8.DecodeRuneInString(from)
		s, _ := utf8.DecodeRuneInString(to)
		if f != s {
			m[f] = s
		}
	}
	return m
}
