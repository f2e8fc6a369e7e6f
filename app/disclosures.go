package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// attachmentJSON is an attachment as the API answers it.
type attachmentJSON struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
}

// trancheJSON is a tranche as the API answers it; a plan's detail says what was paid against it.
type trancheJSON struct {
	models.Tranche
	Paid *models.Paid `json:"paid,omitempty"`
}

// disclosureJSON is a disclosure version as the API answers it (CONTRACT.md "Resources").
type disclosureJSON struct {
	ID          uint64                 `json:"id"`
	USCC        string                 `json:"uscc"`
	Kind        string                 `json:"kind"`
	Title       string                 `json:"title"`
	Period      string                 `json:"period,omitempty"`
	PublishedAt string                 `json:"published_at"`
	Version     int                    `json:"version"`
	Amends      *uint64                `json:"amends"`
	AmendReason string                 `json:"amend_reason,omitempty"`
	LateDays    int                    `json:"late_days"`
	Figures     *models.MonthlyFigures `json:"figures,omitempty"`
	Tranches    []trancheJSON          `json:"tranches,omitempty"`
	BaseAmount  *int64                 `json:"base_amount,omitempty"` // a plan in shares: what they apply to
	Paid        *models.Paid           `json:"paid,omitempty"`        // a plan: what was paid against it
	Plan        *uint64                `json:"plan,omitempty"`        // a progress report: the plan it reports on
	Body        string                 `json:"body"`
	Attachments []attachmentJSON       `json:"attachments"`
	SHA256      string                 `json:"sha256"`
	URL         string                 `json:"url"`
	Versions    []string               `json:"versions,omitempty"` // the detail: every version of the chain
	Latest      uint64                 `json:"latest,omitempty"`   // the detail: the id of the chain's current version
	Demo        bool                   `json:"demo"`
}

func (s *Server) disclosureJSON(d models.Disclosure) disclosureJSON {
	out := disclosureJSON{ID: d.ID, USCC: d.USCC, Kind: d.Kind, Title: d.Title, Period: d.Period,
		PublishedAt: d.PublishedAt.In(models.ChinaZone).Format("2006-01-02T15:04:05Z07:00"), Version: d.Version,
		Amends: d.Amends, AmendReason: d.AmendReason, LateDays: d.LateDays, Figures: d.Figures, BaseAmount: d.BaseFen, Plan: d.PlanID,
		Body: d.Body, Attachments: []attachmentJSON{}, SHA256: d.SHA256, Demo: d.Demo,
		URL: fmt.Sprintf("%s/disclosures/%d", s.cfg.BaseURL, d.ID)}
	for _, t := range d.Tranches {
		out.Tranches = append(out.Tranches, trancheJSON{Tranche: t})
	}
	for _, a := range d.Attachments {
		out.Attachments = append(out.Attachments, attachmentJSON{Name: a.Name, Size: a.Size, SHA256: a.SHA256,
			ContentType: a.ContentType, URL: fmt.Sprintf("%s/attachments/%d", s.cfg.BaseURL, a.ID)})
	}
	return out
}

// disclosurePage is the data of a disclosure page: the version asked for and the whole chain.
type disclosurePage struct {
	models.Disclosure
	Institution models.Institution
	Versions    []models.Disclosure
	Latest      uint64
	Diff        *models.VersionDiff // what this version changed in the one it amends
	Plan        *planView           // a plan: what was paid against it
	PlanOf      *models.Disclosure  // a progress report: the current version of the plan it reports on
}

func (s *Server) loadDisclosure(c *fiber.Ctx) (disclosurePage, error) {
	ctx := c.UserContext()
	id, err := idOf(c)
	if err != nil {
		return disclosurePage{}, err
	}
	d, err := s.store.DisclosureByID(ctx, id)
	if err != nil {
		return disclosurePage{}, err
	}
	p := disclosurePage{Disclosure: d}
	if p.Institution, err = s.store.InstitutionByID(ctx, d.InstitutionID); err != nil {
		return p, err
	}
	if p.Versions, err = s.store.Versions(ctx, d.RootID); err != nil {
		return p, err
	}
	p.Latest = p.Versions[len(p.Versions)-1].ID
	if d.Amends != nil {
		prev, err := s.store.DisclosureByID(ctx, *d.Amends)
		if err != nil {
			return p, err
		}
		diff := models.DiffVersions(prev, d)
		p.Diff = &diff
	}
	if plan, ok, err := s.planOf(ctx, d); err != nil {
		return p, err
	} else if ok {
		v := planViewOf(plan)
		p.Plan = &v
	}
	if d.PlanID != nil {
		plan, err := s.store.LatestVersion(ctx, *d.PlanID)
		if err != nil {
			return p, err
		}
		p.PlanOf = &plan
	}
	return p, nil
}

func (s *Server) showDisclosure(c *fiber.Ctx) error {
	p, err := s.loadDisclosure(c)
	if err != nil {
		return err
	}
	return s.render(c, "disclosure", pageData{Title: p.Title, Demo: p.Demo, Data: p})
}

