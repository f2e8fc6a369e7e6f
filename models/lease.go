package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LeaseScheduler names the lease of the deadline scheduler: one process of a portal runs it.
const LeaseScheduler = "scheduler"

// lease is one named lease: while expires_at is ahead, holder alone does the leased work.
type lease struct {
	Name      string    `gorm:"primaryKey;size:32"`
	Holder    string    `gorm:"size:100"`
	ExpiresAt time.Time `gorm:""`
}

func (lease) TableName() string { return "leases" }

// TakeLease takes or renews the lease name for holder until now+ttl and reports whether holder has
// it: it does when the lease is free, expired, or already its own. Several processes sharing one
// database can call it at once; exactly one holds a lease at a time (times are the processes' clocks,
// so they must agree to within much less than ttl). A renewal is one UPDATE (its row changes, since
// the expiry moves on), so a loaded database delays it as little as possible; a lease that was never
// taken costs an INSERT, which a concurrent taker's row refuses.
func (s *Store) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	db := s.db.WithContext(ctx)
	until := now.Add(ttl).UTC()
	res := db.Model(&lease{}).Where("name = ? AND (holder = ? OR expires_at < ?)", name, holder, now.UTC()).
		Updates(map[string]any{"holder": holder, "expires_at": until})
	if res.Error != nil {
		return false, fmt.Errorf("models: take lease %s: %w", name, res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	err := db.Session(&gorm.Session{SkipDefaultTransaction: true}).Create(&lease{Name: name, Holder: holder, ExpiresAt: until}).Error
	switch {
	case err == nil:
		return true, nil
	case !errors.Is(err, gorm.ErrDuplicatedKey):
		return false, fmt.Errorf("models: take lease %s: %w", name, err)
	}
	// The row is there and did not change: another holder's lease, or holder's own renewed to the
	// same instant (MySQL counts changed rows, not matched ones).
	var got lease
	if err := db.Take(&got, "name = ?", name).Error; err != nil {
		return false, fmt.Errorf("models: read lease %s: %w", name, err)
	}
	return got.Holder == holder, nil
}

// ReleaseLease gives up holder's lease name at once (a process stopping), so another takes it over
// without waiting for it to expire.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	err := s.db.WithContext(ctx).Model(&lease{}).Where("name = ? AND holder = ?", name, holder).
		Update("expires_at", time.Unix(0, 0).UTC()).Error
	if err != nil {
		return fmt.Errorf("models: release lease %s: %w", name, err)
	}
	return nil
}

// migrateLeases adds the table of leases (one process of several runs the scheduler).
func migrateLeases(tx *gorm.DB) error {
	type lease struct {
		Name      string `gorm:"primaryKey;size:32"`
		Holder    string `gorm:"size:100"`
		ExpiresAt time.Time
	}
	return tx.Table("leases").Migrator().CreateTable(&lease{})
}

// LeaseHolder names the holder of lease name at now and when its lease ends, or "" when nobody holds
// it (never taken, expired or released).
func (s *Store) LeaseHolder(ctx context.Context, name string, now time.Time) (string, time.Time, error) {
	var got []lease
	if err := s.db.WithContext(ctx).Where("name = ? AND expires_at >= ?", name, now.UTC()).Limit(1).Find(&got).Error; err != nil {
		return "", time.Time{}, fmt.Errorf("models: read lease %s: %w", name, err)
	}
	if len(got) == 0 {
		return "", time.Time{}, nil
	}
	return got[0].Holder, got[0].ExpiresAt, nil
}
