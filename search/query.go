package search

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
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
	var after []string
	offset := -1 // a cursor from a first page: the offset of the next page
	if q.After != "" {
		var err error
		if after, offset, err = decodeAfter(q.After); err != nil {
			return nil, err
		}
		page = 1
	}
	// from and size stay inside MaxResults; beyond it only the total counts.
	from, size := 0, 0
	if offset >= 0 {
		from, size = offset, min(perPage, MaxResults-offset)
	} else if page-1 < MaxResults/perPage {
		from = (page - 1) * perPage
		size = min(perPage, MaxResults-from)
	}

	res := &Result{Hits: []Hit{}, Facets: map[string][]FacetCount{}}
	for _, f := range facetSizes {
		res.Facets[f.field] = []FacetCount{}
	}

	var main query.Query
	var marks []mark // each wanted term, for snippets
	text := strings.TrimSpace(q.Text)
	byScore := text != ""
	if text == "" {
		main = bleve.NewMatchAllQuery()
	} else {
		var must, mustNot []query.Query
		must, mustNot, marks = ix.termQueries(parseQuery(text))
		if len(must) == 0 {
			return res, nil
		}
		main = query.NewBooleanQuery(must, nil, mustNot)
	}
	if q.Sort == SortDate {
		byScore = false
	}

	key := cacheKey(q, page, perPage)
	gen := ix.gen.Load()
	if r := ix.cache.get(key, gen); r != nil {
		return r, nil
	}

	// The first page by relevance is sorted by score alone: the full order
	// (score, newest, id) needs the date and id of every hit, which costs more
	// than the search itself when a common word matches most documents. The
	// hits are put in the full order afterwards (firstPage).
	scoreOnly := byScore && after == nil && from == 0 && size > 0
	newReq := func(filter query.Query, scoreOnly bool) *bleve.SearchRequest {
		mq := main
		if filter != nil {
			b := query.NewBooleanQuery([]query.Query{main}, nil, nil)
			b.AddFilter(filter)
			mq = b
		}
		req := bleve.NewSearchRequestOptions(mq, size, from, false)
		req.Fields = []string{fieldTitle, fieldURL, fieldDate, fieldBody}
		// Snippets re-analyse the bodies shown (marks) instead of collecting
		// the term locations of every hit.
		req.IncludeLocations = false
		switch {
		case scoreOnly:
			req.Size = size + 1 // one more tells whether the page ends inside a tie
			req.SortBy([]string{"-_score"})
		case byScore:
			req.SortBy(fullByScore)
		default:
			req.SortBy([]string{"-" + fieldDate, "-_score", "_id"})
		}
		if after != nil {
			req.From = 0
			req.SearchAfter = after
		}
		return req
	}

	budget := q.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	filter := filterQuery(q, nil)
	req := newReq(filter, scoreOnly)
	if after != nil && len(after) != len(req.Sort) {
		return nil, ErrBadCursor
	}
	sctx, cancel := context.WithTimeout(ctx, budget)
	fctx, facets := ix.facets.counting(sctx)
	sr, err := ix.idx.SearchInContext(fctx, req)
	if err == nil && scoreOnly {
		var hits search.DocumentMatchCollection
		var more bool
		if hits, more = firstPage(sr.Hits, size); hits == nil {
			// The page ends inside a tie: only the full order says which come first.
			req = newReq(filter, false)
			var full *bleve.SearchResult
			if full, err = ix.idx.SearchInContext(sctx, req); err == nil {
				hits, more = full.Hits, len(full.Hits) == size && uint64(size) < sr.Total
			}
		}
		sr.Hits = hits
		if more {
			res.Next = encodeOffset(size)
		}
	}
	cancel()
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		// Cut off: the small types answer quickly and hold the known items.
		res.Partial, res.Next = true, ""
		req = newReq(filterQuery(q, []string{TypeInstitution, TypeNotice}), false)
		sctx, cancel := context.WithTimeout(ctx, max(budget/2, fallbackBudget))
		sr, err = ix.idx.SearchInContext(sctx, req)
		cancel()
	}
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	res.Total = sr.Total
	for _, h := range sr.Hits {
		res.Hits = append(res.Hits, ix.makeHit(h, marks))
	}
	if n := len(sr.Hits); n > 0 && n == size && uint64(from+n) < sr.Total && res.Next == "" && !scoreOnly {
		res.Next = encodeAfter(sortValues(req, sr.Hits[n-1]))
	}
	if !res.Partial {
		if res.Facets, err = facets.result(); err != nil {
			return nil, err
		}
	}
	if !res.Partial {
		ix.cache.put(key, gen, res)
	}
	return res, nil
}

