package search

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Document types.
const (
	TypeInstitution = "institution"
	TypeDisclosure  = "disclosure"
	TypeNotice      = "notice"
)

// Types lists the document types, in the order the UI shows them.
var Types = []string{TypeInstitution, TypeDisclosure, TypeNotice}

var (
	// ErrInvalidDoc marks a Doc or delete id that cannot be indexed
	// (unknown Type, empty ID).
	ErrInvalidDoc = errors.New("search: invalid document")
	// ErrInUse means another process (or another Index in this one) holds
	// the index folder open.
	ErrInUse = errors.New("search: index folder in use by another process")
)

// Keys of the values kept beside the documents (batch.SetInternal).
var (
	keyCursor  = []byte("pilu.cursor")
	keySource  = []byte("pilu.source")
	keyVersion = []byte("pilu.mapping_version")
)

// lockTimeout bounds the wait for the index folder's lock (a variable for
// tests).
var lockTimeout = 2 * time.Second

// rebuildBatch is the number of documents per batch in Rebuild.
const rebuildBatch = 1000

// rebuildWriters is the number of batches Rebuild writes at once. Bleve
// analyses a batch's documents in parallel but builds its segment on the
// calling goroutine and then waits for it to be persisted; two writers keep
// both cores busy (10,000 generated documents: 187 → 247 a second; three
// writers did no better).
const rebuildWriters = 2

// Doc is one searchable record; the app turns models into Docs.
type Doc struct {
	Type     string    // TypeInstitution, TypeDisclosure or TypeNotice
	ID       string    // unique within Type; the Bleve id is Type+"/"+ID
	Title    string    // shown in hits; searched (boosted above Body)
	Body     string    // searched; snippets come from it
	Names    []string  // an institution's brand, legal and former names (boosted most); for other types the institutions listed
	Codes    []string  // USCC, website domains, notice number: matched exactly (keyword, lower-cased)
	Province string    // 6-digit code; filter and facet
	Class    string    // institution class; filter and facet
	Kind     string    // disclosure or notice kind; filter and facet
	Date     time.Time // sorts the browsing list, newest first
	URL      string    // stored, returned in hits
	Demo     bool      // part of the demo data set
}

// Index is an open Bleve index. It is safe for concurrent use.
type Index struct {
	dir    string
	log    *slog.Logger
	idx    bleve.Index
	engine string            // EnginePilu or EngineBleve
	zh     analysis.Analyzer // the text analyzer, for building queries
	kw     analysis.Analyzer // the codes analyzer

	gen    atomic.Uint64 // counts Applies: cached results of an older generation are stale
	cache  resultCache
	facets facetTable

	background sync.WaitGroup // warmLoop, which Close waits for
	closing    chan struct{}  // closed when Close begins
	segmentsIn chan struct{}  // Bleve brought segments in: warm them (segmentsCame)
	warmed     atomic.Uint64  // warm passes done (warmLoop)
	stopEvents func()         // stops Bleve's events reaching segmentsCame
	closeOnce  sync.Once
	closeErr   error
}

// Open opens the index in dir with the default engine (EnginePilu); see
// OpenEngine.
func Open(dir string, log *slog.Logger) (*Index, error) {
	return OpenEngine(dir, log, EnginePilu)
}

// OpenEngine opens the index in dir, creating it (and its parent folders)
// when missing, to search with engine (one of Engines). A broken index is
// moved aside to dir+".broken-YYYYMMDDHHMMSS" with one warning on log and a
// fresh index is created. An unknown engine, an index folder that cannot be
// created, or is held open elsewhere (ErrInUse), is an error; so is, for
// EnginePilu, a Bleve whose internals are not as it assumes (ErrInternals,
// naming the assumption).
func OpenEngine(dir string, log *slog.Logger, engine string) (*Index, error) {
	if err := checkEngine(engine); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if dir == "" {
		return nil, errors.New("search: open index: empty folder name")
	}
	dir = filepath.Clean(dir)
	if err := checkParent(dir); err != nil {
		return nil, err
	}

	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return create(dir, log, engine)
	case err != nil:
		return nil, fmt.Errorf("search: open index %s: %w", dir, err)
	case fi.IsDir() && isEmptyDir(dir):
		if err := os.Remove(dir); err != nil {
			return nil, fmt.Errorf("search: open index %s: %w", dir, err)
		}
		return create(dir, log, engine)
	}

	var idx bleve.Index
	if fi.IsDir() {
		idx, err = openExisting(dir)
		if err == nil {
			return wrap(dir, log, idx, engine)
		}
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s", ErrInUse, dir)
		}
	} else {
		err = errors.New("not a folder")
	}
	aside, merr := moveAside(dir, "broken")
	if merr != nil {
		return nil, fmt.Errorf("search: index %s is broken (%v) and cannot be moved aside: %w", dir, err, merr)
	}
	log.Warn("search: index broken, moved aside; starting a fresh one", "dir", dir, "moved_to", aside, "reason", err.Error())
	return create(dir, log, engine)
}

