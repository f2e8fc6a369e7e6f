package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migrateStaffFactor adds the staff's second factor (TOTP secrets on the account, recovery codes,
// logins waiting for their code, the roles that must use it) and the limits of API tokens
// (read-only, one province, an expiry).
func migrateStaffFactor(tx *gorm.DB) error {
	type user struct {
		TOTPSecret    string     `gorm:"column:totp_secret;size:255;not null;default:''"`
		TOTPPending   string     `gorm:"column:totp_pending;size:255;not null;default:''"`
		TOTPEnabledAt *time.Time `gorm:"column:totp_enabled_at"`
		TOTPLastStep  int64      `gorm:"column:totp_last_step;not null;default:0"`
	}
	for _, col := range []string{"TOTPSecret", "TOTPPending", "TOTPEnabledAt", "TOTPLastStep"} {
		if err := tx.Table("users").Migrator().AddColumn(&user{}, col); err != nil {
			return fmt.Errorf("add users.%s: %w", col, err)
		}
	}
	type apiToken struct {
		ReadOnly  bool   `gorm:"not null;default:false"`
		Province  string `gorm:"size:6;not null;default:''"`
		ExpiresAt *time.Time
	}
	for _, col := range []string{"ReadOnly", "Province", "ExpiresAt"} {
		if err := tx.Table("api_tokens").Migrator().AddColumn(&apiToken{}, col); err != nil {
			return fmt.Errorf("add api_tokens.%s: %w", col, err)
		}
	}
	type recoveryCode struct {
		ID        uint64 `gorm:"primaryKey"`
		UserID    uint64 `gorm:"index;not null"`
		Hash      string `gorm:"size:64;uniqueIndex;not null"`
		UsedAt    *time.Time
		CreatedAt time.Time
	}
	if err := tx.Table("recovery_codes").Migrator().CreateTable(&recoveryCode{}); err != nil {
		return fmt.Errorf("create recovery_codes: %w", err)
	}
	type pendingLogin struct {
		ID        string `gorm:"primaryKey;size:64"`
		UserID    uint64 `gorm:"index;not null"`
		Next      string `gorm:"size:2048;not null;default:''"`
		Failures  int    `gorm:"not null;default:0"`
		ExpiresAt time.Time
		CreatedAt time.Time
	}
	if err := tx.Table("pending_logins").Migrator().CreateTable(&pendingLogin{}); err != nil {
		return fmt.Errorf("create pending_logins: %w", err)
	}
	type rolePolicy struct {
		Role        string `gorm:"primaryKey;size:16"`
		RequireTOTP bool   `gorm:"column:require_totp;not null;default:false"`
		UpdatedBy   string `gorm:"size:254;not null;default:''"`
		UpdatedAt   time.Time
	}
	if err := tx.Table("role_policies").Migrator().CreateTable(&rolePolicy{}); err != nil {
		return fmt.Errorf("create role_policies: %w", err)
	}
	return nil
}
