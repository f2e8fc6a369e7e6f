package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

var ctx = context.Background()

// at is a fixed moment in China time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, models.ChinaZone)
	if err != nil {
		panic(err)
	}
	return t
}

func mustUSCC(t *testing.T, division, org string) string {
	t.Helper()
	u, err := models.MakeUSCC(division, org)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestMigrateIsIdempotent(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		n, err := st.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second migrate applied %d, err %v", n, err)
		}
		v, err := st.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("schema version %d, err %v", v, err)
		}
	})
}

func TestCreateUserRejectsBadInput(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		cases := []struct {
			name  string
			in    models.NewUser
			field string
		}{
			{"bad email", models.NewUser{Role: "admin", Email: "not-an-email"}, "email"},
			{"unknown role", models.NewUser{Role: "root", Email: "a@example.cn"}, "role"},
			{"office without province", models.NewUser{Role: "office", Email: "a@example.cn"}, "province"},
			{"office with fake province", models.NewUser{Role: "office", Email: "a@example.cn", Province: "990000"}, "province"},
			{"institution with bad USCC", models.NewUser{Role: "institution", Email: "a@example.cn", InstitutionUSCC: "123"}, "institution"},
			{"institution not on the list", models.NewUser{Role: "institution", Email: "a@example.cn", InstitutionUSCC: "91350100M000100Y43"}, "institution"},
			{"admin with province", models.NewUser{Role: "admin", Email: "a@example.cn", Province: "110000"}, "role"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, _, _, err := st.CreateUser(ctx, c.in)
				var fe models.FieldErrors
				if !errors.As(err, &fe) || !fe.Has(c.field) {
					t.Fatalf("want a field error on %q, got %v", c.field, err)
				}
			})
		}
		if _, _, _, err := st.CreateUser(ctx, models.NewUser{Role: "office", Email: "gd@example.cn", Province: "440000"}); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := st.CreateUser(ctx, models.NewUser{Role: "office", Email: "GD@example.cn ", Province: "440000"}); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate email: want ErrConflict, got %v", err)
		}
	})
}

func TestLoginThrottleAndSessions(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		now := at("2026-11-25 10:00")
		u, pw, token, err := st.CreateUser(ctx, models.NewUser{Role: "admin", Email: "admin@example.cn"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Authenticate(ctx, "nobody@example.cn", pw, "1.2.3.4", now); !errors.Is(err, models.ErrBadLogin) {
			t.Fatalf("unknown user: %v", err)
		}
		if _, err := st.Authenticate(ctx, "admin@example.cn", "wrong", "1.2.3.5", now); !errors.Is(err, models.ErrBadLogin) {
			t.Fatalf("wrong password: %v", err)
		}
		got, err := st.Authenticate(ctx, " Admin@Example.cn", pw, "1.2.3.5", now)
		if err != nil || got.ID != u.ID {
			t.Fatalf("right password: %v", err)
		}
		sess, err := st.CreateSession(ctx, u, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := st.SessionUser(ctx, sess, now.Add(20*time.Minute)); err != nil || got.ID != u.ID {
			t.Fatalf("session: %v", err)
		}
		if _, err := st.SessionUser(ctx, sess, now.Add(models.SessionLifetime+time.Minute)); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("expired session must be gone: %v", err)
		}
		if err := st.DeleteSession(ctx, sess, now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionUser(ctx, sess, now); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleted session: %v", err)
		}
		if got, err := st.TokenUser(ctx, token, now); err != nil || got.ID != u.ID {
			t.Fatalf("token: %v", err)
		}
		if _, err := st.TokenUser(ctx, token+"x", now); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("bad token: %v", err)
		}
	})
}

