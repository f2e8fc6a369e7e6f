package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

// mustUSCCOf makes the credit code of an organisation code in a division.
func mustUSCCOf(t *testing.T, division, org string) string {
	t.Helper()
	uscc, err := models.MakeUSCC(division, org)
	if err != nil {
		t.Fatal(err)
	}
	return uscc
}

// TestOfficeDeskNeedsAction: the office's dashboard lists first what needs action in its own
// province — drafts, suggestions waiting, claim windows ending within a week, late reporters —
// each linking to where it is done, and nothing of another province; on SQLite and MariaDB.
func TestOfficeDeskNeedsAction(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			ts := newTestServer(t, be.env)
			ctx := context.Background()
			now := ts.clock.t
			ts.clock.t = now.AddDate(0, -6, 0) // listed half a year ago: months of reports are owed
			silent := ts.seedInstitution("440106", "DKM000001", "广州沉默网贷有限公司", "440000")
			beijing := ts.seedInstitution("110105", "DKM000002", "北京沉默网贷有限公司", "110000")
			ts.clock.t = now
			// A small institution below the province's thresholds: the rules suggest 规模较小, in each province.
			for _, sm := range []struct{ division, org, name, province string }{
				{"440106", "DKM000003", "广州小额网贷有限公司", "440000"}, {"110105", "DKM000004", "北京小额网贷有限公司", "110000"}} {
				in := ts.seedInstitution(sm.division, sm.org, sm.name, sm.province)
				f := &models.MonthlyFigures{CumLendingAmount: 1e9, CumLendingCount: 100, OutstandingAmount: 1000, OutstandingCount: 10,
					CumLenders: 100, CumBorrowers: 50, Lenders: 10, Borrowers: 5, Top10Amount: 1000, LargestAmount: 300}
				if _, err := ts.store.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: "2026-10", Figures: f}, "f", now); err != nil {
					t.Fatal(err)
				}
				if err := ts.store.SetThresholds(ctx, sm.province, models.Thresholds{OutstandingFen: 5000, Lenders: 50}, "o", now); err != nil {
					t.Fatal(err)
				}
			}
			small, _ := ts.store.InstitutionByUSCC(ctx, mustUSCCOf(t, "440106", "DKM000003"))
			otherSmall := mustUSCCOf(t, "110105", "DKM000004")
			notice := func(province, title, uscc string, publish bool) models.Notice {
				n, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: province, Title: title, Body: "现予公告。",
					WindowDays: 3, WindowUnit: models.UnitCalendar, USCCs: []string{uscc}}, "office", now)
				if err != nil {
					t.Fatal(err)
				}
				if publish {
					if n, err = ts.store.PublishNotice(ctx, n.ID, now); err != nil {
						t.Fatal(err)
					}
				}
				return n
			}
			draft := notice("440000", "关于第九批僵尸类机构名单的公告（草稿）", silent.USCC, false)
			closing := notice("440000", "关于第八批僵尸类机构名单的公告", silent.USCC, true)
			otherDraft := notice("110000", "北京的草稿", beijing.USCC, false)
			otherClosing := notice("110000", "北京的公告", beijing.USCC, true)

			u, _, _, err := ts.store.CreateUser(ctx, modelsNewOffice("desk@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			r := ts.newNoticeBrowser(&u).get("/office")
			if r.StatusCode != 200 {
				t.Fatalf("/office: %d", r.StatusCode)
			}
			card := func(id string) string {
				i := strings.Index(r.body, `id="`+id+`"`)
				if i < 0 {
					t.Fatalf("no %s on the desk", id)
				}
				rest := r.body[i:]
				return rest[:strings.Index(rest, "</div>")]
			}
			for _, c := range []struct{ card, want string }{
				{"desk-drafts", fmt.Sprintf(`href="/office/notices/%d"`, draft.ID)},
				{"desk-drafts", "公告草稿（1）"},
				{"desk-suggestions", `href="/office/institutions/` + small.USCC + `#h-sugg"`},
				{"desk-suggestions", "规模较小"},
				{"desk-closing", fmt.Sprintf(`href="/office/notices/%d"`, closing.ID)},
				{"desk-closing", fmt.Sprintf(`href="/office/notices/%d/claims"`, closing.ID)},
				{"desk-closing", fmt.Sprintf("还剩 %d 天", closing.DaysLeft(now))},
				{"desk-late", `href="/office/institutions/` + silent.USCC + `"`},
			} {
				if !strings.Contains(card(c.card), c.want) {
					t.Errorf("%s has no %s: %s", c.card, c.want, trimTo(card(c.card), 400))
				}
			}
			for _, other := range []string{beijing.USCC, otherSmall, fmt.Sprintf("/office/notices/%d", otherDraft.ID), fmt.Sprintf("/office/notices/%d", otherClosing.ID)} {
				if strings.Contains(r.body, other) {
					t.Errorf("the Guangdong desk shows Beijing's %s", other)
				}
			}
			if strings.Index(r.body, `id="h-desk"`) > strings.Index(r.body, `id="h-counts"`) {
				t.Error("the list of what needs action is not first")
			}
			// A week on, the window has ended and the draft is still a draft.
			ts.clock.t = now.Add(8 * 24 * time.Hour)
			r = ts.newNoticeBrowser(&u).get("/office?lang=en")
			if !strings.Contains(card("desk-closing"), "(0)") || !strings.Contains(card("desk-drafts"), "Draft notices (1)") {
				t.Errorf("a week later: %s / %s", trimTo(card("desk-closing"), 200), trimTo(card("desk-drafts"), 200))
			}
		})
	}
}
