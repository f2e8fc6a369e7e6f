package app

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"pilu/models"
)

// Import limits: the file itself, and what an XLSX may unpack to (a zip bomb is refused before
// excelize opens it).
const (
	MaxImportFile     = 50 << 20
	MaxImportUnzipped = 100 << 20
)

// importColumns are the template's columns: the Chinese header people see, the field it fills.
var importColumns = []struct{ Header, Field string }{
	{"机构名称", "name"}, {"统一社会信用代码", "uscc"}, {"平台名称", "brands"}, {"曾用名", "former_names"},
	{"网站", "websites"}, {"应用", "apps"}, {"所在地区", "district"}, {"存管银行", "depository_bank"},
	{"注册地址", "registered_address"},
}

// importExample is the template's example row.
// Its credit code is models.SampleUSCC, which no office may import: uploaded unchanged, the
// template imports nothing.
var importExample = []string{"示例网络借贷信息中介服务有限公司", models.SampleUSCC, "示例贷、示例宝", "示例金融信息服务有限公司",
	"https://www.example.cn", "示例贷App", "福州市鼓楼区", "示例银行福州分行", "福州市鼓楼区示例路1号"}

// importFileError is a file that cannot be read at all: its status (415 or 422), the reason in
// English (for the command line) and for pages its catalog key with the values it names.
type importFileError struct {
	Status int
	Reason string
	Key    string
	Args   []any
}

func (e *importFileError) Error() string { return e.Reason }

// importFile is what an import file held: its rows and notes on how it was read (an encoding converted).
type importFile struct {
	Rows  []models.ImportRow
	Notes []string
}

// readImportFile reads an institution list from a CSV (UTF-8, or GBK/GB18030 as Excel saves it in
// China, converted) or an XLSX file. A file named .xlsx that is no zip is 415; a zip that is no
// workbook, unpacks beyond MaxImportUnzipped, is empty or lacks the required columns is 422.
func readImportFile(path, name string) (importFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return importFile{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return importFile{}, err
	}
	if info.Size() == 0 {
		return importFile{}, &importFileError{422, "the file is empty", "import.err.empty", nil}
	}
	if info.Size() > MaxImportFile {
		return importFile{}, &importFileError{413, fmt.Sprintf("the file is over %d MiB", MaxImportFile>>20), "import.err.too_large", []any{MaxImportFile >> 20}}
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	isZip := bytes.Equal(head[:n], []byte("PK\x03\x04"))
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") && !isZip {
		return importFile{}, &importFileError{415, "the file is named .xlsx but is not an Excel workbook (XLSX is a zip container); save it again as .xlsx or .csv", "import.err.not_xlsx", nil}
	}
	if isZip {
		return readXLSX(f, info.Size())
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return importFile{}, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return importFile{}, err
	}
	return readCSV(b)
}

// readXLSX checks the zip directory (total unpacked size, a workbook inside) and reads the first sheet.
func readXLSX(f *os.File, size int64) (importFile, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return importFile{}, &importFileError{422, "the file is not a readable XLSX workbook", "import.err.bad_xlsx", nil}
	}
	var total uint64
	workbook := false
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		workbook = workbook || zf.Name == "xl/workbook.xml"
	}
	if total > MaxImportUnzipped {
		return importFile{}, &importFileError{422, fmt.Sprintf("the workbook would unpack to more than %d MiB; split it into smaller files", MaxImportUnzipped>>20), "import.err.bomb", []any{MaxImportUnzipped >> 20}}
	}
	if !workbook {
		return importFile{}, &importFileError{415, "the zip file is not an Excel workbook", "import.err.bad_xlsx", nil}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return importFile{}, err
	}
	x, err := excelize.OpenReader(f, excelize.Options{UnzipSizeLimit: MaxImportUnzipped, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return importFile{}, &importFileError{422, "the file is not a readable XLSX workbook", "import.err.bad_xlsx", nil}
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return importFile{}, &importFileError{422, "the workbook has no sheet", "import.err.no_sheet", nil}
	}
	it, err := x.Rows(sheets[0])
	if err != nil {
		return importFile{}, &importFileError{422, "the first sheet cannot be read", "import.err.sheet_unreadable", nil}
	}
	defer it.Close()
	var records [][]string
	for it.Next() {
		cols, err := it.Columns()
		if err != nil {
			return importFile{}, &importFileError{422, "the first sheet cannot be read", "import.err.sheet_unreadable", nil}
		}
		records = append(records, cols)
	}
	if it.Error() != nil {
		return importFile{}, &importFileError{422, "the first sheet cannot be read", "import.err.sheet_unreadable", nil}
	}
	rows, err := importRecords(records)
	return importFile{Rows: rows}, err
}

