package printdoc

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// font is WenQuanYi Micro Hei (Apache-2.0; see fonts/README.md).
//
//go:embed fonts/wqy-microhei.ttf
var font []byte

// fontName is the family the embedded font is registered under.
const fontName = "wqy"

// Page geometry in millimetres: A4 with 20 mm margins and room for the footer.
const (
	pageW, pageH = 210.0, 297.0
	margin       = 20.0
	bottom       = 22.0 // the body stops this far above the page's lower edge
	textW        = pageW - 2*margin
	bodySize     = 11.0
	bodyLead     = 6.4
	cellSize     = 9.0
	cellLead     = 4.6
	cellPad      = 1.4
	qrSide       = 34.0
)

// PDF writes doc as an A4 PDF with the font embedded.
func PDF(doc Doc) ([]byte, error) {
	w := newWriter(doc)
	w.head()
	w.paragraphs()
	for _, t := range doc.Tables {
		w.table(t)
	}
	if err := w.verify(); err != nil {
		return nil, err
	}
	w.footers()
	var buf bytes.Buffer
	if err := w.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("printdoc: write pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// writer is one document being laid out.
type writer struct {
	doc Doc
	pdf *fpdf.Fpdf
}

func newWriter(doc Doc) *writer {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(false, bottom)
	p.AddUTF8FontFromBytes(fontName, "", font)
	p.SetTitle(doc.Title, true)
	p.SetSubject(doc.Subject, true)
	p.SetAuthor(doc.Header, true)
	p.SetCreator("Pilu", false)
	p.SetProducer("Pilu (codeberg.org/go-pdf/fpdf)", false)
	p.SetLang(doc.Lang)
	p.SetCreationDate(doc.Created)
	p.SetModificationDate(doc.Created)
	p.SetCatalogSort(true)
	p.SetTextColor(0, 0, 0)
	p.SetDrawColor(90, 90, 90)
	p.SetLineWidth(0.2)
	p.AddPage()
	return &writer{doc: doc, pdf: p}
}

// room starts a new page unless h millimetres fit above the footer; it reports whether it did.
func (w *writer) room(h float64) bool {
	if w.pdf.GetY()+h <= pageH-bottom {
		return false
	}
	w.pdf.AddPage()
	return true
}

// lines writes text wrapped to width at the left margin plus dx, aligned ("L", "C", "R").
func (w *writer) lines(text string, size, lead, dx, width float64, align string, indent bool) {
	w.pdf.SetFont(fontName, "", size)
	for _, l := range w.wrap(text, width, indent) {
		w.room(lead)
		w.pdf.SetX(margin + dx)
		w.pdf.CellFormat(width, lead, l, "", 1, align, false, 0, "")
	}
}

func (w *writer) head() {
	d := w.doc
	if d.Header != "" {
		w.lines(d.Header, 12, 7, 0, textW, "C", false)
		w.pdf.Ln(2)
	}
	w.lines(d.Title, 17, 9, 0, textW, "C", false)
	if d.Number != "" {
		w.pdf.Ln(1)
		w.lines(d.Number, 11, 6.5, 0, textW, "C", false)
	}
	w.pdf.Ln(3)
	y := w.pdf.GetY()
	w.pdf.Line(margin, y, pageW-margin, y)
	w.pdf.Ln(3)
	const labelW = 38.0
	for _, f := range d.Facts {
		w.pdf.SetFont(fontName, "", 10)
		values := w.wrap(f.Value, textW-labelW, false)
		w.room(float64(len(values)) * 5.6)
		w.pdf.SetTextColor(80, 80, 80)
		w.pdf.CellFormat(labelW, 5.6, f.Label, "", 0, "L", false, 0, "")
		w.pdf.SetTextColor(0, 0, 0)
		for i, v := range values {
			if i > 0 {
				w.pdf.SetX(margin + labelW)
			}
			w.pdf.CellFormat(textW-labelW, 5.6, v, "", 1, "L", false, 0, "")
		}
		if len(values) == 0 {
			w.pdf.Ln(5.6)
		}
	}
	w.pdf.Ln(4)
}

func (w *writer) paragraphs() {
	for _, p := range w.doc.Paragraphs {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		w.lines(p, bodySize, bodyLead, 0, textW, "L", w.doc.Indent)
		w.pdf.Ln(1.5)
	}
}

// table draws t row by row; a row that does not fit goes to a new page under the repeated heading.
func (w *writer) table(t Table) {
	var total float64
	for _, c := range t.Columns {
		total += c.Weight
	}
	widths := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = textW * c.Weight / total
	}
	w.pdf.Ln(2)
	if t.Title != "" {
		w.room(8 + 3*cellLead)
		w.lines(t.Title, 12, 7, 0, textW, "L", false)
	}
	heading := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		heading[i] = c.Label
	}
	w.row(t.Columns, widths, heading, true)
	for _, r := range t.Rows {
		if w.row(t.Columns, widths, r, false) {
			continue
		}
		w.pdf.AddPage()
		w.row(t.Columns, widths, heading, true)
		w.row(t.Columns, widths, r, false)
	}
	w.pdf.Ln(3)
}

