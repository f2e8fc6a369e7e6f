package app

import (
	"encoding/xml"
	"fmt"
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
	Summary   string     `xml:"summary"`
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
		pub := feedEpoch
		if n.PublishedAt != nil {
			pub = *n.PublishedAt
		}
		updated := pub
		if n.ConcludedAt != nil && n.ConcludedAt.After(updated) {
			updated = *n.ConcludedAt
		}
		summary := fmt.Sprintf("%s · %s · %s", deref(n.Number), s.views.t("zh", "notice_kind."+string(n.Kind)), provinceName("zh", n.Province))
		if n.LastDay != "" {
			summary += fmt.Sprintf(" · 申报截止 %s · %s", n.LastDay, s.views.t("zh", "status."+string(n.Status(now))))
		}
		entries = append(entries, atomEntry{ID: s.tagID("notice", n.ID), Title: n.Title, Updated: atomTime(updated), Published: atomTime(pub),
			Links:    []atomLink{{Rel: "alternate", Type: "text/html", Href: fmt.Sprintf("%s/notices/%d", s.cfg.BaseURL, n.ID)}},
			Category: []atomCat{{Term: string(n.Kind)}}, Summary: summary})
	}
	return s.sendFeed(c, s.views.t("zh", "notices.title")+" · "+s.views.t("zh", "site.name"), "/notices", entries)
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
	for _, d := range items {
		summary := fmt.Sprintf("%s · %s", d.USCC, s.views.t("zh", "disclosure_kind."+d.Kind))
		if d.Version > 1 {
			summary += fmt.Sprintf(" · 第%d版（更正）", d.Version)
		}
		if models.OneOf(d.Kind, models.PlanKinds) {
			full, err := s.store.DisclosureByID(c.UserContext(), d.ID)
			if err != nil {
				return err
			}
			if plan, ok, err := s.planOf(c.UserContext(), full); err != nil {
				return err
			} else if ok {
				summary += " · " + paidText(plan)
			}
		}
		entries = append(entries, atomEntry{ID: s.tagID("disclosure", d.ID), Title: d.Title, Updated: atomTime(d.PublishedAt), Published: atomTime(d.PublishedAt),
			Links:    []atomLink{{Rel: "alternate", Type: "text/html", Href: fmt.Sprintf("%s/disclosures/%d", s.cfg.BaseURL, d.ID)}},
			Category: []atomCat{{Term: d.Kind}}, Summary: summary})
	}
	return s.sendFeed(c, s.views.t("zh", "feed.disclosures")+" · "+s.views.t("zh", "site.name"), page, entries)
}
