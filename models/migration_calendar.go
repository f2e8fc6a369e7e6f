package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migrateCalendar adds the years of the official calendar imported after the build, and records on
// each notice which calendar its deadline was computed on (the covered years and the calendar's
// SHA-256, Calendar.SHA256). For the admin pages, accounts can be disabled and tokens revoked.
func migrateCalendar(tx *gorm.DB) error {
	type calendarYear struct {
		Year     int    `gorm:"primaryKey;autoIncrement:false"`
		File     string `gorm:"type:text"`
		SHA256   string `gorm:"column:sha256;size:64"`
		Source   string `gorm:"size:255"`
		LoadedBy string `gorm:"size:254"`
		LoadedAt time.Time
	}
	if err := tx.Table("calendar_years").Migrator().CreateTable(&calendarYear{}); err != nil {
		return fmt.Errorf("create calendar_years: %w", err)
	}
	type notice struct {
		CalendarYears  string `gorm:"size:100"`
		CalendarSHA256 string `gorm:"column:calendar_sha256;size:64"`
	}
	for _, col := range []string{"CalendarYears", "CalendarSHA256"} {
		if err := tx.Table("notices").Migrator().AddColumn(&notice{}, col); err != nil {
			return fmt.Errorf("add notices.%s: %w", col, err)
		}
	}
	type user struct{ DisabledAt *time.Time }
	if err := tx.Table("users").Migrator().AddColumn(&user{}, "DisabledAt"); err != nil {
		return fmt.Errorf("add users.disabled_at: %w", err)
	}
	type apiToken struct{ RevokedAt *time.Time }
	if err := tx.Table("api_tokens").Migrator().AddColumn(&apiToken{}, "RevokedAt"); err != nil {
		return fmt.Errorf("add api_tokens.revoked_at: %w", err)
	}
	return nil
}
