package app

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// icsLine is the longest content line of an iCalendar file in octets, without its CRLF (RFC 5545 3.1).
const icsLine = 75

// icsEscape escapes a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks.
func icsEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// icsFold writes one content line folded at 75 octets, never inside a UTF-8 character: each
// continuation line starts with a space (RFC 5545 3.1).
func icsFold(b *strings.Builder, line string) {
	limit := icsLine
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8Start(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = icsLine - 1 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// utf8Start reports whether c begins a UTF-8 character (is not a continuation byte).
func utf8Start(c byte) bool { return c&0xC0 != 0x80 }

// icsDate is a DATE value (YYYYMMDD) of a day given as YYYY-MM-DD.
func icsDate(day string) (string, string, bool) {
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return "", "", false
	}
	return d.Format("20060102"), d.AddDate(0, 0, 1).Format("20060102"), true
}

// filterTitle names a calendar or feed by its filter: what, then the province, the kind and the
// institution it is narrowed to, then the portal.
func (s *Server) filterTitle(lang, what string, f feedFilter, kindPrefix string) string {
	parts := []string{s.views.t(lang, what)}
	if f.Province != "" {
		parts = append(parts, provinceName(lang, f.Province))
	}
	if f.Kind != "" {
		parts = append(parts, s.views.t(lang, kindPrefix+f.Kind))
	}
	if f.Institution != nil {
		parts = append(parts, f.Institution.Name)
	}
	return strings.Join(append(parts, s.views.t(lang, "site.name")), " · ")
}

// openWindows returns the notices whose claim window is open now and that match f, newest first.
func (s *Server) openWindows(c *fiber.Ctx, f feedFilter) ([]models.Notice, error) {
	ctx, now := c.UserContext(), s.now()
	var out []models.Notice
	if f.Institution != nil {
		all, err := s.store.NoticesListing(ctx, f.Institution.ID)
		if err != nil {
			return nil, err
		}
		for _, n := range all {
			if n.HasWindow() && n.Status(now) == models.NoticeOpen && (f.Kind == "" || string(n.Kind) == f.Kind) && (f.Province == "" || n.Province == f.Province) {
				full, err := s.store.NoticeByID(ctx, n.ID)
				if err != nil {
					return nil, err
				}
				out = append(out, full)
			}
		}
		return out, nil
	}
	for page := 1; ; page++ {
		items, total, err := s.store.ListNotices(ctx, models.NoticeFilter{Kind: models.NoticeKind(f.Kind), Province: f.Province, Status: models.NoticeOpen, Now: now, Page: page, PerPage: 100})
		if err != nil {
			return nil, err
		}
		for _, n := range items {
			if n.HasWindow() {
				out = append(out, n)
			}
		}
		if len(items) == 0 || int64(page*100) >= total {
			return out, nil
		}
	}
}

// sendNoticesCalendar serves /notices.ics (province and institution filters, as the feeds take) and
// /institutions/{uscc}/notices.ics: the last day of every open claim window as an all-day event
// (RFC 5545), one stable UID per notice, so a calendar application that subscribes keeps each event
// once and drops it when the window has closed.
func (s *Server) sendNoticesCalendar(c *fiber.Ctx) error {
	f, err := s.feedFilterOf(c, models.Strings(models.NoticeKinds))
	if err != nil {
		return err
	}
	if raw := c.Params("uscc"); raw != "" {
		uscc, _, perr := models.ParseUSCC(raw)
		if perr != nil {
			return fiber.ErrNotFound
		}
		in, err := s.store.InstitutionByUSCC(c.UserContext(), uscc)
		if err != nil {
			return err
		}
		f.Institution = &in
	}
	lang := "zh" // Chinese first; ?lang=en for English
	if c.Query("lang") == "en" {
		lang = "en"
	}
	items, err := s.openWindows(c, f)
	if err != nil {
		return err
	}
	host := "pilu"
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	var b strings.Builder
	line := func(name, value string) { icsFold(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Pilu//notices//ZH")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("X-WR-CALNAME", icsEscape(s.filterTitle(lang, "ics.title", f, "notice_kind.")))
	line("X-WR-CALDESC", icsEscape(s.views.t(lang, "ics.description")))
	line("X-PUBLISHED-TTL", "PT6H")
	line("REFRESH-INTERVAL;VALUE=DURATION", "PT6H")
	for _, n := range items {
		start, end, ok := icsDate(n.LastDay)
		if !ok {
			continue
		}
		stamp := n.CreatedAt
		if n.PublishedAt != nil {
			stamp = *n.PublishedAt
		}
		link := fmt.Sprintf("%s/notices/%d", s.cfg.BaseURL, n.ID)
		names := make([]string, 0, len(n.Institutions))
		for _, in := range n.Institutions {
			names = append(names, in.Name+" ("+in.USCC+")")
		}
		desc := []string{
			n.Title,
			deref(n.Number) + " · " + s.views.t(lang, "notice_kind."+string(n.Kind)) + " · " + provinceName(lang, n.Province),
			s.views.t(lang, "notice.claim_until") + " " + n.LastDay,
			s.views.t(lang, "ics.listed") + strings.Join(names, "; "),
			link,
		}
		line("BEGIN", "VEVENT")
		line("UID", fmt.Sprintf("notice-%d@%s", n.ID, host))
		line("DTSTAMP", stamp.UTC().Format("20060102T150405Z"))
		line("DTSTART;VALUE=DATE", start)
		line("DTEND;VALUE=DATE", end)
		line("SUMMARY", icsEscape(s.views.t(lang, "ics.event")+n.Title))
		line("DESCRIPTION", icsEscape(strings.Join(desc, "\n")))
		line("URL;VALUE=URI", link)
		line("TRANSP", "TRANSPARENT")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="notices.ics"`)
	return c.SendString(b.String())
}
