package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// Claims are public: anyone may claim a debt against an institution listed on an open notice, with
// no account. Personal data is sealed before it is written (models.Sealer) and never logged. A second
// claim with the same ID number against the same institution on the same notice is accepted with
// status "duplicate" (the claimant still gets a receipt; the office sees both).

// The claim limits per client address and process, loopback included (they stand apart from the
// API's limits, which spare loopback clients): claimsPerMinute claims, not counting those refused as
// invalid (422), which have an allowance of invalidClaimsPerMinute of their own.
const (
	claimsPerMinute        = 10
	invalidClaimsPerMinute = 30
)

// sealer derives the personal-data keys from PILU_SECRET (sealing and reading) and from
// PILU_SECRET_PREVIOUS (reading only, until `pilu keys rotate` has re-sealed everything).
func (s *Server) sealer() *models.Sealer {
	return models.NewSealer(s.cfg.Secret, s.cfg.SecretPrevious...)
}

// claimUploads are the evidence limits: the same as a disclosure's attachments.
func (s *Server) claimUploads() uploadLimits {
	return uploadLimits{MaxFiles: s.cfg.MaxFiles, MaxFileSize: int64(s.cfg.MaxFileMB) << 20, Encrypt: true}
}

// claimJSON is the claim answer of the contract.
type claimJSON struct {
	Receipt string `json:"receipt"`
	Status  string `json:"status"`
}

// claimRequest is a claim as the API receives it: JSON, or multipart fields of the same names with
// evidence as "files" parts. Amounts are integer fen.
type claimRequest struct {
	Institution string `json:"institution"`
	Name        string `json:"name"`
	IDNumber    string `json:"id_number"`
	Phone       string `json:"phone"`
	Principal   int64  `json:"principal"`
	Interest    int64  `json:"interest"`
	Statement   string `json:"statement"`
}

// claimClosed answers a claim on a notice that takes none: drafts are not public (404); after the
// window the deadline is named (409).
func (s *Server) claimClosed(c *fiber.Ctx, err error) error {
	var cc *models.ClaimClosedError
	if !errors.As(err, &cc) {
		return err
	}
	if cc.Status == models.NoticeDraft {
		return fiber.ErrNotFound
	}
	msg := s.views.t(s.lang(c), "claim.closed_"+string(cc.Status))
	if cc.Deadline != nil {
		msg += " " + s.views.t(s.lang(c), "claim.deadline_was", formatDateTime(s.lang(c), *cc.Deadline))
	}
	return &apiError{Status: 409, Code: "claims_closed", Message: msg}
}

func (s *Server) apiFileClaim(c *fiber.Ctx) error {
	id, err := idOf(c)
	if err != nil {
		return err
	}
	var r claimRequest
	var files []models.Attachment
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), "multipart/") {
		mf, err := s.readMultipart(c, s.claimUploads())
		if err != nil {
			return err
		}
		files = mf.Files
		v := mf.Fields
		r = claimRequest{Institution: v["institution"], Name: v["name"], IDNumber: v["id_number"], Phone: v["phone"], Statement: v["statement"]}
		fe := models.FieldErrors{}
		for name, dst := range map[string]*int64{"principal": &r.Principal, "interest": &r.Interest} {
			if v[name] == "" {
				continue
			}
			if *dst, err = strconv.ParseInt(v[name], 10, 64); err != nil {
				fe.Add(name, models.CodeFen)
			}
		}
		if len(fe) > 0 {
			s.deleteBlobs(files)
			return fe
		}
	} else {
		if err := bindJSON(c, &r); err != nil {
			return err
		}
	}
	cl, err := s.store.FileClaim(c.UserContext(), s.sealer(), id, models.NewClaim{USCC: r.Institution, Name: r.Name,
		IDNumber: r.IDNumber, Phone: r.Phone, Statement: r.Statement, PrincipalFen: r.Principal, InterestFen: r.Interest,
		Evidence: files}, s.now())
	if err != nil {
		s.deleteBlobs(files)
		return s.claimClosed(c, err)
	}
	return c.Status(201).JSON(claimJSON{Receipt: cl.Receipt, Status: cl.Status})
}

