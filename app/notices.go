package app

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// noticeJSON is a notice as the API answers it (CONTRACT.md "Resources").
type noticeJSON struct {
	ID           uint64              `json:"id"`
	Number       string              `json:"number"`
	Kind         models.NoticeKind   `json:"kind"`
	Offices      []string            `json:"offices"`
	Province     string              `json:"province"`
	Batch        string              `json:"batch,omitempty"`
	Title        string              `json:"title"`
	Body         string              `json:"body"`
	Status       models.NoticeStatus `json:"status"`
	PublishedAt  *string             `json:"published_at"`
	Window       *windowJSON         `json:"window"`
	ClaimWhere   string              `json:"claim_where,omitempty"`
	LastDay      string              `json:"last_day,omitempty"`
	Deadline     *string             `json:"deadline"`
	Calendar     *calendarJSON       `json:"calendar,omitempty"`
	DaysLeft     *int                `json:"days_left"`
	Institutions []listedJSON        `json:"institutions"`
	Attachments  []attachmentJSON    `json:"attachments"`
	Corrects     *uint64             `json:"corrects"`
	CorrectedBy  *uint64             `json:"corrected_by"`
	SHA256       string              `json:"sha256"`
	URL          string              `json:"url"`
	Demo         bool                `json:"demo"`
}

// calendarJSON names the official calendar a notice's deadline was computed on.
type calendarJSON struct {
	Years  string `json:"years"`
	SHA256 string `json:"sha256"`
}

type windowJSON struct {
	Days int    `json:"days"`
	Unit string `json:"unit"`
}

type listedJSON struct {
	USCC     string `json:"uscc"`
	Name     string `json:"name"`
	Brand    string `json:"brand,omitempty"`
	District string `json:"district,omitempty"`
	Claims   int64  `json:"claims"`
	Outcome  string `json:"outcome"`
}

func rfc3339China(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.In(models.ChinaZone).Format(time.RFC3339)
	return &s
}

// noticeAnswers is the one serializer of notices: list, detail, office answers and the dump all
// answer a notice through it, so that each field says the same everywhere (claims per listed
// institution, corrected_by, body, attachments).
func (s *Server) noticeAnswers(ctx context.Context, notices []models.Notice) ([]noticeJSON, error) {
	ids := make([]uint64, len(notices))
	for i, n := range notices {
		ids[i] = n.ID
	}
	counts, err := s.store.ClaimCounts(ctx, ids...)
	if err != nil {
		return nil, err
	}
	corrections, err := s.store.CorrectionsOf(ctx, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]noticeJSON, len(notices))
	for i, n := range notices {
		out[i] = s.noticeJSON(n, corrections[n.ID], counts)
	}
	return out, nil
}

// noticeAnswer is noticeAnswers for one notice.
func (s *Server) noticeAnswer(ctx context.Context, n models.Notice) (noticeJSON, error) {
	out, err := s.noticeAnswers(ctx, []models.Notice{n})
	if err != nil {
		return noticeJSON{}, err
	}
	return out[0], nil
}

// noticeJSON fills the answer of notice n; correctedBy is the id of the published correction naming
// it (0: none), counts the standing claims per listed institution (NoticeInstitution.ID).
func (s *Server) noticeJSON(n models.Notice, correctedBy uint64, counts map[uint64]int64) noticeJSON {
	now := s.now()
	out := noticeJSON{ID: n.ID, Number: deref(n.Number), Kind: n.Kind, Offices: n.Offices, Province: n.Province,
		Batch: n.Batch, Title: n.Title, Body: n.Body, Status: n.Status(now), PublishedAt: rfc3339China(n.PublishedAt),
		ClaimWhere: n.ClaimWhere, LastDay: n.LastDay, Deadline: rfc3339China(n.Deadline), Corrects: n.CorrectsID,
		SHA256: n.SHA256, URL: fmt.Sprintf("%s/notices/%d", s.cfg.BaseURL, n.ID), Demo: n.Demo,
		Institutions: []listedJSON{}, Attachments: []attachmentJSON{}}
	if n.WindowDays > 0 {
		out.Window = &windowJSON{Days: n.WindowDays, Unit: n.WindowUnit}
		left := n.DaysLeft(now)
		out.DaysLeft = &left
	}
	if n.CalendarSHA256 != "" {
		out.Calendar = &calendarJSON{Years: n.CalendarYears, SHA256: n.CalendarSHA256}
	}
	if correctedBy != 0 {
		out.CorrectedBy = &correctedBy
	}
	for _, li := range n.Institutions {
		out.Institutions = append(out.Institutions, listedJSON{USCC: li.USCC, Name: li.Name, Brand: li.Brand, District: li.District,
			Claims: counts[li.ID], Outcome: li.Outcome})
	}
	for _, a := range n.Attachments {
		out.Attachments = append(out.Attachments, attachmentJSON{Name: a.Name, Size: a.Size, SHA256: a.SHA256,
			ContentType: a.ContentType, URL: fmt.Sprintf("%s/attachments/%d", s.cfg.BaseURL, a.ID)})
	}
	return out
}

