package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"gorm.io/gorm"

	"pilu/models"
)

// cacheControlPublic is what public answers carry: shared caches may keep them a minute, then
// revalidate with the ETag.
const cacheControlPublic = "public, max-age=60"

// maxCachedBody is the largest answer kept in the response cache.
const maxCachedBody = 2 << 20

// responseCache keeps the public answers of GET requests (rendered pages, API reads, feeds and
// exports) keyed by the request, the data version and the search index's version: any write of
// public data (an outbox row, or a write through this process) starts a new data version, and every
// batch the indexer applies a new index version, so nothing staler than the database or the index
// is served (an answer made before the indexer caught up with a filing is not kept past it).
// Memory is bounded: when full, the cache starts over.
type responseCache struct {
	mu      sync.RWMutex
	entries map[string]*cachedAnswer
	gen     atomic.Uint64 // bumped by every successful write through this process
}

// cachedAnswer is one kept answer with its validators.
type cachedAnswer struct {
	body                           []byte
	ctype, disposition, lang, etag string
	modified                       time.Time
}

const maxCacheEntries = 2000

func (rc *responseCache) get(key string) *cachedAnswer {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	return rc.entries[key]
}

func (rc *responseCache) put(key string, a *cachedAnswer) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.entries == nil || len(rc.entries) >= maxCacheEntries {
		rc.entries = map[string]*cachedAnswer{}
	}
	rc.entries[key] = a
}

// invalidate drops every kept answer after a write.
func (rc *responseCache) invalidate() {
	rc.gen.Add(1)
	rc.mu.Lock()
	rc.entries = nil
	rc.mu.Unlock()
}

// versionTTL is how long the data version read from the outbox is trusted: writes through this
// process invalidate at once (GORM callbacks), writes of other processes within this time.
const versionTTL = time.Second

// dataVersion is the id and time of the newest outbox row (every write of public data writes one),
// read again at most once per versionTTL.
func (o *openData) dataVersion(c *fiber.Ctx) (uint64, time.Time, error) {
	if v := o.version.Load(); v != nil && time.Since(v.readAt) < versionTTL {
		return v.id, v.changed, nil
	}
	var row models.OutboxEntry
	if err := o.s.store.DB(c.UserContext()).Select("id", "created_at").Order("id DESC").Limit(1).Find(&row).Error; err != nil {
		return 0, time.Time{}, err
	}
	o.version.Store(&dataVersion{id: row.ID, changed: row.CreatedAt, readAt: time.Now()})
	return row.ID, row.CreatedAt, nil
}

// dataVersion is the newest outbox row seen and when it was read (real time).
type dataVersion struct {
	id              uint64
	changed, readAt time.Time
}

// invalidateOnWrite empties the response cache after every write this process makes through GORM
// (inserts, updates, deletes, raw statements), so that a page read after a write shows it.
func (o *openData) invalidateOnWrite() {
	bump := func(*gorm.DB) { o.cache.invalidate() }
	cb := o.s.store.DB(context.Background()).Callback()
	cb.Create().After("gorm:create").Register("pilu:invalidate_cache", bump)
	cb.Update().After("gorm:update").Register("pilu:invalidate_cache", bump)
	cb.Delete().After("gorm:delete").Register("pilu:invalidate_cache", bump)
	cb.Raw().After("gorm:raw").Register("pilu:invalidate_cache", bump)
}

