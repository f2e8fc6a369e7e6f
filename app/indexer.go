package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"pilu/models"
	"pilu/search"
)

// ErrRebuilding is returned by searches while the index is being rebuilt (as a rebuildingError
// carrying the percent done).
var ErrRebuilding = errors.New("app: the search index is being rebuilt")

// rebuildingError is ErrRebuilding with the percent of the rebuild done.
type rebuildingError int

func (e rebuildingError) Error() string {
	return fmt.Sprintf("index rebuilding, %d%% done", int(e))
}

func (e rebuildingError) Is(target error) bool { return target == ErrRebuilding }

// outboxGrace is how long the indexer waits for a missing outbox id (a transaction still open in
// another process) before it moves its cursor past it.
const outboxGrace = 10 * time.Second

// Indexer keeps the Bleve index in step with the database: it drains the outbox into the index and
// rebuilds an empty index from the database while the portal serves.
type Indexer struct {
	dir      string
	store    *models.Store
	log      *slog.Logger
	mu       sync.RWMutex  // guards ix: searches read it, a rebuild swaps it
	drainMu  sync.Mutex    // one drain or rebuild at a time
	ix       *search.Index // nil while a rebuild runs
	progress atomic.Int64  // percent of a running rebuild
	gapSince map[uint64]time.Time
	poke     chan struct{}
	cache    int           // results each opened index keeps (PILU_SEARCH_CACHE)
	engine   string        // how the index searches (PILU_SEARCH_ENGINE)
	version  atomic.Uint64 // bumped whenever what a search can find changes (a batch applied, a swap)
}

func openIndexer(dir string, store *models.Store, log *slog.Logger, cache int, engine string) (*Indexer, error) {
	x := &Indexer{dir: dir, store: store, log: log, gapSince: map[uint64]time.Time{}, poke: make(chan struct{}, 1), cache: cache, engine: engine}
	ix, err := x.open()
	if err != nil {
		return nil, err
	}
	x.ix = ix
	return x, nil
}

// open opens the index folder with the configured engine and result cache.
func (x *Indexer) open() (*search.Index, error) {
	ix, err := search.OpenEngine(x.dir, x.log, x.engine)
	if err == nil {
		ix.SetCacheSize(x.cache)
	}
	return ix, err
}

// Run prepares the index (see prepare), then applies the outbox until ctx ends.
func (x *Indexer) Run(ctx context.Context) {
	x.prepare(ctx)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := x.Drain(ctx); err != nil && ctx.Err() == nil {
			x.log.Warn("search indexer", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-x.poke:
		}
	}
}

// Engine names how searches run (search.EnginePilu or search.EngineBleve).
func (x *Indexer) Engine() string { return x.engine }

// Version changes whenever what a search can find changes: answers that show search results are
// kept under it, so no cache answers with results older than the index.
func (x *Indexer) Version() uint64 { return x.version.Load() }

// prepare rebuilds an empty index, or one that does not belong to the database (see mismatch).
func (x *Indexer) prepare(ctx context.Context) {
	why, err := x.mismatch(ctx)
	if err != nil {
		x.log.Warn("search index: cannot tell which database it was built from", "err", err)
	}
	if why != "" {
		x.log.Warn("search index does not match the database: rebuilding", "why", why)
	}
	if why != "" || x.index().Empty() {
		if err := x.Rebuild(ctx); err != nil && ctx.Err() == nil {
			x.log.Error("search index rebuild failed", "err", err)
		}
	}
}

// mismatch says why the open index cannot be brought up to date from the database, "" when it can:
// it was built from another database (its source is another identity), or it stands past the
// database's last outbox row (the database was restored from an older backup, and applying from the
// cursor on would skip every later row, or index other records under reused ids). An index that names
// no source yet (built before sources were kept, or by `pilu reindex`) and is not ahead is adopted.
func (x *Indexer) mismatch(ctx context.Context) (string, error) {
	ix := x.index()
	identity, err := x.store.Identity(ctx)
	if err != nil {
		return "", err
	}
	source, err := ix.Source()
	if err != nil {
		return "", err
	}
	cursor, err := ix.Cursor()
	if err != nil {
		return "", err
	}
	last, err := x.store.LastOutboxID(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case source != "" && source != identity:
		return fmt.Sprintf("built from database %s, this is %s", source, identity), nil
	case cursor > last:
		return fmt.Sprintf("the index has applied outbox row %d, the database's last is %d", cursor, last), nil
	case source == "":
		return "", ix.SetSource(identity)
	}
	return "", nil
}

// Poke asks the indexer to drain the outbox now (after a write).
func (x *Indexer) Poke() {
	select {
	case x.poke <- struct{}{}:
	default:
	}
}

func (x *Indexer) index() *search.Index {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.ix
}

// indexReadsKey keys the flag a request's context carries while the response cache makes its
// answer (withIndexReads): Search sets it, so the answer is kept under the index's version.
type indexReadsKey struct{}

// withIndexReads returns ctx with a flag that Search sets when it reads the index.
func withIndexReads(ctx context.Context) (context.Context, *atomic.Bool) {
	read := &atomic.Bool{}
	return context.WithValue(ctx, indexReadsKey{}, read), read
}

