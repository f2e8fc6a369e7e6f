package app

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// feedSize is the number of entries a feed carries (the newest).
const feedSize = 50

// atomFeed is an Atom 1.0 document (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published,omitempty"`
	Links     []atomLink `xml:"link"`
	Category  []atomCat  `xml:"category"`
	Summary   atomText   `xml:"summary"`
	Content   *atomText  `xml:"content,omitempty"`
}

// atomText is a text construct (RFC 4287 3.1): plain text whose line breaks are kept, or HTML.
type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

// fullText is an entry's summary as plain lines (every fact a reader needs, not one line) and the
// same lines as HTML paragraphs for readers that show the content.
func fullText(lines []string) (atomText, *atomText) {
	var kept []string
	var html strings.Builder
	for _, l := range lines {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		kept = append(kept, l)
		html.WriteString("<p>" + strings.ReplaceAll(template.HTMLEscapeString(l), "\n", "<br>") + "</p>")
	}
	return atomText{Type: "text", Body: strings.Join(kept, "\n")}, &atomText{Type: "html", Body: html.String()}
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

// feedEpoch is the updated time of a feed with no entries (the date of document 175).
var feedEpoch = time.Date(2018, 8, 13, 0, 0, 0, 0, time.UTC)

// tagID is a stable tag: URI (RFC 4151) for a record of this portal.
func (s *Server) tagID(kind string, id uint64) string {
	host := "pilu"
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return fmt.Sprintf("tag:%s,2018:%s/%d", host, kind, id)
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// feedFilter is what a feed is filtered by; unknown parameters are ignored.
type feedFilter struct {
	Province, Kind string
	Institution    *models.Institution
}

// feedFilterOf reads province (400 unless a province code), kind (400 unless one of kinds) and
// institution (a USCC: 400 when malformed, 404 when not on the lists).
func (s *Server) feedFilterOf(c *fiber.Ctx, kinds []string) (feedFilter, error) {
	var f feedFilter
	var err error
	if f.Province, err = provinceOf(c); err != nil {
		return f, err
	}
	if f.Kind, err = filterOf(c, "kind", kinds); err != nil {
		return f, err
	}
	if raw := strings.TrimSpace(c.Query("institution")); raw != "" {
		uscc, _, perr := models.ParseUSCC(raw)
		if perr != nil {
			return f, &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid("institution", models.CodeUSCCParam)}
		}
		in, err := s.store.InstitutionByUSCC(c.UserContext(), uscc)
		if err != nil {
			return f, err
		}
		f.Institution = &in
	}
	return f, nil
}

// feedQuery is the query string of a feed filter without its institution ("" when none).
func feedQuery(f feedFilter) string {
	q := url.Values{}
	if f.Province != "" {
		q.Set("province", f.Province)
	}
	if f.Kind != "" {
		q.Set("kind", f.Kind)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// sendFeed writes the feed with its self and alternate links.
func (s *Server) sendFeed(c *fiber.Ctx, title, page string, entries []atomEntry) error {
	f := atomFeed{ID: s.cfg.BaseURL + c.OriginalURL(), Title: title, Updated: atomTime(feedEpoch),
		Author: atomPerson{Name: s.views.t("zh", "site.name")}, Entries: entries,
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: s.cfg.BaseURL + c.OriginalURL()},
			{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + page}}}
	for _, e := range entries {
		if e.Updated > f.Updated {
			f.Updated = e.Updated
		}
	}
	b, err := xml.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	return c.Send(append([]byte(xml.Header), b...))
}

// feedNotices is the Atom feed of published notices, newest first.
func (s *Server) feedNotices(c *fiber.Ctx) error {
	f, err := s.feedFilterOf(c, models.Strings(models.NoticeKinds))
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var items []models.Notice
	if f.Institution != nil {
		all, err := s.store.NoticesListing(ctx, f.Institution.ID)
		if err != nil {
			return err
		}
		for _, n := range all {
			if (f.Kind == "" || string(n.Kind) == f.Kind) && (f.Province == "" || n.Province == f.Province) && len(items) < feedSize {
				items = append(items, n)
			}
		}
	} else if items, _, err = s.store.ListNotices(ctx, models.NoticeFilter{Kind: models.NoticeKind(f.Kind), Province: f.Province, PerPage: feedSize, Now: s.now()}); err != nil {
		return err
	}
	now := s.now()
	entries := make([]atomEntry, 0, len(items))
	for _, n := range items {
		if len(n.Institutions) == 0 {
			if n, err = s.store.NoticeByID(ctx, n.ID); err != nil {
				return err
			}
		}
		pub := feedEpoch
		if n.PublishedAt != nil {
			pub = *n.PublishedAt
		}
		updated := pub
		if n.ConcludedAt != nil && n.ConcludedAt.After(updated) {
			updated = *n.ConcludedAt
		}
		lines := []string{fmt.Sprintf("%s · %s · %s · %s", deref(n.Number), s.views.t("zh", "notice_kind."+string(n.Kind)), provinceName("zh", n.Province), s.views.t("zh", "status."+string(n.Status(now))))}
		if n.PublishedAt != nil {
			lines = append(lines, "发布日期："+n.PublishedAt.In(models.ChinaZone).Format("2006-01-02"))
		}
		if n.LastDay != "" {
			lines = append(lines, fmt.Sprintf("申报截止：%s（%d%s）", n.LastDay, n.WindowDays, map[string]string{"working": "个工作日", "calendar": "日"}[n.WindowUnit]))
		}
		if len(n.Institutions) > 0 {
			names := make([]string, 0, len(n.Institutions))
			for _, in := range n.Institutions {
				names = append(names, in.Name+"（"+in.USCC+"）")
			}
			lines = append(lines, fmt.Sprintf("所列机构（%d 家）：%s", len(names), strings.Join(names, "、")))
		}
		lines = append(lines, n.Body)
		summary, content := fullText(lines)
		entries = append(entries, atomEntry{ID: s.tagID("notice", n.ID), Title: n.Title, Updated: atomTime(updated), Published: atomTime(pub),
			Links:    []atomLink{{Rel: "alternate", Type: "text/html", Href: fmt.Sprintf("%s/notices/%d", s.cfg.BaseURL, n.ID)}},
			Category: []atomCat{{Term: string(n.Kind)}}, Summary: summary, Content: content})
	}
	page := "/notices"
	if f.Institution != nil {
		page = "/institutions/" + f.Institution.USCC
	} else if f.Province != "" || f.Kind != "" {
		page = "/notices" + feedQuery(f)
	}
	return s.sendFeed(c, s.filterTitle("zh", "feed.title_notices", f, "notice_kind."), page, entries)
}

// feedDisclosures is the Atom feed of disclosures (each published version is an entry), newest first.
func (s *Server) feedDisclosures(c *fiber.Ctx) error {
	f, err := s.feedFilterOf(c, models.DisclosureKinds)
	if err != nil {
		return err
	}
	df := models.DisclosureFilter{Province: f.Province, PerPage: feedSize, NoTotal: true}
	page := "/exits"
	if f.Kind != "" {
		df.Kinds = []string{f.Kind}
	}
	if f.Institution != nil {
		df.InstitutionID = f.Institution.ID
		page = "/institutions/" + f.Institution.USCC
	}
	items, _, err := s.store.ListDisclosures(c.UserContext(), df)
	if err != nil {
		return err
	}
	entries := make([]atomEntry, 0, len(items))
	names := map[uint64]string{}
	for _, d := range items {
		ctx := c.UserContext()
		full, err := s.store.DisclosureByID(ctx, d.ID)
		if err != nil {
			return err
		}
		if _, ok := names[d.InstitutionID]; !ok {
			in, err := s.store.InstitutionByID(ctx, d.InstitutionID)
			if err != nil {
				return err
			}
			names[d.InstitutionID] = in.Name
		}
		lines := []string{fmt.Sprintf("%s（%s） · %s", names[d.InstitutionID], d.USCC, s.views.t("zh", "disclosure_kind."+d.Kind)),
			"发布日期：" + d.PublishedAt.In(models.ChinaZone).Format("2006-01-02")}
		if d.Period != "" {
			lines = append(lines, "所属期间："+d.Period)
		}
		if d.Version > 1 {
			lines = append(lines, fmt.Sprintf("第%d版（更正）：%s", d.Version, full.AmendReason))
		}
		if models.OneOf(d.Kind, models.PlanKinds) {
			if plan, ok, err := s.planOf(ctx, full); err != nil {
				return err
			} else if ok {
				lines = append(lines, paidText(plan))
			}
		}
		lines = append(lines, full.Body)
		if len(full.Attachments) > 0 {
			files := make([]string, 0, len(full.Attachments))
			for _, a := range full.Attachments {
				files = append(files, a.Name)
			}
			lines = append(lines, "附件："+strings.Join(files, "、"))
		}
		summary, content := fullText(lines)
		entries = append(entries, atomEntry{ID: s.tagID("disclosure", d.ID), Title: d.Title, Updated: atomTime(d.PublishedAt), Published: atomTime(d.PublishedAt),
			Links:    []atomLink{{Rel: "alternate", Type: "text/html", Href: fmt.Sprintf("%s/disclosures/%d", s.cfg.BaseURL, d.ID)}},
			Category: []atomCat{{Term: d.Kind}}, Summary: summary, Content: content})
	}
	return s.sendFeed(c, s.filterTitle("zh", "feed.title_disclosures", f, "disclosure_kind."), page, entries)
}
