// Package blob stores attachment bytes.
//
// A Store keeps opaque byte streams under keys that the store itself makes
// with NewKey; keys are never built from user input, and every method checks
// its key against the exact shape NewKey produces (ValidKey) before touching
// the disk or the network, answering ErrBadKey otherwise. Put streams the
// bytes, computing their SHA-256 on the way, honours a byte limit
// (ErrTooLarge) and leaves nothing behind when it fails. A missing key is
// ErrNotFound; a backing service that cannot be reached is ErrUnavailable, so
// callers can answer 503. Deleting a missing key is not an error.
//
// Two implementations exist: Local, a folder on disk (the embedded default),
// and MinIO, an S3 bucket reached through minio-go. The package imports
// minio-go and the standard library only.
package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"time"
)

// Store keeps attachment bytes under keys that the store itself generates.
type Store interface {
	// Put streams r under key, computing SHA-256 while streaming. opts.Size is
	// the exact size or -1 when unknown; memory stays bounded either way.
	// opts.Limit > 0 caps the bytes read: past it Put returns ErrTooLarge and
	// nothing is left behind. A known size that r does not match is an error.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Info, error)
	// Open returns the bytes stored under key with their Info; the caller
	// closes the reader.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// Stat returns the Info of the blob stored under key.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the blob stored under key; deleting a missing key is not
	// an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every stored blob, in no particular order, with Key,
	// Size and Modified set (SHA256 and ContentType may be empty). An error
	// from fn stops the walk and is returned as is.
	List(ctx context.Context, fn func(Info) error) error
	// Ping reports whether the store can serve requests (for /readyz).
	Ping(ctx context.Context) error
	// Kind names the implementation: "local" (a folder) or "s3" (a bucket on any S3 server).
	Kind() string
}

// PutOptions describes the stream handed to Store.Put.
type PutOptions struct {
	// Size is the exact number of bytes, or -1 when unknown (a multipart part).
	// Zero means an empty blob.
	Size int64
	// Limit, when > 0, is the largest number of bytes accepted.
	Limit int64
	// ContentType is stored with the blob and returned by Open and Stat.
	ContentType string
}

// Info describes a stored blob.
type Info struct {
	Key  string
	Size int64
	// SHA256 is the lower-case hex SHA-256 of the bytes, computed by Put while
	// streaming. Stat and Open of the local store give it from its sidecar; the
	// S3 store does not keep it (the caller stores what Put returned), so there
	// it may be empty.
	SHA256      string
	ContentType string
	Modified    time.Time
}

// Sentinel errors; test for them with errors.Is.
var (
	// ErrNotFound means no blob is stored under the key.
	ErrNotFound = errors.New("blob: not found")
	// ErrTooLarge means the stream was longer than PutOptions.Limit.
	ErrTooLarge = errors.New("blob: too large")
	// ErrUnavailable means the backing service cannot be reached or cannot
	// serve (connection refused, timeout, server error, bad credentials).
	ErrUnavailable = errors.New("blob: store unavailable")
	// ErrBadKey means the key is not one that NewKey could have produced.
	ErrBadKey = errors.New("blob: bad key")
)

// keyPattern is the only shape of key a store accepts: what NewKey makes.
var keyPattern = regexp.MustCompile(`^[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9a-f]{32}$`)

// NewKey returns a fresh random key such as "2026/11/25/<32 hex digits>";
// the date (UTC) spreads blobs over folders and helps people find them.
func NewKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics instead)
	return time.Now().UTC().Format("2006/01/02/") + hex.EncodeToString(b[:])
}

// ValidKey reports whether key has the exact shape NewKey produces.
func ValidKey(key string) bool {
	return len(key) == 43 && keyPattern.MatchString(key)
}

// checkKey returns an error wrapping ErrBadKey unless key is valid.
func checkKey(op, key string) error {
	if ValidKey(key) {
		return nil
	}
	if len(key) > 64 {
		key = key[:64] + "…"
	}
	return fmt.Errorf("blob: %s %q: %w", op, key, ErrBadKey)
}

// errSizeMismatch is wrapped when a stream is shorter or longer than the
// size announced in PutOptions.
var errSizeMismatch = errors.New("stream length differs from the announced size")

// putReader wraps the stream given to Put: it hashes what passes, stops at the
// limit, checks the announced size and the context, and remembers the first
// error it returned so that the caller can tell its own errors from the
// backend's.
type putReader struct {
	ctx   context.Context
	r     io.Reader
	h     hash.Hash
	n     int64
	size  int64 // -1 unknown
	limit int64 // 0 none
	err   error // first error returned (not io.EOF)
}

func newPutReader(ctx context.Context, r io.Reader, opts PutOptions) *putReader {
	size := opts.Size
	if size < 0 {
		size = -1
	}
	return &putReader{ctx: ctx, r: r, h: sha256.New(), size: size, limit: opts.Limit}
}

// Read implements io.Reader.
func (p *putReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if err := p.ctx.Err(); err != nil {
		return 0, p.fail(err)
	}
	// Never read more than one byte past the limit or the announced size:
	// that byte is enough to know the stream is too long.
	if max := p.max(); max >= 0 {
		if room := max - p.n + 1; int64(len(b)) > room {
			b = b[:room]
		}
	}
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.limit > 0 && p.n > p.limit {
		return 0, p.fail(ErrTooLarge)
	}
	if p.size >= 0 && p.n > p.size {
		return 0, p.fail(fmt.Errorf("%w: more than %d bytes", errSizeMismatch, p.size))
	}
	p.h.Write(b[:n])
	if err == io.EOF && p.size >= 0 && p.n != p.size {
		return n, p.fail(fmt.Errorf("%w: %d bytes, announced %d: %w", errSizeMismatch, p.n, p.size, io.ErrUnexpectedEOF))
	}
	if err != nil && err != io.EOF {
		return n, p.fail(err)
	}
	return n, err
}

// max is the number of bytes past which the stream is refused, or -1.
func (p *putReader) max() int64 {
	switch {
	case p.limit > 0 && p.size >= 0:
		return min(p.limit, p.size)
	case p.limit > 0:
		return p.limit
	default:
		return p.size
	}
}

func (p *putReader) fail(err error) error {
	p.err = err
	return err
}

// drained makes sure the stream holds no more than the announced size: a
// reader that stopped reading at exactly Size bytes is probed for one more.
func (p *putReader) drained() error {
	if p.err != nil {
		return p.err
	}
	if p.size < 0 || p.n != p.size {
		return nil
	}
	var one [1]byte
	for range 100 {
		switch _, err := p.Read(one[:]); err {
		case nil:
			// (0, nil): ask again; a byte would have been an error.
		case io.EOF:
			return nil
		default:
			return err
		}
	}
	return p.fail(io.ErrNoProgress)
}

// sum is the hex SHA-256 of the bytes read so far.
func (p *putReader) sum() string {
	return hex.EncodeToString(p.h.Sum(nil))
}

// readFailed wraps an error of the stream given to Put (too large, wrong
// size, cancelled, or the reader's own): never ErrUnavailable, since the store
// is not at fault.
func readFailed(key string, err error) error {
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return fmt.Errorf("blob: put %s: reading the stream: %w", key, err)
}

// checkPut validates what Put can check before reading a byte.
func checkPut(key string, opts PutOptions) error {
	if err := checkKey("put", key); err != nil {
		return err
	}
	if opts.Limit > 0 && opts.Size > opts.Limit {
		return fmt.Errorf("blob: put %s: %d bytes over the limit of %d: %w", key, opts.Size, opts.Limit, ErrTooLarge)
	}
	return nil
}
