package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// officeClaimRow is one claim with its personal data in clear, for the office of the notice only.
type officeClaimRow struct {
	models.Claim
	models.Claimant
	Institution string
}

// readableNotice loads a published notice whose claims the user may read: the office of its
// province (and admins). Anyone else gets a logged 403.
func (s *Server) readableNotice(c *fiber.Ctx) (models.Notice, error) {
	id, err := idOf(c)
	if err != nil {
		return models.Notice{}, err
	}
	n, err := s.store.NoticeByID(c.UserContext(), id)
	if err != nil {
		return n, err
	}
	if !mayReadProvince(currentUser(c), n.Province) {
		return n, s.forbid(c, fmt.Sprintf("claims of notice %d (province %s)", n.ID, n.Province))
	}
	return n, nil
}

// officeClaims decrypts the claims of a notice and records the read (who, when, what) before any
// personal data leaves.
func (s *Server) officeClaims(c *fiber.Ctx, n models.Notice, action string) ([]officeClaimRow, error) {
	u := currentUser(c)
	if err := s.store.LogClaimRead(c.UserContext(), models.ClaimRead{NoticeID: n.ID, Action: action, UserID: u.ID,
		Email: u.Email, Client: c.IP(), ReadAt: s.now()}); err != nil {
		return nil, err
	}
	claims, err := s.store.ClaimsOf(c.UserContext(), n.ID)
	if err != nil {
		return nil, err
	}
	names := map[uint64]string{}
	for _, li := range n.Institutions {
		names[li.ID] = li.Name
	}
	sl := s.sealer()
	out := make([]officeClaimRow, len(claims))
	for i, cl := range claims {
		p, err := cl.Claimant(sl)
		if err != nil {
			return nil, err
		}
		out[i] = officeClaimRow{Claim: cl, Claimant: p, Institution: names[cl.NoticeInstitutionID]}
	}
	return out, nil
}

// officeClaimsPage is the office's list of claims on one notice, unmasked.
type officeClaimsPage struct {
	Notice   models.Notice
	Rows     []officeClaimRow
	Reads    []models.ClaimRead
	Statuses []string
	Error    string
}

func (s *Server) listOfficeClaims(c *fiber.Ctx) error {
	n, err := s.readableNotice(c)
	if err != nil {
		return err
	}
	rows, err := s.officeClaims(c, n, "list")
	if err != nil {
		return err
	}
	reads, err := s.store.ClaimReads(c.UserContext(), n.ID)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return s.render(c, "office_notice_claims", pageData{Title: "oclaims.title", Data: officeClaimsPage{Notice: n, Rows: rows, Reads: reads,
		Statuses: []string{models.ClaimVerified, models.ClaimRejected, models.ClaimDuplicate}}})
}

// officeClaimJSON is a claim in the office's API answer, with personal data in clear.
type officeClaimJSON struct {
	ID          uint64           `json:"id"`
	Receipt     string           `json:"receipt"`
	Institution string           `json:"institution"`
	Name        string           `json:"name"`
	IDNumber    string           `json:"id_number"`
	Phone       string           `json:"phone"`
	Principal   int64            `json:"principal"`
	Interest    int64            `json:"interest"`
	Statement   string           `json:"statement"`
	Status      string           `json:"status"`
	Reason      string           `json:"reason,omitempty"`
	DuplicateOf *uint64          `json:"duplicate_of"`
	FiledAt     string           `json:"filed_at"`
	Evidence    []attachmentJSON `json:"evidence"`
}

