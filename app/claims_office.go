package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// officeClaimRow is one claim for the office of the notice: its personal data masked (as the public
// side masks it) unless the row was revealed on purpose.
type officeClaimRow struct {
	models.Claim
	models.Claimant
	Institution string
	Masked      bool
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

// officeClaims decrypts the claims of a notice and masks their ID numbers, phones and names unless
// full is set; the caller records a full read in the audit trail before anything leaves.
func (s *Server) officeClaims(c *fiber.Ctx, n models.Notice, full bool) ([]officeClaimRow, error) {
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
		if !full {
			p = p.Masked()
		}
		out[i] = officeClaimRow{Claim: cl, Claimant: p, Institution: names[cl.NoticeInstitutionID], Masked: !full}
	}
	return out, nil
}

// officeClaimsPage is the office's list of claims on one notice, masked; Revealed is the one claim
// shown in full after a stated reason, RevealErrors what was wrong with a reveal request.
type officeClaimsPage struct {
	Notice       models.Notice
	Rows         []officeClaimRow
	Reads        []models.AuditEntry
	Statuses     []string
	Error        string
	Revealed     *officeClaimRow
	RevealFor    uint64 // the claim whose reveal form failed
	RevealErrors map[string]string
	TransferErr  map[string]string
}

func (s *Server) listOfficeClaims(c *fiber.Ctx) error {
	n, err := s.readableNotice(c)
	if err != nil {
		return err
	}
	return s.renderOfficeClaims(c, n, officeClaimsPage{})
}

// renderOfficeClaims renders the claims page of notice n with the masked rows and the latest audit
// entries on the notice and its claims; p carries a revealed claim or the errors of a form.
func (s *Server) renderOfficeClaims(c *fiber.Ctx, n models.Notice, p officeClaimsPage) error {
	rows, err := s.officeClaims(c, n, false)
	if err != nil {
		return err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = strconv.FormatUint(r.Claim.ID, 10)
	}
	reads, err := s.store.AuditOfClaims(c.UserContext(), strconv.FormatUint(n.ID, 10), ids, 50)
	if err != nil {
		return err
	}
	p.Notice, p.Rows, p.Reads = n, rows, reads
	p.Statuses = []string{models.ClaimVerified, models.ClaimRejected, models.ClaimDuplicate}
	c.Set("Cache-Control", "no-store")
	return s.render(c, "office_notice_claims", pageData{Title: "oclaims.title", Data: p})
}

// officeClaimJSON is a claim in the office's API answer; masked unless revealed.
type officeClaimJSON struct {
	ID          uint64           `json:"id"`
	Receipt     string           `json:"receipt"`
	Institution string           `json:"institution"`
	Name        string           `json:"name"`
	IDNumber    string           `json:"id_number"`
	Phone       string           `json:"phone"`
	Masked      bool             `json:"masked"`
	Purged      bool             `json:"purged"`
	Principal   int64            `json:"principal"`
	Interest    int64            `json:"interest"`
	Statement   string           `json:"statement"`
	Status      string           `json:"status"`
	Reason      string           `json:"reason,omitempty"`
	DuplicateOf *uint64          `json:"duplicate_of"`
	FiledAt     string           `json:"filed_at"`
	Evidence    []attachmentJSON `json:"evidence"`
}

// claimJSONOf is the API form of a claim row.
func (s *Server) claimJSONOf(n models.Notice, r officeClaimRow) officeClaimJSON {
	out := officeClaimJSON{ID: r.Claim.ID, Receipt: r.Receipt, Institution: r.USCC, Name: r.Name, IDNumber: r.IDNumber,
		Phone: r.Phone, Masked: r.Masked, Purged: r.PurgedAt != nil, Principal: r.PrincipalFen, Interest: r.InterestFen, Statement: r.Statement,
		Status: r.Status, Reason: r.Reason, DuplicateOf: r.DuplicateOf, FiledAt: r.CreatedAt.In(models.ChinaZone).Format(time.RFC3339),
		Evidence: []attachmentJSON{}}
	for _, a := range r.Attachments {
		out.Evidence = append(out.Evidence, attachmentJSON{Name: a.Name, Size: a.Size, SHA256: a.SHA256, ContentType: a.ContentType,
			URL: fmt.Sprintf("%s/office/notices/%d/evidence/%d", s.cfg.BaseURL, n.ID, a.ID)})
	}
	return out
}

