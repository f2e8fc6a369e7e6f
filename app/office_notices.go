package app

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// noticeUploads bound the attachments of a notice and its form, which has a pick_ field for each
// institution the office ticks (a province lists a few thousand at most).
var noticeUploads = uploadLimits{MaxFiles: 10, MaxFileSize: MaxAttachmentSize, MaxFields: 20000, MaxFieldBytes: 8 << 20}

// noticeRequest is a notice as the API receives it (CONTRACT.md: institutions as [{"uscc": …}],
// window as {"days": N, "unit": …}). Province and corrects use the answer's names: a notice is
// kept in its office's province (another province is refused with 403), and a correction names
// the notice it corrects (POST /notices/{id}/corrections names it in the path).
type noticeRequest struct {
	Kind         models.NoticeKind `json:"kind"`
	Province     string            `json:"province"`
	Corrects     *uint64           `json:"corrects"`
	Offices      []string          `json:"offices"`
	Batch        string            `json:"batch"`
	Title        string            `json:"title"`
	Body         string            `json:"body"`
	Window       *windowJSON       `json:"window"`
	ClaimWhere   string            `json:"claim_where"`
	Institutions []struct {
		USCC string `json:"uscc"`
		Name string `json:"name"`
	} `json:"institutions"`
}

// newNotice is the request as a notice of province, the province it is kept in; a request naming
// another province is refused.
func (s *Server) newNotice(c *fiber.Ctx, r noticeRequest, province string) (models.NewNotice, error) {
	if r.Province != "" && r.Province != province {
		return models.NewNotice{}, s.forbid(c, fmt.Sprintf("a notice of province %s asked for province %s", province, r.Province))
	}
	nn := models.NewNotice{Kind: r.Kind, Province: province, Offices: r.Offices, Batch: r.Batch, Title: r.Title,
		Body: r.Body, ClaimWhere: r.ClaimWhere, CorrectsID: r.Corrects}
	if r.Window != nil {
		nn.WindowDays, nn.WindowUnit = r.Window.Days, models.Unit(r.Window.Unit)
	}
	for _, in := range r.Institutions {
		nn.USCCs = append(nn.USCCs, in.USCC)
		nn.Names = append(nn.Names, in.Name)
	}
	return nn, nil
}

// officeNotice loads a notice (drafts included) for the office that keeps its province; any other
// user gets a logged 403.
func (s *Server) officeNotice(c *fiber.Ctx) (models.Notice, error) {
	id, err := idOf(c)
	if err != nil {
		return models.Notice{}, err
	}
	n, err := s.store.NoticeByID(c.UserContext(), id)
	if err != nil {
		return n, err
	}
	if !mayKeepProvince(currentUser(c), n.Province) {
		return n, s.forbid(c, fmt.Sprintf("notice %d belongs to province %s", n.ID, n.Province))
	}
	return n, nil
}

func (s *Server) apiCreateNotice(c *fiber.Ctx) error {
	var r noticeRequest
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	u := currentUser(c)
	nn, err := s.newNotice(c, r, u.Province)
	if err != nil {
		return err
	}
	n, err := s.store.CreateNotice(c.UserContext(), nn, u.Email, s.now())
	if err != nil {
		return err
	}
	return s.sendNotice(c, 201, n)
}

func (s *Server) apiUpdateNotice(c *fiber.Ctx) error {
	n, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	var r noticeRequest
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	nn, err := s.newNotice(c, r, n.Province)
	if err != nil {
		return err
	}
	if r.Corrects == nil {
		nn.CorrectsID = n.CorrectsID
	}
	u := currentUser(c)
	if n, err = s.store.UpdateDraft(c.UserContext(), n.ID, nn, u.Email, s.now()); err != nil {
		return err
	}
	return s.sendNotice(c, 200, n)
}

func (s *Server) apiPublishNotice(c *fiber.Ctx) error {
	n, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	if n, err = s.store.PublishNotice(c.UserContext(), n.ID, s.now()); err != nil {
		return err
	}
	s.indexer.Poke()
	return s.sendNotice(c, 200, n)
}

func (s *Server) apiCorrectNotice(c *fiber.Ctx) error {
	n, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	var r noticeRequest
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	if r.Corrects != nil && *r.Corrects != n.ID {
		return models.Invalid("corrects", models.CodeCorrectsMismatch, models.Args{"notice": n.ID})
	}
	nn, err := s.newNotice(c, r, n.Province)
	if err != nil {
		return err
	}
	nn.Kind, nn.CorrectsID = models.NoticeCorrection, &n.ID
	u := currentUser(c)
	cn, err := s.store.CreateNotice(c.UserContext(), nn, u.Email, s.now())
	if err != nil {
		return err
	}
	return s.sendNotice(c, 201, cn)
}