// sortValues returns the values of h that SearchAfter takes to continue
// after h: its sort keys, with the score written out.
func sortValues(req *bleve.SearchRequest, h *search.DocumentMatch) []string {
	out := make([]string, len(h.Sort))
	for i, v := range h.Sort {
		if i < len(req.Sort) && req.Sort[i].RequiresScoring() {
			v = strconv.FormatFloat(h.Score, 'g', -1, 64)
		}
		out[i] = v
	}
	return out
}

// fullByScore is the order of hits by relevance: best score first, then the
// newest, then by id, so that every hit has one place and paging never
// repeats or skips one.
var fullByScore = []string{"-_score", "-" + fieldDate, "_id"}

// firstPage puts hits, the best size+1 by score, in the full order
// (fullByScore) and returns the first size of them, and whether more follow.
// It returns nil when the hit after the page has the score of the page's last:
// the page ends inside a tie that the full order must settle.
func firstPage(hits search.DocumentMatchCollection, size int) (search.DocumentMatchCollection, bool) {
	more := len(hits) > size
	if more {
		if hits[size].Score == hits[size-1].Score {
			return nil, true
		}
		hits = hits[:size]
	}
	date := func(h *search.DocumentMatch) string { s, _ := h.Fields[fieldDate].(string); return s }
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		da, db := dateOf(date(a)), dateOf(date(b))
		if !da.Equal(db) {
			return da.After(db) || db.IsZero() && !da.IsZero()
		}
		return a.ID < b.ID
	})
	return hits, more
}

// dateOf reads a stored date; zero when there is none.
func dateOf(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// offsetMark starts a cursor that holds the offset of the next page (from a
// first page by relevance) rather than sort values.
const offsetMark = "@"

// encodeOffset makes the offset of the next page into a cursor.
func encodeOffset(n int) string { return offsetMark + strconv.Itoa(n) }

// encodeAfter makes sort values into an opaque, URL-safe cursor.
func encodeAfter(vs []string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = base64.RawURLEncoding.EncodeToString([]byte(v))
	}
	return strings.Join(parts, ".")
}

// decodeAfter reads a cursor: sort values, or the offset of the next page
// (-1 when the cursor holds sort values).
func decodeAfter(c string) ([]string, int, error) {
	if len(c) > 512 {
		return nil, -1, ErrBadCursor
	}
	if n, ok := strings.CutPrefix(c, offsetMark); ok {
		off, err := strconv.Atoi(n)
		if err != nil || off < 1 || off > MaxPerPage {
			return nil, -1, ErrBadCursor
		}
		return nil, off, nil
	}
	parts := strings.Split(c, ".")
	out := make([]string, len(parts))
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil || !utf8.Valid(b) {
			return nil, -1, ErrBadCursor
		}
		out[i] = string(b)
	}
	return out, -1, nil
}

func (ix *Index) makeHit(h *search.DocumentMatch, marks []mark) Hit {
	typ, id, _ := strings.Cut(h.ID, "/")
	hit := Hit{Type: typ, ID: id, Score: h.Score}
	hit.Title, _ = h.Fields[fieldTitle].(string)
	hit.URL, _ = h.Fields[fieldURL].(string)
	if s, ok := h.Fields[fieldDate].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			hit.Date = t
		}
	}
	body, _ := h.Fields[fieldBody].(string)
	hit.Snippet = snippet(body, ix.matchSpans(body, marks))
	return hit
}