// noticeFilterOf reads the list filters shared by the page and the API.
func (s *Server) noticeFilterOf(c *fiber.Ctx) (models.NoticeFilter, listParams, error) {
	f := models.NoticeFilter{Now: s.now()}
	p, err := pagingOf(c)
	if err != nil {
		return f, p, err
	}
	if f.Province, err = provinceOf(c); err != nil {
		return f, p, err
	}
	kind, err := filterOf(c, "kind", models.Strings(models.NoticeKinds))
	if err != nil {
		return f, p, err
	}
	status, err := filterOf(c, "status", models.Strings(models.PublicNoticeStatuses))
	if err != nil {
		return f, p, err
	}
	f.Kind, f.Status = models.NoticeKind(kind), models.NoticeStatus(status)
	f.Page, f.PerPage = p.Page, p.PerPage
	return f, p, nil
}

// noticeListPage is the data of the notice list page.
type noticeListPage struct {
	Items  []models.Notice
	Filter models.NoticeFilter
	Pager  pager
}

func (s *Server) listNotices(c *fiber.Ctx) error {
	f, p, err := s.noticeFilterOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListNotices(c.UserContext(), f)
	if err != nil {
		return err
	}
	demo := false
	for _, n := range items {
		demo = demo || n.Demo
	}
	return s.render(c, "notices", pageData{Title: "notices.title", Demo: demo, Data: noticeListPage{Items: items, Filter: f, Pager: pagerOf(c, p, total)},
		Feeds: s.feedLinks(c, pageFeeds{Province: f.Province, NoticeKind: string(f.Kind), Notices: true, Calendar: true})})
}

func (s *Server) apiListNotices(c *fiber.Ctx) error {
	f, p, err := s.noticeFilterOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.ListNotices(c.UserContext(), f)
	if err != nil {
		return err
	}
	out, err := s.noticeAnswers(c.UserContext(), items)
	if err != nil {
		return err
	}
	return c.JSON(listAnswer{Items: out, Total: total, Page: p.Page, PerPage: p.PerPage})
}

// noticePage is the data of a notice page.
type noticePage struct {
	models.Notice
	Status      models.NoticeStatus
	DaysLeft    int
	HoursLeft   int
	Corrects    *models.Notice
	CorrectedBy *models.Notice
	Counts      map[uint64]int64 // standing claims per listed institution (NoticeInstitution.ID)
	Open        bool             // claims are taken now
	Banner      *openNotice      // the first screen's countdown and claim buttons while Open
}

func (s *Server) loadNotice(c *fiber.Ctx) (noticePage, error) {
	ctx := c.UserContext()
	id, err := idOf(c)
	if err != nil {
		return noticePage{}, err
	}
	n, err := s.store.NoticeByID(ctx, id)
	if err != nil {
		return noticePage{}, err
	}
	if n.IsDraft() {
		return noticePage{}, fiber.ErrNotFound // drafts are not public
	}
	now := s.now()
	p := noticePage{Notice: n, Status: n.Status(now), DaysLeft: n.DaysLeft(now), HoursLeft: n.HoursLeft(now)}
	if n.CorrectsID != nil {
		c, err := s.store.NoticeByID(ctx, *n.CorrectsID)
		if err != nil {
			return p, err
		}
		p.Corrects = &c
	}
	p.Open = n.AcceptsClaims(now)
	if p.Open {
		targets := make([]claimTarget, len(n.Institutions))
		for i, li := range n.Institutions {
			targets[i] = claimTarget{USCC: li.USCC, Name: li.Name}
		}
		b := openNoticeOf(n, now, targets)
		b.OnNotice = true
		p.Banner = &b
	}
	if p.Counts, err = s.store.ClaimCounts(ctx, n.ID); err != nil {
		return p, err
	}
	p.CorrectedBy, err = s.store.CorrectionOf(ctx, n.ID)
	return p, err
}

func (s *Server) showNotice(c *fiber.Ctx) error {
	p, err := s.loadNotice(c)
	if err != nil {
		return err
	}
	return s.render(c, "notice", pageData{Title: p.Title, Demo: p.Demo, Data: p,
		Feeds: s.feedLinks(c, pageFeeds{Province: p.Province, Notices: true, Calendar: true}), Follow: s.followFormOf(listedTargets(p.Institutions)...)})
}

func (s *Server) apiShowNotice(c *fiber.Ctx) error {
	p, err := s.loadNotice(c)
	if err != nil {
		return err
	}
	out, err := s.noticeAnswer(c.UserContext(), p.Notice)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