// sendNotice answers notice n with status as GET /notices/{id} does (drafts included).
func (s *Server) sendNotice(c *fiber.Ctx, status int, n models.Notice) error {
	out, err := s.noticeAnswer(c.UserContext(), n)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(out)
}

// officeNoticesPage lists an office's notices, drafts first.
type officeNoticesPage struct {
	Items []models.Notice
}

func (s *Server) listOfficeNotices(c *fiber.Ctx) error {
	u := currentUser(c)
	items, err := s.store.OfficeNotices(c.UserContext(), u.Province, 200)
	if err != nil {
		return err
	}
	return s.render(c, "office_notices", pageData{Title: "onotice.list_title", Data: officeNoticesPage{Items: items}})
}

// noticeForm is the draft form as the office typed it, with what is wrong.
type noticeForm struct {
	Action     string
	Kind       models.NoticeKind
	Offices    map[string]bool
	Batch      string
	Title      string
	Body       string
	Days, Unit string
	ClaimWhere string
	Paste      string
	Picked     map[string]bool
	Corrects   *models.Notice
	Choices    []models.Institution
	Suggested  string
	Errors     map[string]string
	RowErrors  []string
}

// fillChoices adds what the form offers: the province's institutions and the suggested number.
func (s *Server) fillChoices(c *fiber.Ctx, f *noticeForm) error {
	u := currentUser(c)
	for page := 1; page <= 20; page++ {
		items, total, err := s.store.ListInstitutions(c.UserContext(), models.InstitutionFilter{Province: u.Province, Page: page, PerPage: 100})
		if err != nil {
			return err
		}
		f.Choices = append(f.Choices, items...)
		if int64(len(f.Choices)) >= total || len(items) == 0 {
			break
		}
	}
	number, err := s.store.SuggestNoticeNumber(c.UserContext(), u.Province, models.DateOf(s.now()).Year)
	if err == nil {
		f.Suggested = number
	}
	return nil
}

func (s *Server) renderNoticeForm(c *fiber.Ctx, f noticeForm) error {
	if err := s.fillChoices(c, &f); err != nil {
		return err
	}
	return s.render(c, "office_notice_form", pageData{Title: "onotice.form_title", Data: f})
}

func (s *Server) newNoticeForm(c *fiber.Ctx) error {
	u := currentUser(c)
	f := noticeForm{Action: "/office/notices", Kind: "zombie_list", Days: "15", Unit: "working",
		Offices: map[string]bool{u.Province: true}, Picked: map[string]bool{}}
	if id, err := strconv.ParseUint(c.Query("corrects"), 10, 64); err == nil {
		n, err := s.store.NoticeByID(c.UserContext(), id)
		if err != nil {
			return err
		}
		if n.Province != u.Province || n.IsDraft() {
			return s.forbid(c, "correcting a notice of another province or a draft")
		}
		f.Kind, f.Corrects, f.Title, f.Body = models.NoticeCorrection, &n, "关于"+n.Title+"的更正公告", n.Body
		f.Days, f.Unit = "", "" // a correction has no claim window of its own
		f.Action = fmt.Sprintf("/office/notices/%d/corrections", n.ID)
	}
	return s.renderNoticeForm(c, f)
}

func (s *Server) editNoticeForm(c *fiber.Ctx) error {
	n, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	if !n.IsDraft() {
		return fmt.Errorf("app: notice %d: %w", n.ID, errPublished)
	}
	f := noticeForm{Action: fmt.Sprintf("/office/notices/%d", n.ID), Kind: n.Kind, Batch: n.Batch, Title: n.Title, Body: n.Body,
		ClaimWhere: n.ClaimWhere, Unit: n.WindowUnit, Offices: map[string]bool{}, Picked: map[string]bool{}}
	if n.WindowDays > 0 {
		f.Days = strconv.Itoa(n.WindowDays)
	}
	for _, o := range n.Offices {
		f.Offices[o] = true
	}
	for _, li := range n.Institutions {
		f.Picked[li.USCC] = true
	}
	if n.CorrectsID != nil {
		if cn, err := s.store.NoticeByID(c.UserContext(), *n.CorrectsID); err == nil {
			f.Corrects = &cn
		}
	}
	return s.renderNoticeForm(c, f)
}

