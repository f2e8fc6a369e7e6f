package models

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Masked is the claimant with the ID number and phone masked as the public side masks them
// (MaskID, MaskPhone): what the office's lists, API and CSV show by default.
func (p Claimant) Masked() Claimant {
	p.IDNumber, p.Phone = MaskID(p.IDNumber), MaskPhone(p.Phone)
	return p
}

// MinAccessReason and MaxAccessReason bound the reason a clerk states to reveal a claimant's full
// data or to export a notice's claims in full for the police.
const (
	MinAccessReason = 4
	MaxAccessReason = 500
)

// CheckAccessReason trims a stated reason for revealing personal data and reports whether it says
// something: at least MinAccessReason characters, no control characters; a longer one is cut to
// MaxAccessReason.
func CheckAccessReason(reason string) (string, bool) {
	reason = strings.Join(strings.Fields(reason), " ")
	if utf8.RuneCountInString(reason) < MinAccessReason || !utf8.ValidString(reason) {
		return "", false
	}
	return clip(reason, MaxAccessReason), true
}

// AuditOfClaims lists the latest entries of the audit trail on a notice (exports) and on its claims
// (reveals, evidence, decisions), newest first.
func (s *Store) AuditOfClaims(ctx context.Context, noticeID string, claimIDs []string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	q := s.db.WithContext(ctx).Where("record_type = ? AND record_id = ?", "notice", noticeID)
	if len(claimIDs) > 0 {
		q = q.Or("record_type = ? AND record_id IN ?", "claim", claimIDs)
	}
	err := q.Order("seq DESC").Limit(limit).Find(&out).Error
	return out, notFound(err, "audit of claims")
}
