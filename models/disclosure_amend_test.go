package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

func seedFiler(t *testing.T, st *models.Store) models.Institution {
	t.Helper()
	uscc, _ := models.MakeUSCC("440106", "MA5D0AMD1")
	in, err := st.CreateInstitution(context.Background(), models.NewInstitution{USCC: uscc, Name: "深圳测试网贷信息服务有限公司", Province: "440000"}, "test", time.Date(2026, 1, 1, 0, 0, 0, 0, models.ChinaZone))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestAmendDisclosure(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		f := figures(100_000_00, 50)
		f.OverdueAmount = 10_000_00
		v1, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: "2026-10", Body: "第一行\n余额说明", Figures: f}, "a@x.cn", now)
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			nd    models.NewDisclosure
			why   string
			field string
		}{
			{"no reason", models.NewDisclosure{Figures: &models.MonthlyFigures{}}, "  ", "reason"},
			{"other kind", models.NewDisclosure{Kind: "other", Title: "x"}, "r", "kind"},
			{"other period", models.NewDisclosure{Period: "2026-09", Figures: &models.MonthlyFigures{}}, "r", "period"},
			{"bad figures", models.NewDisclosure{Figures: &models.MonthlyFigures{OverdueAmount: 1}}, "r", "figures.overdue_amount"},
			{"overdue count above outstanding", models.NewDisclosure{Figures: func() *models.MonthlyFigures {
				f := figures(100_000_00, 50)
				f.OverdueCount = 101
				return f
			}()}, "r", "figures.overdue_count"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := st.AmendDisclosure(ctx, v1, c.nd, c.why, "a@x.cn", now)
				var fe models.FieldErrors
				if !errors.As(err, &fe) || !fe.Has(c.field) {
					t.Fatalf("want a field error on %s, got %v", c.field, err)
				}
			})
		}
		f2 := *f
		f2.OverdueAmount = 12_000_00
		v2, err := st.AmendDisclosure(ctx, v1, models.NewDisclosure{Body: "第一行\n余额情况说明", Figures: &f2}, "逾期金额填错", "a@x.cn", now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.RootID != v1.ID || v2.Amends == nil || *v2.Amends != v1.ID || v2.Period != "2026-10" || v2.LateDays != v1.LateDays {
			t.Fatalf("version 2: %+v", v2)
		}
		if _, err := st.AmendDisclosure(ctx, v1, models.NewDisclosure{Figures: &f2}, "again", "a@x.cn", now); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("amending a superseded version: want a conflict, got %v", err)
		}
		old, _ := st.DisclosureByID(ctx, v1.ID)
		if old.Figures.OverdueAmount != 10_000_00 || old.SHA256 != v1.SHA256 {
			t.Fatal("the published version changed")
		}
		latest, _ := st.LatestVersion(ctx, v1.ID)
		d := models.DiffVersions(old, latest)
		if len(d.Figures) != 1 || d.Figures[0].Name != "overdue_amount" || d.Figures[0].Old != 10_000_00 || d.Figures[0].New != 12_000_00 || !d.Figures[0].Money {
			t.Fatalf("figures diff: %+v", d.Figures)
		}
		if len(d.Body) != 2 || d.Body[1].Op != '~' {
			t.Fatalf("body diff: %+v", d.Body)
		}
	})
}

