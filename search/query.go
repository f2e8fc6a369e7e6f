package search

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// Limits on what a query may ask for.
const (
	MaxQueryRunes  = 256    // longer text is cut
	MaxTerms       = 16     // further terms are ignored
	MaxTermRunes   = 32     // a longer term or phrase is cut
	DefaultPerPage = 20     // Query.PerPage when 0 or less
	MaxPerPage     = 100    // Query.PerPage above this is lowered
	MaxResults     = 10_000 // pages beyond this window come back empty (Total stays right)
)

// Boosts per field: a match in an institution's own names ranks first
// ("known items first"), an exact code above all.
const (
	boostCodes  = 10
	boostNames  = 8
	boostTitle  = 3
	boostListed = 2
	boostBody   = 1
	boostPinyin = 4 // below an institution's names written in characters
)

// Facet fields and how many values each returns.
var facetSizes = []struct {
	field string
	size  int
}{
	{fieldType, 10},
	{fieldProvince, 50},
	{fieldClass, 20},
	{fieldKind, 20},
}

// Sort orders.
const (
	SortRelevance = "relevance" // best match first (the default when there is text)
	SortDate      = "date"      // newest first (the default without text)
)

// DefaultBudget is the time a search may take when Query.Budget is 0.
const DefaultBudget = 2 * time.Second

// fallbackBudget is the least time the search of the small types gets after
// a cut-off.
const fallbackBudget = 250 * time.Millisecond

// ErrBadCursor marks a Query.After that did not come from Result.Next.
var ErrBadCursor = errors.New("search: invalid paging cursor")

// Query is one search. Text follows the package's query language; the
// filters match exactly; Page starts at 1.
type Query struct {
	Text     string
	Types    []string // any of these types; none means all
	Province string
	Class    string
	Kind     string
	From, To time.Time // dates within [From, To]; a zero bound is open
	Sort     string    // SortRelevance or SortDate; "" picks by Text
	Page     int       // 1 when 0 or less; ignored with After
	PerPage  int       // DefaultPerPage when 0 or less, at most MaxPerPage
	After    string    // Result.Next of the previous page: pages on past MaxResults
	Budget   time.Duration
}

// Result is one page of hits, the total count and the facets of all hits.
type Result struct {
	Total   uint64
	Hits    []Hit
	Facets  map[string][]FacetCount // keys "type", "province", "class", "kind"; always present
	Next    string                  // cursor for Query.After, "" on the last page
	Partial bool                    // the budget ran out: only institutions and notices were searched, no facets
}

// Hit is one found document.
type Hit struct {
	Type    string
	ID      string
	Title   string
	URL     string
	Snippet string // HTML: the best passage of Body, matches in <mark>, everything else escaped
	Date    time.Time
	Score   float64
}

// FacetCount is one value of a facet and the number of hits having it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Search runs q. Text with no searchable terms gives an empty Result, not an
// error; empty Text lists all documents, newest first. When the search takes
// longer than q.Budget it is cut off and run again over the small types only
// (institutions and notices, no facets), marked Partial. Complete results are
// cached until the index changes.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	perPage := q.PerPage
	if perPage <= 0 {
		perPage = DefaultPerPage
	}
	if perPage > MaxPerPage {
		perPage = MaxPerPage
	}
	page := q.Page
	if page < 1 {
		page = 1
	}
	var after *ranked
	if q.After != "" {
		var err error
		if after, err = decodeAfter(q.After); err != nil {
			return nil, err
		}
		page = 1
	}
	// With page numbers, pages stay inside MaxResults; beyond it only the
	// total counts. A cursor pages on without limit.
	from, size := 0, perPage
	if after == nil {
		from, size = 0, 0
		if page-1 < MaxResults/perPage {
			from = (page - 1) * perPage
			size = min(perPage, MaxResults-from)
		}
	}

	res := &Result{Hits: []Hit{}, Facets: map[string][]FacetCount{}}
	for _, f := range facetSizes {
		res.Facets[f.field] = []FacetCount{}
	}
	text := strings.TrimSpace(q.Text)
	cls, marks := ix.clauses(parseQuery(text))
	wanted := false
	for _, c := range cls {
		wanted = wanted || !c.exclude
	}
	if text != "" && !wanted {
		return res, nil
	}

	key := cacheKey(q, page, perPage)
	gen := ix.gen.Load()
	if r := ix.cache.get(key, gen); r != nil {
		return r, nil
	}

	budget := q.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	w := want{q: q, clauses: cls, after: after, from: from, size: size, scored: text != "",
		byDate: text == "" || q.Sort == SortDate}
	var f found
	var err error
	if ix.engine == EngineBleve {
		f, err = ix.searchBleve(ctx, w, budget)
	} else {
		f, err = ix.searchPilu(ctx, w, budget)
	}
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	res.Total, res.Partial = f.total, f.partial
	for _, r := range f.page {
		res.Hits = append(res.Hits, ix.makeHit(r, marks))
	}
	if n := len(f.page); n > 0 && n == size && !res.Partial && (after != nil || uint64(from+n) < f.total) {
		res.Next = encodeAfter(f.page[n-1])
	}
	if !res.Partial {
		res.Facets = f.facets
		ix.cache.put(key, gen, res)
	}
	return res, nil
}

