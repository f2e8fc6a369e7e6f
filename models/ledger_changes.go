package models

import (
	"context"
	"fmt"
)

// MaxChangesPage is the most ledger entries one read of the change stream returns.
const MaxChangesPage = 1000

// LedgerAfter returns up to limit ledger entries after seq after, in ledger order (oldest first):
// the change stream a client reads page by page, resuming from the last seq it has seen. limit is
// kept within 1..MaxChangesPage.
func (s *Store) LedgerAfter(ctx context.Context, after uint64, limit int) ([]LedgerEntry, error) {
	limit = min(max(limit, 1), MaxChangesPage)
	var out []LedgerEntry
	err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(limit).Find(&out).Error
	return out, notFound(err, "ledger after")
}

// DecisionLedgerHash is the content hash the ledger holds for class decision d of the institution
// with uscc, given the hash its entry recorded: DecisionHash, or for a decision written before
// migration 9 the legacy hash that covered the deciding account, when that is what was recorded.
// The account stays private: only whether the recorded hash matches is used.
func DecisionLedgerHash(uscc string, d Decision, recorded string) string {
	h := DecisionHash(uscc, d)
	if h != recorded && legacyDecisionHash(uscc, d) == recorded {
		return recorded
	}
	return h
}

// DecisionByID loads one class decision with the institution it concerns.
func (s *Store) DecisionByID(ctx context.Context, id uint64) (Decision, Institution, error) {
	var d Decision
	if err := s.db.WithContext(ctx).Take(&d, id).Error; err != nil {
		return d, Institution{}, notFound(err, fmt.Sprintf("decision %d", id))
	}
	in, err := s.InstitutionByID(ctx, d.InstitutionID)
	return d, in, err
}

// ListedInstitutionByID loads one institution as listed on a notice, with its recorded outcome.
func (s *Store) ListedInstitutionByID(ctx context.Context, id uint64) (NoticeInstitution, error) {
	var li NoticeInstitution
	err := s.db.WithContext(ctx).Take(&li, id).Error
	return li, notFound(err, fmt.Sprintf("listed institution %d", id))
}

// CalendarYearOf loads the imported official calendar of year.
func (s *Store) CalendarYearOf(ctx context.Context, year int) (CalendarYear, error) {
	var y CalendarYear
	err := s.db.WithContext(ctx).Where("year = ?", year).Take(&y).Error
	return y, notFound(err, fmt.Sprintf("calendar year %d", year))
}
