package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// uploadLimits bound one multipart request.
type uploadLimits struct {
	MaxFiles    int   // file parts allowed
	MaxFileSize int64 // bytes per file
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
	if n := c.Request().Header.ContentLength(); n > 0 && int64(n) > int64(lim.MaxFiles)*lim.MaxFileSize+int64(lim.MaxFiles+8)*maxFieldBytes {
		return form, fail(413, "too_large", fmt.Sprintf("at most %d files of %d MiB each", lim.MaxFiles, lim.MaxFileSize>>20))
	}
	var body io.Reader = c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
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
	for {
		part, perr := mr.NextPart()
		if errors.Is(perr, io.EOF) {
			return form, nil
		}
		if perr != nil {
			return form, &apiError{Status: 400, Code: "bad_request", Message: "malformed multipart body"}
		}
		name := part.FormName()
		if part.FileName() == "" && name != "files" {
			b, rerr := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if rerr != nil {
				return form, &apiError{Status: 400, Code: "bad_request", Message: "malformed multipart body"}
			}
			if len(b) > maxFieldBytes {
				return form, &apiError{Status: 413, Code: "too_large", Message: "the field " + name + " is over 1 MiB"}
			}
			form.Fields[name] = string(b)
			continue
		}
		if name != "files" {
			return form, &apiError{Status: 422, Code: "invalid", Fields: map[string]string{name: "files are sent as parts named files"}}
		}
		if len(form.Files) >= lim.MaxFiles {
			return form, &apiError{Status: 413, Code: "too_large", Fields: map[string]string{"files": fmt.Sprintf("at most %d files", lim.MaxFiles)}}
		}
		body := bufio.NewReader(part)
		if _, err := body.Peek(1); part.FileName() == "" && errors.Is(err, io.EOF) {
			continue // a browser's file field with no file chosen
		}
		a, serr := s.storeUpload(ctx, upload{Name: part.FileName(), Body: body, Size: -1}, lim.MaxFileSize)
		if serr != nil {
			return form, uploadError(part.FileName(), serr, lim)
		}
		form.Files = append(form.Files, a)
	}
}

// uploadError names the file in an upload failure and keeps its status.
func uploadError(name string, err error, lim uploadLimits) error {
	e := classify(err)
	switch e.Status {
	case 413:
		return &apiError{Status: 413, Code: "too_large", Fields: map[string]string{"files": fmt.Sprintf("%s: over %d MiB", cleanFileName(name), lim.MaxFileSize>>20)}}
	case 500:
		if errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "multipart") {
			return &apiError{Status: 400, Code: "bad_request", Message: "the upload was interrupted"}
		}
	}
	return err
}
