package models_test

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// validFigures makes a random figure set that satisfies every rule, following prev (or nil).
func validFigures(r *rand.Rand, prev *models.MonthlyFigures) models.MonthlyFigures {
	if prev == nil {
		prev = &models.MonthlyFigures{}
	}
	n := func(k int64) int64 { return r.Int63n(k) }
	f := models.MonthlyFigures{}
	f.NewBusinessAmount = n(3) * n(1_000_000)
	f.CumLendingCount = prev.CumLendingCount + 1 + n(50)
	f.CumLendingAmount = prev.CumLendingAmount + f.NewBusinessAmount + 1 + n(10_000_000)
	f.CumLenders = prev.CumLenders + 1 + n(20)
	f.CumBorrowers = min(prev.CumBorrowers+1+n(20), f.CumLendingCount)
	f.Lenders, f.Borrowers = n(f.CumLenders+1), n(f.CumBorrowers+1)
	f.OutstandingCount = n(f.CumLendingCount + 1)
	if f.OutstandingCount > 0 {
		f.OutstandingAmount = 1 + n(f.CumLendingAmount)
		f.OutstandingInterest = n(f.OutstandingAmount/10 + 1)
		f.LargestAmount = 1 + n(f.OutstandingAmount)
		f.Top10Amount = f.LargestAmount + n(min(f.OutstandingAmount, 10*f.LargestAmount)-f.LargestAmount+1)
		f.OverdueCount = n(f.OutstandingCount + 1)
		f.RelatedCount = n(f.OutstandingCount + 1)
	}
	if f.OverdueCount > 0 {
		f.OverdueAmount = 1 + n(f.OutstandingAmount)
		f.Overdue90Count = n(f.OverdueCount + 1)
	}
	if f.Overdue90Count > 0 {
		f.Overdue90Amount = 1 + n(f.OverdueAmount)
	}
	if f.RelatedCount > 0 {
		f.RelatedAmount = 1 + n(f.OutstandingAmount)
	}
	f.CumCompensationCount, f.CumCompensationAmount = prev.CumCompensationCount, prev.CumCompensationAmount
	if d := n(3); d > 0 {
		f.CumCompensationCount += d
		f.CumCompensationAmount += 1 + n(100_000)
	}
	return f
}

