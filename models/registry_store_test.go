package models_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// fileMonth files one month of figures with the given balance, new business and lenders.
func fileMonth(t *testing.T, st *models.Store, in models.Institution, period string, balance, newBiz, lenders int64, when string) {
	t.Helper()
	f := figures(balance, lenders)
	f.NewBusinessAmount = newBiz
	y, m, _ := models.ParsePeriod(period)
	f.CumLendingAmount += int64(y*12+int(m)) * 1_000_00 // grows by more than any month's new business
	if _, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: period, Figures: f}, "filer", at(when)); err != nil {
		t.Fatalf("file %s: %v", period, err)
	}
}

func TestSuggestionsAcceptAndDismiss(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		now := at("2019-07-20 10:00")
		zombie, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "440106", "JMB000001"), Name: "深圳僵尸网贷有限公司", Province: "440000"}, "o", now)
		if err != nil {
			t.Fatal(err)
		}
		three, _ := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "440106", "THR000001"), Name: "深圳三月网贷有限公司", Province: "440000"}, "o", now)
		for i, p := range []string{"2019-02", "2019-03", "2019-04", "2019-05", "2019-06"} {
			due := fmt.Sprintf("%s-05 10:00", map[string]string{"2019-02": "2019-03", "2019-03": "2019-04", "2019-04": "2019-05", "2019-05": "2019-06", "2019-06": "2019-07"}[p])
			fileMonth(t, st, zombie, p, 1000, map[bool]int64{true: 50, false: 0}[i == 0], 10, due)
			fileMonth(t, st, three, p, 1000, map[bool]int64{true: 50, false: 0}[i < 2], 10, due)
		}
		n, err := st.RefreshSuggestions(ctx, "440000", now)
		if err != nil || n != 1 {
			t.Fatalf("want one suggestion (four zero months), got %d %v", n, err)
		}
		if n, _ := st.RefreshSuggestions(ctx, "440000", now); n != 1 {
			t.Fatalf("refreshing again keeps one, got %d", n)
		}
		list, _ := st.Suggestions(ctx, models.SuggestionFilter{Province: "440000", Status: models.SuggestionPending})
		if len(list) != 1 || list[0].InstitutionID != zombie.ID || list[0].Rule != models.RuleZombieNewBusiness || !slices.Equal(list[0].Months, []string{"2019-03", "2019-04", "2019-05", "2019-06"}) {
			t.Fatalf("suggestion %+v", list)
		}
		if err := st.DismissSuggestion(ctx, list[0], "  ", "o", now); err == nil {
			t.Fatal("dismissing needs a reason")
		}
		d, err := st.AcceptSuggestion(ctx, list[0], "新业务连续四个月为零", "office@gd", now)
		if err != nil || d.ToClass != "zombie" || d.Criteria[0] != "zombie_new_business_zero:2019-03..2019-06" {
			t.Fatalf("accept: %+v %v", d, err)
		}
		if _, err := st.AcceptSuggestion(ctx, list[0], "again", "office@gd", now); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("accepting twice: want conflict, got %v", err)
		}
		got, _ := st.InstitutionByID(ctx, zombie.ID)
		if got.Class != "zombie" {
			t.Fatalf("class %s", got.Class)
		}
		if n, _ := st.RefreshSuggestions(ctx, "440000", now); n != 0 {
			t.Fatalf("an accepted suggestion is not suggested again, got %d", n)
		}
		// A province's thresholds make the three-month one small; dismissing keeps it dismissed.
		if err := st.SetThresholds(ctx, "440000", models.Thresholds{OutstandingFen: 0, Lenders: 5}, "o", now); err == nil {
			t.Fatal("thresholds must be positive")
		}
		if err := st.SetThresholds(ctx, "440000", models.Thresholds{OutstandingFen: 5000, Lenders: 50}, "o", now); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.RefreshSuggestions(ctx, "440000", now); n != 1 {
			t.Fatalf("small: want 1, got %d", n)
		}
		list, _ = st.Suggestions(ctx, models.SuggestionFilter{InstitutionID: three.ID, Status: models.SuggestionPending})
		if len(list) != 1 || list[0].Rule != models.RuleSmall {
			t.Fatalf("small suggestion %+v", list)
		}
		if err := st.DismissSuggestion(ctx, list[0], "规模虽小但经营正常", "o", now); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.RefreshSuggestions(ctx, "440000", now); n != 0 {
			t.Fatalf("a dismissed suggestion stays dismissed for the same month, got %d", n)
		}
		hist, _ := st.Decisions(ctx, three.ID)
		if len(hist) != 0 {
			t.Fatal("nothing is reclassified silently")
		}
	})
}

