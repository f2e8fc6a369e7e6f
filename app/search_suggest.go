package app

import (
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/search"
)

// suggestions are what a search with no results offers instead.
type suggestions struct {
	DropFilters []dropFilter `json:"drop_filters,omitempty"` // the same search without one filter
	Reading     string       `json:"reading,omitempty"`      // the pinyin of the query, when searching it finds something
	ReadingHref string       `json:"-"`
	Brands      []string     `json:"brands,omitempty"` // brands a few keystrokes away from the query
}

// dropFilter links to the search without one filter.
type dropFilter struct {
	Param string `json:"param"`
	Href  string `json:"href"`
}

// suggest finds something useful for a search without results.
func (s *Server) suggest(c *fiber.Ctx, q search.Query) suggestions {
	var sg suggestions
	for _, name := range []string{"type", "province", "class", "kind", "from", "to"} {
		if c.Query(name) != "" {
			sg.DropFilters = append(sg.DropFilters, dropFilter{Param: name, Href: withParams(c, map[string]string{name: "", "page": "", "after": ""})})
		}
	}
	ctx := c.UserContext()
	if r := search.Reading(q.Text); r != "" && r != q.Text {
		alt := q
		alt.Text, alt.After, alt.Page = r, "", 1
		if res, err := s.indexer.Search(ctx, alt); err == nil && res.Total > 0 {
			sg.Reading = r
			sg.ReadingHref = withParams(c, map[string]string{"q": r, "page": "", "after": ""})
		}
	}
	if t, err := s.known.current(ctx); err == nil {
		sg.Brands = nearBrands(t.brands, q.Text, 3)
	}
	return sg
}

// nearBrands returns up to n of brands whose edit distance to text is small: at most one edit for
// up to four characters, two for longer ones, and less than the text's length.
func nearBrands(brands []string, text string, n int) []string {
	text = strings.ToLower(strings.Join(strings.Fields(text), ""))
	rs := []rune(text)
	if len(rs) < 2 || len(rs) > 40 {
		return nil
	}
	limit := 1
	if len(rs) > 4 {
		limit = 2
	}
	type cand struct {
		name string
		d    int
	}
	var found []cand
	for _, name := range brands {
		if d := editDistance(rs, []rune(strings.ToLower(name)), limit); d > 0 && d <= limit && d < len(rs) {
			found = append(found, cand{name, d})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].d < found[j].d })
	var out []string
	for _, f := range found {
		if len(out) == n {
			break
		}
		out = append(out, f.name)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b in characters, or limit+1 once it is sure to
// exceed limit.
func editDistance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
