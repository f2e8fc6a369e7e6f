package models

// FigureRule is one relation between the indicators of a monthly filing (DOMAIN.md "Numbers an
// institution reports", from the monthly indicators of CBRC 113号 and T/NIFA 1—2017) that every
// figure set must satisfy; a filing or an amendment that breaks one is refused, naming every field
// of the rule with its Code. Rules hold whatever the reading of 当期出借人数/当期借款人数 (lenders and
// borrowers of the month, or those with money outstanding): no rule relates them to the balance.
//
// To add a rule: append it to FigureRules with a new Code (stable: API clients read it), the
// figures it relates, a Doc sentence and Holds; add "problem.<Code>" to both catalogs
// (templates/i18n/{zh,en}/messages.json); the tests then check it both ways, and the demo data
// must still satisfy it (TestDemoFiguresSatisfyRules).
type FigureRule struct {
	Code   string   // stable identifier: the code of the field errors of a refusal (one of Codes)
	Fields []string // the figures related (JSON names); the refusal names each of them
	Doc    string   // the relation in one English sentence
	// Holds reports whether f satisfies the rule; prev is the institution's latest earlier filing
	// (never nil for a rule with AfterPrevious).
	Holds         func(f, prev *MonthlyFigures) bool
	AfterPrevious bool // compares with the latest earlier filing; skipped for the first
}

