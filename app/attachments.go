package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
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
	// Encrypt stores the file encrypted under a key of its own (claim evidence: personal data).
	Encrypt bool
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
	if u.Encrypt {
		return s.storeEncrypted(ctx, key, name, ctype, br, u.Size, limit)
	}
	info, err := s.blobs.Put(ctx, key, br, blob.PutOptions{Size: u.Size, Limit: limit, ContentType: ctype})
	if err != nil {
		return models.Attachment{}, s.putFailed(name, err)
	}
	s.metrics.uploadBytes.Add(float64(info.Size))
	return models.Attachment{Name: name, ContentType: ctype, Size: info.Size, SHA256: info.SHA256, BlobKey: key}, nil
}

// storeEncrypted streams a file into the blob store encrypted under a fresh file key (see
// blob.EncryptReader), hashing the plain bytes on the way: the row keeps the file's own size and
// SHA-256 and its key sealed by the portal's key; the store sees ciphertext only.
func (s *Server) storeEncrypted(ctx context.Context, key, name, ctype string, r io.Reader, size, limit int64) (models.Attachment, error) {
	n, sum, fileKey, err := putEncrypted(ctx, s.blobs, key, r, size, limit)
	if err != nil {
		return models.Attachment{}, s.putFailed(name, err)
	}
	s.metrics.uploadBytes.Add(float64(n))
	return models.Attachment{Name: name, ContentType: ctype, Size: n, SHA256: sum, BlobKey: key,
		FileKey: s.sealer().Seal(models.FileKeyPurpose, string(fileKey))}, nil
}

// putEncrypted streams r (size bytes, or -1 when unknown; at most limit when limit > 0) into
// blobs under key, encrypted under a fresh file key, and returns the plain size and SHA-256 and
// the file key.
func putEncrypted(ctx context.Context, blobs blob.Store, key string, r io.Reader, size, limit int64) (int64, string, []byte, error) {
	fileKey := blob.NewFileKey()
	plain := newHashCounter(r)
	er, err := blob.EncryptReader(plain, fileKey)
	if err != nil {
		return 0, "", nil, err
	}
	opts := blob.PutOptions{Size: blob.EncryptedSize(size), ContentType: "application/octet-stream"}
	if limit > 0 { // the encryption of limit+1 bytes is longer than that of limit bytes
		opts.Limit = blob.EncryptedSize(limit)
	}
	if _, err := blobs.Put(ctx, key, er, opts); err != nil {
		return 0, "", nil, err
	}
	return plain.n, plain.sum(), fileKey, nil
}

// putFailed counts a failure of the blob store (a file over its limit is the sender's) and names the file.
func (s *Server) putFailed(name string, err error) error {
	if !errors.Is(err, blob.ErrTooLarge) {
		s.metrics.blobErrors.Inc()
	}
	return fmt.Errorf("app: store %s: %w", name, err)
}

// hashCounter passes a stream on, counting and hashing its bytes.
type hashCounter struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashCounter(r io.Reader) *hashCounter { return &hashCounter{r: r, h: sha256.New()} }

func (c *hashCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.h.Write(p[:n])
	return n, err
}

// sum is the hex SHA-256 of what was read.
func (c *hashCounter) sum() string { return hex.EncodeToString(c.h.Sum(nil)) }

// openAttachment opens the stored bytes of a, decrypting them while they are read when a is stored
// encrypted. An encrypted blob whose length does not match the file's is refused at once (a
// truncated file is never served in part); damage inside it fails the read with blob.ErrDamaged.
func (s *Server) openAttachment(ctx context.Context, a models.Attachment) (io.ReadCloser, int64, error) {
	rc, info, err := s.blobs.Open(ctx, a.BlobKey)
	if err != nil {
		return nil, 0, err
	}
	if a.FileKey == "" {
		return rc, info.Size, nil
	}
	fileKey, err := s.sealer().Open(models.FileKeyPurpose, a.FileKey)
	if err == nil && info.Size != blob.EncryptedSize(a.Size) {
		err = fmt.Errorf("app: attachment %d: the stored file is %d bytes, its encryption of %d bytes would be %d: %w",
			a.ID, info.Size, a.Size, blob.EncryptedSize(a.Size), blob.ErrDamaged)
	}
	var dr io.Reader
	if err == nil {
		dr, err = blob.DecryptReader(rc, []byte(fileKey))
	}
	if err != nil {
		_ = rc.Close()
		return nil, 0, err
	}
	return struct {
		io.Reader
		io.Closer
	}{dr, rc}, a.Size, nil
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