func TestMajorEventsAndTranches(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	ago := func(h int) *time.Time { t := now.Add(-time.Duration(h) * time.Hour); return &t }
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		cases := []struct {
			name  string
			nd    models.NewDisclosure
			field string // empty: accepted
			late  int
		}{
			{"on time", models.NewDisclosure{Kind: "major_event", Title: "实控人被调查", EventType: "executive_investigated", EventAt: ago(47)}, "", 0},
			{"late by a day", models.NewDisclosure{Kind: "major_event", Title: "停业", EventType: "suspension", EventAt: ago(49)}, "", 1},
			{"unknown type", models.NewDisclosure{Kind: "major_event", Title: "x", EventType: "party", EventAt: ago(1)}, "event_type", 0},
			{"no time", models.NewDisclosure{Kind: "major_event", Title: "x", EventType: "suspension"}, "event_at", 0},
			{"future time", models.NewDisclosure{Kind: "major_event", Title: "x", EventType: "suspension", EventAt: ago(-2)}, "event_at", 0},
			{"type on other kind", models.NewDisclosure{Kind: "other", Title: "x", EventType: "suspension"}, "event_type", 0},
			{"plan without tranches", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案"}, "tranches", 0},
			{"tranche with both", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", Tranches: []models.Tranche{{Date: "2027-01-31", AmountFen: 5, ShareBP: 5}}}, "tranches.0.amount", 0},
			{"share over 100%", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", Tranches: []models.Tranche{{Date: "2027-01-31", ShareBP: 6000}, {Date: "2027-02-28", ShareBP: 6000}}}, "tranches", 0},
			{"bad date", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", Tranches: []models.Tranche{{Date: "2027-02-30", ShareBP: 100}}}, "tranches.0.date", 0},
			{"future payment", models.NewDisclosure{Kind: "repayment_progress", Title: "兑付进展", Tranches: []models.Tranche{{Date: "2027-01-01", AmountFen: 100}}}, "tranches.0.date", 0},
			{"plan in shares without its base", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", Tranches: []models.Tranche{{Date: "2027-01-31", ShareBP: 4000}}}, "base_amount", 0},
			{"plan in amounts with a base", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", BaseFen: base(100), Tranches: []models.Tranche{{Date: "2027-01-31", AmountFen: 50}}}, "base_amount", 0},
			{"base on a progress report", models.NewDisclosure{Kind: "repayment_progress", Title: "兑付进展", BaseFen: base(100), Tranches: []models.Tranche{{Date: "2026-01-31", AmountFen: 50}}}, "base_amount", 0},
			{"mixed plan above its base", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", BaseFen: base(100), Tranches: []models.Tranche{{Date: "2027-01-31", AmountFen: 60}, {Date: "2027-06-30", ShareBP: 5000}}}, "tranches", 0},
			{"plan", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", BaseFen: base(100_000_000_00), Tranches: []models.Tranche{{Date: "2027-01-31", ShareBP: 4000}, {Date: "2027-06-30", ShareBP: 6000}}}, "", 0},
			{"plan in amounts", models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", Tranches: []models.Tranche{{Date: "2027-01-31", AmountFen: 4000}}}, "", 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				d, err := st.FileDisclosure(ctx, in, c.nd, "a@x.cn", now)
				if c.field == "" {
					if err != nil || d.LateDays != c.late {
						t.Fatalf("want accepted with %d days late, got %+v %v", c.late, d.LateDays, err)
					}
					return
				}
				var fe models.FieldErrors
				if !errors.As(err, &fe) || !fe.Has(c.field) {
					t.Fatalf("want a field error on %s, got %v", c.field, err)
				}
			})
		}
	})
}

func TestDiffText(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"甲\n乙\n丙", "甲\n乙\n丙", "=甲 =乙 =丙"},
		{"甲\n乙", "甲\n丙\n乙", "=甲 +丙 =乙"},
		{"本金兑付30%", "本金兑付35%", "~本金兑付35%"},
		{"a\nb", "a", "=a -b"},
	}
	for _, c := range cases {
		var got []string
		for _, op := range models.DiffText(c.a, c.b) {
			got = append(got, string(op.Op)+op.Text)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q → %q: got %q, want %q", c.a, c.b, got, c.want)
		}
	}
	parts := models.DiffText("本金兑付30%", "本金兑付35%")[0].Parts
	if len(parts) != 4 || parts[1].Text != "0" || parts[1].Op != '-' || parts[2].Text != "5" {
		t.Fatalf("character diff: %+v", parts)
	}
}

func TestPublishedHashIsTheHashOfWhatIsStored(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		uscc, _ := models.MakeUSCC("310104", "MA0HBKH01")
		in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: uscc, Name: "上海某公司", Province: "310000"}, "t", at("2019-01-02 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", Body: "分三期兑付。", BaseFen: base(80_000_000_00),
			Tranches: []models.Tranche{{Date: "2019-12-31", ShareBP: 3000}, {Date: "2020-06-30", ShareBP: 7000}}}, "f", at("2019-06-01 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		stored, err := st.DisclosureByID(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := stored.ContentHash(); got != stored.SHA256 {
			t.Fatalf("recorded hash %s, hash of the stored record %s", stored.SHA256, got)
		}
	})
}

// TestDiffTranches: an amended plan's diff says tranche by tranche what changed (date, amount,
// share), which were added and which removed; the base amount's change is its own line.
func TestDiffTranches(t *testing.T) {
	old := []models.Tranche{{Date: "2027-01-31", ShareBP: 3000}, {Date: "2027-06-30", ShareBP: 3000}, {Date: "2027-12-31", AmountFen: 500}}
	cases := []struct {
		name string
		new  []models.Tranche
		want string // per change: seq and D/A/S for date, amount, share; + added, - removed
	}{
		{"same", old, ""},
		{"a share and a date", []models.Tranche{{Date: "2027-01-31", ShareBP: 3500}, {Date: "2027-07-31", ShareBP: 3000}, old[2]}, "1S 2D "},
		{"an amount for a share", []models.Tranche{old[0], {Date: "2027-06-30", AmountFen: 900}, old[2]}, "2AS "},
		{"one added", append(append([]models.Tranche{}, old...), models.Tranche{Date: "2028-06-30", AmountFen: 1}), "4+ "},
		{"two removed", old[:1], "2- 3- "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ""
			for _, ch := range models.DiffTranches(old, c.new) {
				got += fmt.Sprint(ch.Seq)
				switch {
				case ch.Old == nil:
					got += "+"
				case ch.New == nil:
					got += "-"
				}
				for _, part := range []struct {
					changed bool
					s       string
				}{{ch.Date, "D"}, {ch.Amount, "A"}, {ch.Share, "S"}} {
					if part.changed {
						got += part.s
					}
				}
				got += " "
			}
			if got != c.want {
				t.Fatalf("changes %q, want %q", got, c.want)
			}
		})
	}
	b := int64(100)
	d := models.DiffVersions(models.Disclosure{Tranches: old}, models.Disclosure{Tranches: old, BaseFen: &b})
	if d.Base == nil || d.Base.Old != 0 || d.Base.New != 100 || d.Unchanged {
		t.Fatalf("base amount stated in an amendment: %+v", d.Base)
	}
	if d := models.DiffVersions(models.Disclosure{Tranches: old}, models.Disclosure{Tranches: old}); !d.Unchanged || d.Tranches != nil {
		t.Fatal("the same tranches are a change")
	}
}