func (s *Server) apiListClaims(c *fiber.Ctx) error {
	n, err := s.readableNotice(c)
	if err != nil {
		return err
	}
	rows, err := s.officeClaims(c, n, false)
	if err != nil {
		return err
	}
	out := make([]officeClaimJSON, len(rows))
	for i, r := range rows {
		out[i] = s.claimJSONOf(n, r)
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(listAnswer{Items: out, Total: int64(len(out)), Page: 1, PerPage: len(out)})
}

// revealOf checks the stated reason, records the reveal of one claim of the readable notice in the
// audit trail and returns the claim in full. A missing or too short reason is a 422 in the reader's
// language, and nothing is revealed or recorded.
func (s *Server) revealOf(c *fiber.Ctx, reason string) (models.Notice, officeClaimRow, error) {
	cid, err := parseID(c.Params("cid"))
	if err != nil {
		return models.Notice{}, officeClaimRow{}, err
	}
	n, rows, reason, err := s.claimsInFull(c, reason)
	if err != nil {
		return n, officeClaimRow{}, err
	}
	for _, r := range rows {
		if r.Claim.ID == cid {
			e := s.auditEntry(c, models.AuditClaimReveal, "claim", strconv.FormatUint(cid, 10))
			e.Province, e.Detail = n.Province, reason
			return n, r, s.audit(c, e)
		}
	}
	return n, officeClaimRow{}, fiber.ErrNotFound
}

// claimsInFull loads the readable notice's claims unmasked once the stated reason passes
// models.CheckAccessReason (returned trimmed); a missing or too short reason is a 422 in the
// reader's language, and nothing is loaded. The caller records what it shows in the audit trail.
func (s *Server) claimsInFull(c *fiber.Ctx, reason string) (models.Notice, []officeClaimRow, string, error) {
	n, err := s.readableNotice(c)
	if err != nil {
		return n, nil, "", err
	}
	reason, ok := models.CheckAccessReason(reason)
	if !ok {
		return n, nil, "", models.Invalid("reason", models.CodeAccessReason)
	}
	rows, err := s.officeClaims(c, n, true)
	return n, rows, reason, err
}

// revealClaim is the form that shows one claim in full after a stated reason.
func (s *Server) revealClaim(c *fiber.Ctx) error {
	n, row, err := s.revealOf(c, c.FormValue("reason"))
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		cid, _ := parseID(c.Params("cid"))
		return s.renderOfficeClaims(c.Status(422), n, officeClaimsPage{RevealFor: cid, RevealErrors: s.fieldMessages(s.lang(c), fe)})
	}
	if err != nil {
		return err
	}
	return s.renderOfficeClaims(c, n, officeClaimsPage{Revealed: &row})
}

func (s *Server) apiRevealClaim(c *fiber.Ctx) error {
	var r struct {
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	n, row, err := s.revealOf(c, r.Reason)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(s.claimJSONOf(n, row))
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

// claimRecords are the rows of a claims CSV: a header, then one row per claim.
func claimRecords(rows []officeClaimRow) [][]string {
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
	return records
}

// exportClaims sends the office's claim export, masked like the list: CSV with a UTF-8 BOM (so that
// Excel reads the Chinese), every cell that a spreadsheet would run as a formula neutralised. The
// export is recorded in the audit trail.
func (s *Server) exportClaims(c *fiber.Ctx) error {
	n, err := s.readableNotice(c)
	if err != nil {
		return err
	}
	rows, err := s.officeClaims(c, n, false)
	if err != nil {
		return err
	}
	e := s.auditEntry(c, models.AuditClaimsExport, "notice", strconv.FormatUint(n.ID, 10))
	e.Province, e.Detail = n.Province, fmt.Sprintf("%d claims, masked", len(rows))
	if err := s.audit(c, e); err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return sendTable(c, fmt.Sprintf("claims-notice-%d.csv", n.ID), claimRecords(rows))
}

// transferExportOf records the full export of a notice's claims for transfer to the police (移送)
// with its stated reason, and returns the rows in full. Without a reason nothing leaves (422).
func (s *Server) transferExportOf(c *fiber.Ctx, reason string) (models.Notice, []officeClaimRow, error) {
	n, rows, reason, err := s.claimsInFull(c, reason)
	if err != nil {
		return n, nil, err
	}
	e := s.auditEntry(c, models.AuditClaimsTransfer, "notice", strconv.FormatUint(n.ID, 10))
	e.Province, e.Detail = n.Province, fmt.Sprintf("%d claims in full: %s", len(rows), reason)
	return n, rows, s.audit(c, e)
}

// exportClaimsForTransfer is the form of the full export for the police: a CSV of every claim in full.
func (s *Server) exportClaimsForTransfer(c *fiber.Ctx) error {
	n, rows, err := s.transferExportOf(c, c.FormValue("reason"))
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return s.renderOfficeClaims(c.Status(422), n, officeClaimsPage{TransferErr: s.fieldMessages(s.lang(c), fe)})
	}
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return sendTable(c, fmt.Sprintf("claims-notice-%d-transfer.csv", n.ID), claimRecords(rows))
}

// apiExportClaimsForTransfer is the API's full export for the police: every claim of the notice in
// full, after a stated reason.
func (s *Server) apiExportClaimsForTransfer(c *fiber.Ctx) error {
	var r struct {
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	n, rows, err := s.transferExportOf(c, r.Reason)
	if err != nil {
		return err
	}
	out := make([]officeClaimJSON, len(rows))
	for i, row := range rows {
		out[i] = s.claimJSONOf(n, row)
	}
	c.Set("Cache-Control", "no-store")
	return c.JSON(listAnswer{Items: out, Total: int64(len(out)), Page: 1, PerPage: len(out)})
}

// downloadEvidence streams one evidence file of a claim to the office of the notice, recorded in the
// audit trail first.
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
	e := s.auditEntry(c, models.AuditClaimEvidence, "claim", claimIDOf(a))
	e.Province, e.Detail = n.Province, fmt.Sprintf("file %d", a.ID)
	if err := s.audit(c, e); err != nil {
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

// claimIDOf names the claim of an evidence file.
func claimIDOf(a models.Attachment) string {
	if a.ClaimID == nil {
		return ""
	}
	return strconv.FormatUint(*a.ClaimID, 10)
}
