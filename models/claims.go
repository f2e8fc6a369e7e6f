package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Claim statuses: received when filed, then the office's decision.
const (
	ClaimReceived  = "received"
	ClaimVerified  = "verified"
	ClaimRejected  = "rejected"
	ClaimDuplicate = "duplicate"
)

// ClaimStatuses lists every status of a claim.
var ClaimStatuses = []string{ClaimReceived, ClaimVerified, ClaimRejected, ClaimDuplicate}

// MaxClaimFen bounds a claimed amount: 10 billion yuan, far above any one lender's debt.
const MaxClaimFen = 1_000_000_000_000

// Claim is an investor's claim of a debt (主张债权) against an institution listed on a notice.
// Name, ID number, phone and statement are sealed (AES-256-GCM); IDHash is a keyed hash of the ID
// number that finds duplicates without revealing it.
type Claim struct {
	ID                  uint64       `gorm:"primaryKey"`
	Receipt             string       `gorm:"size:20;uniqueIndex"`
	NoticeID            uint64       `gorm:"index"`
	NoticeInstitutionID uint64       `gorm:"index"`
	InstitutionID       uint64       `gorm:"index"`
	USCC                string       `gorm:"column:uscc;size:18"`
	NameSealed          string       `gorm:"type:text"`
	IDNumberSealed      string       `gorm:"column:id_number_sealed;type:text"`
	PhoneSealed         string       `gorm:"type:text"`
	StatementSealed     string       `gorm:"type:text"`
	IDHash              string       `gorm:"column:id_hash;size:64;index"`
	PrincipalFen        int64        `gorm:""`
	InterestFen         int64        `gorm:""`
	Status              string       `gorm:"size:12;index"`
	Reason              string       `gorm:"type:text"`
	DuplicateOf         *uint64      `gorm:""`
	DecidedBy           string       `gorm:"size:254"`
	DecidedAt           *time.Time   `gorm:""`
	PurgedAt            *time.Time   `gorm:""` // personal data and evidence deleted after the retention period
	CreatedAt           time.Time    `gorm:"index"`
	Attachments         []Attachment `gorm:"foreignKey:ClaimID"`
}

// ClaimRead is one read of claims with their personal data as recorded before the audit trail
// (AuditEntry) took its place; kept for the rows written then.
type ClaimRead struct {
	ID       uint64    `gorm:"primaryKey"`
	NoticeID uint64    `gorm:"index"`
	ClaimID  *uint64   `gorm:""`
	Action   string    `gorm:"size:16"` // list, export, file
	UserID   uint64    `gorm:"index"`
	Email    string    `gorm:"size:254"`
	Client   string    `gorm:"size:64"`
	ReadAt   time.Time `gorm:"index"`
}

// Claimant is a claim's personal data in clear, for the office of the notice only.
type Claimant struct {
	Name, IDNumber, Phone, Statement string
}

// NewClaim is a claim as an investor files it.
type NewClaim struct {
	USCC                  string
	Name, IDNumber, Phone string
	Statement             string
	PrincipalFen          int64
	InterestFen           int64
	Evidence              []Attachment // stored blobs, written with the claim
}

// ClaimClosedError refuses a claim on a notice that is not open; Deadline is set when the window
// has passed.
type ClaimClosedError struct {
	Status   NoticeStatus
	Deadline *time.Time
}

func (e *ClaimClosedError) Error() string {
	return "models: the notice takes no claims (" + string(e.Status) + ")"
}

