package app

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// formTranches is how many tranche rows the event form offers (it works without JavaScript).
const formTranches = 6

// filerForm is the data of the filer's form page: a month of figures, an event disclosure, or an
// amendment of either. Values and Errors are keyed by the form's field names.
type filerForm struct {
	Institution models.Institution
	Kind        string // monthly_data for the figures form; empty lets the filer choose
	Amends      *models.Disclosure
	Action      string
	Values      map[string]string
	Errors      map[string]string
	Figures     []formField
	Tranches    []formTranche
	EventTypes  []string
	Kinds       []string
	Plans       []models.Disclosure // the institution's plans, newest first, for a progress report
}

// formField is one figure of the monthly form.
type formField struct {
	Name, Value, Error string
	Money              bool
}

// formTranche is one tranche row of the event form.
type formTranche struct {
	Index                        int
	Date, Amount, Share          string
	DateErr, AmountErr, ShareErr string
}

// filerInstitution loads the institution of the logged-in filer.
func (s *Server) filerInstitution(c *fiber.Ctx) (models.Institution, error) {
	return s.store.InstitutionByUSCC(c.UserContext(), currentUser(c).InstitutionUSCC)
}

// checkUploadCSRF checks the CSRF token of a multipart form, which travels in the action's query
// string: the body is a stream that must not be read before the filer is known.
func (s *Server) checkUploadCSRF(c *fiber.Ctx) error {
	if len(c.Cookies(csrfCookie)) != 32 || !hmac.Equal([]byte(c.Query(csrfField)), []byte(s.csrfToken(c))) {
		return fail(403, "csrf", "")
	}
	return c.Next()
}

// showFiler lists the filer's disclosures with the ways to file new ones.
func (s *Server) showFiler(c *fiber.Ctx) error {
	in, err := s.filerInstitution(c)
	if err != nil {
		return err
	}
	p, err := pagingOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListDisclosures(c.UserContext(), models.DisclosureFilter{InstitutionID: in.ID, Page: p.Page, PerPage: p.PerPage})
	if err != nil {
		return err
	}
	return s.render(c, "filer_home", pageData{Title: "filer.title", Data: fiber.Map{"Institution": in, "Items": items, "Pager": pagerOf(c, p, total)}})
}

func (s *Server) showFiguresForm(c *fiber.Ctx) error {
	return s.showFilerForm(c, models.MonthlyKind, nil)
}

func (s *Server) showEventForm(c *fiber.Ctx) error {
	kind := c.Query("kind")
	if kind == models.MonthlyKind || !models.OneOf(kind, models.DisclosureKinds) {
		kind = ""
	}
	return s.showFilerForm(c, kind, nil)
}

func (s *Server) showAmendForm(c *fiber.Ctx) error {
	prev, err := s.amendable(c)
	if err != nil {
		return err
	}
	return s.showFilerForm(c, prev.Kind, &prev)
}

// showFilerForm renders an empty form, or one prefilled with the version to amend.
func (s *Server) showFilerForm(c *fiber.Ctx, kind string, prev *models.Disclosure) error {
	in, err := s.filerInstitution(c)
	if err != nil {
		return err
	}
	values := map[string]string{"kind": kind}
	if kind == models.MonthlyKind {
		values["period"] = models.DateOf(s.now()).AddDays(-28).String()[:7]
	}
	if prev != nil {
		values = valuesOf(*prev)
	}
	return s.renderFilerForm(c, 200, in, prev, values, nil)
}