func TestUpdateInstitutionKeepsFormerNames(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		now := at("2019-07-20 10:00")
		uscc := mustUSCC(t, "110105", "RENM00002")
		in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: uscc, Name: "北京旧名网络科技有限公司", Province: "110000"}, "o", now)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "110105", "THR000002"), Name: "乙", Province: "110000"}, "o", now)
		up, err := st.UpdateInstitution(ctx, in, models.NewInstitution{USCC: uscc, Name: "北京新名网络科技有限公司", Province: "110000", Brands: []string{"新名贷"}}, now)
		if err != nil || !slices.Equal(up.FormerNames, []string{"北京旧名网络科技有限公司"}) {
			t.Fatalf("former names %v %v", up.FormerNames, err)
		}
		back, _ := st.InstitutionByUSCC(ctx, uscc)
		if back.Name != "北京新名网络科技有限公司" || !slices.Equal(back.FormerNames, up.FormerNames) || back.Brands[0] != "新名贷" {
			t.Fatalf("stored %+v", back)
		}
		if _, err := st.UpdateInstitution(ctx, other, models.NewInstitution{USCC: uscc, Name: "乙", Province: "110000"}, now); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("taking another's USCC: want conflict, got %v", err)
		}
		var fe models.FieldErrors
		if _, err := st.UpdateInstitution(ctx, other, models.NewInstitution{USCC: "91110105X", Name: "", Province: "990000"}, now); !errors.As(err, &fe) || !fe.Has("uscc") || !fe.Has("name") || !fe.Has("province") {
			t.Fatalf("bad fields: %v", err)
		}
		if err := st.Dispose(ctx, back, "deregistered", "注销", "o", now); err == nil {
			t.Fatal("operating → deregistered must be refused")
		}
		if err := st.Dispose(ctx, back, "listed", "列入名单", "o", now); err != nil {
			t.Fatal(err)
		}
		back, _ = st.InstitutionByUSCC(ctx, uscc)
		if err := st.Dispose(ctx, back, "to_market_regulator", "公告期满无人申报", "o", now); err != nil {
			t.Fatal(err)
		}
		hist, _ := st.DispositionHistory(ctx, back.ID)
		if len(hist) != 2 || hist[1].ToState != "to_market_regulator" {
			t.Fatalf("history %+v", hist)
		}
	})
}

func TestReportingStopsWhenTheInstitutionLeaves(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		uscc, _ := models.MakeUSCC("110105", "MA0LEFT01")
		in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: uscc, Name: "北京离场公司", Province: "110000"}, "t", at("2019-01-02 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: "2019-01", Figures: figures(100, 10)}, "f", at("2019-02-01 09:00")); err != nil {
			t.Fatal(err)
		}
		missing := func(now time.Time) int {
			flags, err := st.FlagsFor(ctx, []uint64{in.ID}, now)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range flags[in.ID] {
				if f.Code == models.FlagReportMissing {
					n++
				}
			}
			return n
		}
		if n := missing(at("2019-06-20 09:00")); n != 4 {
			t.Fatalf("Feb–May 2019 are missing by late June: %d", n)
		}
		err = st.Dispose(ctx, in, "to_police", "移送公安机关", "office", at("2019-06-20 10:00"))
		if err != nil {
			t.Fatal(err)
		}
		if n := missing(at("2026-11-25 09:00")); n != 4 {
			t.Fatalf("no reports are owed after the institution left business, got %d missing months", n)
		}
	})
}
