package models_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

func base(fen int64) *int64 { return &fen }

const wan = 10000_00 // fen in 万元

// paidOf says a Paid as numbers, -1 for what is not known.
func paidOf(p models.Paid) (amount int64, share int) {
	amount, share = -1, -1
	if p.AmountFen != nil {
		amount = *p.AmountFen
	}
	if p.ShareBP != nil {
		share = *p.ShareBP
	}
	return amount, share
}

// TestPlanPaid: plan against actual from the plan's latest progress report, per tranche, in yuan and
// in shares; a progress report is a cumulative statement, not an increment.
func TestPlanPaid(t *testing.T) {
	plan := func(b *int64, tr ...models.Tranche) models.Disclosure {
		return models.Disclosure{Kind: "repayment_plan", BaseFen: b, Tranches: tr}
	}
	progress := func(tr ...models.Tranche) *models.Disclosure {
		return &models.Disclosure{Kind: "repayment_progress", Tranches: tr}
	}
	amt := func(fen int64) models.Tranche { return models.Tranche{Date: "2020-01-01", AmountFen: fen} }
	shr := func(bp int) models.Tranche { return models.Tranche{Date: "2020-01-01", ShareBP: bp} }
	cases := []struct {
		name     string
		p        models.Plan
		amount   int64 // -1: not known
		share    int
		tranches [][2]int64 // amount, share
	}{
		{"no progress", models.Plan{Disclosure: plan(nil, amt(20*wan), amt(30*wan))}, 0, 0, [][2]int64{{0, 0}, {0, 0}}},
		{"yuan plan, one progress of 18.5 M", models.Plan{Disclosure: plan(nil, amt(2000*wan), amt(3000*wan), amt(4800*wan)), Progress: progress(amt(1850 * wan))},
			1850 * wan, 1887, [][2]int64{{1850 * wan, 9250}, {0, 0}, {0, 0}}},
		{"cumulative lines are not added up again", models.Plan{Disclosure: plan(nil, amt(2000*wan), amt(3000*wan)), Progress: progress(amt(1850*wan), amt(1500*wan))},
			3350 * wan, 6700, [][2]int64{{2000 * wan, 10000}, {1350 * wan, 4500}}},
		{"percent plan with its base", models.Plan{Disclosure: plan(base(10000*wan), shr(4000), shr(6000)), Progress: progress(amt(4700 * wan))},
			4700 * wan, 4700, [][2]int64{{4000 * wan, 10000}, {700 * wan, 1166}}},
		{"progress in shares of the base", models.Plan{Disclosure: plan(base(10000*wan), shr(4000), shr(6000)), Progress: progress(shr(5000))},
			5000 * wan, 5000, [][2]int64{{4000 * wan, 10000}, {1000 * wan, 1666}}},
		{"more paid than planned", models.Plan{Disclosure: plan(nil, amt(100), amt(100)), Progress: progress(amt(250))},
			250, 10000, [][2]int64{{100, 10000}, {150, 10000}}},
		{"old percent plan, progress in yuan", models.Plan{Disclosure: plan(nil, shr(4000), shr(6000)), Progress: progress(amt(4700 * wan))},
			4700 * wan, -1, [][2]int64{{-1, -1}, {-1, -1}}},
		{"old percent plan, progress in shares", models.Plan{Disclosure: plan(nil, shr(4000), shr(6000)), Progress: progress(shr(5000))},
			-1, 5000, [][2]int64{{-1, 10000}, {-1, 1666}}},
		{"yuan plan, progress in shares", models.Plan{Disclosure: plan(nil, amt(100)), Progress: progress(shr(5000))},
			-1, -1, [][2]int64{{-1, -1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if a, s := paidOf(c.p.Paid()); a != c.amount || s != c.share {
				t.Fatalf("plan paid %d (%d bp), want %d (%d bp)", a, s, c.amount, c.share)
			}
			for i, tp := range c.p.TranchesPaid() {
				if a, s := paidOf(tp); a != c.tranches[i][0] || int64(s) != c.tranches[i][1] {
					t.Errorf("tranche %d paid %d (%d bp), want %v", i, a, s, c.tranches[i])
				}
			}
		})
	}
}

// TestPlanPaidInvariants checks random plans and progress reports: paid is what the latest progress
// states (never more, never negative), shares are paid/planned in basis points within 0–10000, and
// the tranches' paid add up to the plan's.
func TestPlanPaidInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	amount := func() int64 {
		switch r.IntN(4) {
		case 0:
			return 1 + r.Int64N(100)
		case 1:
			return math.MaxInt64/2 + r.Int64N(math.MaxInt64/2) // sums that would overflow
		}
		return 1 + r.Int64N(1_000_000_000_00)
	}
	for n := 0; n < 5000; n++ {
		p := models.Plan{Disclosure: models.Disclosure{Kind: "repayment_plan"}}
		inShares := r.IntN(2) == 0
		left := 10000
		for range 1 + r.IntN(8) {
			if inShares && left > 0 {
				bp := 1 + r.IntN(left)
				left -= bp
				p.Tranches = append(p.Tranches, models.Tranche{ShareBP: bp})
			} else if !inShares {
				p.Tranches = append(p.Tranches, models.Tranche{AmountFen: amount()})
			}
		}
		if inShares && r.IntN(4) > 0 {
			p.BaseFen = base(amount())
		}
		if r.IntN(5) > 0 {
			p.Progress = &models.Disclosure{Kind: "repayment_progress"}
			for range r.IntN(6) {
				if r.IntN(6) == 0 {
					p.Progress.Tranches = append(p.Progress.Tranches, models.Tranche{ShareBP: 1 + r.IntN(10000)})
				} else {
					p.Progress.Tranches = append(p.Progress.Tranches, models.Tranche{AmountFen: amount()})
				}
			}
		}
		if plannedKnown := p.BaseFen != nil; plannedKnown {
			_, total, _ := p.Planned()
			if total > *p.BaseFen || (left == 0 && total != *p.BaseFen) {
				t.Fatalf("plan %+v: planned %d of a base of %d", p, total, *p.BaseFen)
			}
		}
		paid, tranches := p.Paid(), p.TranchesPaid()
		reported, reportedKnown := p.Reported()
		planned, total, plannedKnown := p.Planned()
		if paid.AmountFen != nil {
			if *paid.AmountFen < 0 || !reportedKnown || *paid.AmountFen != reported {
				t.Fatalf("plan %+v: paid %d, the progress reports %d (%v)", p, *paid.AmountFen, reported, reportedKnown)
			}
		}
		if paid.ShareBP != nil {
			if *paid.ShareBP < 0 || *paid.ShareBP > 10000 {
				t.Fatalf("plan %+v: share %d", p, *paid.ShareBP)
			}
			if paid.AmountFen != nil && plannedKnown {
				want := 10000.0
				if *paid.AmountFen == 0 {
					want = 0
				} else if *paid.AmountFen < total {
					want = math.Floor(float64(*paid.AmountFen) * 10000 / float64(total))
				}
				if math.Abs(float64(*paid.ShareBP)-want) > 1 { // float64 rounding of huge amounts
					t.Fatalf("plan %+v: share %d, want %v", p, *paid.ShareBP, want)
				}
			}
		}
		if paid.AmountFen != nil && plannedKnown {
			var sum int64
			for i, tp := range tranches {
				if tp.AmountFen == nil || tp.ShareBP == nil || *tp.AmountFen < 0 || *tp.ShareBP < 0 || *tp.ShareBP > 10000 {
					t.Fatalf("plan %+v: tranche %d paid %+v", p, i, tp)
				}
				if i < len(tranches)-1 && *tp.AmountFen > planned[i] {
					t.Fatalf("plan %+v: tranche %d paid %d of %d planned", p, i, *tp.AmountFen, planned[i])
				}
				sum += *tp.AmountFen
			}
			if sum != *paid.AmountFen {
				t.Fatalf("plan %+v: tranches paid %d, the plan %d", p, sum, *paid.AmountFen)
			}
		}
	}
}

