package models

import (
	"context"
	"fmt"
)

// ShortHashLen is how many hex digits of a content SHA-256 a printed short address carries
// (/v/{prefix}): 64 bits, so that at a million published records two share one only by a chance
// of about one in forty million; when they do, the address lists both.
const ShortHashLen = 16

// LedgerEntryOf returns the ledger entry that published record id of kind (LedgerNotice,
// LedgerDisclosure…); ErrNotFound when it was never published.
func (s *Store) LedgerEntryOf(ctx context.Context, kind string, id uint64) (LedgerEntry, error) {
	var out []LedgerEntry
	err := s.db.WithContext(ctx).Where("kind = ? AND record_id = ?", kind, id).Order("seq").Limit(1).Find(&out).Error
	if err == nil && len(out) == 0 {
		return LedgerEntry{}, fmt.Errorf("models: ledger entry of %s %d: %w", kind, id, ErrNotFound)
	}
	if err != nil {
		return LedgerEntry{}, notFound(err, fmt.Sprintf("ledger entry of %s %d", kind, id))
	}
	return out[0], nil
}

// ContentHashesWithPrefix returns the distinct content SHA-256 sums in the ledger that start with
// prefix (lower-case hex), at most 10; a range on the indexed column, so it reads only those rows.
func (s *Store) ContentHashesWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Model(&LedgerEntry{}).Distinct("content_hash").
		Where("content_hash >= ? AND content_hash < ?", prefix, prefix+"g").Order("content_hash").Limit(10).Pluck("content_hash", &out).Error
	return out, notFound(err, "content hashes with prefix "+prefix)
}

// LatestVersionID returns the id of the current version of the disclosure chain that version id
// belongs to (id itself when nothing amends it).
func (s *Store) LatestVersionID(ctx context.Context, id uint64) (uint64, error) {
	var ids []uint64
	db := s.db.WithContext(ctx)
	err := db.Model(&Disclosure{}).Where("root_id = (?)", db.Model(&Disclosure{}).Select("root_id").Where("id = ?", id)).
		Order("version DESC").Limit(1).Pluck("id", &ids).Error
	if err == nil && len(ids) == 0 {
		return 0, fmt.Errorf("models: disclosure %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return 0, notFound(err, fmt.Sprintf("latest version of %d", id))
	}
	return ids[0], nil
}
