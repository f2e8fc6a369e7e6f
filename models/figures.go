package models

// Check returns what is wrong with the figures on their own: negative values, overdue above the
// outstanding balance, overdue over 90 days above overdue, shares' numerators above the balance.
func (f *MonthlyFigures) Check() FieldErrors {
	fe := FieldErrors{}
	for name, v := range f.values() {
		if v < 0 {
			fe[name] = "must not be negative"
		}
	}
	if f.OverdueAmount > f.OutstandingAmount {
		fe["overdue_amount"] = "must not exceed the outstanding balance"
	}
	if f.Overdue90Amount > f.OverdueAmount {
		fe["overdue90_amount"] = "must not exceed the overdue amount"
	}
	if f.Overdue90Count > f.OverdueCount {
		fe["overdue90_count"] = "must not exceed the overdue count"
	}
	if f.Top10Amount > f.OutstandingAmount {
		fe["top10_amount"] = "top-10 borrowers' balance must not exceed the outstanding balance (share above 100%)"
	}
	if f.LargestAmount > f.Top10Amount && f.Top10Amount > 0 || f.LargestAmount > f.OutstandingAmount {
		fe["largest_amount"] = "the largest borrower's balance must not exceed the top-10 balance or the outstanding balance"
	}
	return fe
}

// CheckAfter returns the cumulative figures that fell below the previous month's.
func (f *MonthlyFigures) CheckAfter(prev *MonthlyFigures) FieldErrors {
	fe := FieldErrors{}
	if prev == nil {
		return fe
	}
	pairs := map[string][2]int64{
		"cum_lending_amount":      {f.CumLendingAmount, prev.CumLendingAmount},
		"cum_lending_count":       {f.CumLendingCount, prev.CumLendingCount},
		"cum_lenders":             {f.CumLenders, prev.CumLenders},
		"cum_borrowers":           {f.CumBorrowers, prev.CumBorrowers},
		"cum_compensation_amount": {f.CumCompensationAmount, prev.CumCompensationAmount},
		"cum_compensation_count":  {f.CumCompensationCount, prev.CumCompensationCount},
	}
	for name, p := range pairs {
		if p[0] < p[1] {
			fe[name] = "a cumulative figure must not fall below last month's (" + prev.Period + ")"
		}
	}
	return fe
}

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
