// Package printdoc lays out Pilu's printed records as PDF: an A4 document with the issuing office,
// the title, the document number, facts (dates, numbers), the text, tables that run over pages (the
// institutions of a list notice) with their heading repeated, a QR code and short address that open
// the record's verification page, and "第 n 页 / 共 N 页" on every page. It knows nothing of notices or
// disclosures: the portal fills a Doc in the reader's language. The PDF is written by
// codeberg.org/go-pdf/fpdf with WenQuanYi Micro Hei embedded (only the glyphs used), the QR code by
// github.com/boombuler/barcode. The same Doc always gives the same bytes.
package printdoc

import (
	"time"
)

// Doc is one printed record.
type Doc struct {
	Lang       string    // "zh-CN" or "en": the PDF's declared language
	Header     string    // the issuer above the title (an office, an institution)
	Title      string    // centred, large
	Number     string    // the document number under the title (may be empty)
	Facts      []Fact    // label and value pairs under the title
	Paragraphs []string  // the text, a paragraph each; Chinese paragraphs get a two-character indent
	Indent     bool      // indent the first line of each paragraph by two characters (Chinese)
	Tables     []Table   // after the text
	Verify     Verify    // the block that tells how to check the document
	Footer     string    // on every page's left, under a rule (the short address)
	PageLabel  string    // a fmt format with the page number and the page count: "第 %d 页 / 共 %d 页"
	Created    time.Time // the PDF's creation date (the record's publication), for stable output
	Subject    string    // PDF metadata
}

// Fact is one labelled value.
type Fact struct {
	Label, Value string
}

// Table is a titled table; columns take their share of the text width by Weight.
type Table struct {
	Title   string
	Columns []Column
	Rows    [][]string
}

// Column is a table column: its heading, relative width and alignment ("L", "C" or "R").
type Column struct {
	Label  string
	Weight float64
	Align  string
}

// Verify is what the document says about checking it: the address in the QR code, the short one
// printed beside it, and lines of text (the content hash, the ledger entry).
type Verify struct {
	Title string
	URL   string
	Short string
	Lines []string
}