var phonePattern = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$`)

// receiptAlphabet has no characters that read alike (0/O, 1/I/L).
const receiptAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newReceipt makes a receipt number such as K7M2-Q9HX-4TNC.
func newReceipt() string {
	b := make([]byte, 12)
	rand.Read(b)
	var out strings.Builder
	for i, v := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(receiptAlphabet[int(v)%len(receiptAlphabet)])
	}
	return out.String()
}

// NormalizeReceipt upper-cases a typed receipt number and restores its dashes.
func NormalizeReceipt(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
	r := []rune(s) // by characters: a typed receipt may hold any (and cutting bytes broke UTF-8)
	if len(r) != 12 {
		return s
	}
	return string(r[:4]) + "-" + string(r[4:8]) + "-" + string(r[8:])
}

// checkClaim validates a claim's fields and returns the canonical ID number.
func checkClaim(nc *NewClaim) (FieldErrors, string) {
	fe := FieldErrors{}
	nc.Name = strings.TrimSpace(nc.Name)
	if n := utf8.RuneCountInString(nc.Name); n < 2 || n > 50 || strings.ContainsFunc(nc.Name, unicode.IsControl) {
		fe.Add("name", CodeClaimantName)
	}
	id, err := ParseResidentID(nc.IDNumber)
	if err != nil {
		fe.Add("id_number", CodeResidentID, residentIDArgs(err))
	}
	nc.Phone = strings.ReplaceAll(strings.TrimSpace(nc.Phone), " ", "")
	if !phonePattern.MatchString(nc.Phone) {
		fe.Add("phone", CodePhone)
	}
	switch {
	case nc.PrincipalFen <= 0:
		fe.Add("principal", CodePositive)
	case nc.PrincipalFen > MaxClaimFen:
		fe.Add("principal", CodeMaxClaimAmount)
	}
	switch {
	case nc.InterestFen < 0:
		fe.Add("interest", CodeNotNegative)
	case nc.InterestFen > MaxClaimFen:
		fe.Add("interest", CodeMaxClaimAmount)
	}
	nc.Statement = strings.TrimSpace(nc.Statement)
	if utf8.RuneCountInString(nc.Statement) > 2000 || !utf8.ValidString(nc.Statement) {
		fe.Add("statement", CodeTooLong, Args{"max": 2000})
	}
	return fe, id
}

// Check returns what is wrong with the claim's own fields (not whether its notice takes it), so a
// form can say every problem in one round.
func (nc NewClaim) Check() FieldErrors {
	fe, _ := checkClaim(&nc)
	return fe
}

// ClaimByReceipt finds a claim by its receipt number alone: for the claimant's own browser right after
// filing (the caller proves that), never for a lookup by a stranger (see ClaimStatus).
func (s *Store) ClaimByReceipt(ctx context.Context, receipt string) (Claim, error) {
	var c Claim
	err := s.db.WithContext(ctx).Preload("Attachments").Where("receipt = ?", NormalizeReceipt(receipt)).Take(&c).Error
	return c, notFound(err, "claim by receipt")
}

// FileClaim records a claim against an institution listed on an open notice. A second claim with
// the same ID number on the same institution and notice is recorded with status duplicate, pointing
// at the first, so that the claimant still gets a receipt and the office sees both.
func (s *Store) FileClaim(ctx context.Context, sl *Sealer, noticeID uint64, nc NewClaim, now time.Time) (Claim, error) {
	n, err := s.NoticeByID(ctx, noticeID)
	if err != nil {
		return Claim{}, err
	}
	if !n.AcceptsClaims(now) {
		return Claim{}, &ClaimClosedError{Status: n.Status(now), Deadline: n.Deadline}
	}
	fe, id := checkClaim(&nc)
	var listed *NoticeInstitution
	uscc, _, _ := ParseUSCC(nc.USCC)
	for i := range n.Institutions {
		if n.Institutions[i].USCC == uscc {
			listed = &n.Institutions[i]
		}
	}
	if listed == nil {
		fe.Add("institution", CodeNotOnNotice)
	}
	if len(fe) > 0 {
		return Claim{}, fe
	}
	c := Claim{Receipt: newReceipt(), NoticeID: n.ID, NoticeInstitutionID: listed.ID, InstitutionID: listed.InstitutionID,
		USCC: listed.USCC, NameSealed: sl.Seal("claim.name", nc.Name), IDNumberSealed: sl.Seal("claim.id_number", id),
		PhoneSealed: sl.Seal("claim.phone", nc.Phone), StatementSealed: sl.Seal("claim.statement", nc.Statement),
		IDHash: sl.Hash("claim.id_number", id), PrincipalFen: nc.PrincipalFen, InterestFen: nc.InterestFen,
		Status: ClaimReceived, CreatedAt: now}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		var first Claim
		// Under every key of the ring: during a rotation a first claim may still carry a former hash.
		if err := tx.Where("notice_institution_id = ? AND id_hash IN ? AND status <> ?", listed.ID, sl.Hashes("claim.id_number", id), ClaimDuplicate).
			Order("created_at, id").Limit(1).Find(&first).Error; err != nil {
			return err
		}
		if first.ID != 0 {
			c.Status, c.DuplicateOf = ClaimDuplicate, &first.ID
		}
		if err := tx.Omit("Attachments").Create(&c).Error; err != nil {
			return err
		}
		for _, a := range nc.Evidence {
			a.ClaimID, a.CreatedAt = &c.ID, now
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
			c.Attachments = append(c.Attachments, a)
		}
		return nil
	})
	return c, notFound(err, "file claim")
}

// ClaimStatus finds a claim by its receipt number for the claimant, who proves it is theirs with the
// last four characters of the ID number. Anything else is ErrNotFound, so receipts cannot be probed.
func (s *Store) ClaimStatus(ctx context.Context, sl *Sealer, receipt, last4 string) (Claim, error) {
	var c Claim
	err := s.db.WithContext(ctx).Where("receipt = ?", NormalizeReceipt(receipt)).Take(&c).Error
	if err != nil {
		return Claim{}, notFound(err, "claim by receipt")
	}
	id, err := sl.Open("claim.id_number", c.IDNumberSealed)
	last4 = strings.ToUpper(strings.TrimSpace(last4))
	if err != nil || len(last4) != 4 || subtle.ConstantTimeCompare([]byte(id[len(id)-4:]), []byte(last4)) != 1 {
		return Claim{}, fmt.Errorf("models: claim by receipt: %w", ErrNotFound)
	}
	return c, nil
}

// Claimant decrypts a claim's personal data; a purged claim has none left (all fields empty).
func (c Claim) Claimant(sl *Sealer) (Claimant, error) {
	var p Claimant
	var err error
	if c.PurgedAt != nil {
		return p, nil
	}
	for _, f := range []struct {
		purpose, sealed string
		dst             *string
	}{{"claim.name", c.NameSealed, &p.Name}, {"claim.id_number", c.IDNumberSealed, &p.IDNumber},
		{"claim.phone", c.PhoneSealed, &p.Phone}, {"claim.statement", c.StatementSealed, &p.Statement}} {
		if *f.dst, err = sl.Open(f.purpose, f.sealed); err != nil {
			return Claimant{}, fmt.Errorf("models: claim %d: %w", c.ID, err)
		}
	}
	return p, nil
}

// ClaimsOf lists the claims on a notice in the order they were filed, with their evidence.
func (s *Store) ClaimsOf(ctx context.Context, noticeID uint64) ([]Claim, error) {
	var out []Claim
	err := s.db.WithContext(ctx).Preload("Attachments").Where("notice_id = ?", noticeID).Order("created_at, id").Find(&out).Error
	return out, notFound(err, "claims of notice")
}

// ClaimCounts counts the standing claims (received or verified) per listed institution of a notice,
// keyed by NoticeInstitution.ID. Duplicates and rejected claims do not count.
func (s *Store) ClaimCounts(ctx context.Context, noticeIDs ...uint64) (map[uint64]int64, error) {
	out := map[uint64]int64{}
	if len(noticeIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		NoticeInstitutionID uint64
		N                   int64
	}
	err := s.db.WithContext(ctx).Model(&Claim{}).Select("notice_institution_id, COUNT(*) AS n").
		Where("notice_id IN ? AND status IN ?", noticeIDs, []string{ClaimReceived, ClaimVerified}).
		Group("notice_institution_id").Scan(&rows).Error
	for _, r := range rows {
		out[r.NoticeInstitutionID] = r.N
	}
	return out, notFound(err, "count claims")
}

// DecideClaim records the office's decision on a claim of notice noticeID: verified, rejected (a
// reason is required) or duplicate.
func (s *Store) DecideClaim(ctx context.Context, noticeID, claimID uint64, status, reason, actor string, now time.Time) (Claim, error) {
	reason = strings.TrimSpace(reason)
	fe := FieldErrors{}
	if !OneOf(status, []string{ClaimVerified, ClaimRejected, ClaimDuplicate}) {
		fe.Add("status", CodeOneOf, Args{"values": []string{ClaimVerified, ClaimRejected, ClaimDuplicate}, "vocabulary": "claim_status"})
	}
	if status == ClaimRejected && reason == "" {
		fe.Add("reason", CodeRejectionReason)
	}
	if utf8.RuneCountInString(reason) > 1000 {
		fe.Add("reason", CodeTooLong, Args{"max": 1000})
	}
	if len(fe) > 0 {
		return Claim{}, fe
	}
	var c Claim
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND notice_id = ?", claimID, noticeID).Take(&c).Error; err != nil {
			return err
		}
		c.Status, c.Reason, c.DecidedBy, c.DecidedAt = status, reason, actor, &now
		return tx.Model(&Claim{}).Where("id = ?", c.ID).Updates(map[string]any{
			"status": status, "reason": reason, "decided_by": actor, "decided_at": now}).Error
	})
	return c, notFound(err, fmt.Sprintf("decide claim %d", claimID))
}

// ClaimEvidence loads one evidence file of a claim of notice noticeID.
func (s *Store) ClaimEvidence(ctx context.Context, noticeID, attachmentID uint64) (Attachment, error) {
	var a Attachment
	sub := s.db.Model(&Claim{}).Select("id").Where("notice_id = ?", noticeID)
	err := s.db.WithContext(ctx).Where("id = ? AND claim_id IN (?)", attachmentID, sub).Take(&a).Error
	return a, notFound(err, "claim evidence")
}
