package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// auditEntry is an entry of the audit trail for what the current user does now on a record: actor,
// role, client address and the user's province filled in.
func (s *Server) auditEntry(c *fiber.Ctx, action, recordType, recordID string) models.AuditEntry {
	e := models.AuditEntry{At: s.now(), Client: strings.Clone(c.IP()), Action: action, RecordType: recordType, RecordID: recordID}
	if u := currentUser(c); u != nil {
		e.ActorID, e.Actor, e.Role, e.Province = u.ID, u.Email, u.Role, u.Province
	}
	return e
}

// audited is route middleware for a staff write: the handler's first committed transaction also
// appends an audit entry of action on the record that route parameter param names (models.WithAudit),
// so a change and its record are written together; a refused change records nothing.
func (s *Server) audited(action, recordType, param string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := ""
		if param != "" {
			id = strings.Clone(c.Params(param))
		}
		c.SetUserContext(models.WithAudit(c.UserContext(), s.auditEntry(c, action, recordType, id)))
		return c.Next()
	}
}

// audit records an entry of what changes nothing in the database (a reveal, an export) before
// anything leaves.
func (s *Server) audit(c *fiber.Ctx, e models.AuditEntry) error {
	return s.store.Audit(c.UserContext(), e)
}

// auditFamilies are the actions' families (the part before the dot), which the filter takes too.
func auditFamilies() []string {
	var out []string
	for _, a := range models.AuditActions {
		f, _, _ := strings.Cut(a, ".")
		if !models.OneOf(f, out) {
			out = append(out, f)
		}
	}
	return out
}

// auditQuery is the filter of the audit pages, as typed (to fill the form again).
type auditQuery struct {
	Actor, Action, Province, From, To string
}

// auditFilterOf reads the filter of the audit pages and API: actor, action (or family), province,
// from and to (China days, both included), page and per_page. An office reads its own province
// only: another province is 403.
func (s *Server) auditFilterOf(c *fiber.Ctx) (models.AuditFilter, auditQuery, listParams, error) {
	q := auditQuery{Actor: strings.TrimSpace(c.Query("actor")), From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to"))}
	p, err := pagingOf(c)
	if err != nil {
		return models.AuditFilter{}, q, p, err
	}
	if q.Action, err = filterOf(c, "action", append(auditFamilies(), models.AuditActions...)); err != nil {
		return models.AuditFilter{}, q, p, err
	}
	if q.Province, err = provinceOf(c); err != nil {
		return models.AuditFilter{}, q, p, err
	}
	if u := currentUser(c); u.Role != models.RoleAdmin {
		if q.Province != "" && q.Province != u.Province {
			return models.AuditFilter{}, q, p, s.forbid(c, "audit trail of province "+q.Province)
		}
		q.Province = u.Province
	}
	f := models.AuditFilter{Actor: clipRunes(q.Actor, 254), Action: q.Action, Province: q.Province, Page: p.Page, PerPage: p.PerPage}
	for _, d := range []struct {
		name, v string
		dst     *time.Time
		shift   int
	}{{"from", q.From, &f.From, 0}, {"to", q.To, &f.To, 1}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.v, models.ChinaZone)
		if err != nil {
			return f, q, p, &apiError{Status: 400, Code: "bad_request", Fields: map[string]string{d.name: "a day as YYYY-MM-DD"}}
		}
		*d.dst = t.AddDate(0, 0, d.shift)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, q, p, &apiError{Status: 400, Code: "bad_request", Fields: map[string]string{"to": "on or after from"}}
	}
	return f, q, p, nil
}

// clipRunes cuts s to at most n characters.
func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// auditTrailPage is the audit trail as a page: the filter, one page of entries and the export link.
type auditTrailPage struct {
	Query    auditQuery
	Items    []models.AuditEntry
	Pager    pager
	Actions  []string
	Families []string
	Export   string
	Office   bool // an office's page: its province only
}

// showAudit is /admin/audit (everything) and /office/audit (the office's province).
func (s *Server) showAudit(c *fiber.Ctx) error {
	f, q, p, err := s.auditFilterOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.AuditPage(c.UserContext(), f)
	if err != nil {
		return err
	}
	export := strings.TrimSuffix(c.Path(), "/") + ".csv"
	if qs := string(c.Request().URI().QueryString()); qs != "" {
		export += "?" + qs
	}
	c.Set("Cache-Control", "no-store")
	return s.render(c, "audit", pageData{Title: "audit.title", Data: auditTrailPage{Query: q, Items: items, Pager: pagerOf(c, p, total),
		Actions: models.AuditActions, Families: auditFamilies(), Export: export, Office: currentUser(c).Role != models.RoleAdmin}})
}

// exportAudit sends the entries the filter selects as CSV (every page), and records the export.
func (s *Server) exportAudit(c *fiber.Ctx) error {
	f, q, _, err := s.auditFilterOf(c)
	if err != nil {
		return err
	}
	e := s.auditEntry(c, models.AuditExport, "", "")
	e.Detail = fmt.Sprintf("actor=%s action=%s province=%s from=%s to=%s", q.Actor, q.Action, q.Province, q.From, q.To)
	if err := s.audit(c, e); err != nil {
		return err
	}
	records := [][]string{{"seq", "at", "actor", "role", "client", "action", "record_type", "record_id", "province", "detail", "prev_hash", "hash"}}
	err = s.store.EachAudit(c.UserContext(), f, func(e models.AuditEntry) error {
		records = append(records, []string{strconv.FormatUint(e.Seq, 10), e.At.In(models.ChinaZone).Format(time.RFC3339), e.Actor, e.Role,
			e.Client, e.Action, e.RecordType, e.RecordID, e.Province, e.Detail, e.PrevHash, e.Hash})
		return nil
	})
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return sendTable(c, "audit.csv", records)
}

// auditJSON is an entry of the audit trail in the API.
type auditJSON struct {
	Seq        uint64 `json:"seq"`
	At         string `json:"at"`
	Actor      string `json:"actor"`
	Role       string `json:"role"`
	Client     string `json:"client"`
	Action     string `json:"action"`
	RecordType string `json:"record_type"`
	RecordID   string `json:"record_id"`
	Province   string `json:"province"`
	Detail     string `json:"detail"`
	PrevHash   string `json:"prev_hash"`
	Hash       string `json:"hash"`
}

// apiAudit is GET /api/v1/audit: admins read everything, an office its province's entries.
func (s *Server) apiAudit(c *fiber.Ctx) error {
	f, _, p, err := s.auditFilterOf(c)
	if err != nil {
		return err
	}
	items, total, err := s.store.AuditPage(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := make([]auditJSON, len(items))
	for i, e := range items {
		out[i] = auditJSON{Seq: e.Seq, At: e.At.In(models.ChinaZone).Format(time.RFC3339), Actor: e.Actor, Role: e.Role, Client: e.Client,
			Action: e.Action, RecordType: e.RecordType, RecordID: e.RecordID, Province: e.Province, Detail: e.Detail, PrevHash: e.PrevHash, Hash: e.Hash}
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(listAnswer{Items: out, Total: total, Page: p.Page, PerPage: p.PerPage})
}
