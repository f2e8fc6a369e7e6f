package app

import (
	"context"
	"errors"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
	"pilu/search"
)

// searchTypes are the kinds of document a search can be limited to.
var searchTypes = []string{"institution", "disclosure", "notice"}

// searchSorts are the orders a search can ask for.
var searchSorts = []string{search.SortRelevance, search.SortDate}

// searchBudget is the time one search may take before it is cut off and answered in part.
var searchBudget = search.DefaultBudget

// searchQueryOf reads the search parameters shared by the page and the API; a bad value is a 400
// naming what is allowed.
func searchQueryOf(c *fiber.Ctx) (search.Query, listParams, error) {
	var q search.Query
	p, err := pagingOf(c)
	if err != nil {
		return q, p, err
	}
	q.Text = strings.TrimSpace(c.Query("q"))
	if len([]rune(q.Text)) > 200 {
		q.Text = string([]rune(q.Text)[:200])
	}
	typ, err := filterOf(c, "type", searchTypes)
	if err != nil {
		return q, p, err
	}
	if typ != "" {
		q.Types = []string{typ}
	}
	if q.Province, err = provinceOf(c); err != nil {
		return q, p, err
	}
	if q.Class, err = filterOf(c, "class", models.Classes); err != nil {
		return q, p, err
	}
	if q.Kind, err = filterOf(c, "kind", append(append([]string{}, models.DisclosureKinds...), models.Strings(models.NoticeKinds)...)); err != nil {
		return q, p, err
	}
	if q.Sort, err = filterOf(c, "sort", searchSorts); err != nil {
		return q, p, err
	}
	if q.From, err = searchDateOf(c, "from"); err != nil {
		return q, p, err
	}
	if q.To, err = searchDateOf(c, "to"); err != nil {
		return q, p, err
	}
	if !q.To.IsZero() {
		q.To = q.To.Add(24*time.Hour - time.Nanosecond) // the whole last day
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return q, p, &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid("to", models.CodeDateBeforeFrom)}
	}
	q.After = c.Query("after")
	q.Page, q.PerPage = p.Page, p.PerPage
	q.Budget = searchBudget
	return q, p, nil
}

// searchDateOf reads an optional YYYY-MM-DD date parameter as the start of that day in China time.
func searchDateOf(c *fiber.Ctx, name string) (time.Time, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, models.ChinaZone)
	if err != nil || t.Year() < 1990 || t.Year() > 2100 {
		return time.Time{}, &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid(name, models.CodeDate)}
	}
	return t, nil
}

// runSearch runs q, with the institutions it names and their open notices first (withKnownItems); a
// cursor that is not one of ours is a 400.
func (s *Server) runSearch(ctx context.Context, q search.Query) (*search.Result, error) {
	start := time.Now()
	res, err := s.indexer.Search(ctx, q)
	if err == nil {
		// The known items come from the database; while it is out the index alone answers.
		if kerr := s.withKnownItems(ctx, q, res); kerr != nil {
			s.log.Warn("search: known items skipped", "err", kerr)
		}
	}
	if err == nil {
		s.metrics.searchLatency.WithLabelValues(queryClass(q.Text)).Observe(time.Since(start).Seconds())
	}
	if errors.Is(err, search.ErrBadCursor) {
		return nil, &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid("after", models.CodeCursor)}
	}
	return res, err
}

// searchPage is the data of the search page.
type searchPage struct {
	Query       search.Query
	From, To    string // as typed, YYYY-MM-DD
	Result      *search.Result
	Facets      []facetView
	Pager       pager
	Next        string // link to the page after a deep page (SearchAfter)
	Rebuilding  int    // percent done while the index is rebuilt, -1 otherwise
	Suggestions suggestions
	Open        []openNotice // open zombie lists naming an institution of the results, first on the page
}

// facetView is one facet as the page shows it: each value links to the search filtered by it.
type facetView struct {
	Name  string
	Items []facetItem
}

type facetItem struct {
	Value, Key, Href string // Key: the catalog key of the value's label ("" for provinces)
	Count            int
	Active           bool
}

