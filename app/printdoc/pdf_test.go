package printdoc_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"pilu/app/printdoc"
	"pilu/app/printdoc/pdfscan"
)

// listDoc is a list notice of n institutions, as the portal fills one.
func listDoc(n int) printdoc.Doc {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprint(i + 1), fmt.Sprintf("深圳市第%d网络借贷信息咨询有限公司", i+1), "某某贷", fmt.Sprintf("91440300MA5%07dX", i), "南山区"}
	}
	return printdoc.Doc{Lang: "zh-CN", Header: "深圳市网贷整治办", Title: "关于深圳市第三批僵尸类网络借贷信息中介机构名单的公告",
		Number: "深网贷整治办公告〔2019〕3号", Indent: true,
		Facts:      []printdoc.Fact{{Label: "发布日期", Value: "2019年6月14日"}, {Label: "申报截止", Value: "2019年7月1日"}},
		Paragraphs: []string{strings.Repeat("根据《关于做好网贷机构分类处置和风险防范工作的意见》（网贷整治办函〔2018〕175号），", 4), "特此公告。"},
		Tables: []printdoc.Table{{Title: "名单", Columns: []printdoc.Column{{Label: "序号", Weight: 1, Align: "R"}, {Label: "机构名称", Weight: 6},
			{Label: "平台品牌", Weight: 2.5}, {Label: "统一社会信用代码", Weight: 4.5}, {Label: "所在地区", Weight: 2}}, Rows: rows}},
		Verify: printdoc.Verify{Title: "扫描二维码或访问以下地址核验", URL: "http://127.0.0.1:8080/verify?sha256=" + strings.Repeat("ab", 32),
			Short: "http://127.0.0.1:8080/v/abababababababab", Lines: []string{"内容 SHA-256：" + strings.Repeat("ab", 32), "账本序号 7"}},
		Footer: "http://127.0.0.1:8080/v/abababababababab", PageLabel: "第 %d 页 / 共 %d 页", Created: time.Date(2019, 6, 14, 2, 0, 0, 0, time.UTC)}
}

// TestListPDF lays out a list of 120 institutions: every row is on some page, each page after the
// first repeats the table's heading and every page says "第 n 页 / 共 N 页" and the short address;
// the QR code decodes to the verify address; no line starts with closing punctuation; the same
// document gives the same bytes.
func TestListPDF(t *testing.T) {
	doc := listDoc(120)
	b, err := printdoc.PDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := printdoc.PDF(doc); !bytes.Equal(again, b) {
		t.Fatal("the same document gave other bytes")
	}
	urls, err := pdfscan.QR(b)
	if err != nil || len(urls) != 1 || urls[0] != doc.Verify.URL {
		t.Fatalf("QR codes %q: %v", urls, err)
	}
	pages, err := pdfscan.Text(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 4 {
		t.Fatalf("120 rows on %d pages", len(pages))
	}
	all := strings.Join(pages, "\n")
	for i := range 120 {
		if !strings.Contains(all, fmt.Sprintf("\n%d\n深圳市第%d网络借贷信息咨询有限公司\n", i+1, i+1)) {
			t.Fatalf("row %d is missing", i+1)
		}
	}
	for i, p := range pages {
		if !strings.Contains(p, fmt.Sprintf("第 %d 页 / 共 %d 页", i+1, len(pages))) || !strings.Contains(p, doc.Footer) {
			t.Fatalf("page %d lacks its label or footer", i+1)
		}
		if i > 0 && !strings.HasPrefix(p, "序号\n机构名称") {
			t.Fatalf("page %d does not start with the table's heading: %.60q", i+1, p)
		}
		for _, l := range strings.Split(p, "\n") {
			if l != "" && strings.ContainsRune("，。、；：）》", []rune(l)[0]) {
				t.Fatalf("a line starts with closing punctuation: %q", l)
			}
		}
	}
	if !strings.Contains(pages[0], doc.Number) || !strings.Contains(pages[0], doc.Title) {
		t.Fatalf("page 1 lacks the number or title: %.300q", pages[0])
	}
}
