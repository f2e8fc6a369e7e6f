package models

import (
	"fmt"

	"gorm.io/gorm"
)

// migratePlans adds what plan against actual needs: the base amount of a plan in shares and the plan
// a progress report refers to. Published rows are not touched: a progress report filed before has no
// plan and reports on the plan that was its institution's latest when it was filed (Store.PlanOf).
func migratePlans(tx *gorm.DB) error {
	type disclosure struct {
		BaseFen *int64
		PlanID  *uint64 `gorm:"index"`
	}
	m := tx.Table("disclosures").Migrator()
	for _, field := range []string{"BaseFen", "PlanID"} {
		if err := m.AddColumn(&disclosure{}, field); err != nil {
			return fmt.Errorf("add disclosures.%s: %w", field, err)
		}
	}
	if err := m.CreateIndex(&disclosure{}, "PlanID"); err != nil {
		return fmt.Errorf("index disclosures.plan_id: %w", err)
	}
	return nil
}