func (s *Server) apiListClaims(c *fiber.Ctx) error {
	n, err := s.readableNotice(c)
	if err != nil {
		return err
	}
	rows, err := s.officeClaims(c, n, "api")
	if err != nil {
		return err
	}
	out := make([]officeClaimJSON, len(rows))
	for i, r := range rows {
		out[i] = officeClaimJSON{ID: r.Claim.ID, Receipt: r.Receipt, Institution: r.USCC, Name: r.Name, IDNumber: r.IDNumber,
			Phone: r.Phone, Principal: r.PrincipalFen, Interest: r.InterestFen, Statement: r.Statement, Status: r.Status,
			Reason: r.Reason, DuplicateOf: r.DuplicateOf, FiledAt: r.CreatedAt.In(models.ChinaZone).Format(time.RFC3339),
			Evidence: []attachmentJSON{}}
		for _, a := range r.Attachments {
			out[i].Evidence = append(out[i].Evidence, attachmentJSON{Name: a.Name, Size: a.Size, SHA256: a.SHA256, ContentType: a.ContentType,
				URL: fmt.Sprintf("%s/office/notices/%d/evidence/%d", s.cfg.BaseURL, n.ID, a.ID)})
		}
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(listAnswer{Items: out, Total: int64(len(out)), Page: 1, PerPage: len(out)})
}

// decideClaim records the office's decision on one claim (page and API).
func (s *Server) decideClaimOf(c *fiber.Ctx, status, reason string) (models.Notice, models.Claim, error) {
	n, err := s.officeNotice(c)
	if err != nil {
		return n, models.Claim{}, err
	}
	cid, err := parseID(c.Params("cid"))
	if err != nil {
		return n, models.Claim{}, err
	}
	cl, err := s.store.DecideClaim(c.UserContext(), n.ID, cid, status, reason, currentUser(c).Email, s.now())
	return n, cl, err
}

func (s *Server) decideClaim(c *fiber.Ctx) error {
	n, _, err := s.decideClaimOf(c, c.FormValue("status"), c.FormValue("reason"))
	if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/office/notices/%d/claims", n.ID), fiber.StatusSeeOther)
}

func (s *Server) apiDecideClaim(c *fiber.Ctx) error {
	var r struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	_, cl, err := s.decideClaimOf(c, r.Status, r.Reason)
	if err != nil {
		return err
	}
	return c.JSON(claimJSON{Receipt: cl.Receipt, Status: cl.Status})
}

// exportClaims sends the office's own claim export: CSV with a UTF-8 BOM (so that Excel reads the
// Chinese), every cell that a spreadsheet would run as a formula neutralised.
func (s *Server) exportClaims(c *fiber.Ctx) error {
	n, err := s.readableNotice(c)
	if err != nil {
		return err
	}
	rows, err := s.officeClaims(c, n, "export")
	if err != nil {
		return err
	}
	records := [][]string{{"回执号 receipt", "机构 institution", "统一社会信用代码 uscc", "姓名 name", "身份证号码 id_number",
		"电话 phone", "本金（元）principal", "利息（元）interest", "说明 statement", "状态 status", "理由 reason", "申报时间 filed_at", "证据 evidence"}}
	for _, r := range rows {
		files := make([]string, len(r.Attachments))
		for i, a := range r.Attachments {
			files[i] = a.Name + " sha256:" + a.SHA256
		}
		records = append(records, []string{r.Receipt, r.Institution, r.USCC, r.Name, r.IDNumber, r.Phone, yuanOfFen(r.PrincipalFen),
			yuanOfFen(r.InterestFen), r.Statement, r.Status, r.Reason, r.CreatedAt.In(models.ChinaZone).Format("2006-01-02 15:04"), strings.Join(files, "; ")})
	}
	c.Set("Cache-Control", "no-store")
	return sendTable(c, fmt.Sprintf("claims-notice-%d.csv", n.ID), records)
}

// downloadEvidence streams one evidence file of a claim to the office of the notice.
func (s *Server) downloadEvidence(c *fiber.Ctx) error {
	n, err := s.readableNotice(c)
	if err != nil {
		return err
	}
	fid, err := parseID(c.Params("fid"))
	if err != nil {
		return err
	}
	a, err := s.store.ClaimEvidence(c.UserContext(), n.ID, fid)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if err := s.store.LogClaimRead(c.UserContext(), models.ClaimRead{NoticeID: n.ID, ClaimID: a.ClaimID, Action: "file",
		UserID: u.ID, Email: u.Email, Client: c.IP(), ReadAt: s.now()}); err != nil {
		return err
	}
	return s.sendAttachment(c, a, false)
}

// parseID reads a numeric route parameter other than :id; anything else is 404.
func parseID(v string) (uint64, error) {
	var id uint64
	if _, err := fmt.Sscan(v, &id); err != nil || id == 0 || fmt.Sprint(id) != v {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}