// apiShowDisclosure answers the version asked for, as the page /disclosures/{id} shows it and as
// the list answered it, with links to every version of its chain and the id of the latest; a
// published version never changes. ?as_filed=1, which used to ask for exactly this, is still taken.
func (s *Server) apiShowDisclosure(c *fiber.Ctx) error {
	p, err := s.loadDisclosure(c)
	if err != nil {
		return err
	}
	out, err := s.disclosureDetail(c.UserContext(), p.Disclosure)
	if err != nil {
		return err
	}
	out.Latest = p.Latest
	for _, v := range p.Versions {
		out.Versions = append(out.Versions, fmt.Sprintf("%s/api/v1/disclosures/%d", s.cfg.BaseURL, v.ID))
	}
	return c.JSON(out)
}

// disclosureDetail is the one serializer of disclosures (list, detail, dump): a plan's answer
// carries what was paid against it.
func (s *Server) disclosureDetail(ctx context.Context, d models.Disclosure) (disclosureJSON, error) {
	out := s.disclosureJSON(d)
	plan, ok, err := s.planOf(ctx, d)
	if ok {
		addPaid(&out, plan)
	}
	return out, err
}

func (s *Server) apiListDisclosures(c *fiber.Ctx) error {
	p, err := pagingOf(c)
	if err != nil {
		return err
	}
	kind, err := filterOf(c, "kind", models.DisclosureKinds)
	if err != nil {
		return err
	}
	in, err := s.store.InstitutionByUSCC(c.UserContext(), c.Params("uscc"))
	if err != nil {
		return err
	}
	f := models.DisclosureFilter{InstitutionID: in.ID, Page: p.Page, PerPage: p.PerPage}
	if kind != "" {
		f.Kinds = []string{kind}
	}
	items, total, err := s.store.ListDisclosures(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := make([]disclosureJSON, len(items))
	for i, d := range items {
		if out[i], err = s.disclosureDetail(c.UserContext(), d); err != nil {
			return err
		}
	}
	return c.JSON(listAnswer{Items: out, Total: total, Page: p.Page, PerPage: p.PerPage})
}

// downloadAttachment streams an attachment from the blob store, always as a download with its stored
// type, never inline.
func (s *Server) downloadAttachment(c *fiber.Ctx) error {
	id, err := idOf(c)
	if err != nil {
		return err
	}
	a, err := s.store.AttachmentByID(c.UserContext(), id)
	if err != nil {
		return fiber.ErrNotFound
	}
	if !s.attachmentVisible(c, a) {
		return fiber.ErrNotFound
	}
	return s.sendAttachment(c, a, a.DisclosureID != nil || a.NoticeID != nil)
}

// sendAttachment streams a stored file as a download, never inline, with its stored type and its
// SHA-256; public files may be cached by anyone, others by no one.
func (s *Server) sendAttachment(c *fiber.Ctx, a models.Attachment, public bool) error {
	rc, size, err := s.openAttachment(c.UserContext(), a)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	// Rows stored before names followed their content are named here as they would be now.
	c.Set(fiber.HeaderContentDisposition, contentDisposition(nameForType(cleanFileName(a.Name), a.ContentType)))
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Set("Digest", "sha-256="+a.SHA256)
	if public {
		c.Set("Cache-Control", "public, max-age=86400, immutable")
	} else {
		c.Set("Cache-Control", "private, no-store")
	}
	return c.SendStream(rc, int(size))
}

// contentDisposition names a download safely: an ASCII fallback and the UTF-8 name (RFC 6266).
func contentDisposition(name string) string {
	ascii := make([]rune, 0, len(name))
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == ';' {
			r = '_'
		}
		ascii = append(ascii, r)
	}
	return `attachment; filename="` + string(ascii) + `"; filename*=UTF-8''` + pathEscape(name)
}

func pathEscape(s string) string {
	const safe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	out := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		if b := s[i]; strings.IndexByte(safe, b) >= 0 {
			out = append(out, b)
		} else {
			out = append(out, '%', "0123456789ABCDEF"[b>>4], "0123456789ABCDEF"[b&15])
		}
	}
	return string(out)
}

// attachmentVisible tells whether the current visitor may download a: files of disclosures and of
// published notices are public; a draft notice's files are its office's; evidence of a class decision
// is for the office of the institution's province and the admins; claim evidence is never served
// here (the notice's office downloads it from its claims page).
func (s *Server) attachmentVisible(c *fiber.Ctx, a models.Attachment) bool {
	ctx := c.UserContext()
	u := currentUser(c)
	switch {
	case a.DisclosureID != nil:
		return true
	case a.ClaimID != nil:
		return false
	case a.NoticeID != nil:
		n, err := s.store.NoticeByID(ctx, *a.NoticeID)
		return err == nil && (!n.IsDraft() || mayKeepProvince(u, n.Province))
	}
	province, err := s.store.DecisionAttachmentProvince(ctx, a.ID)
	return err == nil && province != "" && mayReadProvince(u, province)
}
