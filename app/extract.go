package app

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"pilu/models"
)

// Bounds of text extraction: files larger than maxExtractInput are not read, at most maxExtractText
// bytes of text are kept, and one file gets extractTimeout.
const (
	maxExtractInput = 20 << 20
	maxExtractText  = 1 << 20
	maxDocxXML      = 64 << 20
	extractTimeout  = 10 * time.Second
)

const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// extractTexts fills in the text of the attachments that have one (PDF, DOCX, plain text) for
// search. Extraction never fails a filing: a file whose text cannot be read keeps none, and the
// reason is logged.
func (s *Server) extractTexts(ctx context.Context, atts []models.Attachment) []models.Attachment {
	for i := range atts {
		text, err := s.extractText(ctx, atts[i])
		if err != nil {
			s.log.Warn("text extraction failed; the attachment is stored without text", "name", atts[i].Name, "key", atts[i].BlobKey, "err", err)
			continue
		}
		atts[i].Text = text
	}
	return atts
}

// extractText reads an attachment back from the blob store and extracts its text, within the bounds.
func (s *Server) extractText(ctx context.Context, a models.Attachment) (string, error) {
	var extract func([]byte) (string, error)
	switch {
	case a.ContentType == "application/pdf":
		extract = extractPDF
	case a.ContentType == docxType:
		extract = extractDOCX
	case strings.HasPrefix(a.ContentType, "text/plain"):
		extract = func(b []byte) (string, error) { return string(b), nil }
	default:
		return "", nil
	}
	if a.Size > maxExtractInput {
		return "", fmt.Errorf("%d bytes: over the extraction limit of %d", a.Size, maxExtractInput)
	}
	ctx, cancel := context.WithTimeout(ctx, extractTimeout)
	defer cancel()
	rc, _, err := s.blobs.Open(ctx, a.BlobKey)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxExtractInput))
	if err != nil {
		return "", err
	}
	return extractBounded(ctx, b, extract)
}

// extractBounded runs extract on b in its own goroutine, recovering a panic of the parser and giving
// up when ctx ends; the text is cleaned and cut to maxExtractText bytes.
func extractBounded(ctx context.Context, b []byte, extract func([]byte) (string, error)) (string, error) {
	type result struct {
		text string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("parser panic: %v", p)}
			}
		}()
		t, err := extract(b)
		done <- result{t, err}
	}()
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-done:
		if r.err != nil {
			return "", r.err
		}
		return clipText(r.text), nil
	}
}

// clipText keeps valid UTF-8 without NULs, collapses blank runs and cuts at maxExtractText bytes on a
// character boundary.
func clipText(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), "\n")
	if len(s) <= maxExtractText {
		return strings.TrimSpace(s)
	}
	cut := maxExtractText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut])
}

// extractPDF reads the text of a PDF page by page (fonts with a ToUnicode CMap, such as the CID
// fonts Chinese PDFs use, come out as Unicode).
func extractPDF(b []byte) (string, error) {
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for i := 1; i <= r.NumPage() && out.Len() < maxExtractText; i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		text, err := p.GetPlainText(nil)
		if err != nil {
			return "", err
		}
		out.WriteString(text)
		out.WriteByte('\n')
	}
	return out.String(), nil
}

// extractDOCX reads the paragraphs of word/document.xml, bounded in size.
func extractDOCX(b []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", err
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		if f.UncompressedSize64 > maxDocxXML {
			return "", fmt.Errorf("word/document.xml is %d bytes", f.UncompressedSize64)
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		return docxText(io.LimitReader(rc, maxDocxXML))
	}
	return "", errors.New("no word/document.xml")
}

// docxText collects the text runs (w:t) of a WordprocessingML body, a line per paragraph.
func docxText(r io.Reader) (string, error) {
	dec := xml.NewDecoder(r)
	var out strings.Builder
	inText := false
	for out.Len() < maxExtractText {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				out.WriteByte('\t')
			case "br":
				out.WriteByte('\n')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				out.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				out.Write(t)
			}
		}
	}
	return out.String(), nil
}
