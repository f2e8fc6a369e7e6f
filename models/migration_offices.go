package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateDecidingOffices records the deciding office on every class decision and disposition move, so
// that the public sees the office (decided_by) and never the account in decided_by's column. Rows
// written before are given the office of their institution's province: only that office may write
// its records.
func migrateDecidingOffices(tx *gorm.DB) error {
	type decidedOffice struct {
		DecidedOffice string `gorm:"column:decided_office;size:6"`
	}
	for _, table := range []string{"decisions", "disposition_changes"} {
		if err := tx.Table(table).Migrator().AddColumn(&decidedOffice{}, "DecidedOffice"); err != nil {
			return fmt.Errorf("add %s.decided_office: %w", table, err)
		}
		err := tx.Exec("UPDATE " + table + " SET decided_office = (SELECT province FROM institutions WHERE institutions.id = " +
			table + ".institution_id)").Error
		if err != nil {
			return fmt.Errorf("fill %s.decided_office: %w", table, err)
		}
	}
	return nil
}