// filterQuery turns the filters into one query, nil when there are none;
// types, when given, replace q.Types.
func filterQuery(q Query, types []string) query.Query {
	term := func(field, v string) query.Query {
		t := query.NewTermQuery(v)
		t.SetField(field)
		return t
	}
	var fs []query.Query
	if types == nil {
		types = q.Types
	}
	var tqs []query.Query
	for _, t := range types {
		if t = strings.TrimSpace(t); t != "" {
			tqs = append(tqs, term(fieldType, t))
		}
	}
	if len(tqs) > 0 {
		fs = append(fs, query.NewDisjunctionQuery(tqs))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		inc := true
		d := query.NewDateRangeInclusiveQuery(q.From, q.To, &inc, &inc)
		d.SetField(fieldDate)
		fs = append(fs, d)
	}
	for _, f := range []struct{ field, v string }{
		{fieldProvince, q.Province}, {fieldClass, q.Class}, {fieldKind, q.Kind},
	} {
		if v := strings.TrimSpace(f.v); v != "" {
			fs = append(fs, term(f.field, v))
		}
	}
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return query.NewConjunctionQuery(fs)
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

// termQueries builds one query per term that has something to search for:
// the term must match in names, title, listed names, body or (unquoted) codes.
// marks are the wanted terms, for snippets.
func (ix *Index) termQueries(terms []userTerm) (must, mustNot []query.Query, marks []mark) {
	for _, t := range terms {
		seq := phraseTerms(ix.zh.Analyze([]byte(t.text)))
		if len(seq) == 0 {
			continue // only punctuation, emoji, …
		}
		alts := []query.Query{
			fieldQuery(fieldNames, seq, boostNames),
			fieldQuery(fieldTitle, seq, boostTitle),
			fieldQuery(fieldListed, seq, boostListed),
			fieldQuery(fieldBody, seq, boostBody),
		}
		if !t.phrase {
			if code := ix.code(t.text); code != "" {
				c := query.NewTermQuery(code)
				c.SetField(fieldCodes)
				c.SetBoost(boostCodes)
				alts = append(alts, c)
			}
			if py := pinyinTerm(t.text); py != "" {
				p := query.NewTermQuery(py)
				p.SetField(fieldPinyin)
				p.SetBoost(boostPinyin)
				alts = append(alts, p)
			}
		}
		q := query.NewDisjunctionQuery(alts)
		if t.exclude {
			mustNot = append(mustNot, q)
		} else {
			must = append(must, q)
			marks = append(marks, newMark(t.text, seq))
		}
	}
	return must, mustNot, marks
}

// code normalizes a term the way the codes field is indexed.
func (ix *Index) code(s string) string {
	toks := ix.kw.Analyze([]byte(s))
	if len(toks) == 0 {
		return ""
	}
	return string(toks[0].Term)
}

// fieldQuery matches seq in field: one term, or a phrase with gaps ("").
func fieldQuery(field string, seq []string, boost float64) query.Query {
	if len(seq) == 1 {
		q := query.NewTermQuery(seq[0])
		q.SetField(field)
		q.SetBoost(boost)
		return q
	}
	return &phraseQuery{field: field, terms: seq, boost: boost}
}

// phraseTerms turns analyzed query text into the terms a phrase must have at
// consecutive positions, "" where any term will do (a gap). Each run of CJK
// characters is covered by as few grams as cover it: a lone character by its
// unigram, two by their bigram, three by their trigram, longer runs by
// trigrams every three characters and one more ending at the run's end.
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
			for k := 0; k+3 <= n; k += 3 {
				grams[k] = tri[p+k]
			}
			if n%3 != 0 {
				grams[n-3] = tri[p+n-3]
			}
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