// claimForm is the claim form as the investor typed it, with what is wrong.
type claimForm struct {
	Notice                         models.Notice
	Listed                         models.NoticeInstitution
	Name, IDNumber, Phone          string
	Principal, Interest, Statement string
	Errors                         map[string]string
	MaxFiles, MaxFileMB            int
	LostFiles                      []string // evidence chosen for a refused claim: to be chosen again
}

// claimTarget loads a public notice and the listed institution a claim is for.
func (s *Server) claimTarget(c *fiber.Ctx, uscc string) (models.Notice, models.NoticeInstitution, error) {
	id, err := idOf(c)
	if err != nil {
		return models.Notice{}, models.NoticeInstitution{}, err
	}
	n, err := s.store.NoticeByID(c.UserContext(), id)
	if err != nil {
		return n, models.NoticeInstitution{}, err
	}
	if now := s.now(); !n.AcceptsClaims(now) {
		return n, models.NoticeInstitution{}, s.claimClosed(c, &models.ClaimClosedError{Status: n.Status(now), Deadline: n.Deadline})
	}
	uscc, _, _ = models.ParseUSCC(uscc)
	for _, li := range n.Institutions {
		if li.USCC == uscc {
			return n, li, nil
		}
	}
	return n, models.NoticeInstitution{}, fiber.ErrNotFound
}

func (s *Server) newClaimForm(c *fiber.Ctx) error {
	n, li, err := s.claimTarget(c, c.Query("institution"))
	if err != nil {
		return err
	}
	f := claimForm{Notice: n, Listed: li, MaxFiles: s.cfg.MaxFiles, MaxFileMB: s.cfg.MaxFileMB}
	return s.render(c, "claim_form", pageData{Title: "claim.title", Data: f})
}

func (s *Server) fileClaim(c *fiber.Ctx) error {
	mf, err := s.readMultipart(c, s.claimUploads())
	if err != nil {
		return err
	}
	v := mf.Fields
	n, li, err := s.claimTarget(c, v["institution"])
	if err != nil {
		s.deleteBlobs(mf.Files)
		return err
	}
	f := claimForm{Notice: n, Listed: li, Name: v["name"], IDNumber: v["id_number"], Phone: v["phone"],
		Principal: v["principal"], Interest: v["interest"], Statement: v["statement"], Errors: map[string]string{},
		MaxFiles: s.cfg.MaxFiles, MaxFileMB: s.cfg.MaxFileMB}
	nc := models.NewClaim{USCC: li.USCC, Name: f.Name, IDNumber: f.IDNumber, Phone: f.Phone, Statement: f.Statement, Evidence: mf.Files}
	var ok bool
	if nc.PrincipalFen, ok = fenOfYuan(f.Principal); !ok {
		f.Errors["principal"] = s.views.t(s.lang(c), "claim.amount_format")
	}
	if f.Interest == "" {
		f.Interest = "0"
	}
	if nc.InterestFen, ok = fenOfYuan(f.Interest); !ok {
		f.Errors["interest"] = s.views.t(s.lang(c), "claim.amount_format")
	}
	var cl models.Claim
	if len(f.Errors) == 0 {
		cl, err = s.store.FileClaim(c.UserContext(), s.sealer(), n.ID, nc, s.now())
	} else {
		err = nc.Check() // every other problem too, so the claimant corrects the form in one round
	}
	if err != nil {
		s.deleteBlobs(mf.Files)
		var fe models.FieldErrors
		if !errors.As(err, &fe) {
			return s.claimClosed(c, err)
		}
		for _, a := range mf.Files {
			f.LostFiles = append(f.LostFiles, a.Name)
		}
		for k, msg := range s.fieldMessages(s.lang(c), fe) {
			if _, set := f.Errors[k]; !set {
				f.Errors[k] = msg
			}
		}
		return s.render(c.Status(422), "claim_form", pageData{Title: "claim.title", Data: f})
	}
	// Post/redirect/get: a reload of the receipt shows it again instead of filing a second claim.
	return c.Redirect("/claims/receipt/"+cl.Receipt+"?sig="+s.receiptSignature(c, cl.Receipt), fiber.StatusSeeOther)
}