// httpCache sets Cache-Control deliberately, answers conditional requests (ETag, Last-Modified →
// 304) and serves public GET answers from the response cache. Pages for a logged-in user and pages
// that carry a per-visitor CSRF token are private and never stored; a successful write empties the
// cache.
func (o *openData) httpCache(c *fiber.Ctx) error {
	s := o.s
	if e, day := o.dailyRoot(c); e.Seq > 0 {
		c.Locals(ledgerRootKey, ledgerRoot{Day: day, Seq: e.Seq, Hash: e.Hash})
	}
	switch {
	case c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead:
		err := c.Next()
		if err == nil && c.Response().StatusCode() < 400 {
			o.cache.invalidate()
		}
		return err
	case currentUser(c) != nil:
		err := c.Next()
		c.Set(fiber.HeaderCacheControl, "private, no-store")
		return err
	}
	ver, changed, err := o.dataVersion(c)
	if err != nil {
		return err
	}
	now := s.now()
	lang := s.lang(c)
	key := strings.Join([]string{string(c.Request().URI().RequestURI()), lang,
		strconv.FormatUint(ver, 10), strconv.FormatUint(o.cache.gen.Load(), 10),
		strconv.FormatUint(s.indexer.Version(), 10), now.Truncate(time.Minute).Format(time.RFC3339)}, "|")
	if a := o.cache.get(key); a != nil && !wantsFresh(c) {
		return answerCached(c, a)
	}
	if err := c.Next(); err != nil {
		return err
	}
	res := &c.Response().Header
	if c.Response().StatusCode() != fiber.StatusOK || c.Response().IsBodyStream() || len(c.Response().Body()) > maxCachedBody {
		return nil
	}
	if len(res.Peek(fiber.HeaderCacheControl)) > 0 {
		return nil // the handler decided itself
	}
	body := c.Response().Body()
	if bytes.HasPrefix(res.ContentType(), []byte("text/html")) && bytes.Contains(body, []byte(s.csrfToken(c))) {
		c.Set(fiber.HeaderCacheControl, "private, no-store") // a form with this visitor's token
		return nil
	}
	res.DelCookie(csrfCookie) // a page without a form needs no token: the next form page sets it
	if len(res.PeekCookie("lang")) > 0 {
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
		return nil
	}
	modified := changed.UTC().Truncate(time.Second)
	if m := now.UTC().Truncate(time.Minute); m.After(modified) {
		modified = m // answers show times left (days to a deadline) that move with the clock
	}
	sum := sha256.Sum256(body)
	a := &cachedAnswer{body: append([]byte(nil), body...), ctype: string(res.ContentType()),
		disposition: string(res.Peek(fiber.HeaderContentDisposition)), lang: string(res.Peek(fiber.HeaderContentLanguage)),
		etag: `"` + hex.EncodeToString(sum[:12]) + `"`, modified: modified}
	o.cache.put(key, a)
	return answerCached(c, a)
}

// wantsFresh reports whether the request asks for an answer made anew (Cache-Control: no-cache,
// or Pragma: no-cache from HTTP/1.0 clients), as a browser's forced reload and the search load test
// do; the fresh answer is kept for the next reader.
func wantsFresh(c *fiber.Ctx) bool {
	for _, d := range strings.Split(c.Get(fiber.HeaderCacheControl), ",") {
		if strings.EqualFold(strings.TrimSpace(d), "no-cache") {
			return true
		}
	}
	return strings.EqualFold(strings.TrimSpace(c.Get(fiber.HeaderPragma)), "no-cache")
}

// answerCached sends a kept answer, or 304 when the client's copy is current.
func answerCached(c *fiber.Ctx, a *cachedAnswer) error {
	c.Set(fiber.HeaderCacheControl, cacheControlPublic)
	c.Set(fiber.HeaderVary, "Accept-Encoding, Accept-Language, Cookie")
	c.Set(fiber.HeaderETag, a.etag)
	c.Set(fiber.HeaderLastModified, a.modified.Format(http.TimeFormat))
	c.Set(fiber.HeaderContentType, a.ctype)
	if a.disposition != "" {
		c.Set(fiber.HeaderContentDisposition, a.disposition)
	}
	if a.lang != "" {
		c.Set(fiber.HeaderContentLanguage, a.lang)
	}
	if notModified(c.Get(fiber.HeaderIfNoneMatch), c.Get(fiber.HeaderIfModifiedSince), a) {
		c.Response().ResetBody()
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Status(fiber.StatusOK)
	return c.Send(a.body)
}

// notModified applies RFC 9110 §13.1: If-None-Match wins over If-Modified-Since; a malformed
// If-None-Match (no quoted entity tag) matches nothing, so the full answer is sent.
func notModified(ifNoneMatch, ifModifiedSince string, a *cachedAnswer) bool {
	if strings.TrimSpace(ifNoneMatch) != "" {
		for _, tag := range strings.Split(ifNoneMatch, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" {
				return true
			}
			tag = strings.TrimPrefix(tag, "W/")
			if len(tag) >= 2 && tag[0] == '"' && tag[len(tag)-1] == '"' && tag == a.etag {
				return true
			}
		}
		return false
	}
	if t, err := http.ParseTime(ifModifiedSince); err == nil {
		return !a.modified.After(t)
	}
	return false
}

// compressText compresses answers for clients that accept it (gzip, brotli, deflate); files that
// are already compressed (attachments, evidence, XLSX, gzip dumps) are sent as they are.
var compressText = compress.New(compress.Config{
	Level: compress.LevelBestSpeed,
	Next: func(c *fiber.Ctx) bool {
		p := c.Path()
		return strings.HasPrefix(p, "/attachments/") || strings.Contains(p, "/evidence/") ||
			strings.HasSuffix(p, ".xlsx") || strings.HasSuffix(p, ".gz")
	},
})
