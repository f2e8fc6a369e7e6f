package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// dumpMaxAge is how long a generated dump is served before it is made again; it is made sooner
// when the ledger has grown (something was published).
const dumpMaxAge = time.Hour

// cacheControlDump is what the dump's files carry: they change at most hourly.
const cacheControlDump = "public, max-age=300"

// dumps serves the full public dump at /exports/dump/: the files `pilu export --all` writes,
// made by the same code into a fresh folder under $PILU_DATA_DIR/dumps and switched in only when
// complete, so a reader never sees half a dump or a manifest of other files.
type dumps struct {
	s    *Server
	make sync.Mutex // one generation at a time

	mu       sync.RWMutex // guards the current dump below
	dir      string
	m        DumpManifest
	manifest []byte              // manifest.json as written
	sums     map[string]dumpFile // file name → size and SHA-256, manifest.json included
	made     time.Time
}

// dumpFile is one served file's size and SHA-256 (its ETag).
type dumpFile struct {
	size int64
	sum  string
}

func newDumps(s *Server) *dumps { return &dumps{s: s} }

// ensure makes a new dump unless the current one is younger than dumpMaxAge and covers the
// ledger's current head.
func (d *dumps) ensure(ctx context.Context) error {
	seq, hash, err := d.head(ctx)
	if err != nil || d.fresh(seq, hash) {
		return err
	}
	d.make.Lock()
	defer d.make.Unlock()
	if d.fresh(seq, hash) {
		return nil // made by the request we waited for
	}
	return d.generate(ctx)
}

// head is the sequence number and hash of the ledger's newest entry (0 and "" when empty).
func (d *dumps) head(ctx context.Context) (uint64, string, error) {
	items, _, err := d.s.store.LedgerPage(ctx, 1, 1)
	if err != nil || len(items) == 0 {
		return 0, "", err
	}
	return items[0].Seq, items[0].Hash, nil
}

// fresh reports whether the current dump is young enough and covers the ledger head seq/hash.
func (d *dumps) fresh(seq uint64, hash string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.dir != "" && d.m.LedgerSeq == seq && d.m.LedgerHash == hash && d.s.now().Sub(d.made) < dumpMaxAge
}

// generate writes a new dump into a fresh folder, switches to it and removes the previous one.
func (d *dumps) generate(ctx context.Context) error {
	root := filepath.Join(d.s.cfg.DataDir, "dumps")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(root, "dump-")
	if err != nil {
		return err
	}
	m, err := d.s.exportAll(ctx, dir)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	sum := sha256.Sum256(raw)
	sums := map[string]dumpFile{"manifest.json": {size: int64(len(raw)), sum: hex.EncodeToString(sum[:])}}
	for _, f := range m.Files {
		sums[f.Name] = dumpFile{size: f.Bytes, sum: f.SHA256}
	}
	d.mu.Lock()
	old := d.dir
	d.dir, d.m, d.manifest, d.sums, d.made = dir, m, raw, sums, d.s.now()
	d.mu.Unlock()
	if old != "" {
		os.RemoveAll(old) // readers open their files under the read lock, and open files outlive removal
	}
	removeStaleDumps(root, time.Now().Add(-2*dumpMaxAge))
	return nil
}

// removeStaleDumps removes dump folders last written before cutoff: left by a process that ended,
// or superseded (no process serves a dump older than dumpMaxAge).
func removeStaleDumps(root string, cutoff time.Time) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() && strings.HasPrefix(e.Name(), "dump-") && info.ModTime().Before(cutoff) {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// send answers GET /exports/dump/{file}: manifest.json or one of the NDJSON.gz files it lists,
// with the file's SHA-256 as ETag (304 when the client has it).
func (d *dumps) send(c *fiber.Ctx) error {
	name := c.Params("file")
	if err := d.ensure(c.UserContext()); err != nil {
		return err
	}
	d.mu.RLock()
	f, ok := d.sums[name]
	tag := &cachedAnswer{etag: `"` + f.sum + `"`, modified: d.made.UTC().Truncate(time.Second)}
	manifest := d.manifest
	var file *os.File
	var err error
	if ok && name != "manifest.json" {
		file, err = os.Open(filepath.Join(d.dir, name))
	}
	d.mu.RUnlock()
	switch {
	case !ok:
		return fiber.ErrNotFound
	case err != nil:
		return err
	}
	c.Set(fiber.HeaderCacheControl, cacheControlDump)
	c.Set(fiber.HeaderETag, tag.etag)
	c.Set(fiber.HeaderLastModified, tag.modified.Format(http.TimeFormat))
	if notModified(c.Get(fiber.HeaderIfNoneMatch), c.Get(fiber.HeaderIfModifiedSince), tag) {
		if file != nil {
			file.Close()
		}
		return c.SendStatus(fiber.StatusNotModified)
	}
	if file == nil {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(manifest)
	}
	c.Set(fiber.HeaderContentType, "application/gzip")
	c.Set(fiber.HeaderContentDisposition, contentDisposition(name))
	return c.SendStream(file, int(f.size))
}