// breakers break one rule each, by code (not_negative: the rule's field), in a valid set f that
// follows prev.
var breakers = map[string]func(f, prev *models.MonthlyFigures, field string){
	"not_negative":                     func(f, _ *models.MonthlyFigures, field string) { f.SetValue(field, -1) },
	"lenders_within_cumulative":        func(f, _ *models.MonthlyFigures, _ string) { f.Lenders = f.CumLenders + 1 },
	"borrowers_within_cumulative":      func(f, _ *models.MonthlyFigures, _ string) { f.Borrowers = f.CumBorrowers + 1 },
	"new_business_within_lending":      func(f, _ *models.MonthlyFigures, _ string) { f.NewBusinessAmount = f.CumLendingAmount + 1 },
	"outstanding_within_lending":       func(f, _ *models.MonthlyFigures, _ string) { f.OutstandingAmount = f.CumLendingAmount + 1 },
	"outstanding_count_within_lending": func(f, _ *models.MonthlyFigures, _ string) { f.OutstandingCount = f.CumLendingCount + 1 },
	"borrowers_within_loans":           func(f, _ *models.MonthlyFigures, _ string) { f.CumBorrowers = f.CumLendingCount + 1 },
	"lending_has_lenders":              func(f, _ *models.MonthlyFigures, _ string) { f.CumLenders = 0 },
	"lending_has_borrowers":            func(f, _ *models.MonthlyFigures, _ string) { f.CumBorrowers = 0 },
	"lending_amount_and_count":         func(f, _ *models.MonthlyFigures, _ string) { f.CumLendingCount = 0 },
	"outstanding_amount_and_count":     func(f, _ *models.MonthlyFigures, _ string) { f.OutstandingCount = flip(f.OutstandingAmount) },
	"related_amount_and_count":         func(f, _ *models.MonthlyFigures, _ string) { f.RelatedCount = flip(f.RelatedAmount) },
	"overdue_amount_and_count":         func(f, _ *models.MonthlyFigures, _ string) { f.OverdueCount = flip(f.OverdueAmount) },
	"overdue90_amount_and_count":       func(f, _ *models.MonthlyFigures, _ string) { f.Overdue90Count = flip(f.Overdue90Amount) },
	"compensation_amount_and_count": func(f, _ *models.MonthlyFigures, _ string) {
		f.CumCompensationCount = flip(f.CumCompensationAmount)
	},
	"interest_needs_balance":           func(f, _ *models.MonthlyFigures, _ string) { f.OutstandingAmount, f.OutstandingInterest = 0, 1 },
	"overdue_within_outstanding":       func(f, _ *models.MonthlyFigures, _ string) { f.OverdueAmount = f.OutstandingAmount + 1 },
	"overdue_count_within_outstanding": func(f, _ *models.MonthlyFigures, _ string) { f.OverdueCount = f.OutstandingCount + 1 },
	"overdue90_within_overdue":         func(f, _ *models.MonthlyFigures, _ string) { f.Overdue90Amount = f.OverdueAmount + 1 },
	"overdue90_count_within_overdue":   func(f, _ *models.MonthlyFigures, _ string) { f.Overdue90Count = f.OverdueCount + 1 },
	"related_within_outstanding":       func(f, _ *models.MonthlyFigures, _ string) { f.RelatedAmount = f.OutstandingAmount + 1 },
	"related_count_within_outstanding": func(f, _ *models.MonthlyFigures, _ string) { f.RelatedCount = f.OutstandingCount + 1 },
	"top10_within_outstanding":         func(f, _ *models.MonthlyFigures, _ string) { f.Top10Amount = f.OutstandingAmount + 1 },
	"largest_within_top10":             func(f, _ *models.MonthlyFigures, _ string) { f.LargestAmount = f.Top10Amount + 1 },
	"top10_within_ten_largest":         func(f, _ *models.MonthlyFigures, _ string) { f.Top10Amount = 10*f.LargestAmount + 1 },
	"balance_has_largest_borrower":     func(f, _ *models.MonthlyFigures, _ string) { f.LargestAmount = flip(f.OutstandingAmount) },
	"lending_adds_new_business": func(f, prev *models.MonthlyFigures, _ string) {
		f.NewBusinessAmount = f.CumLendingAmount - prev.CumLendingAmount + 1
	},
}

// flip is a count that disagrees with amount: 1 when it is zero, 0 otherwise.
func flip(amount int64) int64 {
	if amount == 0 {
		return 1
	}
	return 0
}

// breakRule breaks rule in a copy of f (following prev).
func breakRule(t *testing.T, rule models.FigureRule, f, prev models.MonthlyFigures) models.MonthlyFigures {
	t.Helper()
	if name, ok := strings.CutSuffix(rule.Code, "_never_falls"); ok {
		f.SetValue(name, prev.Values()[name]-1)
		return f
	}
	b := breakers[rule.Code]
	if b == nil {
		t.Fatalf("no breaker for rule %s: add one to the test", rule.Code)
	}
	b(&f, &prev, rule.Fields[0])
	return f
}

// wantRefused checks that fe names every field of rule with its code.
func wantRefused(t *testing.T, fe models.FieldErrors, rule models.FigureRule, prefix string) {
	t.Helper()
	for _, name := range rule.Fields {
		if !slices.ContainsFunc(fe[prefix+name], func(e models.FieldError) bool { return e.Code == rule.Code }) {
			t.Fatalf("rule %s: field %s%s says %q; all: %v", rule.Code, prefix, name, fe[prefix+name], fe)
		}
	}
}