// errPublished refuses to edit a published notice.
var errPublished error = &models.Refusal{Code: models.CodeNoticeNeverChanges, Err: models.ErrConflict}

// usccToken finds the USCC in one pasted row; the rest of the row is the name.
var usccToken = regexp.MustCompile(`(?i)\b[0-9A-Z]{18}\b`)

// readNoticeForm reads the multipart draft form: the fields, the picked institutions, the pasted
// table (one institution a row: name and USCC, separated by a tab, a comma or spaces) and the files.
func (s *Server) readNoticeForm(c *fiber.Ctx, action string) (noticeForm, models.NewNotice, []string, error) {
	mf, err := s.readMultipart(c, noticeUploads)
	if err != nil {
		return noticeForm{}, models.NewNotice{}, nil, err
	}
	v := mf.Fields
	u := currentUser(c)
	f := noticeForm{Action: action, Kind: models.NoticeKind(v["kind"]), Batch: v["batch"], Title: v["title"], Body: v["body"], Days: v["days"],
		Unit: v["unit"], ClaimWhere: v["claim_where"], Paste: v["paste"], Offices: map[string]bool{}, Picked: map[string]bool{}}
	nn := models.NewNotice{Kind: f.Kind, Province: u.Province, Batch: f.Batch, Title: f.Title, Body: f.Body,
		ClaimWhere: f.ClaimWhere, WindowUnit: models.Unit(f.Unit), Attachments: mf.Files}
	var labels []string
	for k := range v {
		if code, ok := strings.CutPrefix(k, "office_"); ok {
			f.Offices[code] = true
		}
		if uscc, ok := strings.CutPrefix(k, "pick_"); ok {
			f.Picked[uscc] = true
		}
	}
	for _, code := range strings.FieldsFunc(v["offices_extra"], func(r rune) bool { return r < '0' || r > '9' }) {
		f.Offices[code] = true
	}
	nn.Offices = checkedKeys(f.Offices)
	if len(nn.Offices) > 0 && f.Offices[u.Province] {
		nn.Offices = append([]string{u.Province}, dropValue(nn.Offices, u.Province)...)
	}
	for _, uscc := range checkedKeys(f.Picked) {
		nn.USCCs, nn.Names = append(nn.USCCs, uscc), append(nn.Names, "")
		labels = append(labels, uscc)
	}
	for i, line := range strings.Split(f.Paste, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		uscc := usccToken.FindString(line)
		name := strings.Trim(strings.TrimSpace(strings.Replace(line, uscc, "", 1)), ",，\t ")
		if uscc == "" {
			uscc = line // CreateNotice says why it is not a USCC
			name = ""
		}
		nn.USCCs, nn.Names = append(nn.USCCs, uscc), append(nn.Names, name)
		labels = append(labels, fmt.Sprintf("#%d", i+1))
	}
	if f.Days != "" {
		if nn.WindowDays, err = strconv.Atoi(strings.TrimSpace(f.Days)); err != nil {
			nn.WindowDays = -1
		}
	}
	return f, nn, labels, nil
}

// showFormErrors re-renders the form with each error next to its field and each bad row named;
// usccs are the codes of the rows as typed.
func (s *Server) showFormErrors(c *fiber.Ctx, f noticeForm, labels, usccs []string, err error) error {
	var fe models.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	f.Errors = map[string]string{}
	for k, msg := range s.fieldMessages(s.lang(c), fe) {
		var i int
		if _, serr := fmt.Sscanf(k, "institutions[%d]", &i); serr == nil && i < len(labels) {
			f.RowErrors = append(f.RowErrors, labels[i]+": "+msg)
			continue
		}
		f.Errors[k] = msg
	}
	sort.Strings(f.RowErrors)
	c.Status(422)
	return s.renderNoticeForm(c, f)
}

// saveNewNotice creates the notice a form described (a new one or a correction) and shows it, or shows
// the form again with the errors, its uploaded files removed.
func (s *Server) saveNewNotice(c *fiber.Ctx, f noticeForm, nn models.NewNotice, labels []string) error {
	n, err := s.store.CreateNotice(c.UserContext(), nn, currentUser(c).Email, s.now())
	if err != nil {
		s.deleteBlobs(nn.Attachments)
		return s.showFormErrors(c, f, labels, nn.USCCs, err)
	}
	return c.Redirect(fmt.Sprintf("/office/notices/%d", n.ID), fiber.StatusSeeOther)
}