// TestPlanProgressLink: a progress report refers to one plan of its own institution, by default the
// latest; only the current version of the latest progress of a plan counts for it.
func TestPlanProgressLink(t *testing.T) {
	day := func(s string) time.Time {
		d, _ := time.ParseInLocation("2006-01-02 15:04", s, models.ChinaZone)
		return d
	}
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		other, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "350102", "MA5FC0001"), Name: "福州某公司", Province: "350000"}, "t", day("2019-01-02 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		file := func(who models.Institution, nd models.NewDisclosure, at string) models.Disclosure {
			t.Helper()
			d, err := st.FileDisclosure(ctx, who, nd, "f", day(at))
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		paidOfPlan := func(d models.Disclosure) (int64, int, *models.Disclosure) {
			t.Helper()
			d, err := st.LatestVersion(ctx, d.RootID)
			if err != nil {
				t.Fatal(err)
			}
			p, err := st.PlanOf(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			a, s := paidOf(p.Paid())
			return a, s, p.Progress
		}
		lines := func(fen ...int64) []models.Tranche {
			var out []models.Tranche
			for _, f := range fen {
				out = append(out, models.Tranche{Date: "2019-01-05", AmountFen: f})
			}
			return out
		}
		plain := func(k, title string, tr []models.Tranche, plan *uint64) models.NewDisclosure {
			return models.NewDisclosure{Kind: k, Title: title, Tranches: tr, PlanID: plan}
		}
		before := file(in, plain("repayment_progress", "进展（方案前）", lines(1*wan), nil), "2019-01-10 09:00")
		if before.PlanID != nil {
			t.Fatalf("progress before any plan refers to plan %d", *before.PlanID)
		}
		planA := file(in, plain("repayment_plan", "方案甲", []models.Tranche{{Date: "2019-12-31", AmountFen: 1000 * wan}}, nil), "2019-02-01 09:00")
		a1 := file(in, plain("repayment_progress", "甲进展1", lines(300*wan), nil), "2019-03-01 09:00")
		if a1.PlanID == nil || *a1.PlanID != planA.ID {
			t.Fatalf("progress refers to %v, want the latest plan %d", a1.PlanID, planA.ID)
		}
		a2 := file(in, plain("repayment_progress", "甲进展2", lines(300*wan, 400*wan), nil), "2019-04-01 09:00")
		if a, s, _ := paidOfPlan(planA); a != 700*wan || s != 7000 {
			t.Fatalf("plan A paid %d (%d bp), want 7 M: the latest statement, not the sum of both", a, s)
		}
		planB := file(in, plain("repayment_plan", "方案乙", []models.Tranche{{Date: "2019-12-31", AmountFen: 2000 * wan}, {Date: "2020-06-30", AmountFen: 3000 * wan}, {Date: "2020-12-31", AmountFen: 4800 * wan}}, nil), "2019-05-01 09:00")
		b1 := file(in, plain("repayment_progress", "乙进展1", lines(1850*wan), nil), "2019-06-01 09:00")
		if a, s, _ := paidOfPlan(planB); a != 1850*wan || s != 1887 {
			t.Fatalf("plan B paid %d (%d bp), want 18.5 M", a, s)
		}
		a3 := file(in, plain("repayment_progress", "甲进展3", lines(300*wan, 400*wan, 200*wan), &planA.ID), "2019-06-02 09:00")
		if a, _, pr := paidOfPlan(planA); a != 900*wan || pr.ID != a3.ID {
			t.Fatalf("plan A paid %d, want 9 M from the report naming it", a)
		}
		if a, _, _ := paidOfPlan(planB); a != 1850*wan {
			t.Fatalf("plan B paid %d after a report on plan A", a)
		}
		a2v2, err := st.AmendDisclosure(ctx, a2, models.NewDisclosure{Title: "甲进展2", Tranches: lines(100 * wan)}, "金额更正", "f", day("2019-06-03 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		if a2v2.PlanID == nil || *a2v2.PlanID != planA.ID {
			t.Fatalf("the amendment refers to %v, want plan A", a2v2.PlanID)
		}
		if a, _, _ := paidOfPlan(planA); a != 900*wan {
			t.Fatalf("plan A paid %d: correcting an earlier report made it the latest", a)
		}
		b1v2, err := st.AmendDisclosure(ctx, b1, models.NewDisclosure{Title: "乙进展1", Tranches: lines(1700 * wan)}, "金额更正", "f", day("2019-06-04 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		if a, _, pr := paidOfPlan(planB); a != 1700*wan || pr.ID != b1v2.ID {
			t.Fatalf("plan B paid %d: a superseded version counted", a)
		}
		// A report filed before reports named plans counts for the plan that was the latest then.
		if err := dbtest.Handle(ctx, st).Exec("UPDATE disclosures SET plan_id = NULL WHERE root_id = ?", b1.ID).Error; err != nil {
			t.Fatal(err)
		}
		if a, _, _ := paidOfPlan(planB); a != 1700*wan {
			t.Fatalf("plan B paid %d from a report without a plan filed after it", a)
		}
		if a, _, _ := paidOfPlan(planA); a != 900*wan {
			t.Fatalf("plan A paid %d: a report without a plan filed after plan B counted", a)
		}

		planC := file(other, plain("repayment_plan", "他人方案", []models.Tranche{{Date: "2019-12-31", AmountFen: wan}}, nil), "2019-02-01 09:00")
		monthly := file(in, models.NewDisclosure{Kind: "major_event", Title: "停业", EventType: "suspension", EventAt: ptrTime(day("2019-06-01 09:00"))}, "2019-06-01 10:00")
		missing := uint64(1 << 40)
		for name, nd := range map[string]models.NewDisclosure{
			"another institution's plan": plain("repayment_progress", "x", lines(wan), &planC.ID),
			"not a plan":                 plain("repayment_progress", "x", lines(wan), &monthly.ID),
			"a progress report":          plain("repayment_progress", "x", lines(wan), &a1.ID),
			"no such disclosure":         plain("repayment_progress", "x", lines(wan), &missing),
			"a plan naming a plan":       plain("repayment_plan", "x", []models.Tranche{{Date: "2020-01-01", AmountFen: wan}}, &planA.ID),
		} {
			t.Run(name, func(t *testing.T) {
				_, err := st.FileDisclosure(ctx, in, nd, "f", day("2019-07-01 09:00"))
				var fe models.FieldErrors
				if !errors.As(err, &fe) || !fe.Has("plan") {
					t.Fatalf("want a field error on plan, got %v", err)
				}
			})
		}
		// Naming any version of a plan refers to the plan.
		planAv2, err := st.AmendDisclosure(ctx, planA, models.NewDisclosure{Title: "方案甲", Tranches: []models.Tranche{{Date: "2019-12-31", AmountFen: 1200 * wan}}}, "金额调整", "f", day("2019-07-01 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		a4 := file(in, plain("repayment_progress", "甲进展4", lines(1000*wan), &planAv2.ID), "2019-07-02 09:00")
		if a4.PlanID == nil || *a4.PlanID != planA.ID {
			t.Fatalf("naming version 2 refers to %v, want the plan's root %d", a4.PlanID, planA.ID)
		}
		if a, s, _ := paidOfPlan(planA); a != 1000*wan || s != 8333 {
			t.Fatalf("plan A v2 paid %d (%d bp), want 10 M of 12 M", a, s)
		}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

// TestLatestPlanIsTheLastFiled: "latest" is the order of filing (publication of a chain's first
// version), not of ids, which a database need not hand out in order.
func TestLatestPlanIsTheLastFiled(t *testing.T) {
	at := func(s string) time.Time {
		d, _ := time.ParseInLocation("2006-01-02", s, models.ChinaZone)
		return d
	}
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		plan := func(title, day string) models.Disclosure {
			d, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "repayment_plan", Title: title,
				Tranches: []models.Tranche{{Date: "2027-01-31", AmountFen: 100}}}, "f", at(day))
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		later := plan("后发布的方案", "2019-05-01")
		plan("先发布、后录入的方案", "2019-04-01") // a larger id, filed earlier
		p, err := st.LatestPlan(ctx, in.ID)
		if err != nil || p.ID != later.ID {
			t.Fatalf("latest plan %d (%v), want %d", p.ID, err, later.ID)
		}
		d, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "repayment_progress", Title: "进展",
			Tranches: []models.Tranche{{Date: "2019-05-02", AmountFen: 40}}}, "f", at("2019-05-03"))
		if err != nil || d.PlanID == nil || *d.PlanID != later.ID {
			t.Fatalf("progress refers to %v (%v), want %d", d.PlanID, err, later.ID)
		}
	})
}
