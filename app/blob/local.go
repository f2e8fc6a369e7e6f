package blob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Local is a Store in a folder on disk, the embedded default. A blob lives
// at dir/<key> with its content type and SHA-256 in a dir/<key>.meta JSON
// sidecar; Put writes into dir/tmp, syncs and renames, so a blob is either
// whole or absent.
type Local struct {
	dir string // absolute
	tmp string // dir/tmp
}

var _ Store = (*Local)(nil)

const (
	localTmpDir  = "tmp"
	localMetaExt = ".meta"
	// localStaleTmp is the age past which NewLocal removes leftovers of
	// interrupted Puts from dir/tmp.
	localStaleTmp = 24 * time.Hour
)

// localMeta is the sidecar stored beside each blob.
type localMeta struct {
	ContentType string `json:"content_type"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
}

// NewLocal opens the store in dir, creating it (mode 0750) when missing, and
// checks that it is writable. Temporary files older than a day, left by
// interrupted uploads, are removed.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("blob: local store: no folder given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: local store %s: %w", dir, err)
	}
	l := &Local{dir: abs, tmp: filepath.Join(abs, localTmpDir)}
	if err := os.MkdirAll(l.tmp, 0o750); err != nil {
		return nil, fmt.Errorf("blob: cannot create local store folder %s: %w", l.tmp, err)
	}
	if err := l.probe(); err != nil {
		return nil, fmt.Errorf("blob: local store folder %s is not writable: %w", abs, err)
	}
	l.sweepTmp(time.Now().Add(-localStaleTmp))
	return l, nil
}

// Dir returns the absolute folder of the store.
func (l *Local) Dir() string { return l.dir }

// Kind returns "local".
func (l *Local) Kind() string { return "local" }

// Ping checks that the folder still exists and takes new files.
func (l *Local) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.probe(); err != nil {
		return fmt.Errorf("blob: local store %s: %w: %w", l.dir, ErrUnavailable, err)
	}
	return nil
}

// probe creates and removes a file in dir/tmp.
func (l *Local) probe() error {
	f, err := os.CreateTemp(l.tmp, "probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	err = f.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	return err
}

// sweepTmp removes files in dir/tmp last changed before cutoff.
func (l *Local) sweepTmp(cutoff time.Time) {
	entries, err := os.ReadDir(l.tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() && fi.ModTime().Before(cutoff) {
			_ = os.Remove(filepath.Join(l.tmp, e.Name()))
		}
	}
}

// path is the file of a valid key.
func (l *Local) path(key string) string {
	return filepath.Join(l.dir, filepath.FromSlash(key))
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Info, error) {
	if err := checkPut(key, opts); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put %s: %w", key, err)
	}
	contentType := normContentType(opts.ContentType)
	pr := newPutReader(ctx, r, opts)

	f, err := os.CreateTemp(l.tmp, "put-*")
	if err != nil {
		return Info{}, l.fail("put", key, err)
	}
	tmpName := f.Name()
	placed := false
	defer func() {
		if !placed {
			_ = f.Close()
			_ = os.Remove(tmpName)
		}
	}()

	// A bare Writer keeps io.Copy from handing pr to os.File.ReadFrom, which
	// would only add a layer.
	if _, err := io.Copy(struct{ io.Writer }{f}, pr); err != nil {
		if pr.err != nil {
			return Info{}, readFailed(key, pr.err)
		}
		return Info{}, l.fail("put", key, err)
	}
	if err := pr.drained(); err != nil {
		return Info{}, readFailed(key, err)
	}
	if err := f.Chmod(0o640); err != nil {
		return Info{}, l.fail("put", key, err)
	}
	if err := f.Sync(); err != nil {
		return Info{}, l.fail("put", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return Info{}, l.fail("put", key, err)
	}
	if err := f.Close(); err != nil {
		return Info{}, l.fail("put", key, err)
	}

	info := Info{Key: key, Size: pr.n, SHA256: pr.sum(), ContentType: contentType, Modified: fi.ModTime()}
	final := l.path(key)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Info{}, l.fail("put", key, err)
	}
	// The blob goes first, then its sidecar: a crash in between leaves a blob
	// that List still shows (so the orphan sweeper removes it), never a
	// sidecar without a blob.
	if err := os.Rename(tmpName, final); err != nil {
		return Info{}, l.fail("put", key, err)
	}
	placed = true
	meta := localMeta{ContentType: info.ContentType, SHA256: info.SHA256, Size: info.Size}
	if err := l.writeMeta(final+localMetaExt, meta); err != nil {
		_ = os.Remove(final)
		return Info{}, l.fail("put", key, err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		_ = os.Remove(final + localMetaExt)
		_ = os.Remove(final)
		return Info{}, l.fail("put", key, err)
	}
	return info, nil
}

// writeMeta writes the sidecar atomically.
func (l *Local) writeMeta(name string, meta localMeta) error {
	b, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(l.tmp, "meta-*")
	if err != nil {
		return err
	}
	tmpName := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o640)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmpName, name)
	}
	if err != nil {
		_ = os.Remove(tmpName)
	}
	return err
}

// readMeta reads the sidecar; a missing one gives an empty localMeta.
func readMeta(name string) (localMeta, error) {
	var meta localMeta
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return meta, nil
	}
	if err != nil {
		return meta, err
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return meta, fmt.Errorf("bad sidecar %s: %w", name, err)
	}
	return meta, nil
}

// Open implements Store.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := checkKey("open", key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, fmt.Errorf("blob: open %s: %w", key, err)
	}
	name := l.path(key)
	f, err := os.Open(name)
	if err != nil {
		return nil, Info{}, l.fail("open", key, err)
	}
	info, err := l.info(key, name, f.Stat)
	if err != nil {
		_ = f.Close()
		return nil, Info{}, err
	}
	return f, info, nil
}

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey("stat", key); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	name := l.path(key)
	return l.info(key, name, func() (fs.FileInfo, error) { return os.Stat(name) })
}

// info combines the file's stat with its sidecar.
func (l *Local) info(key, name string, stat func() (fs.FileInfo, error)) (Info, error) {
	fi, err := stat()
	if err != nil {
		return Info{}, l.fail("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, fmt.Errorf("blob: stat %s: %w", key, ErrNotFound)
	}
	meta, err := readMeta(name + localMetaExt)
	if err != nil {
		return Info{}, l.fail("stat", key, err)
	}
	return Info{
		Key:         key,
		Size:        fi.Size(),
		SHA256:      meta.SHA256,
		ContentType: normContentType(meta.ContentType),
		Modified:    fi.ModTime(),
	}, nil
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	name := l.path(key)
	for _, n := range []string{name, name + localMetaExt} {
		if err := os.Remove(n); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return l.fail("delete", key, err)
		}
	}
	return nil
}

// List implements Store. It skips dir/tmp, sidecars and any file whose
// name is not a key.
func (l *Local) List(ctx context.Context, fn func(Info) error) error {
	return filepath.WalkDir(l.dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // removed while walking
				return nil
			}
			return l.fail("list", "", err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("blob: list: %w", err)
		}
		if d.IsDir() {
			if name == l.tmp {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasSuffix(name, localMetaExt) {
			return nil
		}
		rel, err := filepath.Rel(l.dir, name)
		if err != nil {
			return nil
		}
		key := filepath.ToSlash(rel)
		if !ValidKey(key) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return l.fail("list", key, err)
		}
		return fn(Info{Key: key, Size: fi.Size(), Modified: fi.ModTime()})
	})
}

// fail wraps a file-system error: a missing file becomes ErrNotFound, a full
// or read-only disk ErrUnavailable.
func (l *Local) fail(op, key string, err error) error {
	switch {
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrBadKey), errors.Is(err, ErrNotFound):
		return fmt.Errorf("blob: %s %s: %w", op, key, err)
	case op != "put" && errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("blob: %s %s: %w", op, key, ErrNotFound)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EROFS):
		return fmt.Errorf("blob: %s %s in %s: %w: %w", op, key, l.dir, ErrUnavailable, err)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}

// syncDir flushes a folder so that a rename into it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		return nil // file systems that cannot sync folders
	}
	return err
}

// normContentType gives blobs without a declared type the generic one.
func normContentType(ct string) string {
	if ct == "" {
		return "application/octet-stream"
	}
	return ct
}
