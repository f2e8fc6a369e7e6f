package app

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// exitRow is one exit announcement or repayment plan on /exits, with its plan against what the
// institution's progress reports say was paid.
type exitRow struct {
	models.Disclosure
	Institution models.Institution
	Shares      bool // the plan is in shares of principal (basis points); otherwise in fen
	Bars        []exitBar
	PlanTotal   int64
	PaidTotal   int64
	AsOf        string
	HasProgress bool
	Height      int // of the chart, in SVG units
}

// exitBar is one tranche of the plan: the cumulative amount planned by its date and the cumulative
// amount paid by then, with the bars' place in the chart.
type exitBar struct {
	Date         string
	Plan, Paid   int64
	PlanW, PaidW int64 // bar widths in SVG units (0–200)
	Y            int
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
		"Rows": rows, "Province": province, "Pager": pagerOf(c, p, total), "Total": total}})
}

// exitRowOf loads a plan and the institution's progress reports and lines them up.
func (s *Server) exitRowOf(ctx context.Context, id uint64) (exitRow, error) {
	d, err := s.store.DisclosureByID(ctx, id)
	if err != nil {
		return exitRow{}, err
	}
	row := exitRow{Disclosure: d}
	if row.Institution, err = s.store.InstitutionByID(ctx, d.InstitutionID); err != nil {
		return row, err
	}
	progress, _, err := s.store.ListDisclosures(ctx, models.DisclosureFilter{InstitutionID: d.InstitutionID, Kinds: []string{"repayment_progress"}, PerPage: 100})
	if err != nil {
		return row, err
	}
	var payments []models.Tranche
	for _, p := range progress {
		full, err := s.store.DisclosureByID(ctx, p.ID)
		if err != nil {
			return row, err
		}
		payments = append(payments, full.Tranches...)
		row.HasProgress = true
	}
	row.Shares = len(d.Tranches) > 0 && d.Tranches[0].ShareBP > 0
	value := func(t models.Tranche) int64 {
		if row.Shares {
			return int64(t.ShareBP)
		}
		return t.AmountFen
	}
	for _, t := range payments {
		row.PaidTotal += value(t)
		if t.Date > row.AsOf {
			row.AsOf = t.Date
		}
	}
	var plan int64
	for _, t := range d.Tranches {
		plan += value(t)
		var paid int64
		for _, pt := range payments {
			if pt.Date <= t.Date {
				paid += value(pt)
			}
		}
		row.Bars = append(row.Bars, exitBar{Date: t.Date, Plan: plan, Paid: paid})
	}
	row.PlanTotal = plan
	scale := max(plan, row.PaidTotal, 1)
	for i := range row.Bars {
		b := &row.Bars[i]
		b.PlanW, b.PaidW, b.Y = b.Plan*200/scale, b.Paid*200/scale, i*28
	}
	row.Height = len(row.Bars)*28 + 4
	return row, nil
}
