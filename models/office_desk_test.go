package models_test

import (
	"slices"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestDeskOf: an office's desk lists its drafts, its pending suggestions, its open notices ending
// within a week and its institutions with missing reports, and nothing of another province; the
// open notices of a set of institutions are found by credit code.
func TestDeskOf(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		listed := at("2019-01-02 09:00")
		now := at("2019-07-20 10:00")
		mk := func(division, org, name, province string) models.Institution {
			in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, division, org), Name: name, Province: province}, "o", listed)
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		silent := mk("440106", "DKM000001", "广州沉默网贷有限公司", "440000")
		punctual := mk("440106", "DKM000002", "广州按时网贷有限公司", "440000")
		beijing := mk("110105", "DKM000003", "北京沉默网贷有限公司", "110000")
		for _, p := range []string{"2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06"} {
			y, m, _ := models.ParsePeriod(p)
			fileMonth(t, st, punctual, p, 1000, 0, 10, time.Date(y, m+1, 3, 10, 0, 0, 0, models.ChinaZone).Format("2006-01-02 15:04"))
		}
		for _, sg := range []models.Suggestion{
			{InstitutionID: silent.ID, Province: "440000", Rule: models.RuleSmall, Class: "zombie", Status: models.SuggestionPending, LastMonth: "2019-06", CreatedAt: listed},
			{InstitutionID: punctual.ID, Province: "440000", Rule: models.RuleSmall, Class: "zombie", Status: models.SuggestionDismissed, LastMonth: "2019-06", CreatedAt: listed},
			{InstitutionID: beijing.ID, Province: "110000", Rule: models.RuleSmall, Class: "zombie", Status: models.SuggestionPending, LastMonth: "2019-06", CreatedAt: listed},
		} {
			if err := dbtest.Handle(ctx, st).Create(&sg).Error; err != nil {
				t.Fatal(err)
			}
		}
		notice := func(province, title string, days int, uscc string, publish bool) models.Notice {
			n, err := st.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: province, Title: title, Body: "现予公告。",
				WindowDays: days, WindowUnit: models.UnitCalendar, USCCs: []string{uscc}}, "office", now.Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if publish {
				if n, err = st.PublishNotice(ctx, n.ID, now.Add(-time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			return n
		}
		draft := notice("440000", "草稿", 15, silent.USCC, false)
		notice("110000", "北京草稿", 15, beijing.USCC, false)
		closing := notice("440000", "三天", 3, silent.USCC, true)
		later := notice("440000", "三十天", 30, punctual.USCC, true)
		notice("110000", "北京三天", 3, beijing.USCC, true)

		d, err := st.DeskOf(ctx, "440000", now)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(ns []models.Notice) []uint64 {
			var out []uint64
			for _, n := range ns {
				out = append(out, n.ID)
			}
			return out
		}
		if !slices.Equal(ids(d.Drafts), []uint64{draft.ID}) {
			t.Errorf("drafts %v, want [%d]", ids(d.Drafts), draft.ID)
		}
		if !slices.Equal(ids(d.Closing), []uint64{closing.ID}) || len(d.Closing[0].Institutions) != 1 {
			t.Errorf("closing %v, want [%d] with its institution", ids(d.Closing), closing.ID)
		}
		if len(d.Suggestions) != 1 || d.Suggestions[0].USCC != silent.USCC || d.Suggestions[0].Name != silent.Name || d.Suggestions[0].Rule != models.RuleSmall {
			t.Errorf("suggestions %+v", d.Suggestions)
		}
		if len(d.Late) != 1 || d.Late[0].ID != silent.ID || d.Late[0].Missing[0] != "2019-06" || len(d.Late[0].Missing) < 6 {
			t.Errorf("late %+v", d.Late)
		}
		// A week later the three-day window has ended; nothing else of the province is closing soon.
		if d, err = st.DeskOf(ctx, "440000", now.AddDate(0, 0, 7)); err != nil || len(d.Closing) != 0 {
			t.Errorf("a week later: closing %v %v", ids(d.Closing), err)
		}
		if d, err = st.DeskOf(ctx, "440000", now.AddDate(0, 0, 25)); err != nil || !slices.Equal(ids(d.Closing), []uint64{later.ID}) {
			t.Errorf("25 days later: closing %v %v", ids(d.Closing), err)
		}
		if d, err := st.DeskOf(ctx, "330000", now); err != nil || len(d.Drafts)+len(d.Suggestions)+len(d.Closing)+len(d.Late) != 0 {
			t.Errorf("an office with no records: %+v %v", d, err)
		}

		open, err := st.OpenNoticesListing(ctx, []string{silent.USCC, punctual.USCC}, now)
		if err != nil || !slices.Equal(ids(open), []uint64{closing.ID, later.ID}) {
			t.Errorf("open notices listing: %v %v", ids(open), err)
		}
		if open, err := st.OpenNoticesListing(ctx, []string{silent.USCC}, now.AddDate(0, 0, 7)); err != nil || len(open) != 0 {
			t.Errorf("after its window: %v %v", ids(open), err)
		}
		if open, err := st.OpenNoticesListing(ctx, nil, now); err != nil || len(open) != 0 {
			t.Errorf("no institutions: %v %v", ids(open), err)
		}
	})
}