// checkParent makes sure dir's parent exists and is writable: a broken index
// is moved aside there, and Rebuild builds its sibling folder there.
func checkParent(dir string) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("search: index folder %s: cannot create parent folder: %w", dir, err)
	}
	f, err := os.CreateTemp(parent, ".pilu-write-check-*")
	if err != nil {
		return fmt.Errorf("search: index folder %s: parent folder is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	_ = os.Remove(name)
	return nil
}

func isEmptyDir(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	return errors.Is(err, io.EOF)
}

// openExisting opens and checks an index. Bleve may panic on a corrupt
// segment; that counts as broken too.
func openExisting(dir string) (idx bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			if idx != nil {
				func() {
					defer func() { _ = recover() }()
					_ = idx.Close()
				}()
			}
			idx, err = nil, fmt.Errorf("panic while opening: %v", r)
		}
	}()
	idx, err = bleve.OpenUsing(dir, map[string]interface{}{"bolt_timeout": lockTimeout.String(), eventConfigKey: eventCallback})
	if err != nil {
		return nil, err
	}
	if err := checkIndex(idx); err != nil {
		_ = idx.Close()
		return nil, err
	}
	return idx, nil
}

// checkIndex reads what Open relies on: the mapping version, the cursor, the
// count, and one stored document.
func checkIndex(idx bleve.Index) error {
	v, err := idx.GetInternal(keyVersion)
	if err != nil {
		return err
	}
	if string(v) != mappingVersion {
		return fmt.Errorf("mapping version %q, want %q", v, mappingVersion)
	}
	if _, err := readCursor(idx); err != nil {
		return err
	}
	if _, err := idx.DocCount(); err != nil {
		return err
	}
	if idx.Mapping().AnalyzerNamed(textAnalyzer) == nil || idx.Mapping().AnalyzerNamed(codeAnalyzer) == nil {
		return errors.New("analyzers missing from the mapping")
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
	req.Fields = []string{fieldTitle, fieldDate}
	_, err = idx.Search(req)
	return err
}

// moveAside renames dir to dir+"."+what+"-YYYYMMDDHHMMSS" (with a suffix when
// that name is taken) and returns the new name.
func moveAside(dir, what string) (string, error) {
	base := dir + "." + what + "-" + time.Now().Format("20060102150405")
	name := base
	for n := 2; ; n++ {
		if _, err := os.Lstat(name); errors.Is(err, os.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s-%d", base, n)
	}
	return name, os.Rename(dir, name)
}

// create makes a new empty index in dir, which must not exist.
func create(dir string, log *slog.Logger, engine string) (*Index, error) {
	idx, err := newIndex(dir)
	if err != nil {
		return nil, err
	}
	return wrap(dir, log, idx, engine)
}

func newIndex(dir string) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("search: index mapping: %w", err)
	}
	idx, err := bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore,
		map[string]interface{}{eventConfigKey: eventCallback})
	if err != nil {
		return nil, fmt.Errorf("search: create index %s: %w", dir, err)
	}
	if err := idx.SetInternal(keyVersion, []byte(mappingVersion)); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: create index %s: %w", dir, err)
	}
	return idx, nil
}

