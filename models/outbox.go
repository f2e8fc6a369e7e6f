package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LastOutboxID is the id of the newest outbox row, 0 when there is none: the position a search
// index built now stands at.
func (s *Store) LastOutboxID(ctx context.Context) (uint64, error) {
	var id uint64
	if err := s.db.WithContext(ctx).Model(&OutboxEntry{}).Select("COALESCE(MAX(id), 0)").Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("models: last outbox row: %w", err)
	}
	return id, nil
}

// databaseIdentity is the single row naming this database: made once, when the database is first
// migrated, and kept by backups and restores, so a search index can tell which database it was built from.
type databaseIdentity struct {
	ID        int    `gorm:"primaryKey;autoIncrement:false"`
	Identity  string `gorm:"size:32"`
	CreatedAt time.Time
}

func (databaseIdentity) TableName() string { return "database_identity" }

// Identity returns the random name this database was given when it was first migrated.
func (s *Store) Identity(ctx context.Context) (string, error) {
	var row databaseIdentity
	if err := s.db.WithContext(ctx).Take(&row, 1).Error; err != nil {
		return "", notFound(err, "database identity")
	}
	return row.Identity, nil
}

// migrateIdentity gives the database its identity (see Identity).
func migrateIdentity(tx *gorm.DB) error {
	type databaseIdentity struct {
		ID        int    `gorm:"primaryKey;autoIncrement:false"`
		Identity  string `gorm:"size:32"`
		CreatedAt time.Time
	}
	if err := tx.Table("database_identity").Migrator().CreateTable(&databaseIdentity{}); err != nil {
		return err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	return tx.Table("database_identity").Create(&databaseIdentity{ID: 1, Identity: hex.EncodeToString(b), CreatedAt: time.Now().UTC()}).Error
}