// row draws one row of cells with their borders; false (and nothing drawn) when it does not fit on
// this page.
func (w *writer) row(cols []Column, widths []float64, cells []string, heading bool) bool {
	w.pdf.SetFont(fontName, "", cellSize)
	wrapped := make([][]string, len(cols))
	n := 1
	for i := range cols {
		if i < len(cells) {
			wrapped[i] = w.wrap(cells[i], widths[i]-2*cellPad, false)
		}
		n = max(n, len(wrapped[i]))
	}
	h := float64(n)*cellLead + 2*cellPad
	y := w.pdf.GetY()
	if y+h > pageH-bottom {
		return false
	}
	x := margin
	if heading {
		w.pdf.SetFillColor(235, 235, 235)
	}
	for i, c := range cols {
		style := "D"
		if heading {
			style = "FD"
		}
		w.pdf.Rect(x, y, widths[i], h, style)
		align := c.Align
		if heading || align == "" {
			align = "L"
		}
		for j, l := range wrapped[i] {
			w.pdf.SetXY(x+cellPad, y+cellPad+float64(j)*cellLead)
			w.pdf.CellFormat(widths[i]-2*cellPad, cellLead, l, "", 0, align, false, 0, "")
		}
		x += widths[i]
	}
	w.pdf.SetXY(margin, y+h)
	return true
}

// verify draws the QR code with the short address and the lines that tell how to check the
// document, on this page when they fit.
func (w *writer) verify() error {
	v := w.doc.Verify
	if v.URL == "" {
		return nil
	}
	png, err := QRPNG(v.URL)
	if err != nil {
		return err
	}
	w.pdf.Ln(4)
	w.room(qrSide + 8)
	y := w.pdf.GetY()
	w.pdf.Line(margin, y, pageW-margin, y)
	y += 3
	opt := fpdf.ImageOptions{ImageType: "PNG", ReadDpi: false}
	w.pdf.RegisterImageOptionsReader("verify-qr", opt, bytes.NewReader(png))
	w.pdf.ImageOptions("verify-qr", margin, y, qrSide, qrSide, false, opt, 0, v.URL)
	dx := qrSide + 5
	w.pdf.SetXY(margin+dx, y+1)
	if v.Title != "" {
		w.lines(v.Title, 11, 6, dx, textW-dx, "L", false)
	}
	if v.Short != "" {
		w.pdf.SetFont(fontName, "", 11)
		w.pdf.SetX(margin + dx)
		w.pdf.SetTextColor(0, 0, 160)
		w.pdf.CellFormat(textW-dx, 6, v.Short, "", 1, "L", false, 0, v.Short)
		w.pdf.SetTextColor(0, 0, 0)
	}
	for _, l := range v.Lines {
		w.lines(l, 8.5, 4.4, dx, textW-dx, "L", false)
	}
	w.pdf.SetY(max(w.pdf.GetY(), y+qrSide+2))
	return nil
}

// footers writes, on every page once all are laid out, the rule, the footer text and the page label.
func (w *writer) footers() {
	total := w.pdf.PageCount()
	for n := 1; n <= total; n++ {
		w.pdf.SetPage(n)
		y := pageH - bottom + 6
		w.pdf.Line(margin, y, pageW-margin, y)
		w.pdf.SetFont(fontName, "", 8.5)
		w.pdf.SetTextColor(80, 80, 80)
		label := fmt.Sprintf(w.doc.PageLabel, n, total)
		lw := w.pdf.GetStringWidth(label) + 2
		w.pdf.SetXY(margin, y+1.5)
		w.pdf.CellFormat(textW-lw, 5, w.doc.Footer, "", 0, "L", false, 0, "")
		w.pdf.CellFormat(lw, 5, label, "", 0, "R", false, 0, "")
	}
	w.pdf.SetTextColor(0, 0, 0)
}

// wrap breaks text into lines at most width wide: anywhere between CJK characters, at spaces
// between Latin words (a word longer than a line is cut), never before closing punctuation nor
// after opening punctuation (禁则). Line breaks in text are kept. indent puts two ideographic
// spaces before each paragraph.
func (w *writer) wrap(text string, width float64, indent bool) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		para = strings.TrimRight(para, " \t")
		if indent && para != "" {
			para = "\u3000\u3000" + strings.TrimLeft(para, " \u3000")
		}
		if para == "" {
			out = append(out, "")
			continue
		}
		out = append(out, w.wrapLine([]rune(para), width)...)
	}
	return out
}

func (w *writer) wrapLine(rs []rune, width float64) []string {
	var out []string
	for len(rs) > 0 {
		cut, fill := 0, 0.0
		for cut < len(rs) {
			cw := w.pdf.GetStringWidth(string(rs[cut]))
			if fill+cw > width && cut > 0 {
				break
			}
			fill += cw
			cut++
		}
		if cut < len(rs) {
			cut = breakAt(rs, cut)
		}
		out = append(out, strings.TrimRight(string(rs[:cut]), " "))
		rs = rs[cut:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
	}
	return out
}

// Closing marks never start a line; opening marks never end one.
const (
	noLineStart = "，。、；：？！）】》」』”’〕…—,.;:?!)]}%"
	noLineEnd   = "（【《「『“‘〔([{"
)

// breakAt moves a break before rs[cut] back to where a line may end: not inside a Latin word or
// number, not before a closing mark, not after an opening one; a line too long to break stays cut.
func breakAt(rs []rune, cut int) int {
	for i := cut; i > cut/2 && i > 0; i-- {
		prev, next := rs[i-1], rs[i]
		if strings.ContainsRune(noLineStart, next) || strings.ContainsRune(noLineEnd, prev) {
			continue
		}
		if latin(prev) && latin(next) {
			continue
		}
		return i
	}
	return cut
}

// latin reports whether r belongs to a word that is not broken (letters, digits, and the marks
// inside addresses and numbers).
func latin(r rune) bool {
	return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_/.:?=&%#+@~", r))
}