// readCSV reads CSV bytes: a UTF-8 byte-order mark is dropped; bytes that are not UTF-8 but decode
// as GB18030 (GBK, what Excel writes on Chinese Windows) are converted, with a note saying so.
func readCSV(b []byte) (importFile, error) {
	var out importFile
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil || !utf8.Valid(dec) || bytes.ContainsRune(dec, utf8.RuneError) {
			return out, &importFileError{422, "the file is neither UTF-8 nor GBK text; save it as CSV UTF-8 or as .xlsx", "import.err.encoding", nil}
		}
		b = dec
		out.Notes = append(out.Notes, "import.note_gbk")
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	records, err := r.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return out, &importFileError{422, fmt.Sprintf("row %d is not valid CSV", pe.StartLine), "import.err.bad_csv_row", []any{pe.StartLine}}
		}
		return out, &importFileError{422, "the file is not valid CSV", "import.err.bad_csv", nil}
	}
	out.Rows, err = importRecords(records)
	return out, err
}

// importRecords maps the header row (the template's Chinese headers or the field names) to fields
// and turns every following non-empty row into an ImportRow numbered as in the file.
func importRecords(records [][]string) ([]models.ImportRow, error) {
	if len(records) == 0 {
		return nil, &importFileError{422, "the file is empty", "import.err.empty", nil}
	}
	index := map[string]int{}
	for i, h := range records[0] {
		h = strings.TrimSpace(strings.TrimPrefix(h, "'"))
		for _, col := range importColumns {
			if h == col.Header || strings.EqualFold(h, col.Field) {
				index[col.Field] = i
			}
		}
	}
	for _, required := range []string{"name", "uscc"} {
		if _, ok := index[required]; !ok {
			return nil, &importFileError{422, "the first row must name the columns, 机构名称 and 统一社会信用代码 at least; download the template", "import.err.header", nil}
		}
	}
	var rows []models.ImportRow
	for n, rec := range records[1:] {
		cell := func(field string) string {
			if i, ok := index[field]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		rows = append(rows, models.ImportRow{Row: n + 2, Institution: models.NewInstitution{
			Name: cell("name"), USCC: cell("uscc"), Brands: splitList(cell("brands")), FormerNames: splitList(cell("former_names")),
			Websites: splitList(cell("websites")), Apps: splitList(cell("apps")), District: cell("district"),
			DepositoryBank: cell("depository_bank"), RegisteredAddress: cell("registered_address")}})
	}
	if len(rows) == 0 {
		return nil, &importFileError{422, "the file has a header row but no institutions", "import.err.no_rows", nil}
	}
	return rows, nil
}

// columnHeader is the template's header of a field, for the report.
func columnHeader(field string) string {
	for _, col := range importColumns {
		if col.Field == field {
			return col.Header
		}
	}
	return field
}

// importTemplate is the import template: a header row and an example row, written as CSV or XLSX by
// sendTable.
func importTemplate() [][]string {
	header := make([]string, len(importColumns))
	for i, col := range importColumns {
		header[i] = col.Header
	}
	return [][]string{header, append([]string{}, importExample...)}
}
