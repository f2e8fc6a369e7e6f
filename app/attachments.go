package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"pilu/app/blob"
	"pilu/models"
)

// MaxAttachmentSize is the default limit of one attachment (50 MiB).
const MaxAttachmentSize = 50 << 20

// upload is one incoming file before it is stored.
type upload struct {
	Name string
	Body io.Reader
	Size int64 // -1 when unknown (multipart parts)
}

// storeUpload checks a file by its content (magic bytes, never by its name or declared type),
// streams it to the blob store with its SHA-256 and returns the attachment row to write. The caller
// deletes the blob if its transaction fails.
func (s *Server) storeUpload(ctx context.Context, u upload, limit int64) (models.Attachment, error) {
	name := cleanFileName(u.Name)
	if name == "" {
		return models.Attachment{}, models.Invalid("files", models.CodeFileName)
	}
	br := bufio.NewReaderSize(u.Body, 4096)
	head, _ := br.Peek(512)
	if len(head) == 0 {
		return models.Attachment{}, models.Invalid("files", models.CodeFileEmpty, models.Args{"name": name})
	}
	ctype := sniff(head, name)
	if ctype == "" {
		return models.Attachment{}, fail(415, "unsupported_type", name+": only PDF, images, Word/Excel/OpenDocument and plain UTF-8 text are accepted")
	}
	name = nameForType(name, ctype)
	key := blob.NewKey()
	info, err := s.blobs.Put(ctx, key, br, blob.PutOptions{Size: u.Size, Limit: limit, ContentType: ctype})
	if err != nil {
		if !errors.Is(err, blob.ErrTooLarge) {
			s.metrics.blobErrors.Inc()
		}
		return models.Attachment{}, fmt.Errorf("app: store %s: %w", name, err)
	}
	s.metrics.uploadBytes.Add(float64(info.Size))
	return models.Attachment{Name: name, ContentType: ctype, Size: info.Size, SHA256: info.SHA256, BlobKey: key}, nil
}

// sniff recognises the accepted types from the first bytes; Office and OpenDocument files are zip or
// OLE containers, named by their extension only once the content is known to be such a container.
func sniff(head []byte, name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if t, ok := map[string]string{
			".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
			".odt":  "application/vnd.oasis.opendocument.text",
			".ods":  "application/vnd.oasis.opendocument.spreadsheet",
		}[ext]; ok {
			return t
		}
		return ""
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		if t, ok := map[string]string{".doc": "application/msword", ".xls": "application/vnd.ms-excel"}[ext]; ok {
			return t
		}
		return ""
	}
	t := http.DetectContentType(head)
	switch t {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return t
	case "text/plain; charset=utf-8":
		// DetectContentType looks at 512 bytes; the cut may split a character, so check what is whole.
		if utf8.Valid(trimPartialRune(head)) && !bytes.Contains(bytes.ToLower(head), []byte("<html")) && !bytes.Contains(bytes.ToLower(head), []byte("<script")) {
			return "text/plain; charset=utf-8"
		}
	}
	return ""
}

// typeExtensions are the name endings each accepted type may have; the first is the one a name gets
// when its own does not fit its content. Plain text is .txt only: a .csv opens in a spreadsheet,
// which runs formulas, and a text file named .bat, .hta, .html or .svg would be run or rendered.
var typeExtensions = map[string][]string{
	"application/pdf":           {".pdf"},
	"image/png":                 {".png"},
	"image/jpeg":                {".jpg", ".jpeg"},
	"image/gif":                 {".gif"},
	"image/webp":                {".webp"},
	"text/plain; charset=utf-8": {".txt"},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {".docx"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {".xlsx"},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx"},
	"application/vnd.oasis.opendocument.text":                                   {".odt"},
	"application/vnd.oasis.opendocument.spreadsheet":                            {".ods"},
	"application/msword":       {".doc"},
	"application/vnd.ms-excel": {".xls"},
}

// nameForType gives a cleaned file name the ending of its content type when its own ending is not
// one of that type's (说明.bat holding text becomes 说明.txt, scan.jpg holding a PDF scan.pdf), so
// that whoever downloads it opens it with a viewer of what it is. An unknown type keeps the name.
func nameForType(name, ctype string) string {
	exts, ok := typeExtensions[ctype]
	if !ok {
		return name
	}
	ext := filepath.Ext(name)
	if slices.Contains(exts, strings.ToLower(ext)) {
		return name
	}
	if base := strings.TrimSuffix(name, ext); base != "" && ext != "" {
		name = base
	}
	return name + exts[0]
}

func trimPartialRune(b []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size != 1 {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

// cleanFileName keeps only the last element of a file name, without control, format or path
// characters, without leading or trailing dots and spaces (so never "." or ".."), at most 200
// characters; it is shown to people and never used as a path.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		// Control characters (C0 and C1) and format characters: the right-to-left override would
		// show 报告‮fdp.exe as 报告exe.pdf; zero-width characters hide what a name says.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || strings.ContainsRune(`<>:"|?*`, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimFunc(name, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	if r := []rune(name); len(r) > 200 {
		ext := filepath.Ext(name)
		if len([]rune(ext)) > 20 {
			ext = ""
		}
		name = string(r[:200-len([]rune(ext))]) + ext
	}
	return name
}

// deleteBlobs removes stored blobs after a failed transaction; failures are left to the sweeper.
func (s *Server) deleteBlobs(atts []models.Attachment) {
	for _, a := range atts {
		if err := s.blobs.Delete(context.Background(), a.BlobKey); err != nil {
			s.log.Warn("delete orphan blob; the sweeper will retry", "key", a.BlobKey, "err", err)
		}
	}
}
