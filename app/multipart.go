package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"os"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// uploadLimits bound one multipart request.
type uploadLimits struct {
	MaxFiles    int   // file parts allowed
	MaxFileSize int64 // bytes per file
	// MaxFields and MaxFieldBytes bound the parts that are not files: how many, and their bytes
	// together (each is also at most maxFieldBytes); zero means defaultMaxFields and maxFieldBytes.
	MaxFields     int
	MaxFieldBytes int64
	// Encrypt stores the files encrypted, each under its own key (claim evidence: personal data).
	Encrypt bool
}

// defaultMaxFields is the most non-file parts a form sends unless its limits say more (the figures
// form, the longest, has about 30).
const defaultMaxFields = 100

// fields returns the bounds on non-file parts, defaults filled in.
func (lim uploadLimits) fields() (count int, bytes int64) {
	count, bytes = lim.MaxFields, lim.MaxFieldBytes
	if count == 0 {
		count = defaultMaxFields
	}
	if bytes == 0 {
		bytes = maxFieldBytes
	}
	return count, bytes
}

// partOverhead is what each part may add to the body besides its content (boundary and headers).
const partOverhead = 16 << 10

// maxBody is the largest whole body these limits allow: every file and field full, with room for
// the parts' boundaries and headers.
func (lim uploadLimits) maxBody() int64 {
	count, fieldBytes := lim.fields()
	return int64(lim.MaxFiles)*lim.MaxFileSize + fieldBytes + int64(lim.MaxFiles+count+1)*partOverhead
}

// multipartForm is what a streamed multipart request held: its small fields and its stored files.
type multipartForm struct {
	Fields map[string]string
	Files  []models.Attachment
}

// maxFieldBytes bounds each non-file part (the meta JSON, a statement).
const maxFieldBytes = 1 << 20

// readMultipart streams a multipart/form-data request part by part, never holding a file in memory:
// fields of at most 1 MiB are kept, each file part (form name "files") is checked by content and
// streamed into the blob store with its SHA-256. On any error every blob already stored is deleted,
// so a rejected request leaves nothing behind. The caller deletes s.Files if its own transaction fails.
func (s *Server) readMultipart(c *fiber.Ctx, lim uploadLimits) (form multipartForm, err error) {
	mediaType, params, perr := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if perr != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return form, &apiError{Status: 415, Code: "unsupported_type", Message: "send multipart/form-data"}
	}
	body, err := uploadBody(c, lim.maxBody())
	if err != nil {
		return form, err
	}
	form.Fields = map[string]string{}
	defer func() {
		if err != nil {
			s.deleteBlobs(form.Files)
			form.Files = nil
		}
	}()
	mr := multipart.NewReader(body, params["boundary"])
	ctx := c.UserContext()
	maxFields, fieldBytes := lim.fields()
	fields := 0
	for {
		part, perr := mr.NextPart()
		if perr == io.EOF { // the closing boundary; a body cut short is a wrapped EOF
			return form, nil
		}
		if perr != nil {
			return form, multipartError(perr)
		}
		name := part.FormName()
		if name == "" {
			return form, &apiError{Status: 400, Code: "bad_request", Message: "malformed multipart body: a part without a form name"}
		}
		if part.FileName() == "" && name != "files" {
			if fields++; fields > maxFields {
				return form, &apiError{Status: 413, Code: "too_large", Message: fmt.Sprintf("at most %d form fields", maxFields)}
			}
			b, rerr := io.ReadAll(io.LimitReader(part, min(maxFieldBytes, fieldBytes)+1))
			if rerr != nil {
				return form, multipartError(rerr)
			}
			if fieldBytes -= int64(len(b)); len(b) > maxFieldBytes || fieldBytes < 0 {
				return form, &apiError{Status: 413, Code: "too_large", Message: "the form's fields are over their limit"}
			}
			form.Fields[name] = string(b)
			continue
		}
		if name != "files" {
			return form, &apiError{Status: 422, Code: "invalid", Problems: models.Invalid(name, models.CodeFilesPart)}
		}
		if len(form.Files) >= lim.MaxFiles {
			return form, &apiError{Status: 413, Code: "too_large", Problems: models.Invalid("files", models.CodeTooManyFiles, models.Args{"max": lim.MaxFiles})}
		}
		rec := &readRecorder{r: part}
		body := bufio.NewReader(rec)
		if _, err := body.Peek(1); part.FileName() == "" && err == io.EOF {
			continue // a browser's file field with no file chosen
		}
		a, serr := s.storeUpload(ctx, upload{Name: part.FileName(), Body: body, Size: -1, Encrypt: lim.Encrypt}, lim.MaxFileSize)
		if serr != nil && rec.err != nil {
			return form, multipartError(rec.err) // the request failed, not the store
		}
		if serr != nil {
			return form, uploadError(part.FileName(), serr, lim)
		}
		form.Files = append(form.Files, a)
	}
}

// multipartError is the answer to a request body that could not be read (see readError), and
// otherwise 400: a multipart body that is malformed or cut short.
func multipartError(err error) error {
	if e := readError(err); e != nil {
		return e
	}
	return &apiError{Status: 400, Code: "bad_request", Message: "malformed multipart body"}
}

// readError is the answer to an error met while reading a request body: 413 past the body's limit,
// 408 when the client sent too slowly (the server's read timeout), 400 when the body ended before
// it was complete (a dropped connection, a truncated upload); nil for any other error.
func readError(err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, errBodyTooLarge):
		return fail(413, "too_large", "")
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		return fail(408, "request_timeout", "")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, context.Canceled):
		return &apiError{Status: 400, Code: "bad_request", Message: "the upload was interrupted"}
	}
	return nil
}

// readRecorder keeps the first error other than io.EOF met reading a part, so that a failed upload
// is put down to the request (cut short, too slow, too large) or to the blob store.
type readRecorder struct {
	r   io.Reader
	err error
}

func (r *readRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

// uploadError names the file in an upload failure and keeps its status.
func uploadError(name string, err error, lim uploadLimits) error {
	e := classify(err)
	switch e.Status {
	case 413:
		return &apiError{Status: 413, Code: "too_large", Problems: models.Invalid("files", models.CodeFileTooLarge, models.Args{"name": cleanFileName(name), "max_mib": lim.MaxFileSize >> 20})}
	case 500:
		if errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "multipart") {
			return &apiError{Status: 400, Code: "bad_request", Message: "the upload was interrupted"}
		}
	}
	return err
}
