package app

import (
	"bytes"
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
	"golang.org/x/sync/singleflight"

	"pilu/models"
)

// cacheControlPublic is what public answers carry: shared caches may keep them a minute, then
// revalidate with the ETag.
const cacheControlPublic = "public, max-age=60"

// maxCachedBody is the largest answer kept in the response cache.
const maxCachedBody = 2 << 20

// responseCache keeps the public answers of GET requests (rendered pages, API reads, feeds and
// exports), one per request and language, each with the version it was made at: the data version
// (any write of public data writes an outbox row; a write through this process bumps gen) and, for
// an answer that searched, the search index's version (every batch the indexer applies), so no
// answer older than the database or the index is served, and pages that do not search are not made
// anew for every batch the indexer applies. An answer whose version is current but whose minute has passed (answers show
// times left) is served while one request makes it anew (stale-while-revalidate); when the version
// has moved, the many readers of one page wait for a single computation (single flight) instead of
// each making it. Memory is bounded by maxCacheEntries answers.
type responseCache struct {
	mu         sync.RWMutex
	entries    map[string]*cachedAnswer
	gen        atomic.Uint64 // bumped by every successful write through this process
	flight     singleflight.Group
	refreshing sync.Map // keys whose stale answer one request is making anew
}

// cachedAnswer is one kept answer with its validators and the version and minute it was made at.
type cachedAnswer struct {
	body                           []byte
	ctype, disposition, lang, etag string
	modified                       time.Time
	version                        string
	index                          uint64 // the index version it searched at, when readsIndex
	readsIndex                     bool
	minute                         time.Time
}

// current reports whether a was made at the version of at (the data, and the index when it searched).
func (a *cachedAnswer) current(at answerAt) bool {
	return a.version == at.version && (!a.readsIndex || a.index == at.index)
}

const maxCacheEntries = 2000

func (rc *responseCache) get(key string) *cachedAnswer {
	rc.mu.RLock()
	defer rc.mu.RUnlock()
	return rc.entries[key]
}

// put keeps a, replacing the answer of the same key; when full, an arbitrary other answer goes.
func (rc *responseCache) put(key string, a *cachedAnswer) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.entries == nil {
		rc.entries = map[string]*cachedAnswer{}
	}
	if _, ok := rc.entries[key]; !ok && len(rc.entries) >= maxCacheEntries {
		for k := range rc.entries {
			delete(rc.entries, k)
			break
		}
	}
	rc.entries[key] = a
}

// invalidate starts a new version after a write: no answer made before it is served again.
func (rc *responseCache) invalidate() { rc.gen.Add(1) }

// versionTTL is how long the data version read from the outbox is trusted: writes through this
// process invalidate at once (GORM callbacks), writes of other processes within this time.
const versionTTL = time.Second

// dataVersion is the id and time of the newest outbox row (every write of public data writes one),
// read again at most once per versionTTL.
func (o *openData) dataVersion(c *fiber.Ctx) (uint64, time.Time, error) {
	if v := o.version.Load(); v != nil && time.Since(v.readAt) < versionTTL {
		return v.id, v.changed, nil
	}
	row, err := o.s.store.NewestOutboxEntry(c.UserContext())
	if err != nil {
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
	o.s.store.OnWrite(o.cache.invalidate)
}

// httpCache sets Cache-Control deliberately, answers conditional requests (ETag, Last-Modified →
// 304) and serves public GET answers from the response cache. Pages for a logged-in user and pages
// that carry a per-visitor CSRF token are private and never stored; a successful write starts a new
// version.
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
	case wantsEventStream(c):
		return c.Next() // a stream of events (the change stream) is neither kept nor served kept
	}
	ver, changed, err := o.dataVersion(c)
	if models.Unavailable(err) {
		return c.Next() // no version to key on: answers that need only the search index still work
	}
	if err != nil {
		return err
	}
	now := s.now()
	key := string(c.Request().URI().RequestURI()) + "|" + s.lang(c)
	at := answerAt{version: strconv.FormatUint(ver, 10) + "." + strconv.FormatUint(o.cache.gen.Load(), 10),
		index: s.indexer.Version(), minute: now.Truncate(time.Minute), changed: changed}
	kept := o.cache.get(key)
	switch {
	case wantsFresh(c):
		_, err := o.makeAnswer(c, key, at)
		return err
	case kept != nil && kept.current(at) && kept.minute.Equal(at.minute):
		return answerCached(c, kept)
	case kept != nil && kept.current(at):
		// Only the clock moved: one request makes the answer anew, the others get the kept one.
		if _, busy := o.cache.refreshing.LoadOrStore(key, true); busy {
			return answerCached(c, kept)
		}
		defer o.cache.refreshing.Delete(key)
		_, err := o.makeAnswer(c, key, at)
		return err
	}
	// No answer of this version yet: one computation, which the others wait for.
	led := false
	flight := key + "|" + at.version + "|" + strconv.FormatUint(at.index, 10) + "|" + at.minute.Format(time.RFC3339)
	v, err, _ := o.cache.flight.Do(flight, func() (any, error) {
		led = true
		return o.makeAnswer(c, key, at)
	})
	switch a, _ := v.(*cachedAnswer); {
	case led:
		return err
	case a != nil:
		return answerCached(c, a)
	}
	_, err = o.makeAnswer(c, key, at) // the leader's answer could not be shared (an error, a private page)
	return err
}

