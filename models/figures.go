package models

// OverdueShareBP is the overdue amount as basis points of the outstanding balance (0 when none).
func (f *MonthlyFigures) OverdueShareBP() int64 {
	if f.OutstandingAmount == 0 {
		return 0
	}
	return f.OverdueAmount * 10000 / f.OutstandingAmount
}

func (f *MonthlyFigures) values() map[string]int64 {
	return map[string]int64{
		"cum_lending_amount": f.CumLendingAmount, "cum_lending_count": f.CumLendingCount,
		"outstanding_amount": f.OutstandingAmount, "outstanding_count": f.OutstandingCount,
		"outstanding_interest": f.OutstandingInterest, "cum_lenders": f.CumLenders,
		"cum_borrowers": f.CumBorrowers, "lenders": f.Lenders, "borrowers": f.Borrowers,
		"new_business_amount": f.NewBusinessAmount, "top10_amount": f.Top10Amount,
		"largest_amount": f.LargestAmount, "related_amount": f.RelatedAmount, "related_count": f.RelatedCount,
		"overdue_amount": f.OverdueAmount, "overdue_count": f.OverdueCount,
		"overdue90_amount": f.Overdue90Amount, "overdue90_count": f.Overdue90Count,
		"cum_compensation_amount": f.CumCompensationAmount, "cum_compensation_count": f.CumCompensationCount,
	}
}