// FigureRules are the relations every monthly figure set satisfies, in the order refusals list them.
var FigureRules = append(notNegativeRules(), []FigureRule{
	// Figures of the month within the cumulative ones.
	{Code: "lenders_within_cumulative", Fields: []string{"lenders", "cum_lenders"},
		Doc:   "the lenders of the period must not exceed the cumulative lenders",
		Holds: func(f, _ *MonthlyFigures) bool { return f.Lenders <= f.CumLenders }},
	{Code: "borrowers_within_cumulative", Fields: []string{"borrowers", "cum_borrowers"},
		Doc:   "the borrowers of the period must not exceed the cumulative borrowers",
		Holds: func(f, _ *MonthlyFigures) bool { return f.Borrowers <= f.CumBorrowers }},
	{Code: "new_business_within_lending", Fields: []string{"new_business_amount", "cum_lending_amount"},
		Doc:   "the new business of the month must not exceed the cumulative lending",
		Holds: func(f, _ *MonthlyFigures) bool { return f.NewBusinessAmount <= f.CumLendingAmount }},
	{Code: "outstanding_within_lending", Fields: []string{"outstanding_amount", "cum_lending_amount"},
		Doc:   "the outstanding balance must not exceed the cumulative lending",
		Holds: func(f, _ *MonthlyFigures) bool { return f.OutstandingAmount <= f.CumLendingAmount }},
	{Code: "outstanding_count_within_lending", Fields: []string{"outstanding_count", "cum_lending_count"},
		Doc:   "the outstanding loans must not outnumber all loans made",
		Holds: func(f, _ *MonthlyFigures) bool { return f.OutstandingCount <= f.CumLendingCount }},
	{Code: "borrowers_within_loans", Fields: []string{"cum_borrowers", "cum_lending_count"},
		Doc:   "the cumulative borrowers must not outnumber the loans made (each borrowed at least once)",
		Holds: func(f, _ *MonthlyFigures) bool { return f.CumBorrowers <= f.CumLendingCount }},
	{Code: "lending_has_lenders", Fields: []string{"cum_lending_count", "cum_lenders"},
		Doc:   "loans made need lenders, and lenders need loans made: both zero or both above zero",
		Holds: func(f, _ *MonthlyFigures) bool { return together(f.CumLendingCount, f.CumLenders) }},
	{Code: "lending_has_borrowers", Fields: []string{"cum_lending_count", "cum_borrowers"},
		Doc:   "loans made need borrowers, and borrowers need loans made: both zero or both above zero",
		Holds: func(f, _ *MonthlyFigures) bool { return together(f.CumLendingCount, f.CumBorrowers) }},

	// An amount and its count: no money without loans, no loans without money.
	amountAndCount("lending_amount_and_count", "cum_lending_amount", "cum_lending_count", "the cumulative lending",
		func(f *MonthlyFigures) (int64, int64) { return f.CumLendingAmount, f.CumLendingCount }),
	amountAndCount("outstanding_amount_and_count", "outstanding_amount", "outstanding_count", "the outstanding balance",
		func(f *MonthlyFigures) (int64, int64) { return f.OutstandingAmount, f.OutstandingCount }),
	amountAndCount("related_amount_and_count", "related_amount", "related_count", "the related-party balance",
		func(f *MonthlyFigures) (int64, int64) { return f.RelatedAmount, f.RelatedCount }),
	amountAndCount("overdue_amount_and_count", "overdue_amount", "overdue_count", "the overdue amount",
		func(f *MonthlyFigures) (int64, int64) { return f.OverdueAmount, f.OverdueCount }),
	amountAndCount("overdue90_amount_and_count", "overdue90_amount", "overdue90_count", "the amount overdue more than 90 days",
		func(f *MonthlyFigures) (int64, int64) { return f.Overdue90Amount, f.Overdue90Count }),
	amountAndCount("compensation_amount_and_count", "cum_compensation_amount", "cum_compensation_count", "the cumulative compensation",
		func(f *MonthlyFigures) (int64, int64) { return f.CumCompensationAmount, f.CumCompensationCount }),

	// Parts of the outstanding balance.
	{Code: "interest_needs_balance", Fields: []string{"outstanding_interest", "outstanding_amount"},
		Doc:   "an interest balance needs an outstanding balance",
		Holds: func(f, _ *MonthlyFigures) bool { return f.OutstandingInterest == 0 || f.OutstandingAmount > 0 }},
	{Code: "overdue_within_outstanding", Fields: []string{"overdue_amount", "outstanding_amount"},
		Doc:   "the overdue amount must not exceed the outstanding balance",
		Holds: func(f, _ *MonthlyFigures) bool { return f.OverdueAmount <= f.OutstandingAmount }},
	{Code: "overdue_count_within_outstanding", Fields: []string{"overdue_count", "outstanding_count"},
		Doc:   "the overdue loans must not outnumber the outstanding loans",
		Holds: func(f, _ *MonthlyFigures) bool { return f.OverdueCount <= f.OutstandingCount }},
	{Code: "overdue90_within_overdue", Fields: []string{"overdue90_amount", "overdue_amount"},
		Doc:   "the amount overdue more than 90 days must not exceed the overdue amount",
		Holds: func(f, _ *MonthlyFigures) bool { return f.Overdue90Amount <= f.OverdueAmount }},
	{Code: "overdue90_count_within_overdue", Fields: []string{"overdue90_count", "overdue_count"},
		Doc:   "the loans overdue more than 90 days must not outnumber the overdue loans",
		Holds: func(f, _ *MonthlyFigures) bool { return f.Overdue90Count <= f.OverdueCount }},
	{Code: "related_within_outstanding", Fields: []string{"related_amount", "outstanding_amount"},
		Doc:   "the related-party balance must not exceed the outstanding balance",
		Holds: func(f, _ *MonthlyFigures) bool { return f.RelatedAmount <= f.OutstandingAmount }},
	{Code: "related_count_within_outstanding", Fields: []string{"related_count", "outstanding_count"},
		Doc:   "the related-party loans must not outnumber the outstanding loans",
		Holds: func(f, _ *MonthlyFigures) bool { return f.RelatedCount <= f.OutstandingCount }},

	// The largest borrowers.
	{Code: "top10_within_outstanding", Fields: []string{"top10_amount", "outstanding_amount"},
		Doc:   "the top-10 borrowers' balance must not exceed the outstanding balance",
		Holds: func(f, _ *MonthlyFigures) bool { return f.Top10Amount <= f.OutstandingAmount }},
	{Code: "largest_within_top10", Fields: []string{"largest_amount", "top10_amount"},
		Doc:   "the largest borrower's balance must not exceed the top-10 borrowers' balance",
		Holds: func(f, _ *MonthlyFigures) bool { return f.LargestAmount <= f.Top10Amount }},
	{Code: "top10_within_ten_largest", Fields: []string{"top10_amount", "largest_amount"},
		Doc:   "the top-10 borrowers' balance must not exceed ten times the largest borrower's",
		Holds: func(f, _ *MonthlyFigures) bool { return f.LargestAmount >= ceilDiv(f.Top10Amount, 10) }},
	{Code: "balance_has_largest_borrower", Fields: []string{"largest_amount", "outstanding_amount"},
		Doc:   "an outstanding balance has a largest borrower, and a largest borrower an outstanding balance: both zero or both above zero",
		Holds: func(f, _ *MonthlyFigures) bool { return together(f.LargestAmount, f.OutstandingAmount) }},

	// Against the latest earlier filing.
	neverFalls("cum_lending_amount", func(f *MonthlyFigures) int64 { return f.CumLendingAmount }),
	neverFalls("cum_lending_count", func(f *MonthlyFigures) int64 { return f.CumLendingCount }),
	neverFalls("cum_lenders", func(f *MonthlyFigures) int64 { return f.CumLenders }),
	neverFalls("cum_borrowers", func(f *MonthlyFigures) int64 { return f.CumBorrowers }),
	neverFalls("cum_compensation_amount", func(f *MonthlyFigures) int64 { return f.CumCompensationAmount }),
	neverFalls("cum_compensation_count", func(f *MonthlyFigures) int64 { return f.CumCompensationCount }),
	{Code: "lending_adds_new_business", Fields: []string{"cum_lending_amount", "new_business_amount"}, AfterPrevious: true,
		Doc: "the cumulative lending must grow at least by the new business of the month since the previous filing",
		Holds: func(f, prev *MonthlyFigures) bool {
			return f.NewBusinessAmount <= f.CumLendingAmount-prev.CumLendingAmount
		}},
}...)

