package app

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// checkPDF checks the structure of a PDF written by simplePDF: header, trailer, every xref offset
// pointing at its object, startxref at the table, stream lengths, and a ToUnicode map for every
// character shown.
func checkPDF(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatal("a PDF starts with the %PDF-1.4 header and ends with the EOF marker")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	var n int
	if _, err := fmt.Sscanf(string(b[xref:]), "xref\n0 %d\n", &n); err != nil {
		t.Fatal(err)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(b[xref:], -1)
	if len(entries) != n-1 {
		t.Fatalf("%d xref entries, /Size says %d objects", len(entries), n-1)
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := fmt.Sprintf("%d 0 obj\n", i+1); !bytes.HasPrefix(b[off:], []byte(want)) {
			t.Fatalf("xref entry %d points at %q", i+1, b[off:min(off+12, len(b))])
		}
	}
	if !bytes.Contains(b, []byte(fmt.Sprintf("/Size %d ", n))) {
		t.Fatal("the trailer's /Size does not match the xref table")
	}
	for _, s := range regexp.MustCompile(`(?s)<< /Length (\d+) >>\nstream\n(.*?)\nendstream`).FindAllSubmatch(b, -1) {
		if l, _ := strconv.Atoi(string(s[1])); l != len(s[2]) {
			t.Fatalf("stream /Length %d, but %d bytes", l, len(s[2]))
		}
	}
	for _, want := range []string{"/BaseFont /STSong-Light", "/Encoding /UniGB-UCS2-H", "/Subtype /CIDFontType0", "/Registry (Adobe) /Ordering (GB1) /Supplement 2", "/ToUnicode 6 0 R", "/MediaBox [0 0 595 842]"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("no %s", want)
		}
	}
	mapped := map[string]bool{}
	for _, c := range regexp.MustCompile(`<([0-9A-F]{4})> <[0-9A-F]{4}>\n`).FindAllSubmatch(b, -1) {
		mapped[string(c[1])] = true
	}
	for _, s := range regexp.MustCompile(`<([0-9A-F]+)> Tj`).FindAllSubmatch(b, -1) {
		for i := 0; i+4 <= len(s[1]); i += 4 {
			if !mapped[string(s[1][i:i+4])] {
				t.Fatalf("character %s is shown but has no ToUnicode entry", s[1][i:i+4])
			}
		}
	}
}

func TestSimplePDF(t *testing.T) {
	long := strings.Repeat("根据《关于做好网贷机构分类处置和风险防范工作的意见》（整治办函〔2018〕175号）的要求，平台借贷余额为12345.67万元，出借人8,901人。", 12)
	cases := []struct {
		name       string
		title      string
		paragraphs []string
		pages      int
	}{
		{"one page", "穗联贷关于平台良性退出的公告", []string{"尊敬的各位出借人：", "本公司旗下平台自2019年8月12日起停止发布新的借款标的。", "特此公告。", "\t广州市穗联普惠网络借贷信息中介服务有限公司", "\t2019年8月12日"}, 1},
		{"several pages", "一个很长的标题，长到在一行里放不下，需要换行才能完整显示出来的兑付方案公告", []string{long, long, long, long}, 3},
		{"no paragraphs", "空文件", nil, 1},
		{"outside the BMP and ASCII", "Demo 😀 title", []string{"Mixed text: www.suiliandai.example.cn 与 service@suiliandai.example.cn；emoji 😀。"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := simplePDF(c.title, c.paragraphs)
			checkPDF(t, b)
			if !bytes.Equal(b, simplePDF(c.title, c.paragraphs)) {
				t.Fatal("the same input must give the same bytes")
			}
			var count int
			if _, err := fmt.Sscanf(string(b[bytes.Index(b, []byte("/Count ")):]), "/Count %d", &count); err != nil {
				t.Fatal(err)
			}
			if count < c.pages || count > c.pages+1 {
				t.Fatalf("%d pages, want about %d", count, c.pages)
			}
			if got := bytes.Count(b, []byte("/Type /Page ")); got != count {
				t.Fatalf("%d page objects, /Count %d", got, count)
			}
			if strings.Contains(c.title, "😀") && !bytes.Contains(b, []byte("25A1")) {
				t.Fatal("a character outside the BMP is shown as □")
			}
		})
	}
}

func TestPDFWrap(t *testing.T) {
	text := strings.Repeat("出借人可通过平台官网（www.suiliandai.example.cn）咨询，兑付金额12345.67万元。", 6)
	lines := pdfWrap(text, pdfBodyEms)
	if strings.Join(lines, "") != strings.ReplaceAll(text, " ", "") && strings.Join(lines, "") != text {
		t.Fatal("wrapping lost or added characters")
	}
	for i, l := range lines {
		if w := pdfTextEms(l); w > pdfBodyEms+1 {
			t.Errorf("line %d is %.1f ems wide: %s", i, w, l)
		}
		if r := []rune(l); i > 0 && strings.ContainsRune(pdfClosingPunct, r[0]) {
			t.Errorf("line %d starts with closing punctuation: %s", i, l)
		}
		if strings.Contains(l, "www.") && !strings.Contains(l, "www.suiliandai.example.cn") {
			t.Errorf("line %d breaks a web address: %s", i, l)
		}
	}
	if got := pdfWrap("", 36); len(got) != 1 || got[0] != "" {
		t.Errorf("empty text gives %q", got)
	}
}