func wrap(dir string, log *slog.Logger, idx bleve.Index, engine string) (*Index, error) {
	ix := &Index{dir: dir, log: log, idx: idx, engine: engine,
		zh: idx.Mapping().AnalyzerNamed(textAnalyzer),
		kw: idx.Mapping().AnalyzerNamed(codeAnalyzer),
	}
	ix.cache.size = cacheSize
	if ix.zh == nil || ix.kw == nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: open index %s: analyzers missing", dir)
	}
	if engine != EnginePilu {
		return ix, nil
	}
	// The pilu engine cannot search at all without scorch's snapshots: say so
	// now, naming the assumption, rather than failing every search.
	snap, err := snapshot(idx)
	if err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: open index %s: %w", dir, err)
	}
	_ = snap.Close()
	// The facet arrays and impacts of every segment are computed in the
	// background now, and for each segment Bleve brings in later
	// (impacts.go), so that searches do not wait for them.
	ix.closing, ix.segmentsIn = make(chan struct{}), make(chan struct{}, 1)
	if ix.stopEvents, err = onSegments(idx, ix.segmentsCame); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: open index %s: %w", dir, err)
	}
	ix.background.Add(1)
	go func() {
		defer ix.background.Done()
		ix.warmLoop()
	}()
	return ix, nil
}

// settle has Bleve merge the segments of idx as its merger would in the
// background, until its merge plan leaves them as they are. Rebuild settles
// the new index before swapping it in, so that the portal does not spend its
// first minutes merging (at a million documents, 43 segments became 16 in
// 21 s) while it answers searches.
func settle(idx bleve.Index) error {
	count := func() (int, error) {
		snap, err := snapshot(idx)
		if err != nil {
			return 0, err
		}
		defer snap.Close()
		return len(snap.Segments()), nil
	}
	// A round that merged nothing may have raced with Bleve's own merger
	// (under load, segments are still being persisted when the last batch
	// returns): stop after two such rounds in a row.
	n, err := count()
	idle := 0
	for round := 0; err == nil && round < 12 && idle < 2; round++ {
		if err = forceMerge(idx); err != nil {
			break
		}
		var m int
		if m, err = count(); err == nil && m >= n {
			idle++
		} else {
			idle = 0
		}
		n = m
	}
	return err
}

// Apply indexes docs (replacing any with the same Type and ID), deletes the
// ids given as "Type/ID", and stores cursor (the last outbox row applied), all
// in one Bleve batch: the documents and the cursor move together.
func (ix *Index) Apply(docs []Doc, deletes []string, cursor uint64) error {
	b := ix.idx.NewBatch()
	for _, d := range docs {
		id, fields, err := bleveDoc(d)
		if err != nil {
			return err
		}
		if err := b.Index(id, fields); err != nil {
			return fmt.Errorf("search: apply %s: %w", id, err)
		}
	}
	for _, id := range deletes {
		typ, rest, ok := strings.Cut(id, "/")
		if !ok || !knownType(typ) || rest == "" {
			return fmt.Errorf("%w: delete id %q is not Type/ID", ErrInvalidDoc, id)
		}
		b.Delete(id)
	}
	b.SetInternal(keyCursor, encodeCursor(cursor))
	err := ix.idx.Batch(b)
	ix.gen.Add(1) // even a failed batch may have changed something
	if err != nil {
		return fmt.Errorf("search: apply batch (cursor %d): %w", cursor, err)
	}
	return nil
}

// Cursor returns the last outbox row applied, 0 for a new index.
func (ix *Index) Cursor() (uint64, error) {
	c, err := readCursor(ix.idx)
	if err != nil {
		return 0, fmt.Errorf("search: read cursor: %w", err)
	}
	return c, nil
}

// Source returns what the index was built from, as the caller named it with SetSource ("" when
// never named): the app keeps the database's identity here, so an index is never served over
// another database.
func (ix *Index) Source() (string, error) {
	v, err := ix.idx.GetInternal(keySource)
	if err != nil {
		return "", fmt.Errorf("search: read source: %w", err)
	}
	return string(v), nil
}

// SetSource names what the index is built from (see Source).
func (ix *Index) SetSource(source string) error {
	if err := ix.idx.SetInternal(keySource, []byte(source)); err != nil {
		return fmt.Errorf("search: write source: %w", err)
	}
	return nil
}