func TestInstitutionsAndClassification(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		now := at("2019-06-14 09:00")
		uscc := mustUSCC(t, "440106", "MA5ABCDE1")
		bad := []struct {
			name  string
			in    models.NewInstitution
			field string
		}{
			{"invalid USCC", models.NewInstitution{USCC: "91440300MA5ABCDE10", Name: "甲", Province: "440000"}, "uscc"},
			{"no name", models.NewInstitution{USCC: uscc, Province: "440000"}, "name"},
			{"unknown province", models.NewInstitution{USCC: uscc, Name: "甲", Province: "990000"}, "province"},
			{"unknown class", models.NewInstitution{USCC: uscc, Name: "甲", Province: "440000", Class: "fine"}, "class"},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				_, err := st.CreateInstitution(ctx, c.in, "office@example.cn", now)
				var fe models.FieldErrors
				if !errors.As(err, &fe) || !fe.Has(c.field) {
					t.Fatalf("want field error %q, got %v", c.field, err)
				}
			})
		}
		in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: strings.ToLower(uscc), Name: " 广州市鹭汀网络借贷信息中介服务有限公司 ", Province: "440000",
			Brands: []string{"鹭汀创投", " ", "鹭汀创投"}, Websites: []string{"www.luting.example.cn"}}, "office@example.cn", now)
		if err != nil {
			t.Fatal(err)
		}
		if in.USCC != uscc || in.Class != "unclassified" || len(in.Brands) != 1 || in.Name != "广州市鹭汀网络借贷信息中介服务有限公司" {
			t.Fatalf("stored %+v", in)
		}
		if _, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: uscc, Name: "乙", Province: "440000"}, "x", now); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("duplicate USCC: want ErrConflict, got %v", err)
		}
		got, err := st.InstitutionByUSCC(ctx, uscc)
		if err != nil || got.Brands[0] != "鹭汀创投" {
			t.Fatalf("read back (utf8mb4): %+v %v", got, err)
		}
		if _, err := st.Classify(ctx, got, "zombie", "", nil, "x", now); err == nil {
			t.Fatal("a decision without a reason must be refused")
		}
		if _, err := st.Classify(ctx, got, "zombie", "待偿余额连续四个月为零", []string{"zombie:2019-02..2019-05"}, "office@example.cn", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		hist, err := st.Decisions(ctx, got.ID)
		if err != nil || len(hist) != 1 || hist[0].FromClass != "unclassified" || hist[0].ToClass != "zombie" || hist[0].Criteria[0] != "zombie:2019-02..2019-05" {
			t.Fatalf("history %+v %v", hist, err)
		}
		items, total, err := st.ListInstitutions(ctx, models.InstitutionFilter{Class: "zombie"})
		if err != nil || total != 1 || items[0].USCC != uscc {
			t.Fatalf("filter by class: %d %v", total, err)
		}
		var outbox int64
		dbtest.Handle(ctx, st).Model(&models.OutboxEntry{}).Where("entity = ? AND entity_id = ?", "institution", got.ID).Count(&outbox)
		if outbox != 2 {
			t.Fatalf("every change writes an outbox row: got %d", outbox)
		}
	})
}

// figures is a figure set with the given balance and lenders that satisfies every figure rule.
func figures(balance, lenders int64) *models.MonthlyFigures {
	f := &models.MonthlyFigures{CumLendingAmount: 10_000_000_00, CumLendingCount: 1000, CumLenders: 5000, CumBorrowers: 800, Lenders: lenders}
	if balance > 0 {
		f.OutstandingAmount, f.OutstandingCount, f.Borrowers = balance, 100, 90
		f.Top10Amount = max(balance/5, 1)
		f.LargestAmount = max(f.Top10Amount/4, 1)
		if balance >= 40 {
			f.OverdueAmount, f.OverdueCount, f.Overdue90Amount, f.Overdue90Count = balance/20, 3, balance/40, 1
		}
	}
	return f
}