// TestFigureRules checks each rule both ways on a figure set filed after another: the set is
// accepted, and the set with the rule's relation broken is refused with the rule's code on each of
// its fields.
func TestFigureRules(t *testing.T) {
	prev := models.MonthlyFigures{CumLendingAmount: 900_000_00, CumLendingCount: 1200, CumLenders: 800, CumBorrowers: 300,
		CumCompensationAmount: 5_000_00, CumCompensationCount: 4}
	f := models.MonthlyFigures{CumLendingAmount: 1_000_000_00, CumLendingCount: 1300, OutstandingAmount: 400_000_00,
		OutstandingCount: 500, OutstandingInterest: 20_000_00, CumLenders: 850, CumBorrowers: 320, Lenders: 400, Borrowers: 200,
		NewBusinessAmount: 60_000_00, Top10Amount: 40_000_00, LargestAmount: 8_000_00, RelatedAmount: 1_000_00, RelatedCount: 2,
		OverdueAmount: 30_000_00, OverdueCount: 40, Overdue90Amount: 10_000_00, Overdue90Count: 12,
		CumCompensationAmount: 6_000_00, CumCompensationCount: 5}
	if fe := f.Check(&prev); len(fe) > 0 {
		t.Fatalf("a consistent set is refused: %v", fe)
	}
	codes := map[string]bool{}
	for i, rule := range models.FigureRules {
		t.Run(fmt.Sprintf("%02d %s %s", i, rule.Code, rule.Fields[0]), func(t *testing.T) {
			if !rule.Holds(&f, &prev) {
				t.Fatal("the consistent set breaks the rule")
			}
			bad := breakRule(t, rule, f, prev)
			if rule.Holds(&bad, &prev) {
				t.Fatal("the broken set satisfies the rule")
			}
			wantRefused(t, bad.Check(&prev), rule, "")
			if rule.AfterPrevious && len(bad.Check(nil)) > 0 && strings.Contains(fmt.Sprint(bad.Check(nil)), rule.Code) {
				t.Fatal("a rule against the previous filing applies to the first one")
			}
		})
		if rule.Code != "not_negative" && codes[rule.Code] {
			t.Errorf("code %s used twice", rule.Code)
		}
		codes[rule.Code] = true
		if len(rule.Fields) == 0 || rule.Doc == "" {
			t.Errorf("rule %s: no fields or no doc", rule.Code)
		}
		for _, name := range rule.Fields {
			if !(&models.MonthlyFigures{}).SetValue(name, 0) {
				t.Errorf("rule %s: %s is not a figure", rule.Code, name)
			}
		}
	}
	// The relations the issue names, each refused.
	for _, c := range []struct {
		code string
		edit func(f *models.MonthlyFigures)
	}{
		{"lenders_within_cumulative", func(f *models.MonthlyFigures) { f.Lenders = 900 }},
		{"outstanding_within_lending", func(f *models.MonthlyFigures) { f.OutstandingAmount = 2_000_000_00 }},
		{"overdue_count_within_outstanding", func(f *models.MonthlyFigures) { f.OverdueCount = 501 }},
	} {
		bad := f
		c.edit(&bad)
		if !strings.Contains(bad.Check(&prev).Error(), ": "+c.code) {
			t.Errorf("%s: not refused: %v", c.code, bad.Check(&prev))
		}
	}
}

