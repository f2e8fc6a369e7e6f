package pdfscan

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/ledongthuc/pdf"
)

// Text returns the text of each page of a PDF written by printdoc, a line for each string shown.
// printdoc's text is in a font whose codes are UTF-16 (its ToUnicode map is the identity), so the
// strings of the content streams are decoded as UTF-16 here; ledongthuc/pdf reads the file's
// structure and inflates the streams.
func Text(b []byte) ([]string, error) {
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("pdfscan: %w", err)
	}
	pages := make([]string, r.NumPage())
	for i := range pages {
		contents := r.Page(i + 1).V.Key("Contents")
		streams := []pdf.Value{contents}
		if contents.Kind() == pdf.Array {
			streams = streams[:0]
			for j := 0; j < contents.Len(); j++ {
				streams = append(streams, contents.Index(j))
			}
		}
		var lines []string
		for _, s := range streams {
			raw, err := io.ReadAll(s.Reader())
			if err != nil {
				return nil, fmt.Errorf("pdfscan: page %d: %w", i+1, err)
			}
			lines = append(lines, literalStrings(raw)...)
		}
		pages[i] = strings.Join(lines, "\n")
	}
	return pages, nil
}

// literalStrings returns the (…) strings of a content stream, unescaped and decoded from UTF-16BE.
func literalStrings(b []byte) []string {
	var out []string
	for i := 0; i < len(b); i++ {
		if b[i] != '(' {
			continue
		}
		var s []byte
		depth := 1
		for i++; i < len(b) && depth > 0; i++ {
			c := b[i]
			switch {
			case c == '\\' && i+1 < len(b):
				i++
				switch e := b[i]; e {
				case 'n':
					s = append(s, '\n')
				case 'r':
					s = append(s, '\r')
				case 't':
					s = append(s, '\t')
				case 'b':
					s = append(s, '\b')
				case 'f':
					s = append(s, '\f')
				default:
					if e >= '0' && e <= '7' {
						v := 0
						for k := 0; k < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7'; k++ {
							v = v*8 + int(b[i]-'0')
							i++
						}
						i--
						s = append(s, byte(v))
					} else {
						s = append(s, e)
					}
				}
			case c == '(':
				depth++
				s = append(s, c)
			case c == ')':
				depth--
				if depth > 0 {
					s = append(s, c)
				}
			default:
				s = append(s, c)
			}
		}
		i--
		u := make([]uint16, len(s)/2)
		for k := range u {
			u[k] = uint16(s[2*k])<<8 | uint16(s[2*k+1])
		}
		out = append(out, string(utf16.Decode(u)))
	}
	return out
}
