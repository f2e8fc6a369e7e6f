package app

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// importPage is the data of /office/import: the form, or the report of an import.
type importPage struct {
	Province    string
	FileName    string
	SkipInvalid bool
	Error       string
	Notes       []string
	Report      *models.ImportReport
	Problems    []importProblemRow
}

// importProblemRow is one line of the report as the page shows it.
type importProblemRow struct {
	Row            int
	Column, Reason string
}

func (s *Server) showImport(c *fiber.Ctx) error {
	return s.render(c, "office_import", pageData{Title: "import.title", Data: importPage{Province: currentUser(c).Province}})
}

// importUpload takes an uploaded CSV or XLSX list, imports it for the office's province in the request
// and shows the row-by-row report (the page says how many rows it is importing while it waits).
func (s *Server) importUpload(c *fiber.Ctx) error {
	u := currentUser(c)
	lang := s.lang(c)
	page := importPage{Province: u.Province}
	path, name, fields, err := s.spoolImport(c)
	if path != "" {
		defer os.Remove(path)
	}
	page.FileName, page.SkipInvalid = name, fields["skip_invalid"] != ""
	if err != nil {
		var fe *importFileError
		if !errors.As(err, &fe) {
			return err
		}
		page.Error = s.importReason(lang, fe)
		return s.render(c.Status(fe.Status), "office_import", pageData{Title: "import.title", Data: page})
	}
	file, err := readImportFile(path, name)
	if err != nil {
		var fe *importFileError
		if !errors.As(err, &fe) {
			return err
		}
		page.Error = s.importReason(lang, fe)
		return s.render(c.Status(fe.Status), "office_import", pageData{Title: "import.title", Data: page})
	}
	for _, n := range file.Notes {
		page.Notes = append(page.Notes, s.views.t(lang, n))
	}
	rep, err := s.store.ImportInstitutions(c.UserContext(), u.Province, file.Rows,
		models.ImportOptions{SkipInvalid: page.SkipInvalid, Actor: u.Email, Now: s.now()})
	if err != nil {
		return err
	}
	if rep.Imported {
		s.indexer.Poke()
	}
	s.importReasons(&rep)
	page.Report = &rep
	for _, p := range rep.Problems {
		page.Problems = append(page.Problems, importProblemRow{Row: p.Row, Column: columnHeader(p.Column), Reason: s.importProblemText(lang, p)})
	}
	status := 200
	if !rep.Imported && len(rep.Problems) > 0 {
		status = 422
	}
	return s.render(c.Status(status), "office_import", pageData{Title: "import.title", Data: page})
}

// spoolImport streams the uploaded file (form name "file") into a temporary file of at most
// MaxImportFile bytes and returns its path, its name and the small fields of the form.
func (s *Server) spoolImport(c *fiber.Ctx) (path, name string, fields map[string]string, err error) {
	fields = map[string]string{}
	mediaType, params, perr := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if perr != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return "", "", fields, &apiError{Status: 415, Code: "unsupported_type", Message: "send multipart/form-data"}
	}
	lim := uploadLimits{MaxFiles: 1, MaxFileSize: MaxImportFile}
	body, err := uploadBody(c, lim.maxBody())
	if err != nil {
		return "", "", fields, &importFileError{413, fmt.Sprintf("the file is over %d MiB", MaxImportFile>>20), "import.err.too_large", []any{MaxImportFile >> 20}}
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, perr := mr.NextPart()
		if perr == io.EOF { // the closing boundary; a body cut short is a wrapped EOF
			break
		}
		if perr != nil {
			return path, name, fields, multipartError(perr)
		}
		if part.FormName() == "" {
			return path, name, fields, multipartError(errors.New("a part without a form name"))
		}
		if part.FormName() != "file" {
			if len(fields) >= defaultMaxFields {
				return path, name, fields, fail(413, "too_large", fmt.Sprintf("at most %d form fields", defaultMaxFields))
			}
			b, rerr := io.ReadAll(io.LimitReader(part, 1024))
			if rerr != nil {
				return path, name, fields, multipartError(rerr)
			}
			fields[part.FormName()] = string(b)
			continue
		}
		if path != "" {
			continue
		}
		name = cleanFileName(part.FileName())
		tmp, terr := os.CreateTemp("", "pilu-import-*")
		if terr != nil {
			return "", name, fields, terr
		}
		path = tmp.Name()
		n, cerr := io.Copy(tmp, io.LimitReader(part, MaxImportFile+1))
		tmp.Close()
		if cerr != nil && !errors.Is(cerr, errBodyTooLarge) {
			return path, name, fields, multipartError(cerr)
		}
		if n > MaxImportFile || cerr != nil {
			return path, name, fields, &importFileError{413, fmt.Sprintf("the file is over %d MiB", MaxImportFile>>20), "import.err.too_large", []any{MaxImportFile >> 20}}
		}
	}
	if path == "" {
		return "", "", fields, &importFileError{422, "choose a file", "import.err.choose", nil}
	}
	return path, name, fields, nil
}

// importReason says a file-level import problem in the page's language.
func (s *Server) importReason(lang string, fe *importFileError) string {
	return s.views.t(lang, fe.Key, fe.Args...)
}

// importProblemText says a row's problem in the page's language.
func (s *Server) importProblemText(lang string, p models.ImportProblem) string {
	return s.problemText(lang, p.Code, p.Args)
}

// importReasons fills in the English reason of every problem of rep, for the API and the command line.
func (s *Server) importReasons(rep *models.ImportReport) {
	for i, p := range rep.Problems {
		rep.Problems[i].Reason = s.problemText("en", p.Code, p.Args)
	}
}

// sendImportTemplate answers the import template as CSV or XLSX (".csv" or ".xlsx" in the route).
func (s *Server) sendImportTemplate(ext string) fiber.Handler {
	return func(c *fiber.Ctx) error { return sendTable(c, "机构名单模板"+ext, importTemplate()) }
}
