package app

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"pilu/models"
)

// usccN is the n-th valid USCC of a division, for generated lists.
func usccN(t testing.TB, division string, n int) string {
	t.Helper()
	u, err := models.MakeUSCC(division, fmt.Sprintf("%09d", n))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// csvList writes an import CSV: the template's header and one row per institution.
func csvList(rows ...[]string) []byte {
	var b bytes.Buffer
	b.WriteString("机构名称,统一社会信用代码,平台名称,所在地区\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	return b.Bytes()
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// zipOf builds a zip with the given entries.
func zipOf(t *testing.T, entries map[string][]byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range entries {
		w, _ := zw.Create(name)
		w.Write(body)
	}
	zw.Close()
	return b.Bytes()
}

func TestReadImportFileBadInput(t *testing.T) {
	u1 := usccN(t, "440106", 1)
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes(csvList([]string{"深圳甲网贷有限公司", u1, "甲贷", "深圳市南山区"}))
	bomb := zipOf(t, map[string][]byte{"xl/workbook.xml": {}, "xl/worksheets/sheet1.xml": make([]byte, MaxImportUnzipped+1)})
	cases := []struct {
		name, file string
		body       []byte
		status     int    // 0: read fine
		want       string // reason part, or the first row's name
	}{
		{"empty file", "a.csv", nil, 422, "empty"},
		{"header only", "a.csv", csvList(), 422, "no institutions"},
		{"no header", "a.csv", []byte("x,y\n1,2\n"), 422, "must name the columns"},
		{"not UTF-8 nor GBK", "a.csv", []byte("机构名称,统一社会信用代码\n\xff\xfe\xff,1\n"), 422, "neither UTF-8 nor GBK"},
		{"an XLSX that is not an XLSX", "list.xlsx", []byte("机构名称,统一社会信用代码\n"), 415, "not an Excel workbook"},
		{"a zip that is no workbook", "list.xlsx", zipOf(t, map[string][]byte{"a.txt": []byte("x")}), 415, "not an Excel workbook"},
		{"a zip bomb disguised as XLSX", "list.xlsx", bomb, 422, "unpack to more than"},
		{"GBK from Excel is converted", "a.csv", gbk, 0, "深圳甲网贷有限公司"},
		{"UTF-8 with BOM", "a.csv", append([]byte("\xef\xbb\xbf"), csvList([]string{"乙", u1, "", ""})...), 0, "乙"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := readImportFile(writeFile(t, c.file, c.body), c.file)
			if c.status == 0 {
				if err != nil || len(f.Rows) != 1 || f.Rows[0].Institution.Name != c.want || f.Rows[0].Row != 2 {
					t.Fatalf("rows %+v, err %v", f.Rows, err)
				}
				if c.name == "GBK from Excel is converted" && (len(f.Notes) != 1 || f.Rows[0].Institution.Brands[0] != "甲贷") {
					t.Fatalf("the conversion is said and right: %+v", f)
				}
				return
			}
			fe, ok := err.(*importFileError)
			if !ok || fe.Status != c.status || !strings.Contains(fe.Reason, c.want) {
				t.Fatalf("want %d %q, got %v", c.status, c.want, err)
			}
		})
	}
}

func TestTemplatesAndFormulaInjection(t *testing.T) {
	for in, want := range map[string]string{"=cmd|' /C calc'!A0": "'=cmd|' /C calc'!A0", "+1": "'+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "鹭汀": "鹭汀", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
	b, err := xlsxBytes(importTemplate())
	if err != nil {
		t.Fatal(err)
	}
	f, err := readImportFile(writeFile(t, "t.xlsx", b), "t.xlsx")
	if err != nil || len(f.Rows) != 1 || f.Rows[0].Institution.USCC != "91350100M000100Y43" {
		t.Fatalf("the XLSX template reads back as one example row: %+v %v", f, err)
	}
	c, err := csvBytes(importTemplate())
	if err != nil {
		t.Fatal(err)
	}
	f, err = readImportFile(writeFile(t, "t.csv", c), "t.csv")
	if err != nil || len(f.Rows) != 1 || len(f.Rows[0].Institution.Brands) != 2 {
		t.Fatalf("the CSV template reads back: %+v %v", f, err)
	}
}

// upload posts an import file as an office (bearer token plus the browser's CSRF cookie and token).
func (ts *testServer) upload(token, name string, body []byte, skip bool) response {
	ts.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if skip {
		mw.WriteField("skip_invalid", "1")
	}
	w, _ := mw.CreateFormFile("file", name)
	w.Write(body)
	mw.Close()
	csrf := strings.Repeat("ab", 16)
	req := httptest.NewRequest("POST", "/office/import?_csrf="+ts.csrfFor(csrf), &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.AddCookie(&http.Cookie{Name: csrfCookie, Value: csrf})
	return ts.do(req)
}

func TestImportPageReportAndScope(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			gd, bj := ts.officeToken("gd@example.cn", "440000"), ts.officeToken("bj@example.cn", "110000")
			u1, u2, u3 := usccN(t, "440106", 1), usccN(t, "440106", 2), usccN(t, "440106", 3)
			bad := csvList(
				[]string{"深圳甲网贷有限公司", u1, "甲贷、甲宝", "深圳市南山区"},
				[]string{"深圳乙网贷有限公司", u2[:17] + "0", "乙贷", ""}, // row 3: wrong check character (or a letter case)
				[]string{"深圳丙网贷有限公司", u1, "丙贷", ""},            // row 4: the same code as row 2
				[]string{"", u3, "", ""}, // row 5: no name
			)
			if u2[17] == '0' {
				bad = bytes.Replace(bad, []byte(u2[:17]+"0"), []byte(u2[:17]+"1"), 1)
			}
			fuzhou, shenzhen := usccN(t, "350100", 4), usccN(t, "440305", 5)
			template := []byte(ts.get("/office/import/template.xlsx", "Authorization", "Bearer "+gd).body)
			good := csvList([]string{"深圳甲网贷有限公司", u1, "甲贷、甲宝", "深圳市南山区"}, []string{"深圳乙网贷有限公司", u2, "乙贷", ""})
			changed := csvList([]string{"深圳甲新名网贷有限公司", u1, "甲贷、甲宝", "深圳市南山区"}, []string{"深圳乙网贷有限公司", u2, "乙贷", ""})
			count := func() int64 {
				_, n, err := ts.store.ListInstitutions(context.Background(), models.InstitutionFilter{})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			cases := []struct {
				name, token, file string
				body              []byte
				skip              bool
				status            int
				want              []string
				total             int64
			}{
				{"invalid rows: nothing imported, every row reported", gd, "a.csv", bad, false, 422,
					[]string{"未导入任何记录", `data-label="行号" class="num">3<`, "校验位", "与第 2 行的统一社会信用代码重复", `class="num">5<`, "必填"}, 0},
				{"skip invalid imports the rest", gd, "a.csv", bad, true, 200, []string{"新增 1 家", "跳过 3 行"}, 1},
				{"the good file", gd, "a.csv", good, false, 200, []string{"新增 1 家，更新 0 家，未变化 1 家"}, 2},
				{"the same file again changes nothing", gd, "a.csv", good, false, 200, []string{"新增 0 家，更新 0 家，未变化 2 家"}, 2},
				{"a changed row updates", gd, "a.csv", changed, false, 200, []string{"更新 1 家"}, 2},
				{"another province's office cannot take them", bj, "a.csv", good, false, 422, []string{"按属地管理应列入广东省网贷整治办的名单"}, 2},
				{"a Fuzhou code is Fujian's", gd, "a.csv", csvList([]string{"福州网贷有限公司", fuzhou, "", ""}), false, 422,
					[]string{"该机构登记在福建省（行政区划代码 350100），按属地管理应列入福建省网贷整治办的名单"}, 2},
				{"a Shenzhen code is Shenzhen's, not Guangdong's", gd, "a.csv", csvList([]string{"深圳网贷有限公司", shenzhen, "", ""}), false, 422,
					[]string{"应列入深圳市网贷整治办的名单"}, 2},
				{"the template unchanged imports nothing", gd, "template.xlsx", template, false, 422, []string{"这是模板中的示例行，不能导入"}, 2},
				{"an XLSX that is not one", gd, "a.xlsx", good, false, 415, []string{"内容不是 Excel 工作簿"}, 2},
				{"an empty file", gd, "a.csv", nil, false, 422, []string{"文件是空的"}, 2},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					r := ts.upload(c.token, c.file, c.body, c.skip)
					if r.StatusCode != c.status {
						t.Fatalf("status %d, want %d: %.400s", r.StatusCode, c.status, r.body)
					}
					for _, w := range c.want {
						if !strings.Contains(r.body, w) {
							t.Errorf("%q missing from the report", w)
						}
					}
					if n := count(); n != c.total {
						t.Fatalf("%d institutions, want %d", n, c.total)
					}
				})
			}
			in, _ := ts.store.InstitutionByUSCC(context.Background(), u1)
			if in.Name != "深圳甲新名网贷有限公司" || len(in.FormerNames) != 1 || in.FormerNames[0] != "深圳甲网贷有限公司" {
				t.Fatalf("the renamed institution keeps its former name: %+v", in)
			}
			for path, magic := range map[string]string{"/office/import/template.xlsx": "PK\x03\x04", "/office/import/template.csv": "\xef\xbb\xbf机构名称"} {
				r := ts.get(path, "Authorization", "Bearer "+gd)
				if r.StatusCode != 200 || !strings.HasPrefix(r.body, magic) {
					t.Fatalf("%s: %d", path, r.StatusCode)
				}
			}
			if r := ts.get("/office/import/template.csv"); r.StatusCode != 303 {
				t.Fatalf("the template needs a login: %d", r.StatusCode)
			}
		})
	}
}