// want is what a search asks of an engine, its text already turned into
// clauses and its page into hits to skip (from) and to return (size).
type want struct {
	q       Query
	clauses []clause
	after   *ranked // the last hit of the previous page, or nil
	from    int
	size    int
	scored  bool // there are terms: hits have scores
	byDate  bool
}

// found is an engine's answer: the page's hits, their stored fields read,
// the total and the facets (of all hits; none when partial).
type found struct {
	total   uint64
	page    []ranked
	facets  map[string][]FacetCount
	partial bool
}

// searchPilu runs w on the index's segments directly (engine.go). When it
// takes longer than budget it is cut off and run again over the small types
// only (institutions and notices, no facets), marked partial.
func (ix *Index) searchPilu(ctx context.Context, w want, budget time.Duration) (found, error) {
	newPlan := func(types []string) *plan {
		return &plan{q: w.q, clauses: w.clauses, types: types, after: w.after, from: w.from, keep: w.from + w.size,
			scored: w.scored, byDate: w.byDate}
	}
	p := newPlan(w.q.Types)
	sctx, cancel := context.WithTimeout(ctx, budget)
	err := ix.run(sctx, p, true)
	cancel()
	partial := false
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		// Cut off: the small types answer quickly and hold the known items.
		partial = true
		p = newPlan(smallTypes)
		sctx, cancel := context.WithTimeout(ctx, max(budget/2, fallbackBudget))
		err = ix.run(sctx, p, false)
		cancel()
	}
	if err != nil {
		return found{}, err
	}
	f := found{total: p.total, page: p.page, partial: partial}
	if !partial {
		f.facets = p.facets.result()
	}
	return f, nil
}

// smallTypes are the types searched after a cut-off: they answer quickly and
// hold the known items.
var smallTypes = []string{TypeInstitution, TypeNotice}

// run runs p over the index's current snapshot; with facets, it counts them.
func (ix *Index) run(ctx context.Context, p *plan, facets bool) error {
	snap, err := snapshot(ix.idx)
	if err != nil {
		return err
	}
	defer snap.Close()
	p.ctx, p.snap = ctx, snap
	if p.view, err = ix.facets.view(snap); err != nil {
		return err
	}
	if facets {
		p.facets = newFacetCounter(p.view)
	}
	for i, ss := range snap.Segments() {
		p.lists = append(p.lists, newSegLists(ss, p.view.kept[i]))
	}
	if err := p.prepare(); err != nil {
		return err
	}
	for i, ss := range snap.Segments() {
		if err := p.segment(i, ss); err != nil {
			return err
		}
	}
	// The page's hits are read before the snapshot is closed.
	hits := p.best.sorted(p.before)
	p.page = hits[min(p.from, len(hits)):]
	for i := range p.page {
		if err := p.read(&p.page[i]); err != nil {
			return err
		}
	}
	return nil
}

// makeHit turns a kept hit into a Hit with its snippet.
func (ix *Index) makeHit(r ranked, marks []mark) Hit {
	typ, id, _ := strings.Cut(r.id, "/")
	hit := Hit{Type: typ, ID: id, Score: r.score, Title: r.fields[fieldTitle], URL: r.fields[fieldURL]}
	if r.date != noDate {
		hit.Date = time.Unix(0, r.date).UTC()
	}
	body := r.fields[fieldBody]
	hit.Snippet = snippet(body, ix.matchSpans(body, marks))
	return hit
}

// encodeAfter makes the sort values of the last hit of a page into an
// opaque, URL-safe cursor: score, date and id.
func encodeAfter(r ranked) string {
	vs := []string{strconv.FormatFloat(r.score, 'g', -1, 64), strconv.FormatInt(r.date, 10), r.id}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = base64.RawURLEncoding.EncodeToString([]byte(v))
	}
	return strings.Join(parts, ".")
}