func (s *Server) showSearch(c *fiber.Ctx) error {
	q, p, err := searchQueryOf(c)
	if err != nil {
		return err
	}
	page := searchPage{Query: q, From: c.Query("from"), To: c.Query("to"), Rebuilding: -1}
	res, err := s.runSearch(c.UserContext(), q)
	var pct int
	switch {
	case rebuildingPercent(err, &pct):
		page.Rebuilding = pct
		c.Set("Retry-After", "5")
	case err != nil:
		return err
	default:
		page.Result = res
		page.Facets = facetViews(c, res)
		if q.After == "" {
			page.Pager = pagerOf(c, p, int64(min(res.Total, search.MaxResults)))
		}
		if res.Next != "" && (q.After != "" || p.Page*p.PerPage >= search.MaxResults) {
			page.Next = withParams(c, map[string]string{"after": res.Next, "page": ""})
		}
		if res.Total == 0 && q.Text != "" {
			page.Suggestions = s.suggest(c, q)
		}
		// The banners come from the database; while it is out the results alone answer.
		if page.Open, err = s.openNoticesOfHits(c.UserContext(), res.Hits); err != nil {
			s.log.Warn("search: open notices skipped", "err", err)
		}
	}
	var follow []followTarget // the institutions found on this page can be followed
	if page.Result != nil {
		for _, h := range page.Result.Hits {
			if h.Type == "institution" && len(follow) < 10 {
				follow = append(follow, followTarget{USCC: h.ID, Name: h.Title})
			}
		}
	}
	return s.render(c, "search", pageData{Title: "search.title", Data: page, Follow: s.followFormOf(follow...),
		Feeds: s.feedLinks(c, pageFeeds{Province: q.Province, Notices: true, Disclosures: true, Calendar: true})})
}

// rebuildingPercent reports whether err says the index is being rebuilt, and how far it is.
func rebuildingPercent(err error, pct *int) bool {
	var rb rebuildingError
	if !errors.As(err, &rb) {
		return false
	}
	*pct = int(rb)
	return true
}

// facetViews turns the facet counts into links that filter by each value.
func facetViews(c *fiber.Ctx, res *search.Result) []facetView {
	var out []facetView
	for _, name := range []string{"type", "province", "class", "kind"} {
		counts := res.Facets[name]
		if len(counts) == 0 {
			continue
		}
		fv := facetView{Name: name}
		for _, fc := range counts {
			it := facetItem{Value: fc.Value, Count: fc.Count, Active: c.Query(name) == fc.Value}
			switch {
			case name == "type":
				it.Key = "type." + fc.Value
			case name == "class":
				it.Key = "class." + fc.Value
			case name == "kind" && models.OneOf(fc.Value, models.DisclosureKinds):
				it.Key = "disclosure_kind." + fc.Value
			case name == "kind":
				it.Key = "notice_kind." + fc.Value
			}
			v := fc.Value
			if it.Active {
				v = ""
			}
			it.Href = withParams(c, map[string]string{name: v, "page": "", "after": ""})
			fv.Items = append(fv.Items, it)
		}
		out = append(out, fv)
	}
	return out
}

// withParams links to this page with some query parameters changed ("" removes one).
func withParams(c *fiber.Ctx, set map[string]string) string {
	args := fiber.AcquireArgs()
	defer fiber.ReleaseArgs(args)
	c.Request().URI().QueryArgs().CopyTo(args)
	for k, v := range set {
		if v == "" {
			args.Del(k)
		} else {
			args.Set(k, v)
		}
	}
	if args.Len() == 0 {
		return c.Path()
	}
	return c.Path() + "?" + args.String()
}

// searchItemJSON is one search hit as the API answers it.
type searchItemJSON struct {
	Type    string  `json:"type"`
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	URL     string  `json:"url"`
	Snippet string  `json:"snippet"`
	Date    string  `json:"date"`
	Score   float64 `json:"score"`
}

func (s *Server) apiSearch(c *fiber.Ctx) error {
	q, p, err := searchQueryOf(c)
	if err != nil {
		return err
	}
	res, err := s.runSearch(c.UserContext(), q)
	var pct int
	if rebuildingPercent(err, &pct) {
		c.Set("Retry-After", "5")
		return &apiError{Status: 503, Code: "index_rebuilding", Message: "index rebuilding, " + strconv.Itoa(pct) + "% done"}
	}
	if err != nil {
		return err
	}
	items := make([]searchItemJSON, len(res.Hits))
	for i, h := range res.Hits {
		items[i] = searchItemJSON{Type: h.Type, ID: h.ID, Title: h.Title, URL: s.cfg.BaseURL + h.URL, Snippet: h.Snippet, Score: h.Score}
		if h.Type == "disclosure" {
			// A disclosure is indexed once per chain and links to its current version: the hit
			// names that version, the record GET /api/v1/disclosures/{id} answers.
			items[i].ID = path.Base(h.URL)
		}
		if !h.Date.IsZero() {
			items[i].Date = h.Date.In(models.ChinaZone).Format(time.RFC3339)
		}
	}
	facets := map[string][]search.FacetCount{}
	for k, v := range res.Facets {
		facets[k] = v
	}
	answer := fiber.Map{"items": items, "total": res.Total, "page": p.Page, "per_page": p.PerPage, "facets": facets,
		"next": res.Next, "partial": res.Partial}
	if res.Total == 0 && q.Text != "" {
		answer["suggestions"] = s.suggest(c, q)
	}
	return c.JSON(answer)
}