func TestMonthlyFiguresFiling(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "110105", "MA0000001"), Name: "北京某网贷公司", Province: "110000"}, "x", at("2019-01-02 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		// February 2019: the fifth working day of March 2019 is 2019-03-07.
		d, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: "2019-02", Figures: figures(500_000_00, 300)}, "filer", at("2019-03-07 20:00"))
		if err != nil {
			t.Fatal(err)
		}
		if d.LateDays != 0 || d.Title == "" || d.SHA256 == "" || d.RootID != d.ID {
			t.Fatalf("on-time filing: %+v", d)
		}
		late, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: "2019-03", Figures: figures(400_000_00, 280)}, "filer", at("2019-04-12 10:00"))
		if err != nil {
			t.Fatal(err)
		}
		if late.LateDays <= 0 {
			t.Fatalf("a filing after the due day must be late, got %d", late.LateDays)
		}
		bad := []struct {
			name   string
			nd     models.NewDisclosure
			now    time.Time
			field  string
			status error
		}{
			{"same month again", models.NewDisclosure{Kind: "monthly_data", Period: "2019-03", Figures: figures(1, 1)}, at("2019-04-20 10:00"), "", models.ErrConflict},
			{"month not ended", models.NewDisclosure{Kind: "monthly_data", Period: "2019-04", Figures: figures(1, 1)}, at("2019-04-20 10:00"), "period", nil},
			{"not a month", models.NewDisclosure{Kind: "monthly_data", Period: "2019-13", Figures: figures(1, 1)}, at("2019-04-20 10:00"), "period", nil},
			{"negative", models.NewDisclosure{Kind: "monthly_data", Period: "2019-01", Figures: &models.MonthlyFigures{Lenders: -1}}, at("2019-04-20 10:00"), "figures.lenders", nil},
			{"overdue above balance", models.NewDisclosure{Kind: "monthly_data", Period: "2019-01", Figures: &models.MonthlyFigures{OutstandingAmount: 10, OverdueAmount: 11}}, at("2019-04-20 10:00"), "figures.overdue_amount", nil},
			{"cumulative falls", models.NewDisclosure{Kind: "monthly_data", Period: "2019-04", Figures: func() *models.MonthlyFigures {
				f := figures(1, 1)
				f.CumLenders = 10
				return f
			}()}, at("2019-05-20 10:00"), "figures.cum_lenders", nil},
			{"unknown kind", models.NewDisclosure{Kind: "gossip", Title: "x"}, at("2019-05-20 10:00"), "kind", nil},
			{"no title", models.NewDisclosure{Kind: "exit_announcement"}, at("2019-05-20 10:00"), "title", nil},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				_, err := st.FileDisclosure(ctx, in, c.nd, "filer", c.now)
				if c.status != nil {
					if !errors.Is(err, c.status) {
						t.Fatalf("want %v, got %v", c.status, err)
					}
					return
				}
				var fe models.FieldErrors
				if !errors.As(err, &fe) || !fe.Has(c.field) {
					t.Fatalf("want field error %q, got %v", c.field, err)
				}
			})
		}
		figs, err := st.FiguresOf(ctx, in.ID)
		if err != nil || len(figs) != 2 || figs[0].Period != "2019-02" || figs[1].OutstandingAmount != 400_000_00 {
			t.Fatalf("figures %+v %v", figs, err)
		}
	})
}

