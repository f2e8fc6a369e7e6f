package app

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

// docx builds a minimal Word file with the given paragraphs.
func docx(paragraphs ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`))
	w, _ = zw.Create("word/document.xml")
	var body strings.Builder
	for _, p := range paragraphs {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + p + `</w:t></w:r></w:p>`)
	}
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`))
	zw.Close()
	return buf.Bytes()
}

func TestExtractText(t *testing.T) {
	chinese := simplePDF("深圳甲网贷退出公告", []string{"本公司自2026年12月1日起停止新增业务，兑付方案另行公告。"})
	cases := []struct {
		name    string
		file    string
		body    []byte
		want    []string // substrings of the text; nil: no text
		extract bool     // whether the test expects text at all
	}{
		{"PDF with a CID font and ToUnicode", "公告.pdf", chinese, []string{"退出公告", "停止新增业务"}, true},
		{"DOCX", "方案.docx", docx("兑付方案", "第一期兑付30%"), []string{"兑付方案\n第一期兑付30%"}, true},
		{"TXT", "说明.txt", []byte("更正说明：日期有误"), []string{"更正说明：日期有误"}, true},
		{"a broken PDF", "broken.pdf", []byte("%PDF-1.7\nnot really a pdf"), nil, false},
		{"a zip named .docx without a document", "empty.docx", func() []byte {
			var b bytes.Buffer
			zw := zip.NewWriter(&b)
			w, _ := zw.Create("other.xml")
			w.Write([]byte("<x/>"))
			zw.Close()
			return b.Bytes()
		}(), nil, false},
		{"an image", "a.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), nil, false},
	}
	for _, b := range backends(t)[:1] {
		ts := newTestServer(t, b.env)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a, err := ts.storeUpload(context.Background(), upload{Name: c.file, Body: bytes.NewReader(c.body), Size: int64(len(c.body))}, MaxAttachmentSize)
				if err != nil {
					t.Fatal(err)
				}
				got := ts.extractTexts(context.Background(), []models.Attachment{a})[0].Text
				if !c.extract && got != "" {
					t.Fatalf("want no text, got %q", got)
				}
				for _, w := range c.want {
					if !strings.Contains(got, w) {
						t.Fatalf("text %q lacks %q", got, w)
					}
				}
			})
		}
	}
	// A parser that never ends is abandoned at the deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	block := make(chan struct{})
	defer close(block)
	if _, err := extractBounded(ctx, nil, func([]byte) (string, error) { <-block; return "", nil }); err == nil {
		t.Fatal("a stuck extraction must give up")
	}
	if _, err := extractBounded(context.Background(), nil, func([]byte) (string, error) { panic("bad font") }); err == nil {
		t.Fatal("a parser panic must become an error")
	}
	if got := clipText(strings.Repeat("兑", maxExtractText)); len(got) > maxExtractText || !strings.HasSuffix(got, "兑") {
		t.Fatal("the text is cut on a character boundary within the bound")
	}
}
