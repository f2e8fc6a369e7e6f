package models

import (
	"context"
	"fmt"
)

// TrendPoint is one month of the 双降 trend: the outstanding balance and the lenders summed over the
// institutions whose monthly figures for that month are published (their current versions), and how
// many those are. A fall caused by institutions that stopped reporting is a fall in what was
// reported, so the count is shown beside the sums.
type TrendPoint struct {
	Period            string `json:"period"`
	OutstandingAmount int64  `json:"outstanding_amount"` // fen
	Lenders           int64  `json:"lenders"`
	Reporting         int64  `json:"reporting"` // institutions whose figures make up the month
}

// ShuangjiangTrend returns the 双降 trend month by month, oldest first, of one province's
// institutions ("" for all of them).
func (s *Store) ShuangjiangTrend(ctx context.Context, province string) ([]TrendPoint, error) {
	q := s.db.WithContext(ctx).Table("monthly_figures").
		Select("monthly_figures.period AS period, SUM(monthly_figures.outstanding_amount) AS outstanding_amount, " +
			"SUM(monthly_figures.lenders) AS lenders, COUNT(*) AS reporting").
		Where("NOT EXISTS (SELECT 1 FROM disclosures AS newer WHERE newer.amends = monthly_figures.disclosure_id)")
	if province != "" {
		q = q.Joins("JOIN institutions ON institutions.id = monthly_figures.institution_id").Where("institutions.province = ?", province)
	}
	var out []TrendPoint
	if err := q.Group("monthly_figures.period").Order("monthly_figures.period").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("models: 双降 trend: %w", err)
	}
	return out, nil
}