func TestNoticeLifecycle(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		created := at("2019-06-10 09:00")
		var usccs []string
		for _, org := range []string{"MA0000011", "MA0000012", "MA0000013"} {
			in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "110108", org), Name: "北京" + org + "公司", Province: "110000", Brands: []string{"品牌" + org}}, "x", created)
			if err != nil {
				t.Fatal(err)
			}
			usccs = append(usccs, in.USCC)
		}
		other, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "440106", "MA0000099"), Name: "广东公司", Province: "440000"}, "x", created)
		if err != nil {
			t.Fatal(err)
		}
		base := models.NewNotice{Kind: "zombie_list", Province: "110000", Title: "关于第一批僵尸类机构名单的公告", Body: "现予公告。", WindowDays: 15, WindowUnit: models.UnitCalendar, USCCs: usccs}
		bad := []struct {
			name  string
			edit  func(n *models.NewNotice)
			field string
		}{
			{"unknown USCC", func(n *models.NewNotice) { n.USCCs = append(n.USCCs, "91350100M000100Y43") }, "institutions[3]"},
			{"other province's institution", func(n *models.NewNotice) { n.USCCs = append(n.USCCs, other.USCC) }, "institutions[3]"},
			{"listed twice", func(n *models.NewNotice) { n.USCCs = append(n.USCCs, usccs[0]) }, "institutions[3]"},
			{"zero-day window", func(n *models.NewNotice) { n.WindowDays = 0 }, "window"},
			{"10,000-day window", func(n *models.NewNotice) { n.WindowDays = 10000 }, "window"},
			{"bad unit", func(n *models.NewNotice) { n.WindowUnit = "weeks" }, "window"},
			{"correction naming nothing", func(n *models.NewNotice) { n.Kind = "correction" }, "corrects"},
			{"zombie list naming nobody", func(n *models.NewNotice) { n.USCCs = nil }, "institutions"},
			{"exit supervision without a window", func(n *models.NewNotice) { n.Kind, n.WindowDays = "exit_supervision", 0 }, "window"},
			{"general notice with a window", func(n *models.NewNotice) { n.Kind, n.CorrectsID = "general", nil }, "window"},
			{"no title", func(n *models.NewNotice) { n.Title = " " }, "title"},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				nn := base
				nn.USCCs = append([]string{}, base.USCCs...)
				c.edit(&nn)
				_, err := st.CreateNotice(ctx, nn, "office", created)
				var fe models.FieldErrors
				if !errors.As(err, &fe) || !fe.Has(c.field) {
					t.Fatalf("want field error %q, got %v", c.field, err)
				}
			})
		}
		draft, err := st.CreateNotice(ctx, base, "office", created)
		if err != nil {
			t.Fatal(err)
		}
		published := at("2019-06-14 10:00")
		n, err := st.PublishNotice(ctx, draft.ID, published)
		if err != nil {
			t.Fatal(err)
		}
		if *n.Number != "京网贷整治办公告〔2019〕1号" || n.LastDay != "2019-07-01" || n.SHA256 == "" {
			t.Fatalf("published %q last day %s", *n.Number, n.LastDay)
		}
		if !n.Deadline.Equal(at("2019-07-02 00:00")) {
			t.Fatalf("deadline %s, want 24:00 of 2019-07-01 China time", n.Deadline)
		}
		if _, err := st.PublishNotice(ctx, draft.ID, published); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("publishing twice: want ErrConflict, got %v", err)
		}
		second, _ := st.CreateNotice(ctx, models.NewNotice{Kind: "general", Province: "110000", Title: "一般公告", Body: "正文"}, "office", created)
		if n2, err := st.PublishNotice(ctx, second.ID, published); err != nil || *n2.Number != "京网贷整治办公告〔2019〕2号" {
			t.Fatalf("second number: %v", err)
		}
		if n2, _ := st.NoticeByID(ctx, second.ID); n2.Status(at("2026-11-06 10:00")) != models.NoticePublished || n2.AcceptsClaims(published) {
			t.Fatalf("a general notice is published, never open: %s", n2.Status(published))
		}
		if open, total, _ := st.ListNotices(ctx, models.NoticeFilter{Status: models.NoticeOpen, Now: published}); total != 1 || open[0].ID != n.ID {
			t.Fatalf("open notices: %d", total)
		}
		// A zombie list that lost its institutions (a draft stored before the rule) is not published.
		empty, err := st.CreateNotice(ctx, base, "office", created)
		if err != nil {
			t.Fatal(err)
		}
		dbtest.Handle(ctx, st).Where("notice_id = ?", empty.ID).Delete(&models.NoticeInstitution{})
		var fe models.FieldErrors
		if _, err := st.PublishNotice(ctx, empty.ID, published); !errors.As(err, &fe) || !fe.Has("institutions") {
			t.Fatalf("publishing a zombie list naming nobody: %v", err)
		}
		if again, _ := st.NoticeByID(ctx, empty.ID); !again.IsDraft() {
			t.Fatal("a refused publication left the notice published")
		}
		got, _ := st.NoticeByID(ctx, n.ID)
		if got.Status(at("2019-07-01 23:59")) != "open" || got.Status(at("2019-07-02 00:00")) != "expired" {
			t.Fatal("the window ends at 24:00 of its last day")
		}
		if ids, err := st.ExpireNotices(ctx, at("2019-07-01 23:00")); err != nil || len(ids) != 0 {
			t.Fatalf("nothing expires before the deadline: %v %v", ids, err)
		}
		if ids, err := st.ExpireNotices(ctx, at("2019-07-03 00:00")); err != nil || len(ids) != 1 {
			t.Fatalf("expire: %v %v", ids, err)
		}
		if ids, _ := st.ExpireNotices(ctx, at("2019-07-04 00:00")); len(ids) != 0 {
			t.Fatal("a notice must not be transitioned twice")
		}
		items, total, err := st.ListNotices(ctx, models.NoticeFilter{Status: "expired", Now: at("2019-07-04 00:00")})
		if err != nil || total != 1 || len(items[0].Institutions) != 3 {
			t.Fatalf("list expired: %d %v", total, err)
		}
		listing, err := st.NoticesListing(ctx, got.Institutions[0].InstitutionID)
		if err != nil || len(listing) != 1 {
			t.Fatalf("notices listing an institution: %v", err)
		}
	})
}
