package app

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// institutionJSON is an institution as the API answers it (CONTRACT.md "Resources").
type institutionJSON struct {
	models.Institution
	ProvinceName string            `json:"province_name"`
	Flags        []flagJSON        `json:"flags"`
	History      []models.Decision `json:"history"`
	Figures      []figuresJSON     `json:"figures,omitempty"`
	URL          string            `json:"url"`
}

// figuresJSON is one month of figures with its 双降 reading.
type figuresJSON struct {
	Period string `json:"period"`
	models.MonthlyFigures
	BalanceFell *bool `json:"balance_fell,omitempty"`
	LendersFell *bool `json:"lenders_fell,omitempty"`
}

// institutionFilterOf reads the list filters shared by the page and the API.
func institutionFilterOf(c *fiber.Ctx) (models.InstitutionFilter, listParams, error) {
	var f models.InstitutionFilter
	p, err := pagingOf(c)
	if err != nil {
		return f, p, err
	}
	if f.Province, err = provinceOf(c); err != nil {
		return f, p, err
	}
	if f.Class, err = filterOf(c, "class", models.Classes); err != nil {
		return f, p, err
	}
	if f.Disposition, err = filterOf(c, "disposition", models.Dispositions); err != nil {
		return f, p, err
	}
	if f.Sort, err = filterOf(c, "sort", []string{"name", "uscc", "class_since", "updated"}); err != nil {
		return f, p, err
	}
	f.Page, f.PerPage = p.Page, p.PerPage
	return f, p, nil
}

// institutionPage is the data of the institution list page.
type institutionPage struct {
	Items  []models.Institution
	Filter models.InstitutionFilter
	Pager  pager
}

func (s *Server) listInstitutions(c *fiber.Ctx) error {
	f, p, err := institutionFilterOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListInstitutions(c.UserContext(), f)
	if err != nil {
		return err
	}
	return s.render(c, "institutions", pageData{Title: "institutions.title", Demo: anyDemo(items),
		Data: institutionPage{Items: items, Filter: f, Pager: pagerOf(c, p, total)}})
}

func (s *Server) apiListInstitutions(c *fiber.Ctx) error {
	f, p, err := institutionFilterOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListInstitutions(c.UserContext(), f)
	if err != nil {
		return err
	}
	out, err := s.institutionAnswers(c.UserContext(), s.lang(c), items)
	if err != nil {
		return err
	}
	return c.JSON(listAnswer{Items: out, Total: total, Page: p.Page, PerPage: p.PerPage})
}

// institutionAnswers is the one serializer of institutions: list, detail, the office's answers and
// the dump answer an institution through it (flags and class history in language lang), so that
// each field says the same everywhere. The detail adds the monthly figures.
func (s *Server) institutionAnswers(ctx context.Context, lang string, ins []models.Institution) ([]institutionJSON, error) {
	ids := make([]uint64, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	flags, err := s.flagsIn(ctx, lang, ids)
	if err != nil {
		return nil, err
	}
	history, err := s.store.DecisionsOf(ctx, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]institutionJSON, len(ins))
	for i, in := range ins {
		out[i] = institutionJSON{Institution: in, ProvinceName: provinceName("zh", in.Province), Flags: append([]flagJSON{}, flags[in.ID]...),
			History: append([]models.Decision{}, s.decisionsInWords(lang, history[in.ID])...), URL: s.cfg.BaseURL + "/institutions/" + in.USCC}
	}
	return out, nil
}

// institutionAnswer is institutionAnswers for one institution.
func (s *Server) institutionAnswer(ctx context.Context, lang string, in models.Institution) (institutionJSON, error) {
	out, err := s.institutionAnswers(ctx, lang, []models.Institution{in})
	if err != nil {
		return institutionJSON{}, err
	}
	return out[0], nil
}

// institutionDetail is everything the institution page and API show.
type institutionDetail struct {
	institutionJSON
	FlagLines   []string // the flags as the page shows them, runs of missing months together
	Disclosures []models.Disclosure
	Notices     []models.Notice
	Plan        *planView    // the latest repayment plan against what was paid
	Open        []openNotice // the notices listing it whose claim window is open, shown first
}

func (s *Server) loadInstitution(c *fiber.Ctx) (institutionDetail, error) {
	ctx := c.UserContext()
	in, err := s.store.InstitutionByUSCC(ctx, c.Params("uscc"))
	if err != nil {
		return institutionDetail{}, err
	}
	answer, err := s.institutionAnswer(ctx, s.lang(c), in)
	if err != nil {
		return institutionDetail{}, err
	}
	d := institutionDetail{institutionJSON: answer}
	figs, err := s.store.FiguresOf(ctx, in.ID)
	if err != nil {
		return d, err
	}
	d.Figures = readFigures(figs)
	if d.Disclosures, _, err = s.store.ListDisclosures(ctx, models.DisclosureFilter{InstitutionID: in.ID, PerPage: 100, NoTotal: true}); err != nil {
		return d, err
	}
	if plan, err := s.store.LatestPlan(ctx, in.ID); err == nil {
		v := planViewOf(plan)
		d.Plan = &v
	} else if !errors.Is(err, models.ErrNotFound) {
		return d, err
	}
	if d.Notices, err = s.store.NoticesListing(ctx, in.ID); err != nil {
		return d, err
	}
	d.Open = openNoticesOf(d.Notices, in, s.now())
	return d, nil
}

// readFigures reads the 双降 series: for each month after the first, whether the outstanding balance
// and the lender count fell (the flags come from models.ShuangjiangBreaks).
func readFigures(figs []models.MonthlyFigures) []figuresJSON {
	out := make([]figuresJSON, len(figs))
	for i, f := range figs {
		out[i] = figuresJSON{Period: f.Period, MonthlyFigures: f}
		if i == 0 {
			continue
		}
		prev := figs[i-1]
		bal, lenders := f.OutstandingAmount < prev.OutstandingAmount || f.OutstandingAmount == 0, f.Lenders < prev.Lenders || f.Lenders == 0
		out[i].BalanceFell, out[i].LendersFell = &bal, &lenders
	}
	return out
}

func (s *Server) showInstitution(c *fiber.Ctx) error {
	d, err := s.loadInstitution(c)
	if err != nil {
		return err
	}
	d.FlagLines = s.flagLines(s.lang(c), d.Flags)
	return s.render(c, "institution", pageData{Title: d.Name, Demo: d.Demo, Data: d,
		Feeds:  s.feedLinks(c, pageFeeds{Institution: &d.Institution, Notices: true, Disclosures: true, Calendar: true}),
		Follow: s.followFormOf(followTarget{USCC: d.USCC, Name: d.Name})})
}

func (s *Server) apiShowInstitution(c *fiber.Ctx) error {
	d, err := s.loadInstitution(c)
	if err != nil {
		return err
	}
	return c.JSON(d.institutionJSON)
}

// anyDemo reports whether a list shows demo records, so the page carries the demo banner.
func anyDemo(items []models.Institution) bool {
	for _, in := range items {
		if in.Demo {
			return true
		}
	}
	return false
}