// notNegativeRules says for each figure that it is zero or more (rule not_negative).
func notNegativeRules() []FigureRule {
	out := make([]FigureRule, len(FigureNames))
	for i, name := range FigureNames {
		out[i] = FigureRule{Code: "not_negative", Fields: []string{name}, Doc: "must not be negative",
			Holds: func(f, _ *MonthlyFigures) bool { return f.values()[name] >= 0 }}
	}
	return out
}

// amountAndCount says that an amount and the count of its loans are both zero or both above zero.
func amountAndCount(code, amount, count, what string, get func(*MonthlyFigures) (int64, int64)) FigureRule {
	return FigureRule{Code: code, Fields: []string{amount, count},
		Doc:   what + " and its count must be both zero or both above zero",
		Holds: func(f, _ *MonthlyFigures) bool { return together(get(f)) }}
}

// neverFalls says that a cumulative figure never falls below that of the latest earlier filing.
func neverFalls(name string, get func(*MonthlyFigures) int64) FigureRule {
	return FigureRule{Code: name + "_never_falls", Fields: []string{name}, AfterPrevious: true,
		Doc:   "a cumulative figure must not fall below that of the previous filing",
		Holds: func(f, prev *MonthlyFigures) bool { return get(f) >= get(prev) }}
}

// ceilDiv is a/b rounded up, for b > 0.
func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b > 0 {
		q++
	}
	return q
}

// together reports whether a and b are both zero or both not.
func together(a, b int64) bool { return (a == 0) == (b == 0) }

// BrokenRules returns the rules of FigureRules that f breaks, in their order; prev is the
// institution's latest filing for an earlier month, or nil.
func (f *MonthlyFigures) BrokenRules(prev *MonthlyFigures) []FigureRule {
	var out []FigureRule
	for _, r := range FigureRules {
		if r.AfterPrevious && prev == nil {
			continue
		}
		if !r.Holds(f, prev) {
			out = append(out, r)
		}
	}
	return out
}

// Check returns, by figure name, every rule f breaks (its Code is the field error's code), given
// the institution's latest earlier filing prev (or nil).
func (f *MonthlyFigures) Check(prev *MonthlyFigures) FieldErrors {
	fe := FieldErrors{}
	for _, r := range f.BrokenRules(prev) {
		for _, name := range r.Fields {
			fe.Add(name, r.Code)
		}
	}
	return fe
}