// TestFiguresPropertyOnStore files random figure sets month after month on every database: an
// accepted set satisfies every rule against the filing before it (read back from the store), a
// refused one breaks at least one and is refused with the code of each rule it breaks, and a
// valid set with one relation broken is refused with that rule's code, in a filing and in an
// amendment.
func TestFiguresPropertyOnStore(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		rng := rand.New(rand.NewSource(113))
		in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "440106", "MA5PR0P01"), Name: "广州某网贷有限公司", Province: "440000"}, "x", at("2018-01-01 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		var prev *models.MonthlyFigures
		var brokenOnPurpose, movedRefused, movedAccepted int
		month := time.Date(2018, 7, 1, 0, 0, 0, 0, models.ChinaZone)
		for i := 0; i < 60; i++ {
			period := month.Format("2006-01")
			filed := month.AddDate(0, 1, 3)
			valid := validFigures(rng, prev)
			f := valid
			var broke *models.FigureRule
			moved := false
			switch rng.Intn(3) {
			case 0: // one relation broken on purpose, in a filing and in an amendment of the valid one
				rule := models.FigureRules[rng.Intn(len(models.FigureRules))]
				if rule.AfterPrevious && prev == nil {
					break
				}
				bad := breakRule(t, rule, valid, deref(prev))
				_, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: period, Figures: &bad}, "f", filed)
				var fe models.FieldErrors
				if !errors.As(err, &fe) {
					t.Fatalf("%s: breaking %s: want refusal, got %v", period, rule.Code, err)
				}
				wantRefused(t, fe, rule, "figures.")
				broke = &rule
				brokenOnPurpose++
			case 1: // one figure moved at random: accepted exactly when no rule breaks
				name := models.FigureNames[rng.Intn(len(models.FigureNames))]
				f.SetValue(name, rng.Int63n(2*f.Values()[name]+3))
				moved = true
			}
			d, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: period, Figures: &f}, "f", filed)
			broken := f.BrokenRules(prev)
			if err != nil {
				var fe models.FieldErrors
				if !errors.As(err, &fe) || len(broken) == 0 {
					t.Fatalf("%s: refused %v, though no rule breaks", period, err)
				}
				for _, r := range broken {
					wantRefused(t, fe, r, "figures.")
				}
				movedRefused++
				f = valid
				if d, err = st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: period, Figures: &f}, "f", filed); err != nil {
					t.Fatalf("%s: a valid set is refused: %v", period, err)
				}
			} else if len(broken) > 0 {
				t.Fatalf("%s: accepted though it breaks %s", period, broken[0].Code)
			} else if moved {
				movedAccepted++
			}
			figs, err := st.FiguresOf(ctx, in.ID)
			if err != nil || len(figs) != i+1 {
				t.Fatalf("figures read back: %d, %v", len(figs), err)
			}
			for j := range figs {
				var before *models.MonthlyFigures
				if j > 0 {
					before = &figs[j-1]
				}
				for _, r := range models.FigureRules {
					if (!r.AfterPrevious || before != nil) && !r.Holds(&figs[j], before) {
						t.Fatalf("published %s breaks %s", figs[j].Period, r.Code)
					}
				}
			}
			if broke != nil {
				bad := breakRule(t, *broke, valid, deref(prev))
				_, err := st.AmendDisclosure(ctx, d, models.NewDisclosure{Figures: &bad}, "更正数据", "f", filed.Add(time.Hour))
				var fe models.FieldErrors
				if !errors.As(err, &fe) {
					t.Fatalf("%s: an amendment breaking %s: want refusal, got %v", period, broke.Code, err)
				}
				wantRefused(t, fe, *broke, "figures.")
			}
			stored := figs[len(figs)-1]
			prev = &stored
			month = month.AddDate(0, 1, 0)
		}
		if brokenOnPurpose < 10 || movedRefused < 3 || movedAccepted < 3 {
			t.Fatalf("too few cases: %d broken on purpose, %d moved and refused, %d moved and accepted", brokenOnPurpose, movedRefused, movedAccepted)
		}
		t.Logf("%d broken on purpose, %d moved and refused, %d moved and accepted", brokenOnPurpose, movedRefused, movedAccepted)
	})
}

func deref(f *models.MonthlyFigures) models.MonthlyFigures {
	if f == nil {
		return models.MonthlyFigures{}
	}
	return *f
}
