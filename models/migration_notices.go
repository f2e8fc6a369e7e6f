package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migrateNotices adds investors' claims on notices, the audit of who read them, and the link from an
// attachment to the claim it is evidence of.
func migrateNotices(tx *gorm.DB) error {
	type claim struct {
		ID                  uint64 `gorm:"primaryKey"`
		Receipt             string `gorm:"size:20;uniqueIndex"`
		NoticeID            uint64 `gorm:"index"`
		NoticeInstitutionID uint64 `gorm:"index"`
		InstitutionID       uint64 `gorm:"index"`
		USCC                string `gorm:"column:uscc;size:18"`
		NameSealed          string `gorm:"type:text"`
		IDNumberSealed      string `gorm:"column:id_number_sealed;type:text"`
		PhoneSealed         string `gorm:"type:text"`
		StatementSealed     string `gorm:"type:text"`
		IDHash              string `gorm:"column:id_hash;size:64;index"`
		PrincipalFen        int64
		InterestFen         int64
		Status              string `gorm:"size:12;index"`
		Reason              string `gorm:"type:text"`
		DuplicateOf         *uint64
		DecidedBy           string `gorm:"size:254"`
		DecidedAt           *time.Time
		CreatedAt           time.Time `gorm:"index"`
	}
	type claimRead struct {
		ID       uint64 `gorm:"primaryKey"`
		NoticeID uint64 `gorm:"index"`
		ClaimID  *uint64
		Action   string    `gorm:"size:16"`
		UserID   uint64    `gorm:"index"`
		Email    string    `gorm:"size:254"`
		Client   string    `gorm:"size:64"`
		ReadAt   time.Time `gorm:"index"`
	}
	type attachment struct {
		ClaimID *uint64 `gorm:"index"`
	}
	if err := tx.Table("claims").Migrator().CreateTable(&claim{}); err != nil {
		return fmt.Errorf("create claims: %w", err)
	}
	if err := tx.Table("claim_reads").Migrator().CreateTable(&claimRead{}); err != nil {
		return fmt.Errorf("create claim_reads: %w", err)
	}
	if err := tx.Table("attachments").Migrator().AddColumn(&attachment{}, "ClaimID"); err != nil {
		return fmt.Errorf("add attachments.claim_id: %w", err)
	}
	if err := tx.Table("attachments").Migrator().CreateIndex(&attachment{}, "ClaimID"); err != nil {
		return fmt.Errorf("index attachments.claim_id: %w", err)
	}
	return nil
}
