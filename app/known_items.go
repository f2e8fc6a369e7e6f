package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"pilu/models"
	"pilu/search"
)

// knownItems is the lookup behind known-item search (knownInstitutions), held in memory: every
// institution under its credit code, its legal name and brands, its websites (as siteHost reduces
// them) and its brands' pinyin keys, and the published notices listing each. A query that names an
// institution outright is answered from it without asking the database (issue 19: two to four
// queries a search before, one of them reading every institution's brands).
//
// It is kept current the way the response cache is: after a write through this process (the
// store's OnWrite) the next lookup reads the outbox, and otherwise at most once per versionTTL
// (writes of other processes); only when a row about an institution or a notice has been added since
// it was loaded is it loaded again, so filings do not reload it.
type knownItems struct {
	store  *models.Store
	writes atomic.Uint64 // bumped by every write this process makes
	mu     sync.Mutex    // one check or load at a time
	table  atomic.Pointer[knownTable]
}

// knownTable is one load of the known items; it never changes once loaded (a check of the outbox
// that finds nothing new copies it with the new position).
type knownTable struct {
	outbox  uint64    // the newest outbox row it reflects
	writes  uint64    // knownItems.writes when that row was read
	checked time.Time // when
	byUSCC  map[string]*models.Institution
	byName  map[string][]*models.Institution // legal names and brands; each list by name, id
	byHost  map[string][]*models.Institution // website hosts; each list by name, id
	byKey   map[string][]string              // pinyin keys (pinyinKeysOf) → brands, sorted
	brands  []string                         // every brand with a letter in it, once, sorted (for suggestions)
	notices map[uint64][]models.Notice       // institution id → the published notices listing it, newest first
}

// newKnownItems makes the lookup of st and has every write through st mark it for a check.
func newKnownItems(st *models.Store) *knownItems {
	k := &knownItems{store: st}
	st.OnWrite(func() { k.writes.Add(1) })
	return k
}

// current returns the table as of now: the loaded one while no write may have changed it, else
// the one the outbox says is current.
func (k *knownItems) current(ctx context.Context) (*knownTable, error) {
	fresh := func(t *knownTable) bool {
		return t != nil && t.writes == k.writes.Load() && time.Since(t.checked) < versionTTL
	}
	if t := k.table.Load(); fresh(t) {
		return t, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	t := k.table.Load()
	if fresh(t) {
		return t, nil
	}
	w := k.writes.Load() // before the outbox is read: a write after this is checked next time
	if t != nil {
		last, touched, err := k.store.OutboxTouched(ctx, t.outbox, "institution", "notice")
		if err != nil {
			return nil, err
		}
		if !touched {
			next := *t
			next.outbox, next.writes, next.checked = last, w, time.Now()
			k.table.Store(&next)
			return &next, nil
		}
	}
	t, err := loadKnownTable(ctx, k.store)
	if err != nil {
		return nil, err
	}
	t.writes = w
	k.table.Store(t)
	return t, nil
}

// loadKnownTable reads every institution and published notice.
func loadKnownTable(ctx context.Context, st *models.Store) (*knownTable, error) {
	last, err := st.LastOutboxID(ctx) // before the records: a change made meanwhile is seen again
	if err != nil {
		return nil, err
	}
	t := &knownTable{outbox: last, checked: time.Now(), byUSCC: map[string]*models.Institution{},
		byName: map[string][]*models.Institution{}, byHost: map[string][]*models.Institution{}, byKey: map[string][]string{}}
	var after uint64
	for {
		batch, err := st.InstitutionsAfter(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(batch) == 0 {
			break
		}
		for i := range batch {
			t.add(&batch[i])
		}
		after = batch[len(batch)-1].ID
	}
	byNameID := func(a, b *models.Institution) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.ID) - int(b.ID)
	}
	for _, m := range []map[string][]*models.Institution{t.byName, t.byHost} {
		for _, ins := range m {
			slices.SortFunc(ins, byNameID)
		}
	}
	for _, brands := range t.byKey {
		slices.Sort(brands)
	}
	slices.Sort(t.brands)
	t.brands = slices.Compact(t.brands)
	if t.notices, err = st.PublishedNoticesByInstitution(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// add files one institution under everything that names it.
func (t *knownTable) add(in *models.Institution) {
	t.byUSCC[in.USCC] = in
	names := map[string]bool{}
	for _, n := range append([]string{in.Name}, in.Brands...) {
		if n = strings.TrimSpace(n); n != "" && !names[n] {
			names[n] = true
			t.byName[n] = append(t.byName[n], in)
		}
	}
	hosts := map[string]bool{}
	for _, w := range in.Websites {
		if h := siteHost(w); h != "" && !hosts[h] {
			hosts[h] = true
			t.byHost[h] = append(t.byHost[h], in)
		}
	}
	for _, brand := range in.Brands {
		if brand = strings.TrimSpace(brand); brand == "" || strings.IndexFunc(brand, unicode.IsLetter) < 0 {
			continue
		}
		t.brands = append(t.brands, brand)
		for _, key := range pinyinKeysOf(brand) {
			if !slices.Contains(t.byKey[key], brand) {
				t.byKey[key] = append(t.byKey[key], brand)
			}
		}
	}
}

// pinyinKeysOf returns the pinyin keys that name brand: its initials, and the pinyin of its first
// two or more Chinese characters ("ltct", "luting" and "lutingchuangtou" for 鹭汀创投).
func pinyinKeysOf(brand string) []string {
	var keys []string
	if in := search.Initials(brand); len(in) >= 2 {
		keys = append(keys, in)
	}
	han := []rune{}
	for _, r := range brand {
		if unicode.Is(unicode.Han, r) {
			han = append(han, r)
		}
	}
	for k := len(han); k >= 2; k-- {
		if r := search.Reading(string(han[:k])); r != "" {
			keys = append(keys, r)
		}
	}
	return keys
}

// named returns the institutions whose legal name or one of whose brands is name (trimmed), as
// models.InstitutionsNamed does.
func (t *knownTable) named(name string) []*models.Institution {
	ins := t.byName[strings.TrimSpace(name)]
	return ins[:min(len(ins), knownLimit)]
}

// knownLimit bounds the institutions one name or website returns: a name shared by more is not a
// known item (models.InstitutionsNamed's limit).
const knownLimit = 10