// renderFilerForm shows the form with what the filer typed and the errors (said in the page's
// language) next to their fields.
func (s *Server) renderFilerForm(c *fiber.Ctx, status int, in models.Institution, prev *models.Disclosure, values, errs map[string]string) error {
	f := filerForm{Institution: in, Kind: values["kind"], Amends: prev, Values: values, Errors: errs,
		EventTypes: models.MajorEventTypes, Kinds: models.DocumentKinds()}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	plans, err := s.store.InstitutionPlans(c.UserContext(), in.ID)
	if err != nil {
		return err
	}
	f.Plans = plans
	f.Action = "/filer/disclosures?" + csrfField + "=" + s.csrfToken(c)
	title := "filer.new"
	if prev != nil {
		f.Action = fmt.Sprintf("/filer/disclosures/%d/amend?%s=%s", prev.ID, csrfField, s.csrfToken(c))
		title = "amend.title"
	}
	for _, name := range models.FigureNames {
		f.Figures = append(f.Figures, formField{Name: name, Value: values["fig."+name], Error: f.Errors["figures."+name], Money: models.IsMoneyFigure(name)})
	}
	for i := range formTranches {
		k := fmt.Sprintf("tranches.%d.", i)
		f.Tranches = append(f.Tranches, formTranche{Index: i, Date: values[k+"date"], Amount: values[k+"amount"], Share: values[k+"share"],
			DateErr: f.Errors[k+"date"], AmountErr: f.Errors[k+"amount"], ShareErr: f.Errors[k+"share_bp"]})
	}
	return s.render(c.Status(status), "filer_form", pageData{Title: title, Data: f})
}

// fileFromForm files what the form sent and shows the published disclosure.
func (s *Server) fileFromForm(c *fiber.Ctx) error {
	in, err := s.filerInstitution(c)
	if err != nil {
		return err
	}
	return s.publishForm(c, in, nil)
}

// amendFromForm publishes an amendment from the form.
func (s *Server) amendFromForm(c *fiber.Ctx) error {
	prev, err := s.amendable(c)
	if err != nil {
		return err
	}
	in, err := s.filerInstitution(c)
	if err != nil {
		return err
	}
	return s.publishForm(c, in, &prev)
}

// publishForm reads the multipart form, turns it into a filing and publishes it; input errors show
// the form again, with every value kept (files must be chosen again).
func (s *Server) publishForm(c *fiber.Ctx, in models.Institution, prev *models.Disclosure) error {
	form, err := s.readMultipart(c, s.uploadLimits())
	if err != nil {
		return s.formError(c, in, prev, form.Fields, err)
	}
	meta, fe := metaOfForm(form.Fields, prev)
	if len(fe) > 0 {
		s.deleteBlobs(form.Files)
		return s.renderFilerForm(c, 422, in, prev, form.Fields, s.fieldMessages(s.lang(c), fe))
	}
	d, err := s.publish(c.UserContext(), filing{Institution: in, Amends: prev, Meta: meta, Files: form.Files, Actor: currentUser(c).Email})
	if err != nil {
		return s.formError(c, in, prev, form.Fields, err)
	}
	return c.Redirect(fmt.Sprintf("/disclosures/%d", d.ID), fiber.StatusSeeOther)
}

// formError shows input errors (422, 413, 415, 409) on the form; anything else is an error page.
func (s *Server) formError(c *fiber.Ctx, in models.Institution, prev *models.Disclosure, values map[string]string, err error) error {
	e := classify(err)
	switch e.Status {
	case 409, 413, 415, 422:
	default:
		return err
	}
	lang := s.lang(c)
	errs := s.fieldMessages(lang, e.Problems)
	if len(errs) == 0 {
		msg := e.Message
		if text, ok := s.refusalText(lang, err); ok {
			msg = text
		}
		if msg == "" {
			msg = s.views.t(s.lang(c), "error."+codeOrInternal(e))
		}
		errs["form"] = msg
	}
	if values == nil {
		values = map[string]string{}
	}
	return s.renderFilerForm(c, e.Status, in, prev, values, errs)
}

