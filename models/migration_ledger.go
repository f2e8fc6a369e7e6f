package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migrateLedger adds the append-only ledger of published records and its single-row head, which
// writers lock to append one entry at a time.
func migrateLedger(tx *gorm.DB) error {
	type ledgerEntry struct {
		Seq         uint64    `gorm:"primaryKey;autoIncrement:false"`
		Kind        string    `gorm:"size:24;index:idx_ledger_record,priority:1"`
		RecordID    uint64    `gorm:"index:idx_ledger_record,priority:2"`
		ContentHash string    `gorm:"size:64;index"`
		Attachments string    `gorm:"type:text"`
		PrevHash    string    `gorm:"size:64"`
		Hash        string    `gorm:"size:64;uniqueIndex"`
		At          time.Time `gorm:"index"`
	}
	type ledgerHead struct {
		ID   int `gorm:"primaryKey;autoIncrement:false"`
		Seq  uint64
		Hash string `gorm:"size:64"`
	}
	type ledgerAttachment struct {
		Seq    uint64 `gorm:"primaryKey;autoIncrement:false"`
		SHA256 string `gorm:"column:sha256;primaryKey;size:64;index"`
	}
	tables := []struct {
		name  string
		model any
	}{
		{"ledger_entries", &ledgerEntry{}}, {"ledger_head", &ledgerHead{}}, {"ledger_attachments", &ledgerAttachment{}},
	}
	for _, t := range tables {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	return tx.Table("ledger_head").Create(&ledgerHead{ID: 1}).Error
}
