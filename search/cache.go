package search

import (
	"fmt"
	"sync"
)

// cacheSize is the number of results an Index keeps by default.
const cacheSize = 512

// resultCache keeps recent complete results, keyed by the query and tagged
// with the index generation they were computed at; a result of an older
// generation is never returned. When full it forgets the oldest entry.
type resultCache struct {
	mu    sync.Mutex
	size  int
	items map[string]cached
	order []string
}

type cached struct {
	gen uint64
	res *Result
}

func (c *resultCache) get(key string, gen uint64) *Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok && e.gen == gen {
		return e.res
	}
	return nil
}

func (c *resultCache) put(key string, gen uint64, r *Result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size <= 0 {
		return
	}
	if c.items == nil {
		c.items = map[string]cached{}
	}
	if _, ok := c.items[key]; !ok {
		c.order = append(c.order, key)
	}
	c.items[key] = cached{gen, r}
	for len(c.order) > c.size {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
}

// SetCacheSize sets how many results the index keeps (0 turns the cache
// off, for measurements) and empties it.
func (ix *Index) SetCacheSize(n int) {
	ix.cache.mu.Lock()
	defer ix.cache.mu.Unlock()
	ix.cache.size, ix.cache.items, ix.cache.order = n, nil, nil
}

// cacheKey identifies a query's page; the budget does not change a complete
// result.
func cacheKey(q Query, page, perPage int) string {
	return fmt.Sprintf("%q|%q|%q|%q|%q|%d|%d|%q|%d|%d|%q", q.Text, q.Types, q.Province, q.Class, q.Kind,
		q.From.UnixNano(), q.To.UnixNano(), q.Sort, page, perPage, q.After)
}