// percentText is a share typed in percent with at most two decimals.
var percentText = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,2})?$`)

// metaOfForm turns the form's fields into the API's meta: money in yuan becomes fen, shares in
// percent become basis points; errors are keyed like the API's.
func metaOfForm(v map[string]string, prev *models.Disclosure) (disclosureMeta, models.FieldErrors) {
	fe := models.FieldErrors{}
	m := disclosureMeta{Kind: v["kind"], Title: v["title"], Period: v["period"], Body: strings.ReplaceAll(v["body"], "\r\n", "\n"),
		EventType: v["event_type"], Reason: v["reason"]}
	if prev != nil {
		m.Kind = prev.Kind
		keep := []uint64{}
		for _, a := range prev.Attachments {
			if v[fmt.Sprintf("keep_%d", a.ID)] != "" {
				keep = append(keep, a.ID)
			}
		}
		m.KeepAttachments = &keep
	}
	if m.Kind == models.MonthlyKind {
		m.Figures = map[string]json.RawMessage{}
		for _, name := range models.FigureNames {
			text := strings.TrimSpace(v["fig."+name])
			var n int64
			ok := text != ""
			if ok && models.IsMoneyFigure(name) {
				n, ok = fenOfYuan(text)
			} else if ok {
				n, ok = countOf(text)
			}
			if !ok {
				fe.Add("figures."+name, models.CodeFigureValue)
				continue
			}
			m.Figures[name] = json.RawMessage(strconv.FormatInt(n, 10))
		}
	}
	if at := strings.TrimSpace(v["event_at"]); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, models.ChinaZone)
		if err != nil {
			fe.Add("event_at", models.CodeDateTime)
		} else {
			m.EventAt = t.Format(time.RFC3339)
		}
	}
	if base := strings.TrimSpace(v["base_amount"]); base != "" {
		fen, ok := fenOfYuan(base)
		if !ok {
			fe.Add("base_amount", models.CodeYuan)
		}
		m.BaseAmount = json.RawMessage(strconv.FormatInt(fen, 10))
	}
	if plan := strings.TrimSpace(v["plan"]); plan != "" {
		if _, err := strconv.ParseUint(plan, 10, 64); err != nil {
			fe.Add("plan", models.CodePlanID)
		}
		m.Plan = json.RawMessage(plan)
	}
	for i := range formTranches {
		k := fmt.Sprintf("tranches.%d.", i)
		date, amount, share := strings.TrimSpace(v[k+"date"]), strings.TrimSpace(v[k+"amount"]), strings.TrimSpace(v[k+"share"])
		if date == "" && amount == "" && share == "" {
			continue
		}
		t := trancheMeta{Date: date}
		if amount != "" {
			fen, ok := fenOfYuan(amount)
			if !ok {
				fe.Add(fmt.Sprintf("tranches.%d.amount", len(m.Tranches)), models.CodeYuan)
			}
			t.Amount = json.RawMessage(strconv.FormatInt(fen, 10))
		}
		if share != "" {
			bp, ok := fenOfYuan(share) // percent with two decimals is basis points, like yuan is fen
			if !ok || !percentText.MatchString(share) || bp > 10000 {
				fe.Add(fmt.Sprintf("tranches.%d.share_bp", len(m.Tranches)), models.CodePercent)
			}
			t.ShareBP = json.RawMessage(strconv.FormatInt(bp, 10))
		}
		m.Tranches = append(m.Tranches, t)
	}
	return m, fe
}

// countText is a count as people type it, separators removed.
var countText = regexp.MustCompile(`^[0-9]{1,18}$`)

// countOf reads a count typed with optional thousands separators.
func countOf(s string) (int64, bool) {
	s = strings.NewReplacer(",", "", "，", "", " ", "").Replace(s)
	if !countText.MatchString(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// valuesOf prefills the form with a published version, for an amendment.
func valuesOf(d models.Disclosure) map[string]string {
	v := map[string]string{"kind": d.Kind, "title": d.Title, "period": d.Period, "body": d.Body, "event_type": d.EventType}
	if d.EventAt != nil {
		v["event_at"] = d.EventAt.In(models.ChinaZone).Format("2006-01-02T15:04")
	}
	if d.Figures != nil {
		for name, n := range d.Figures.Values() {
			if models.IsMoneyFigure(name) {
				v["fig."+name] = yuanOfFen(n)
			} else {
				v["fig."+name] = strconv.FormatInt(n, 10)
			}
		}
	}
	if d.BaseFen != nil {
		v["base_amount"] = yuanOfFen(*d.BaseFen)
	}
	if d.PlanID != nil {
		v["plan"] = strconv.FormatUint(*d.PlanID, 10)
	}
	for i, t := range d.Tranches {
		k := fmt.Sprintf("tranches.%d.", i)
		v[k+"date"] = t.Date
		if t.AmountFen > 0 {
			v[k+"amount"] = yuanOfFen(t.AmountFen)
		}
		if t.ShareBP > 0 {
			v[k+"share"] = yuanOfFen(int64(t.ShareBP))
		}
	}
	for _, a := range d.Attachments {
		v[fmt.Sprintf("keep_%d", a.ID)] = "1"
	}
	return v
}
