package app

import (
	"fmt"
	"path/filepath"

	"pilu/models"
)

// ReadInstitutionList reads an office's institution list from the CSV or XLSX file at path, as the
// import page reads an upload; notes say in English how it was read (an encoding converted).
func ReadInstitutionList(path string) (rows []models.ImportRow, notes []string, err error) {
	in, err := readImportFile(path, filepath.Base(path))
	if err != nil {
		return nil, nil, err
	}
	for _, note := range in.Notes {
		notes = append(notes, importNoteEN[note])
	}
	return in.Rows, notes, nil
}

// importNoteEN says the notes of readImportFile in English for the command line.
var importNoteEN = map[string]string{"import.note_gbk": "the file was GBK-encoded (as Excel saves CSV in China) and was converted to UTF-8"}

// ImportProblemLine says one problem of an import report in English, for the command line: the
// row, the column as the template heads it, and what is wrong.
func ImportProblemLine(p models.ImportProblem) string {
	return fmt.Sprintf("row %d, %s: %s", p.Row, columnHeader(p.Column), problemEnglish(p.Code, p.Args))
}