func (s *Server) createNotice(c *fiber.Ctx) error {
	f, nn, labels, err := s.readNoticeForm(c, "/office/notices")
	if err != nil {
		return err
	}
	return s.saveNewNotice(c, f, nn, labels)
}

func (s *Server) correctNotice(c *fiber.Ctx) error {
	old, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	f, nn, labels, err := s.readNoticeForm(c, fmt.Sprintf("/office/notices/%d/corrections", old.ID))
	if err != nil {
		return err
	}
	f.Corrects, f.Kind = &old, models.NoticeCorrection
	nn.Kind, nn.CorrectsID = "correction", &old.ID
	return s.saveNewNotice(c, f, nn, labels)
}

func (s *Server) updateNotice(c *fiber.Ctx) error {
	old, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	if !old.IsDraft() {
		return fmt.Errorf("app: notice %d: %w", old.ID, errPublished)
	}
	f, nn, labels, err := s.readNoticeForm(c, fmt.Sprintf("/office/notices/%d", old.ID))
	if err != nil {
		return err
	}
	nn.CorrectsID = old.CorrectsID
	if _, err := s.store.UpdateDraft(c.UserContext(), old.ID, nn, currentUser(c).Email, s.now()); err != nil {
		s.deleteBlobs(nn.Attachments)
		return s.showFormErrors(c, f, labels, nn.USCCs, err)
	}
	return c.Redirect(fmt.Sprintf("/office/notices/%d", old.ID), fiber.StatusSeeOther)
}

// officeNoticePage is an office's view of one of its notices: the preview of a draft with the
// deadline it would get if published now, or a published notice with its claims and outcomes.
type officeNoticePage struct {
	models.Notice
	Status        models.NoticeStatus
	Suggested     string
	Preview       *models.Deadline
	PreviewError  string
	Counts        map[uint64]int64
	Outcomes      []string
	AllOutcomes   bool
	Error         string
	CorrectedBy   *models.Notice
	ClaimsTotal   int64
	TransferCount int
}

func (s *Server) showOfficeNotice(c *fiber.Ctx) error {
	n, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	return s.renderOfficeNotice(c, n, "")
}

func (s *Server) renderOfficeNotice(c *fiber.Ctx, n models.Notice, problem string) error {
	ctx := c.UserContext()
	now := s.now()
	p := officeNoticePage{Notice: n, Status: n.Status(now), Outcomes: models.Outcomes, Error: problem}
	if n.IsDraft() {
		p.Suggested, _ = s.store.SuggestNoticeNumber(ctx, n.Offices[0], models.DateOf(now).Year)
		if n.WindowDays > 0 {
			cal, err := s.store.Calendar(ctx)
			if err != nil {
				return err
			}
			d, err := cal.Deadline(models.DateOf(now), n.WindowDays, models.Unit(n.WindowUnit))
			if err != nil {
				var missing *models.CalendarMissingError
				if !errors.As(err, &missing) {
					return err
				}
				p.PreviewError = s.fieldMessages(s.lang(c), missing.FieldError("window"))["window"]
			} else {
				p.Preview = &d
			}
		}
	}
	counts, err := s.store.ClaimCounts(ctx, n.ID)
	if err != nil {
		return err
	}
	p.Counts = counts
	for _, k := range counts {
		p.ClaimsTotal += k
	}
	p.AllOutcomes = len(n.Institutions) > 0
	for _, li := range n.Institutions {
		p.AllOutcomes = p.AllOutcomes && li.Outcome != ""
		if li.Outcome == models.OutcomeNoClaim {
			p.TransferCount++
		}
	}
	if p.CorrectedBy, err = s.store.CorrectionOf(ctx, n.ID); err != nil {
		return err
	}
	if problem != "" {
		c.Status(422)
	}
	return s.render(c, "office_notice", pageData{Title: n.Title, Data: p})
}

func (s *Server) publishNotice(c *fiber.Ctx) error {
	n, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	pub, err := s.store.PublishNotice(c.UserContext(), n.ID, s.now())
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		msgs := []string{}
		for _, m := range s.fieldMessages(s.lang(c), fe) {
			msgs = append(msgs, m)
		}
		sort.Strings(msgs)
		return s.renderOfficeNotice(c.Status(422), n, strings.Join(msgs, "; "))
	}
	if err != nil {
		return err
	}
	s.indexer.Poke()
	return c.Redirect(fmt.Sprintf("/office/notices/%d", pub.ID), fiber.StatusSeeOther)
}

func checkedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func dropValue(list []string, v string) []string {
	out := []string{}
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
