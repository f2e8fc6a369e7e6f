package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// IdempotencyTTL is how long an Idempotency-Key and the answer it stands for are kept.
const IdempotencyTTL = 24 * time.Hour

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 255

// Idempotency errors: the key was used for another request, or its first request is still running.
var (
	ErrIdempotencyMismatch   = errors.New("models: idempotency key used for a different request")
	ErrIdempotencyInProgress = errors.New("models: idempotency key's first request is still in progress")
	ErrIdempotencyUnfinished = errors.New("models: idempotency key's first request never finished")
)

// IdempotencyPending is how long a reservation counts as a request still running; one older was cut
// off (the process stopped after or before its write was committed), so its outcome is unknown.
const IdempotencyPending = 10 * time.Minute

// IdempotencyKey is one client's key for one write and, once the write answered, its answer.
// Owner names the client (an account, or an address for writes without one); Fingerprint is the
// SHA-256 of method, path and body. Status 0 is a reservation whose request is still running.
type IdempotencyKey struct {
	ID          uint64    `gorm:"primaryKey"`
	Owner       string    `gorm:"size:80;not null;uniqueIndex:idx_idem_owner_key"`
	Key         string    `gorm:"column:idem_key;size:255;not null;uniqueIndex:idx_idem_owner_key"`
	Fingerprint string    `gorm:"size:64;not null"`
	Status      int       `gorm:"not null;default:0"`
	ContentType string    `gorm:"size:200"`
	Location    string    `gorm:"size:500"`
	Body        []byte    `gorm:""`
	CreatedAt   time.Time `gorm:"not null;index"`
}

// migrateIdempotency adds the table of Idempotency-Keys with the answers they stand for.
func migrateIdempotency(tx *gorm.DB) error {
	type idempotencyKey struct {
		ID          uint64    `gorm:"primaryKey"`
		Owner       string    `gorm:"size:80;not null;uniqueIndex:idx_idem_owner_key"`
		Key         string    `gorm:"column:idem_key;size:255;not null;uniqueIndex:idx_idem_owner_key"`
		Fingerprint string    `gorm:"size:64;not null"`
		Status      int       `gorm:"not null;default:0"`
		ContentType string    `gorm:"size:200"`
		Location    string    `gorm:"size:500"`
		Body        []byte    `gorm:"type:mediumblob"`
		CreatedAt   time.Time `gorm:"not null;index"`
	}
	return tx.Table("idempotency_keys").Migrator().CreateTable(&idempotencyKey{})
}

// ReserveIdempotencyKey claims key for owner's request with fingerprint. It answers nil and a
// reservation the caller completes (CompleteIdempotencyKey) or releases (ReleaseIdempotencyKey);
// or the stored first answer when the same request came before; ErrIdempotencyMismatch when the key
// was used for another request, ErrIdempotencyInProgress while the first is still running and
// ErrIdempotencyUnfinished once its reservation is older than IdempotencyPending. A key
// older than IdempotencyTTL counts as new.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, owner, key, fingerprint string, now time.Time) (*IdempotencyKey, error) {
	var stored *IdempotencyKey
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var old IdempotencyKey
		err := tx.Where("owner = ? AND idem_key = ?", owner, key).Take(&old).Error
		switch {
		case err == nil && old.CreatedAt.After(now.Add(-IdempotencyTTL)):
			if old.Status == 0 && old.CreatedAt.Before(now.Add(-IdempotencyPending)) {
				return ErrIdempotencyUnfinished
			}
			if old.Status == 0 {
				return ErrIdempotencyInProgress
			}
			if old.Fingerprint != fingerprint {
				return ErrIdempotencyMismatch
			}
			stored = &old
			return nil
		case err == nil:
			if err := tx.Delete(&IdempotencyKey{}, old.ID).Error; err != nil {
				return err
			}
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		row := IdempotencyKey{Owner: owner, Key: key, Fingerprint: fingerprint, CreatedAt: now.UTC()}
		return tx.Create(&row).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, ErrIdempotencyInProgress // another request took the key between our read and insert
	}
	if err != nil && !errors.Is(err, ErrIdempotencyMismatch) && !errors.Is(err, ErrIdempotencyInProgress) && !errors.Is(err, ErrIdempotencyUnfinished) {
		return nil, fmt.Errorf("models: reserve idempotency key: %w", err)
	}
	return stored, err
}

// CompleteIdempotencyKey stores the answer of the request that reserved key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, owner, key string, answer IdempotencyKey) error {
	err := s.db.WithContext(ctx).Model(&IdempotencyKey{}).Where("owner = ? AND idem_key = ? AND status = 0", owner, key).
		Updates(map[string]any{"status": answer.Status, "content_type": answer.ContentType, "location": answer.Location, "body": answer.Body}).Error
	if err != nil {
		return fmt.Errorf("models: complete idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey drops a reservation whose request failed, so that a retry runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, owner, key string) error {
	if err := s.db.WithContext(ctx).Where("owner = ? AND idem_key = ? AND status = 0", owner, key).Delete(&IdempotencyKey{}).Error; err != nil {
		return fmt.Errorf("models: release idempotency key: %w", err)
	}
	return nil
}

// PruneIdempotencyKeys deletes keys older than IdempotencyTTL and answers how many.
func (s *Store) PruneIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", now.Add(-IdempotencyTTL).UTC()).Delete(&IdempotencyKey{})
	if res.Error != nil {
		return 0, fmt.Errorf("models: prune idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}
