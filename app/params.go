package app

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// listParams are the paging parameters every list takes.
type listParams struct{ Page, PerPage int }

// pagingOf reads page and per_page: not numbers → 400; per_page above 100 is capped at 100.
func pagingOf(c *fiber.Ctx) (listParams, error) {
	p := listParams{Page: 1, PerPage: 20}
	for name, dst := range map[string]*int{"page": &p.Page, "per_page": &p.PerPage} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1_000_000 {
				return p, &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid(name, models.CodeWholeFrom1)}
			}
			*dst = n
		}
	}
	p.Page, p.PerPage = models.Paging(p.Page, p.PerPage)
	return p, nil
}

// filterOf reads an optional filter parameter that must be one of allowed (400 naming them otherwise).
func filterOf(c *fiber.Ctx, name string, allowed []string) (string, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" || models.OneOf(v, allowed) {
		return v, nil
	}
	return "", &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid(name, models.CodeOneOf, models.Args{"values": allowed})}
}

// provinceOf reads an optional province filter (400 when it is not a province or plan city).
func provinceOf(c *fiber.Ctx) (string, error) {
	v := strings.TrimSpace(c.Query("province"))
	if v == "" || models.ValidProvince(v) {
		return v, nil
	}
	return "", &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid("province", models.CodeNotProvince)}
}

// idOf reads a numeric :id route parameter; anything else is 404.
func idOf(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// listAnswer is the contract's list shape.
type listAnswer struct {
	Items   any   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

// pager describes the links of a paged list page.
type pager struct {
	Page, Pages int
	Total       int64
	Prev, Next  string
}

// pagerOf builds the previous and next links of a list page, keeping the other query parameters.
func pagerOf(c *fiber.Ctx, p listParams, total int64) pager {
	pages := int((total + int64(p.PerPage) - 1) / int64(p.PerPage))
	pg := pager{Page: p.Page, Pages: pages, Total: total}
	link := func(page int) string {
		args := fiber.AcquireArgs()
		defer fiber.ReleaseArgs(args)
		c.Request().URI().QueryArgs().CopyTo(args)
		args.Set("page", strconv.Itoa(page))
		return c.Path() + "?" + args.String()
	}
	if p.Page > 1 {
		pg.Prev = link(p.Page - 1)
	}
	if p.Page < pages {
		pg.Next = link(p.Page + 1)
	}
	return pg
}
