package app

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// exitRow is one exit announcement or repayment plan on /exits, with its plan against what the
// plan's progress reports say was paid (models.Plan).
type exitRow struct {
	models.Disclosure
	Institution models.Institution
	Plan        *planView // nil for an announcement without tranches
}

// listExits shows every exit announcement and repayment plan, newest first, optionally of one
// province, each with a chart of repayments planned against made.
func (s *Server) listExits(c *fiber.Ctx) error {
	p, err := pagingOf(c)
	if err != nil {
		return err
	}
	province, err := provinceOf(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	items, total, err := s.store.ListDisclosures(ctx, models.DisclosureFilter{Kinds: []string{"exit_announcement", "repayment_plan"},
		Province: province, Page: p.Page, PerPage: p.PerPage})
	if err != nil {
		return err
	}
	rows := make([]exitRow, 0, len(items))
	demo := false
	for _, d := range items {
		row, err := s.exitRowOf(ctx, d.ID)
		if err != nil {
			return err
		}
		demo = demo || row.Demo
		rows = append(rows, row)
	}
	return s.render(c, "exits", pageData{Title: "exits.title", Demo: demo, Data: fiber.Map{
		"Rows": rows, "Province": province, "Pager": pagerOf(c, p, total), "Total": total},
		Feeds: append(s.feedLinks(c, pageFeeds{Province: province, DisclosureKind: "exit_announcement", Disclosures: true}),
			s.feedLinks(c, pageFeeds{Province: province, DisclosureKind: "repayment_plan", Disclosures: true})...)})
}

// exitRowOf loads a plan, its institution and its latest progress report.
func (s *Server) exitRowOf(ctx context.Context, id uint64) (exitRow, error) {
	d, err := s.store.DisclosureByID(ctx, id)
	if err != nil {
		return exitRow{}, err
	}
	row := exitRow{Disclosure: d}
	if row.Institution, err = s.store.InstitutionByID(ctx, d.InstitutionID); err != nil {
		return row, err
	}
	plan, ok, err := s.planOf(ctx, d)
	if ok {
		v := planViewOf(plan)
		row.Plan = &v
	}
	return row, err
}
