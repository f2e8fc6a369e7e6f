package search

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// maxPinyinRunes bounds the part of a name whose readings are indexed.
const maxPinyinRunes = 24

// pinyinArgs reads every character in its most common reading, without tones.
var pinyinArgs = func() pinyin.Args {
	a := pinyin.NewArgs()
	a.Style = pinyin.Normal
	a.Fallback = func(r rune, _ pinyin.Args) []string {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return []string{strings.ToLower(string(r))}
		}
		return nil
	}
	return a
}()

// readings returns the toneless pinyin of each character of s that has one
// (Latin letters and digits stand for themselves, anything else is skipped).
func readings(s string) []string {
	var out []string
	for _, r := range []rune(s) {
		if p := pinyin.SinglePinyin(r, pinyinArgs); len(p) > 0 && p[0] != "" {
			out = append(out, p[0])
		}
	}
	return out
}

// Reading returns the toneless pinyin of text's Chinese characters run
// together ("鹭汀创投" → "lutingchuangtou"), "" when text has none.
func Reading(text string) string {
	var b strings.Builder
	for _, r := range text {
		if !unicode.Is(unicode.Han, r) {
			continue
		}
		r, _ = foldRune(r)
		if p := pinyin.SinglePinyin(r, pinyinArgs); len(p) > 0 {
			b.WriteString(p[0])
		}
	}
	return b.String()
}

// pinyinKeys returns the pinyin keys of names: for every run of two or more
// characters of a name, its full pinyin run together ("luting",
// "lutingchuangtou", "tingchuang") and, from three characters, its
// initials ("ltct"); the whole name's initials from two. A query term in
// Latin letters is looked up among them as one key, so "luting" and "ltct"
// find 鹭汀创投.
func pinyinKeys(names []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, name := range names {
		var han []rune
		for _, r := range name {
			if unicode.Is(unicode.Han, r) {
				r, _ = foldRune(r)
				han = append(han, r)
			}
		}
		if len(han) > maxPinyinRunes {
			han = han[:maxPinyinRunes]
		}
		rs := readings(string(han))
		if len(rs) != len(han) {
			continue // a character without a reading would shift the runs
		}
		for i := range rs {
			full, initials := rs[i], rs[i][:1]
			for j := i + 1; j < len(rs); j++ {
				full += rs[j]
				initials += rs[j][:1]
				add(full)
				if j-i >= 2 || (i == 0 && j == len(rs)-1) {
					add(initials)
				}
			}
		}
	}
	return out
}

// pinyinTerm returns a query term as a pinyin key: lower-case Latin letters
// only, at least two; "" otherwise.
func pinyinTerm(s string) string {
	s = strings.ToLower(s)
	if len(s) < 2 {
		return ""
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return s
}

// Initials returns the first letter of the toneless pinyin of each of text's Chinese characters
// ("鹭汀创投" → "ltct"), "" when text has none.
func Initials(text string) string {
	var b strings.Builder
	for _, r := range text {
		if !unicode.Is(unicode.Han, r) {
			continue
		}
		r, _ = foldRune(r)
		if p := pinyin.SinglePinyin(r, pinyinArgs); len(p) > 0 && p[0] != "" {
			b.WriteByte(p[0][0])
		}
	}
	return b.String()
}