// receiptSignature ties a receipt's page to the browser that filed the claim (its CSRF cookie,
// under PILU_SECRET): a receipt number alone never opens it.
func (s *Server) receiptSignature(c *fiber.Ctx, receipt string) string {
	s.csrfToken(c) // makes sure the browser has its cookie
	v := c.Cookies(csrfCookie)
	if cached, ok := c.Locals(csrfCookie).(string); ok {
		v = cached
	}
	m := hmac.New(sha256.New, []byte(s.cfg.Secret))
	m.Write([]byte("claim-receipt:" + models.NormalizeReceipt(receipt) + ":" + v))
	return hex.EncodeToString(m.Sum(nil))
}

// showClaimReceipt is the receipt page the claimant's browser is sent to after filing; another
// browser, or a wrong signature, gets 404.
func (s *Server) showClaimReceipt(c *fiber.Ctx) error {
	receipt := c.Params("receipt")
	if !hmac.Equal([]byte(c.Query("sig")), []byte(s.receiptSignature(c, receipt))) {
		return fiber.ErrNotFound
	}
	cl, err := s.store.ClaimByReceipt(c.UserContext(), receipt)
	if err != nil {
		return err
	}
	n, err := s.store.NoticeByID(c.UserContext(), cl.NoticeID)
	if err != nil {
		return err
	}
	var li models.NoticeInstitution
	for _, x := range n.Institutions {
		if x.ID == cl.NoticeInstitutionID {
			li = x
		}
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return s.render(c, "claim_receipt", pageData{Title: "claim.receipt_title",
		Data: claimReceipt{Claim: cl, Notice: n, Listed: li, FiledAt: cl.CreatedAt}})
}

// claimReceipt is what the claimant sees after filing: the receipt number, printable.
type claimReceipt struct {
	Claim   models.Claim
	Notice  models.Notice
	Listed  models.NoticeInstitution
	FiledAt time.Time
}

// claimStatusPage is the status lookup: receipt and the last four characters of the ID number.
type claimStatusPage struct {
	Receipt, Last4 string
	Claim          *models.Claim
	NotFound       bool
}

func (s *Server) showClaimStatus(c *fiber.Ctx) error {
	return s.render(c, "claim_status", pageData{Title: "claim.status_title", Data: claimStatusPage{}})
}

func (s *Server) lookupClaimStatus(c *fiber.Ctx) error {
	p := claimStatusPage{Receipt: strings.TrimSpace(c.FormValue("receipt")), Last4: strings.TrimSpace(c.FormValue("last4"))}
	cl, err := s.store.ClaimStatus(c.UserContext(), s.sealer(), p.Receipt, p.Last4)
	switch {
	case errors.Is(err, models.ErrNotFound):
		p.NotFound = true
		c.Status(404)
	case err != nil:
		return err
	default:
		p.Claim = &cl
	}
	return s.render(c, "claim_status", pageData{Title: "claim.status_title", Data: p})
}

func (s *Server) apiClaimStatus(c *fiber.Ctx) error {
	var r struct {
		Receipt string `json:"receipt"`
		Last4   string `json:"last4"`
	}
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	cl, err := s.store.ClaimStatus(c.UserContext(), s.sealer(), r.Receipt, r.Last4)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"receipt": cl.Receipt, "status": cl.Status, "reason": cl.Reason, "filed_at": cl.CreatedAt.In(models.ChinaZone).Format(time.RFC3339)})
}