// decodeAfter reads a cursor made by encodeAfter.
func decodeAfter(c string) (*ranked, error) {
	if len(c) > 512 {
		return nil, ErrBadCursor
	}
	parts := strings.Split(c, ".")
	if len(parts) != 3 {
		return nil, ErrBadCursor
	}
	vs := make([]string, len(parts))
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil || !utf8.Valid(b) {
			return nil, ErrBadCursor
		}
		vs[i] = string(b)
	}
	score, err1 := strconv.ParseFloat(vs[0], 64)
	date, err2 := strconv.ParseInt(vs[1], 10, 64)
	if err1 != nil || err2 != nil || vs[2] == "" || math.IsNaN(score) {
		return nil, ErrBadCursor
	}
	return &ranked{score: score, date: date, id: vs[2], seg: -1}, nil
}

// userTerm is one term of the query language.
type userTerm struct {
	text    string
	phrase  bool // was quoted
	exclude bool // had a leading -
}

// quotes pairs each opening quote a person may type with its closing quote.
var quotes = map[rune]rune{'"': '"', '“': '”', '”': '”', '＂': '＂', '「': '」', '『': '』'}

// parseQuery splits text into terms: words separated by white space,
// quoted phrases (an unclosed quote runs to the end), and - before either
// to exclude it. Nothing else is syntax.
func parseQuery(text string) []userTerm {
	text = cutRunes(text, MaxQueryRunes)
	var out []userTerm
	rs := []rune(text)
	for i := 0; i < len(rs) && len(out) < MaxTerms; {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		t := userTerm{}
		if (rs[i] == '-' || rs[i] == '－') && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			t.exclude = true
			i++
		}
		if closing, ok := quotes[rs[i]]; ok {
			j := i + 1
			for j < len(rs) && rs[j] != closing {
				j++
			}
			t.text, t.phrase = string(rs[i+1:j]), true
			i = j + 1
		} else {
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) {
				j++
			}
			t.text = string(rs[i:j])
			i = j
		}
		t.text = cutRunes(strings.TrimSpace(t.text), MaxTermRunes)
		if t.text != "" {
			out = append(out, t)
		}
	}
	return out
}

// cutRunes cuts s to at most n runes.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// code normalizes a term the way the codes field is indexed.
func (ix *Index) code(s string) string {
	toks := ix.kw.Analyze([]byte(s))
	if len(toks) == 0 {
		return ""
	}
	return string(toks[0].Term)
}

// phraseTerms turns analyzed query text into the terms a phrase must have at
// consecutive positions, "" where any term will do (a gap). Each run of CJK
// characters is covered by few grams: a lone character by its unigram, two by
// their bigram, three by their trigram, longer runs by trigrams every two
// characters and one more ending at the run's end.
// Other tokens stand for themselves.
func phraseTerms(toks analysis.TokenStream) []string {
	last := 0
	for _, t := range toks {
		last = max(last, t.Position)
	}
	uni := make([]string, last+2)
	big := make([]string, last+2)
	tri := make([]string, last+2)
	for _, t := range toks {
		if t.Position < 1 {
			continue
		}
		switch t.Type {
		case analysis.Shingle:
			tri[t.Position] = string(t.Term)
		case analysis.Double:
			big[t.Position] = string(t.Term)
		default:
			uni[t.Position] = string(t.Term)
		}
	}
	var seq []string
	for p := 1; p <= last; {
		n := 1 // the length of the CJK run starting at p; 1 for other tokens
		for big[p+n-1] != "" {
			n++
		}
		grams := make([]string, n)
		switch n {
		case 1:
			grams[0] = uni[p]
		case 2:
			grams[0] = big[p]
		default:
			// Neighbouring trigrams share a character, so the run they cover
			// is one run in the text too (trigrams three apart would also
			// match two runs with punctuation between them, whose positions
			// follow each other).
			for k := 0; k+3 <= n; k += 2 {
				grams[k] = tri[p+k]
			}
			grams[n-3] = tri[p+n-3]
		}
		seq = append(seq, grams...)
		p += n
	}
	for len(seq) > 0 && seq[len(seq)-1] == "" {
		seq = seq[:len(seq)-1]
	}
	for len(seq) > 0 && seq[0] == "" {
		seq = seq[1:]
	}
	return seq
}
