package app

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
	"pilu/search"
)

// searchTypes are the kinds of document a search can be limited to.
var searchTypes = []string{"institution", "disclosure", "notice"}

// searchQueryOf reads the search parameters shared by the page and the API.
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
	if q.Kind, err = filterOf(c, "kind", append(append([]string{}, models.DisclosureKinds...), models.NoticeKinds...)); err != nil {
		return q, p, err
	}
	q.Page, q.PerPage = p.Page, p.PerPage
	return q, p, nil
}

// searchPage is the data of the search page.
type searchPage struct {
	Query      search.Query
	Result     *search.Result
	Pager      pager
	Rebuilding string
}

func (s *Server) showSearch(c *fiber.Ctx) error {
	q, p, err := searchQueryOf(c)
	if err != nil {
		return err
	}
	page := searchPage{Query: q}
	res, err := s.indexer.Search(c.UserContext(), q)
	switch {
	case errors.Is(err, ErrRebuilding):
		page.Rebuilding = err.Error()
		c.Set("Retry-After", "5")
	case err != nil:
		return err
	default:
		page.Result = res
		page.Pager = pagerOf(c, p, int64(res.Total))
	}
	return s.render(c, "search", pageData{Title: "search.title", Data: page})
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
	res, err := s.indexer.Search(c.UserContext(), q)
	if errors.Is(err, ErrRebuilding) {
		c.Set("Retry-After", "5")
		return &apiError{Status: 503, Code: "index_rebuilding", Message: err.Error()}
	}
	if err != nil {
		return err
	}
	items := make([]searchItemJSON, len(res.Hits))
	for i, h := range res.Hits {
		items[i] = searchItemJSON{Type: h.Type, ID: h.ID, Title: h.Title, URL: s.cfg.BaseURL + h.URL, Snippet: h.Snippet, Score: h.Score}
		if !h.Date.IsZero() {
			items[i].Date = h.Date.In(models.ChinaZone).Format(time.RFC3339)
		}
	}
	facets := map[string][]search.FacetCount{}
	for k, v := range res.Facets {
		facets[k] = v
	}
	return c.JSON(fiber.Map{"items": items, "total": res.Total, "page": p.Page, "per_page": p.PerPage, "facets": facets})
}
