package app

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// feedLink is a feed or a calendar a page offers: a <link rel="alternate"> in its head and a visible
// link below its content, titled by the filter it carries.
type feedLink struct {
	Href, Type, Title string
}

// pageFeeds says which feeds a page offers and what they are narrowed to (the page's own filter).
type pageFeeds struct {
	Province                   string
	Institution                *models.Institution
	NoticeKind, DisclosureKind string
	Notices, Calendar          bool
	Disclosures                bool
}

// feedLinks makes the links of the feeds a page offers, in the request's language.
func (s *Server) feedLinks(c *fiber.Ctx, p pageFeeds) []feedLink {
	lang := s.lang(c)
	query := func(kind string, withInstitution bool) string {
		q := url.Values{}
		if p.Province != "" {
			q.Set("province", p.Province)
		}
		if kind != "" {
			q.Set("kind", kind)
		}
		if withInstitution && p.Institution != nil {
			q.Set("institution", p.Institution.USCC)
		}
		if len(q) == 0 {
			return ""
		}
		return "?" + q.Encode()
	}
	filter := func(kind string) feedFilter {
		return feedFilter{Province: p.Province, Kind: kind, Institution: p.Institution}
	}
	var out []feedLink
	if p.Notices {
		out = append(out, feedLink{Href: "/feeds/notices.atom" + query(p.NoticeKind, true), Type: "application/atom+xml",
			Title: s.filterTitle(lang, "feed.notices", filter(p.NoticeKind), "notice_kind.")})
	}
	if p.Disclosures {
		out = append(out, feedLink{Href: "/feeds/disclosures.atom" + query(p.DisclosureKind, true), Type: "application/atom+xml",
			Title: s.filterTitle(lang, "feed.disclosures", filter(p.DisclosureKind), "disclosure_kind.")})
	}
	if p.Calendar {
		href := "/notices.ics" + query(p.NoticeKind, false)
		if p.Institution != nil {
			href = "/institutions/" + p.Institution.USCC + "/notices.ics" + query(p.NoticeKind, false)
		}
		out = append(out, feedLink{Href: href, Type: "text/calendar", Title: s.filterTitle(lang, "ics.title", filter(p.NoticeKind), "notice_kind.")})
	}
	return out
}
