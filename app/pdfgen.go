package app

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// PDF page geometry, in points: A4 with 72pt (1 inch) margins.
const (
	pdfPageWidth   = 595
	pdfPageHeight  = 842
	pdfMargin      = 72
	pdfBodySize    = 12 // body text size; 36 CJK characters fill a line
	pdfTitleSize   = 16
	pdfFooterSize  = 9
	pdfBodyLeading = 20
	pdfTitleLead   = 24
	pdfBodyEms     = 36 // line width in ems of the body size (432pt of the 451pt between margins)
	pdfTitleEms    = 26
)

// simplePDF writes a small, valid PDF 1.4 document: a centred title and the paragraphs below it,
// wrapped to about 36 CJK characters a line at 12pt, on as many A4 pages as needed, each with a page
// number. Text is set in STSong-Light, one of the Adobe CJK fonts every PDF reader supplies, so no
// font is embedded; a ToUnicode map lets text extraction give the characters back. Paragraphs start
// with a two-character indent, except a salutation (a short paragraph that ends with a full-width
// colon, such as “尊敬的各位出借人：”) and a paragraph that starts with a tab, which is set flush
// right (a signature or a date). Latin letters and digits take the proportional widths of the font. Characters outside the Basic Multilingual Plane are shown as □. The output depends
// only on the input.
func simplePDF(title string, paragraphs []string) []byte {
	type line struct {
		text  string
		size  int
		x, y  float64
		page  int
		right bool
	}
	var lines []line
	page, y := 0, float64(pdfPageHeight-pdfMargin)
	next := func(lead float64) {
		y -= lead
		if y < pdfMargin {
			page++
			y = float64(pdfPageHeight - pdfMargin)
		}
	}
	for _, t := range pdfWrap(strings.TrimSpace(title), pdfTitleEms) {
		w := pdfTextEms(t) * pdfTitleSize
		lines = append(lines, line{text: t, size: pdfTitleSize, x: (pdfPageWidth - w) / 2, y: y, page: page})
		next(pdfTitleLead)
	}
	next(pdfBodyLeading / 2)
	for _, p := range paragraphs {
		right := strings.HasPrefix(p, "\t")
		p = strings.TrimSpace(p)
		if p == "" {
			next(pdfBodyLeading)
			continue
		}
		if !right && !(strings.HasSuffix(p, "：") && utf8.RuneCountInString(p) <= 20) {
			p = "\u3000\u3000" + p
		}
		for _, t := range pdfWrap(p, pdfBodyEms) {
			x := float64(pdfMargin)
			if right {
				x = pdfPageWidth - pdfMargin - pdfTextEms(t)*pdfBodySize
			}
			lines = append(lines, line{text: t, size: pdfBodySize, x: x, y: y, page: page})
			next(pdfBodyLeading)
		}
		next(pdfBodyLeading / 3)
	}
	pages := page + 1
	if len(lines) > 0 && lines[len(lines)-1].page < page && y == float64(pdfPageHeight-pdfMargin) {
		pages = page // the last paragraph gap spilled onto an empty page
	}

	// Content streams, one per page, each ending with its page number.
	used := map[rune]bool{}
	contents := make([]bytes.Buffer, pages)
	for _, l := range lines {
		c := &contents[l.page]
		fmt.Fprintf(c, "BT /F1 %d Tf 1 0 0 1 %.2f %.2f Tm <%s> Tj ET\n", l.size, l.x, l.y, pdfHex(l.text, used))
	}
	for i := range contents {
		footer := fmt.Sprintf("第 %d 页，共 %d 页", i+1, pages)
		w := pdfTextEms(footer) * pdfFooterSize
		fmt.Fprintf(&contents[i], "BT /F1 %d Tf 1 0 0 1 %.2f %d Tm <%s> Tj ET\n", pdfFooterSize, (pdfPageWidth-w)/2, pdfMargin/2, pdfHex(footer, used))
	}

	// Objects: 1 catalog, 2 page tree, 3 font, 4 CID font, 5 descriptor, 6 ToUnicode, 7 info,
	// then a page and its content stream for every page.
	var objs [][]byte
	kids := make([]string, pages)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 8+2*i)
	}
	objs = append(objs,
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		fmt.Appendf(nil, "<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages),
		[]byte("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>"),
		[]byte("<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 5 0 R /DW 1000 /W [1 ["+pdfLatinW()+"]] >>"),
		[]byte("<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"),
		pdfStream(toUnicodeCMap(used)),
		fmt.Appendf(nil, "<< /Title <FEFF%s> /Producer (Pilu) >>", pdfHex(title, nil)),
	)
	for i := range pages {
		objs = append(objs,
			fmt.Appendf(nil, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", pdfPageWidth, pdfPageHeight, 9+2*i),
			pdfStream(contents[i].Bytes()))
	}

	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n", i+1)
		out.Write(o)
		out.WriteString("\nendobj\n")
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return out.Bytes()
}

// pdfStream wraps data as an uncompressed stream object.
func pdfStream(data []byte) []byte {
	return fmt.Appendf(nil, "<< /Length %d >>\nstream\n%s\nendstream", len(data), data)
}

// pdfRune maps a character to the UCS-2 code the UniGB-UCS2-H encoding takes: characters beyond
// the Basic Multilingual Plane and control characters become □.
func pdfRune(r rune) rune {
	if r > 0xFFFF || r < 0x20 || (r >= 0xD800 && r <= 0xDFFF) {
		return '□'
	}
	return r
}

// pdfHex writes text as the hex digits of its UTF-16BE (UCS-2) codes and records the codes in used.
func pdfHex(text string, used map[rune]bool) string {
	var b strings.Builder
	for _, r := range text {
		r = pdfRune(r)
		if used != nil {
			used[r] = true
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// toUnicodeCMap maps every code used back to its Unicode character (the codes are UCS-2, so the
// map is the identity on them).
func toUnicodeCMap(used map[rune]bool) []byte {
	codes := make([]rune, 0, len(used))
	for r := range used {
		codes = append(codes, r)
	}
	slices.Sort(codes)
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(codes) > 0 {
		n := min(len(codes), 100)
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, r := range codes[:n] {
			fmt.Fprintf(&b, "<%04X> <%04X>\n", r, r)
		}
		b.WriteString("endbfchar\n")
		codes = codes[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
	return b.Bytes()
}

// pdfTextEms is the width of text in ems: printable ASCII characters take the font's Latin widths,
// everything else a full em.
func pdfTextEms(text string) float64 {
	w := 0.0
	for _, r := range text {
		w += pdfRuneEms(r)
	}
	return w
}

func pdfRuneEms(r rune) float64 {
	if r >= 0x20 && r <= 0x7E {
		return float64(pdfLatinWidths[r-0x20]) / 1000
	}
	return 1
}

// pdfLatinWidths are STSong-Light's widths (thousandths of an em) of the proportional Latin
// characters U+0020–U+007E, which UniGB-UCS2-H maps to CIDs 1–95.
var pdfLatinWidths = [95]int{
	207, 270, 342, 467, 462, 797, 710, 239, 374, 374, 423, 605, 238, 375, 238, 334,
	462, 462, 462, 462, 462, 462, 462, 462, 462, 462, 238, 238, 605, 605, 605, 344,
	748, 684, 560, 695, 739, 563, 511, 729, 793, 318, 312, 666, 526, 896, 758, 772,
	544, 772, 628, 465, 607, 753, 711, 972, 647, 620, 607, 374, 333, 374, 606, 500,
	239, 417, 503, 427, 529, 415, 264, 444, 518, 241, 230, 495, 228, 793, 527, 524,
	524, 504, 338, 336, 277, 517, 450, 652, 466, 452, 407, 370, 258, 370, 605,
}

// pdfLatinW is the width array of CIDs 1–95 for the font's /W entry.
func pdfLatinW() string {
	parts := make([]string, len(pdfLatinWidths))
	for i, w := range pdfLatinWidths {
		parts[i] = strconv.Itoa(w)
	}
	return strings.Join(parts, " ")
}

// pdfWrap breaks text into lines of at most ems wide. A run of ASCII letters and digits (a number,
// a web address) is kept on one line when it fits; closing punctuation never starts a line, it hangs
// at the end of the previous one.
func pdfWrap(text string, ems float64) []string {
	var lines []string
	var cur strings.Builder
	width := 0.0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		width = 0
	}
	for len(text) > 0 {
		tok := pdfNextToken(text)
		text = text[len(tok):]
		w := pdfTextEms(tok)
		switch {
		case width+w <= ems:
		case width > 0 && utf8.RuneCountInString(tok) == 1 && strings.Contains(pdfClosingPunct, tok):
			cur.WriteString(tok) // hanging punctuation
			flush()
			continue
		case width > 0 && w <= ems:
			flush()
			if tok == " " {
				continue
			}
		default: // longer than a line: break it character by character
			for _, r := range tok {
				if width+pdfRuneEms(r) > ems {
					flush()
				}
				cur.WriteRune(r)
				width += pdfRuneEms(r)
			}
			continue
		}
		cur.WriteString(tok)
		width += w
	}
	if cur.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// pdfClosingPunct holds the characters that must not start a line (避头点号).
const pdfClosingPunct = "，。、；：？！）》」』】〕”’…—.,;:?!)%"

// pdfNextToken returns the first token of text: a run of ASCII characters other than spaces, one
// space, or one other character.
func pdfNextToken(text string) string {
	r, size := utf8.DecodeRuneInString(text)
	if r >= 0x80 || r == ' ' {
		return text[:size]
	}
	i := 0
	for i < len(text) && text[i] < 0x80 && text[i] != ' ' {
		i++
	}
	return text[:i]
}