func TestImportFiftyThousandRowsAndTheCommand(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			t.Setenv("PILU_DATA_DIR", t.TempDir())
			for k, v := range b.env {
				t.Setenv(k, v)
			}
			x := excelize.NewFile()
			sw, err := x.NewStreamWriter("Sheet1")
			if err != nil {
				t.Fatal(err)
			}
			sw.SetRow("A1", []any{"机构名称", "统一社会信用代码", "平台名称", "所在地区"})
			const n = 50_000
			for i := 1; i <= n; i++ {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				sw.SetRow(cell, []any{fmt.Sprintf("广州第%d号网络借贷信息中介有限公司", i), usccN(t, "440106", i), fmt.Sprintf("穗%d贷", i), "广州市天河区"})
			}
			sw.Flush()
			path := filepath.Join(t.TempDir(), "list.xlsx")
			if err := x.SaveAs(path); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			code, out, errs := runMain(t, "import", "institutions", path, "--province", "440000")
			if code != 0 || !strings.Contains(out, "50000 rows: 50000 created") || !strings.Contains(errs, "100%") {
				t.Fatalf("import: %d %s %s", code, out, errs)
			}
			t.Logf("%s: 50,000 rows imported in %s", b.name, time.Since(start).Round(time.Millisecond))
			code, out, _ = runMain(t, "import", "institutions", path, "--province", "440000")
			if code != 0 || !strings.Contains(out, "0 created, 0 updated, 50000 unchanged") {
				t.Fatalf("re-import: %d %s", code, out)
			}
			bad := writeFile(t, "bad.csv", csvList([]string{"甲", "91440300X", "", ""}))
			cases := []struct {
				args []string
				code int
				want string
			}{
				{[]string{"import"}, 2, "only subcommand is institutions"},
				{[]string{"import", "institutions", bad}, 2, "--province"},
				{[]string{"import", "institutions", bad, "--province", "990000"}, 2, "990000"},
				{[]string{"import", "institutions", bad, "--province", "440000"}, 1, "nothing imported"},
				{[]string{"import", "institutions", filepath.Join(t.TempDir(), "none.csv"), "--province", "440000"}, 1, "none.csv"},
			}
			for _, c := range cases {
				code, out, errs := runMain(t, c.args...)
				if code != c.code || !strings.Contains(out+errs, c.want) {
					t.Errorf("%v: %d %q", c.args, code, out+errs)
				}
			}
			if _, out, _ := runMain(t, "import", "institutions", bad, "--province", "440000"); !strings.Contains(out, "row 2, 统一社会信用代码:") {
				t.Errorf("the report names row and column: %q", out)
			}
		})
	}
}
