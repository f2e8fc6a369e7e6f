package printdoc_test

import (
	"fmt"
	"os"
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

func TestListPDF(t *testing.T) {
	start := time.Now()
	b, err := printdoc.PDF(listDoc(120))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bytes in %v", len(b), time.Since(start))
	os.WriteFile("/tmp/h-print-test.pdf", b, 0o644)
	urls, err := pdfscan.QR(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(urls)
	pages, err := pdfscan.Text(b)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pages {
		t.Log(i, p[:min(300, len(p))], "...", p[max(0, len(p)-300):])
	}
}
