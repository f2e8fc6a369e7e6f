package app

import (
	"bytes"
	"encoding/csv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"
)

// csvSafe neutralises a cell a spreadsheet would run as a formula (= + - @, and tab or CR first) by
// putting a ' before it.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// sendTable answers records as a download: CSV (UTF-8 with BOM) or XLSX by the file name's
// extension, every cell neutralised. It is the one way Pilu hands out a spreadsheet.
func sendTable(c *fiber.Ctx, filename string, records [][]string) error {
	var b []byte
	var err error
	if strings.HasSuffix(filename, ".xlsx") {
		b, err = xlsxBytes(records)
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	} else {
		b, err = csvBytes(records)
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, contentDisposition(filename))
	return c.Send(b)
}

// csvBytes writes records as CSV with a UTF-8 BOM (so that Excel reads the Chinese), every cell a
// spreadsheet would run as a formula neutralised (csvSafe).
func csvBytes(records [][]string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	for _, rec := range records {
		safe := make([]string, len(rec))
		for i, v := range rec {
			safe[i] = csvSafe(v)
		}
		w.Write(safe)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// xlsxBytes writes records as one XLSX sheet of text cells, neutralised like csvBytes so that a
// sheet saved again as CSV stays safe. The bytes depend only on the records, so their checksum is
// stable.
func xlsxBytes(records [][]string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	for r, rec := range records {
		for col, v := range rec {
			cell, _ := excelize.CoordinatesToCellName(col+1, r+1)
			if err := f.SetCellStr(sheet, cell, csvSafe(v)); err != nil {
				return nil, err
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