// answerAt is the version and the time an answer is made for.
type answerAt struct {
	version string // of the data
	index   uint64 // of the search index
	minute  time.Time
	changed time.Time // when the data last changed
}

// makeAnswer runs the handler and keeps its answer when it may be shared: a 200 of a public page that
// carries no visitor's CSRF token or language cookie and set no Cache-Control of its own. It returns
// the kept answer, or nil when the answer is this visitor's alone.
func (o *openData) makeAnswer(c *fiber.Ctx, key string, at answerAt) (*cachedAnswer, error) {
	s := o.s
	ctx, searched := withIndexReads(c.UserContext())
	c.SetUserContext(ctx)
	if err := c.Next(); err != nil {
		return nil, err
	}
	res := &c.Response().Header
	if c.Response().StatusCode() != fiber.StatusOK || c.Response().IsBodyStream() || len(c.Response().Body()) > maxCachedBody {
		return nil, nil
	}
	if len(res.Peek(fiber.HeaderCacheControl)) > 0 {
		return nil, nil // the handler decided itself
	}
	body := c.Response().Body()
	if bytes.HasPrefix(res.ContentType(), []byte("text/html")) && bytes.Contains(body, []byte(s.csrfToken(c))) {
		c.Set(fiber.HeaderCacheControl, "private, no-store") // a form with this visitor's token
		return nil, nil
	}
	res.DelCookie(csrfCookie) // a page without a form needs no token: the next form page sets it
	if len(res.PeekCookie("lang")) > 0 {
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
		return nil, nil
	}
	modified := at.changed.UTC().Truncate(time.Second)
	if m := at.minute.UTC(); m.After(modified) {
		modified = m // answers show times left (days to a deadline) that move with the clock
	}
	sum := sha256.Sum256(body)
	a := &cachedAnswer{body: append([]byte(nil), body...), ctype: string(res.ContentType()),
		disposition: string(res.Peek(fiber.HeaderContentDisposition)), lang: string(res.Peek(fiber.HeaderContentLanguage)),
		etag: `"` + hex.EncodeToString(sum[:12]) + `"`, modified: modified, version: at.version, minute: at.minute,
		index: at.index, readsIndex: searched.Load()}
	o.cache.put(key, a)
	return a, answerCached(c, a)
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
// are already compressed (attachments, evidence, XLSX, gzip dumps) are sent as they are, and the
// static files come precompressed (serveStatic).
var compressText = compress.New(compress.Config{
	Level: compress.LevelBestSpeed,
	Next: func(c *fiber.Ctx) bool {
		p := c.Path()
		return strings.HasPrefix(p, "/attachments/") || strings.HasPrefix(p, "/static/") || strings.Contains(p, "/evidence/") ||
			strings.HasSuffix(p, ".xlsx") || strings.HasSuffix(p, ".gz") || wantsEventStream(c) // events go out at once
	},
})
