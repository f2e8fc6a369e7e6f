package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// flaggedInstitution is one row of the dashboard's list of institutions with open flags.
type flaggedInstitution struct {
	models.Institution
	Shuangjiang int // months where 双降 broke
	Reports     int // months not filed by their due date
	Pending     int // rule suggestions waiting for the office
	Latest      string
}

// officeDashboard is the data of /office.
type officeDashboard struct {
	Province   string
	Editable   bool        // the office of the province (admins read)
	Desk       models.Desk // what needs action, first on the page
	Now        time.Time
	Stats      models.ProvinceStats
	Flagged    []flaggedInstitution
	Pending    int
	Thresholds thresholdForm
}

// thresholdForm is the small-institution thresholds form, as typed.
type thresholdForm struct {
	Outstanding, Lenders string
	Errors               map[string]string
	Saved                bool
}

// showOfficeDashboard shows what a province's office must act on (drafts, suggestions waiting,
// claim windows ending within a week, late reporters), its counts by class and disposition, and the
// institutions with open flags (双降 broken, reports missing, suggestions pending), each linking to its office page.
func (s *Server) showOfficeDashboard(c *fiber.Ctx) error {
	province, err := s.officeProvince(c)
	if err != nil {
		return err
	}
	d := officeDashboard{Province: province, Editable: mayKeepProvince(currentUser(c), province)}
	if province == "" {
		return s.render(c, "office_dashboard", pageData{Title: "registry.title", Data: d})
	}
	ctx := c.UserContext()
	th, err := s.store.Thresholds(ctx, province)
	if err != nil {
		return err
	}
	if th != nil {
		d.Thresholds = thresholdForm{Outstanding: yuanOfFen(th.OutstandingFen), Lenders: strconv.FormatInt(th.Lenders, 10)}
	}
	d.Thresholds.Saved = c.Query("saved") == "thresholds"
	if err := s.fillDashboard(c, &d); err != nil {
		return err
	}
	return s.render(c, "office_dashboard", pageData{Title: "registry.title", Data: d})
}

// fillDashboard computes what needs action, the counts and the flagged institutions of d.Province.
func (s *Server) fillDashboard(c *fiber.Ctx, d *officeDashboard) error {
	ctx := c.UserContext()
	if _, err := s.store.RefreshSuggestions(ctx, d.Province, s.now()); err != nil {
		return err
	}
	desk, err := s.store.DeskOf(ctx, d.Province, s.now())
	if err != nil {
		return err
	}
	d.Desk, d.Now = desk, s.now()
	stats, err := s.store.RegistryStats(ctx, d.Province, s.now())
	if err != nil {
		return err
	}
	d.Stats = models.ProvinceStats{Province: d.Province, Classes: map[string]int64{}, Dispositions: map[string]int64{}}
	if len(stats) == 1 {
		d.Stats = stats[0]
	}
	ins, flags := desk.Institutions, desk.Flags
	d.Pending = len(desk.Suggestions)
	perInst := map[uint64]int{}
	for _, sg := range desk.Suggestions {
		perInst[sg.InstitutionID]++
	}
	for _, in := range ins {
		row := flaggedInstitution{Institution: in, Pending: perInst[in.ID]}
		for _, f := range flags[in.ID] {
			if f.Code == models.FlagShuangjiang {
				row.Shuangjiang++
			} else {
				row.Reports++
			}
			if row.Latest == "" {
				row.Latest = s.flagText(s.lang(c), f)
			}
		}
		if row.Shuangjiang+row.Reports+row.Pending > 0 {
			d.Flagged = append(d.Flagged, row)
		}
	}
	return nil
}

// setThresholds stores the province's small-institution thresholds (office only, its own province).
func (s *Server) setThresholds(c *fiber.Ctx) error {
	u := currentUser(c)
	form := thresholdForm{Outstanding: c.FormValue("outstanding"), Lenders: c.FormValue("lenders"), Errors: map[string]string{}}
	lang := s.lang(c)
	fen, ok := fenOfYuan(form.Outstanding)
	if !ok {
		form.Errors["outstanding"] = s.views.t(lang, "registry.err.positive")
	}
	lenders, err := strconv.ParseInt(form.Lenders, 10, 64)
	if err != nil {
		form.Errors["lenders"] = s.views.t(lang, "registry.err.positive")
	}
	if len(form.Errors) == 0 {
		err = s.store.SetThresholds(c.UserContext(), u.Province, models.Thresholds{OutstandingFen: fen, Lenders: lenders}, u.Email, s.now())
		if err == nil {
			return c.Redirect("/office?saved=thresholds", fiber.StatusSeeOther)
		}
		if form.Errors = s.fieldErrorsOf(lang, err); form.Errors == nil {
			return err
		}
	}
	d := officeDashboard{Province: u.Province, Editable: true, Thresholds: form}
	if err := s.fillDashboard(c, &d); err != nil {
		return err
	}
	return s.render(c.Status(422), "office_dashboard", pageData{Title: "registry.title", Data: d})
}
