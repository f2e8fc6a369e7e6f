package app

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
)

// Cache lifetimes of the static files: a content-hashed address never changes what it names, so
// it is kept a year; a plain address (or one whose hash is no longer current, from a page cached
// before a release) may change with the next release, so it is kept five minutes and revalidated.
const (
	staticImmutable = "public, max-age=31536000, immutable"
	staticShort     = "public, max-age=300"
)

// staticHashLen is how many hex digits of the content's SHA-256 name a static file's version.
const staticHashLen = 10

// staticFile is one embedded file as served: its bytes and their brotli and gzip forms (kept only
// when smaller), computed once at start-up.
type staticFile struct {
	name     string // css/pilu.css
	hashed   string // css/pilu.0123456789.css
	ctype    string
	etag     string
	raw      []byte
	br, gzip []byte
}

// staticAssets are the embedded static files by name, ready to serve precompressed.
type staticAssets struct {
	files map[string]*staticFile
}

// loadStaticAssets reads every file of fsys, hashes it and compresses it with brotli and gzip
// at their best levels (the files are small and this runs once).
func loadStaticAssets(fsys fs.FS) (*staticAssets, error) {
	a := &staticAssets{files: map[string]*staticFile{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(raw)
		hash := hex.EncodeToString(sum[:])[:staticHashLen]
		ext := path.Ext(p)
		f := &staticFile{name: p, hashed: strings.TrimSuffix(p, ext) + "." + hash + ext, raw: raw,
			etag: `"` + hash + `"`, ctype: mime.TypeByExtension(ext)}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		if compressible(f.ctype) {
			if f.br, err = brotliOf(raw); err != nil {
				return err
			}
			if f.gzip, err = gzipOf(raw); err != nil {
				return err
			}
		}
		a.files[p] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	return a, nil
}

// compressible tells whether a type is text that compression shrinks (images here are SVG).
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "svg") || strings.Contains(ctype, "json")
}

func brotliOf(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	w := brotli.NewWriterLevel(&b, brotli.BestCompression)
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if b.Len() >= len(raw) {
		return nil, nil
	}
	return b.Bytes(), nil
}

func gzipOf(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(raw); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if b.Len() >= len(raw) {
		return nil, nil
	}
	return b.Bytes(), nil
}

// url is the content-hashed address of the static file name ("css/pilu.css"), for templates; a
// name that is not embedded stops rendering, so a typo is found by the first test of that page.
func (a *staticAssets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("static: no file %q", name)
	}
	return "/static/" + f.hashed, nil
}

// lookup finds the file an address under /static/ names: its plain name, or its name with a
// content hash (current: immutable; another: a page from before a release, served the current
// file with short caching).
func (a *staticAssets) lookup(p string) (f *staticFile, immutable bool) {
	if f, ok := a.files[p]; ok {
		return f, false
	}
	ext := path.Ext(p)
	stem := strings.TrimSuffix(p, ext)
	dot := strings.LastIndexByte(stem, '.')
	if dot < 0 || len(stem)-dot-1 != staticHashLen || strings.Contains(stem[dot:], "/") {
		return nil, false
	}
	if _, err := hex.DecodeString(stem[dot+1:]); err != nil {
		return nil, false
	}
	f, ok := a.files[stem[:dot]+ext]
	if !ok {
		return nil, false
	}
	return f, f.hashed == p
}

// serveStatic answers GET and HEAD under /static/ from memory: brotli or gzip as the client
// accepts (Vary: Accept-Encoding), an ETag for revalidation, and a year of caching on a current
// content-hashed address.
func (s *Server) serveStatic(c *fiber.Ctx) error {
	f, immutable := s.views.assets.lookup(strings.TrimPrefix(c.Path(), "/static/"))
	if f == nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set(fiber.HeaderETag, f.etag)
	if immutable {
		c.Set(fiber.HeaderCacheControl, staticImmutable)
	} else {
		c.Set(fiber.HeaderCacheControl, staticShort)
	}
	c.Set(fiber.HeaderContentType, f.ctype)
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && strings.Contains(match, f.etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	body := f.raw
	switch accepts := c.Get(fiber.HeaderAcceptEncoding); {
	case f.br != nil && acceptsEncoding(accepts, "br"):
		body = f.br
		c.Set(fiber.HeaderContentEncoding, "br")
	case f.gzip != nil && acceptsEncoding(accepts, "gzip"):
		body = f.gzip
		c.Set(fiber.HeaderContentEncoding, "gzip")
	}
	return c.Send(body) // for HEAD, fasthttp sends the length without the body
}

// acceptsEncoding tells whether an Accept-Encoding header accepts coding (not with q=0).
func acceptsEncoding(header, coding string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), coding) {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
