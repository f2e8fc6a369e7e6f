package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migrateRegistry adds the tables of the institution list: rule suggestions, the provinces'
// small-institution thresholds, and the evidence files of class decisions.
func migrateRegistry(tx *gorm.DB) error {
	type suggestion struct {
		ID            uint64 `gorm:"primaryKey"`
		InstitutionID uint64 `gorm:"index"`
		Province      string `gorm:"size:6;index"`
		Rule          string `gorm:"size:32"`
		Class         string `gorm:"size:20"`
		Months        string `gorm:"type:text"`
		LastMonth     string `gorm:"size:7"`
		Status        string `gorm:"size:12;index"`
		Reason        string `gorm:"type:text"`
		DecidedBy     string `gorm:"size:254"`
		DecidedAt     *time.Time
		DecisionID    *uint64
		CreatedAt     time.Time
	}
	type smallThreshold struct {
		Province       string `gorm:"primaryKey;size:6"`
		OutstandingFen int64
		Lenders        int64
		SetBy          string `gorm:"size:254"`
		UpdatedAt      time.Time
	}
	type decisionAttachment struct {
		DecisionID   uint64 `gorm:"primaryKey;autoIncrement:false"`
		AttachmentID uint64 `gorm:"primaryKey;autoIncrement:false"`
	}
	tables := []struct {
		name  string
		model any
	}{
		{"suggestions", &suggestion{}}, {"small_thresholds", &smallThreshold{}}, {"decision_attachments", &decisionAttachment{}},
	}
	for _, t := range tables {
		if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
			return fmt.Errorf("create %s: %w", t.name, err)
		}
	}
	return nil
}