// Search runs q, or answers ErrRebuilding with the progress while a rebuild runs.
func (x *Indexer) Search(ctx context.Context, q search.Query) (*search.Result, error) {
	if read, ok := ctx.Value(indexReadsKey{}).(*atomic.Bool); ok {
		read.Store(true)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.ix == nil {
		return nil, rebuildingError(x.progress.Load())
	}
	return x.ix.Search(ctx, q)
}

// Status reports the documents indexed, the outbox rows waiting, and whether a rebuild runs.
func (x *Indexer) Status(ctx context.Context) (docs uint64, lag int64, rebuilding int, err error) {
	ix := x.index()
	if ix == nil {
		return 0, 0, int(x.progress.Load()), nil
	}
	cursor, err := ix.Cursor()
	if err != nil {
		return 0, 0, -1, err
	}
	if docs, err = ix.Count(); err != nil {
		return 0, 0, -1, err
	}
	lag, err = x.store.OutboxLag(ctx, cursor)
	return docs, lag, -1, err
}

// Drain applies waiting outbox rows in batches and reports how many it applied.
func (x *Indexer) Drain(ctx context.Context) (int, error) {
	x.drainMu.Lock()
	defer x.drainMu.Unlock()
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.ix == nil {
		return 0, nil
	}
	applied := 0
	for ctx.Err() == nil {
		cursor, err := x.ix.Cursor()
		if err != nil {
			return applied, err
		}
		rows, err := x.store.OutboxAfter(ctx, cursor, 500)
		if err != nil {
			return applied, err
		}
		if len(rows) == 0 {
			return applied, nil
		}
		next := x.advance(cursor, rows)
		docs, deletes, err := x.docsFor(ctx, rows)
		if err != nil {
			return applied, err
		}
		if err := x.ix.Apply(docs, deletes, next); err != nil {
			return applied, err
		}
		x.version.Add(1)
		applied += len(rows)
		if next == cursor || len(rows) < 500 {
			return applied, nil
		}
	}
	return applied, ctx.Err()
}

// advance returns the new cursor: the last row id, unless an id is missing below it that may belong
// to a transaction still open; such a gap is passed only after outboxGrace.
func (x *Indexer) advance(cursor uint64, rows []models.OutboxEntry) uint64 {
	expect := cursor + 1
	for _, r := range rows {
		if r.ID != expect {
			first, seen := x.gapSince[expect]
			if !seen {
				x.gapSince[expect] = time.Now()
				return expect - 1
			}
			if time.Since(first) < outboxGrace {
				return expect - 1
			}
			delete(x.gapSince, expect)
		}
		expect = r.ID + 1
	}
	return rows[len(rows)-1].ID
}

// docsFor loads the current state of each changed record: a Doc to index, or an id to delete.
func (x *Indexer) docsFor(ctx context.Context, rows []models.OutboxEntry) ([]search.Doc, []string, error) {
	var docs []search.Doc
	var deletes []string
	seen := map[string]bool{}
	for _, r := range rows {
		key := r.Entity + "/" + strconv.FormatUint(r.EntityID, 10)
		if seen[key] {
			continue
		}
		seen[key] = true
		if r.Entity == models.OutboxCalendar {
			continue // a calendar year changes answers (deadlines), not the search index
		}
		doc, ok, err := loadDoc(ctx, x.store, r.Entity, r.EntityID)
		if r.Entity == "disclosure" && ok {
			key = doc.Type + "/" + doc.ID // every version of a disclosure is one document
		}
		if err != nil {
			return nil, nil, err
		}
		if ok {
			docs = append(docs, doc)
		} else {
			deletes = append(deletes, key)
		}
	}
	return docs, deletes, nil
}

// Rebuild builds a fresh index from the database into a new folder and swaps it in; searches answer
// ErrRebuilding meanwhile.
func (x *Indexer) Rebuild(ctx context.Context) error {
	x.drainMu.Lock()
	defer x.drainMu.Unlock()
	cursor, err := x.store.LastOutboxID(ctx)
	if err != nil {
		return err
	}
	x.mu.Lock()
	if x.ix != nil {
		if err := x.ix.Close(); err != nil {
			x.log.Warn("close index before rebuild", "err", err)
		}
		x.ix = nil
	}
	x.progress.Store(0)
	x.mu.Unlock()
	start := time.Now()
	x.log.Info("rebuilding the search index from the database", "dir", x.dir)
	identity, err := x.store.Identity(ctx)
	if err != nil {
		return err
	}
	err = search.Rebuild(x.dir, x.log, func(add func(search.Doc) error) error {
		return feedAll(ctx, x.store, add, func(done, total int64) {
			if total > 0 { // 100 only once the new index is swapped in
				x.progress.Store(min(done*100/total, 99))
			}
		})
	}, cursor)
	ix, oerr := x.open()
	if err == nil && oerr == nil {
		oerr = ix.SetSource(identity)
	}
	x.mu.Lock()
	x.ix = ix
	x.version.Add(1)
	x.mu.Unlock()
	if err != nil {
		return err
	}
	if oerr != nil {
		return oerr
	}
	x.log.Info("search index rebuilt", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Close closes the index.
func (x *Indexer) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ix == nil {
		return nil
	}
	err := x.ix.Close()
	x.ix = nil
	return err
}
