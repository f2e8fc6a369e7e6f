package app

import (
	"bytes"
	"encoding/csv"

	"github.com/xuri/excelize/v2"
)

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