// Count returns the number of documents.
func (ix *Index) Count() (uint64, error) {
	n, err := ix.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("search: count: %w", err)
	}
	return n, nil
}

// Empty reports whether the index has no documents and cursor 0: the app
// rebuilds it from the database. An index that cannot be read counts as empty.
func (ix *Index) Empty() bool {
	n, err := ix.Count()
	if err != nil {
		return true
	}
	c, err := ix.Cursor()
	if err != nil {
		return true
	}
	return n == 0 && c == 0
}

// Close closes the index; it waits for writes in progress. Closing twice is
// harmless.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() {
		if ix.closing != nil {
			ix.stopEvents()
			close(ix.closing)
		}
		ix.background.Wait()
		if err := ix.idx.Close(); err != nil {
			ix.closeErr = fmt.Errorf("search: close index %s: %w", ix.dir, err)
		}
	})
	return ix.closeErr
}

func readCursor(idx bleve.Index) (uint64, error) {
	v, err := idx.GetInternal(keyCursor)
	if err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("cursor of %d bytes, want 8", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func encodeCursor(c uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, c)
}

func knownType(t string) bool {
	for _, k := range Types {
		if t == k {
			return true
		}
	}
	return false
}

// bleveDoc turns a Doc into its Bleve id and field map. Empty values are
// left out, so facets never count "".
func bleveDoc(d Doc) (string, map[string]interface{}, error) {
	if !knownType(d.Type) {
		return "", nil, fmt.Errorf("%w: type %q (want one of %s)", ErrInvalidDoc, d.Type, strings.Join(Types, ", "))
	}
	if d.ID == "" {
		return "", nil, fmt.Errorf("%w: %s with an empty ID", ErrInvalidDoc, d.Type)
	}
	id := d.Type + "/" + d.ID
	m := map[string]interface{}{fieldType: d.Type, fieldDemo: d.Demo}
	put := func(field, v string) {
		v = strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD")
		if v != "" {
			m[field] = v
		}
	}
	list := func(field string, vs []string) {
		var out []string
		for _, v := range vs {
			v = strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD")
			if v != "" {
				out = append(out, v)
			}
		}
		if len(out) > 0 {
			m[field] = out
		}
	}
	put(fieldTitle, d.Title)
	// The body is stored as given (valid UTF-8 only): snippet offsets refer to it.
	if body := strings.ToValidUTF8(d.Body, "\uFFFD"); strings.TrimSpace(body) != "" {
		m[fieldBody] = body
	}
	if d.Type == TypeInstitution {
		list(fieldNames, d.Names)
		if keys := pinyinKeys(append([]string{d.Title}, d.Names...)); len(keys) > 0 {
			m[fieldPinyin] = keys
		}
	} else {
		list(fieldListed, d.Names)
	}
	list(fieldCodes, d.Codes)
	put(fieldProvince, d.Province)
	put(fieldClass, d.Class)
	put(fieldKind, d.Kind)
	put(fieldURL, d.URL)
	if !d.Date.IsZero() {
		m[fieldDate] = d.Date.UTC()
	}
	return id, m, nil
}

// Rebuild builds a complete index from feed in a fresh sibling folder
// (dir+".new-…"), in batches of about 1000 documents (one goroutine writes a
// batch while feed fills the next), stores cursor with the last batch, and
// swaps it in: the old folder is renamed aside, the new one
// renamed to dir, the old one removed. The caller has closed any Index open on
// dir. feed calls add once per document; an error from feed or add stops the
// rebuild and leaves dir as it was.
func Rebuild(dir string, log *slog.Logger, feed func(add func(Doc) error) error, cursor uint64) error {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if dir == "" {
		return errors.New("search: rebuild: empty folder name")
	}
	dir = filepath.Clean(dir)
	if err := checkParent(dir); err != nil {
		return err
	}
	removeAside(dir, log, false, "new", "old")

	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".new-")
	if err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	_ = os.Remove(tmp) // bleve.New wants to create the folder itself
	idx, err := newIndex(tmp)
	if err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	fail := func(err error) error {
		_ = idx.Close()
		_ = os.RemoveAll(tmp)
		return err
	}

	// Batches are written by rebuildWriters goroutines while feed fills the
	// next one. The last batch carries the cursor; nothing is visible before
	// the swap, so the order in which batches land does not matter.
	batches := make(chan *bleve.Batch, rebuildWriters)
	written := make(chan error, rebuildWriters)
	var failed atomic.Bool // a batch failed: feed need not go on
	for range rebuildWriters {
		go func() {
			var err error
			for b := range batches {
				if err == nil && !failed.Load() {
					err = idx.Batch(b)
					if err != nil {
						failed.Store(true)
					}
				}
			}
			written <- err
		}()
	}
	b := idx.NewBatch()
	var n int
	add := func(d Doc) error {
		if failed.Load() {
			return errors.New("a batch failed")
		}
		id, fields, err := bleveDoc(d)
		if err != nil {
			return err
		}
		if err := b.Index(id, fields); err != nil {
			return fmt.Errorf("search: rebuild: index %s: %w", id, err)
		}
		n++
		if b.Size() >= rebuildBatch {
			batches <- b
			b = idx.NewBatch()
		}
		return nil
	}
	ferr := feed(add)
	if ferr == nil {
		b.SetInternal(keyCursor, encodeCursor(cursor))
		batches <- b
	}
	close(batches)
	var werr error
	for range rebuildWriters {
		werr = cmp.Or(werr, <-written)
	}
	if werr != nil {
		return fail(fmt.Errorf("search: rebuild: batch: %w", werr))
	}
	if ferr != nil {
		return fail(fmt.Errorf("search: rebuild: %w", ferr))
	}
	if err := settle(idx); err != nil {
		return fail(fmt.Errorf("search: rebuild: merge segments: %w", err))
	}
	if err := idx.Close(); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("search: rebuild: close new index: %w", err)
	}

	var old string
	if _, err := os.Lstat(dir); err == nil {
		if old, err = moveAside(dir, "old"); err != nil {
			_ = os.RemoveAll(tmp)
			return fmt.Errorf("search: rebuild: move old index aside: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("search: rebuild: swap in new index: %w", err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			log.Warn("search: rebuild: cannot remove old index", "dir", old, "err", err.Error())
		}
	}
	removeAside(dir, log, true, "broken") // a complete index is in place: only the newest broken one stays, for a look
	log.Info("search: index rebuilt", "dir", dir, "docs", n, "cursor", cursor)
	return nil
}

// removeAside removes the folders beside dir that an interrupted Rebuild left (new, old) or that
// Open moved aside (broken), named dir.KIND-TIME; with keepNewest, the newest of them stays.
func removeAside(dir string, log *slog.Logger, keepNewest bool, kinds ...string) {
	parent, base := filepath.Split(dir)
	entries, err := os.ReadDir(filepath.Clean(parent)) // sorted by name: by time for one kind
	if err != nil {
		return
	}
	if keepNewest {
		for i := len(entries) - 1; i >= 0; i-- {
			if isAside(entries[i], base, kinds) {
				entries = entries[:i]
				break
			}
		}
	}
	for _, e := range entries {
		if !isAside(e, base, kinds) {
			continue
		}
		path := filepath.Join(parent, e.Name())
		if err := os.RemoveAll(path); err != nil {
			log.Warn("search: cannot remove stale index folder", "dir", path, "err", err.Error())
			continue
		}
		log.Info("search: removed stale index folder", "dir", path)
	}
}

// isAside reports whether e is a folder base.KIND-… of one of kinds.
func isAside(e os.DirEntry, base string, kinds []string) bool {
	for _, k := range kinds {
		if e.IsDir() && strings.HasPrefix(e.Name(), base+"."+k+"-") {
			return true
		}
	}
	return false
}

// waitBackground waits until the warm loop has been over the segments of the
// index as it is now (for benchmarks and tests).
func (ix *Index) waitBackground() {
	if ix.closing == nil {
		return
	}
	// A pass under way may have begun with older segments: wait for two.
	for range 2 {
		want := ix.warmed.Load() + 1
		ix.segmentsCame()
		for ix.warmed.Load() < want {
			time.Sleep(time.Millisecond)
		}
	}
}
