package app

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// openDemo opens a server with the demo data set on dir (SQLite and local blobs) and returns what it printed.
func openDemo(t *testing.T, dir string) (*Server, string) {
	t.Helper()
	cfg, err := LoadConfig(nil, func(k string) string { return map[string]string{"PILU_DATA_DIR": dir}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Demo {
		t.Fatal("the demo data set is on by default with the embedded database")
	}
	var buf bytes.Buffer
	srv, err := Open(context.Background(), cfg, Options{Out: &buf})
	if err != nil {
		t.Fatal(err)
	}
	return srv, buf.String()
}

func TestDemoDataSet(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	started := time.Now()
	srv, printed := openDemo(t, dir)
	t.Logf("demo data set loaded in %s", time.Since(started).Round(time.Millisecond))
	store := srv.Store()
	now := time.Now()

	institutions, total, err := store.ListInstitutions(ctx, models.InstitutionFilter{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	byUSCC := map[string]models.Institution{}
	t.Run("institutions", func(t *testing.T) {
		if total < 40 || len(institutions) != int(total) {
			t.Fatalf("%d institutions (%d listed), want at least 40", total, len(institutions))
		}
		provinces, classes, dispositions := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, in := range institutions {
			byUSCC[in.USCC] = in
			provinces[in.Province], classes[in.Class], dispositions[in.Disposition] = true, true, true
			if _, _, err := models.ParseUSCC(in.USCC); err != nil {
				t.Errorf("%s: %v", in.Name, err)
			}
			if models.ProvinceOf(in.USCC[2:8]) != models.ProvinceOf(in.Province) {
				t.Errorf("%s: the USCC's division %s is not in province %s", in.Name, in.USCC[2:8], in.Province)
			}
			if !in.Demo || len(in.Brands) == 0 || len(in.Websites) == 0 || in.District == "" {
				t.Errorf("%s: demo %v, brands %v, websites %v, district %q", in.Name, in.Demo, in.Brands, in.Websites, in.District)
			}
			for _, w := range in.Websites {
				if !strings.HasSuffix(w, ".example.cn") {
					t.Errorf("%s: website %s is not under .example.cn", in.Name, w)
				}
			}
		}
		if len(provinces) < 8 {
			t.Errorf("%d provinces, want at least 8", len(provinces))
		}
		for _, c := range models.Classes {
			if !classes[c] {
				t.Errorf("no institution of class %s", c)
			}
		}
		if len(dispositions) < 5 {
			t.Errorf("dispositions %v, want at least 5 kinds", dispositions)
		}
		var former int
		for _, in := range institutions {
			if len(in.FormerNames) > 0 {
				former++
			}
		}
		if former < 3 {
			t.Errorf("%d institutions with former names, want several", former)
		}
	})

	t.Run("class decisions", func(t *testing.T) {
		long := 0
		for _, in := range institutions {
			ds, err := store.Decisions(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) >= 2 {
				long++
			}
			from := "unclassified"
			for _, d := range ds {
				if d.FromClass != from || strings.TrimSpace(d.Reason) == "" || d.DecidedBy == "" {
					t.Errorf("%s: decision %s → %s (%q) does not follow %s", in.Name, d.FromClass, d.ToClass, d.Reason, from)
				}
				if (d.ToClass == "zombie" || d.ToClass == "high_risk" || d.ToClass == "small") && len(d.Criteria) == 0 {
					t.Errorf("%s: a %s decision names no criteria", in.Name, d.ToClass)
				}
				from = d.ToClass
			}
			if from != in.Class {
				t.Errorf("%s: class %s, but the history ends at %s", in.Name, in.Class, from)
			}
		}
		if long < 5 {
			t.Errorf("%d institutions with a history of two or more decisions, want several", long)
		}
	})

	t.Run("monthly figures", func(t *testing.T) {
		reporting, kept, broken, zombies, risky := 0, 0, 0, 0, 0
		for _, in := range institutions {
			figs, err := store.FiguresOf(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(figs) == 0 {
				continue
			}
			reporting++
			if len(figs) < 12 {
				t.Errorf("%s: %d months of figures, want at least 12", in.Name, len(figs))
			}
			fell, zeroRun, maxZeroRun, maxOverdue := true, 0, 0, int64(0)
			for i := range figs {
				f := &figs[i]
				var prev *models.MonthlyFigures
				if i > 0 {
					prev = &figs[i-1]
				}
				if fe := f.Check(prev); len(fe) > 0 {
					t.Errorf("%s %s: %v", in.Name, f.Period, fe)
				}
				if i > 0 {
					if f.OutstandingAmount >= figs[i-1].OutstandingAmount || f.Lenders >= figs[i-1].Lenders {
						fell = false
					}
				}
				if f.OutstandingAmount == 0 || f.NewBusinessAmount == 0 && i > 0 {
					zeroRun++
				} else {
					zeroRun = 0
				}
				maxZeroRun, maxOverdue = max(maxZeroRun, zeroRun), max(maxOverdue, f.OverdueShareBP())
			}
			if fell {
				kept++
			} else {
				broken++
			}
			if in.Class == "zombie" {
				zombies++
				if maxZeroRun <= 3 {
					t.Errorf("zombie %s: balance or new business zero for at most %d months in a row", in.Name, maxZeroRun)
				}
			}
			if in.Class == "high_risk" && maxOverdue > 1000 {
				risky++
			}
		}
		if reporting < 40 || kept < 5 || broken < 5 || zombies < 5 || risky < 3 {
			t.Errorf("%d reporting; 双降 kept by %d, broken by %d; %d zombies; %d high-risk with overdue > 10%%", reporting, kept, broken, zombies, risky)
		}
		var late int64
		if err := dbtest.Handle(ctx, store).Model(&models.Disclosure{}).Where("kind = ? AND late_days > 0", "monthly_data").Count(&late).Error; err != nil {
			t.Fatal(err)
		}
		if late < 5 {
			t.Errorf("%d late monthly reports, want a few", late)
		}
	})

	t.Run("notices", func(t *testing.T) {
		notices, total, err := store.ListNotices(ctx, models.NoticeFilter{PerPage: 100, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		kinds, open, concluded := map[string]bool{}, 0, 0
		published := map[uint64]bool{}
		for _, n := range notices {
			published[n.ID] = true
		}
		for _, n := range notices {
			kinds[string(n.Kind)] = true
			if !n.Demo || n.Number == nil || n.PublishedAt == nil || n.SHA256 != n.ContentHash() {
				t.Errorf("notice %d (%s): demo %v, number %v, published %v, hash matches %v", n.ID, n.Title, n.Demo, n.Number, n.PublishedAt, n.SHA256 == n.ContentHash())
			}
			if len(n.Institutions) < 3 || len(n.Institutions) > 8 {
				t.Errorf("notice %s lists %d institutions, want 3–8", n.Title, len(n.Institutions))
			}
			for _, x := range n.Institutions {
				if byUSCC[x.USCC].Province != n.Province {
					t.Errorf("notice %s lists %s of another province", n.Title, x.Name)
				}
			}
			if !strings.Contains(n.Body, "特此") || len([]rune(n.Body)) < 200 {
				t.Errorf("notice %s: body too short or not in the style of a notice", n.Title)
			}
			if n.Kind == "zombie_list" {
				if n.WindowDays == 0 || n.Deadline == nil || n.ClaimWhere == "" {
					t.Errorf("zombie list %s: window %d %s, deadline %v, claim where %q", n.Title, n.WindowDays, n.WindowUnit, n.Deadline, n.ClaimWhere)
				}
				switch n.Status(now) {
				case "open":
					open++
					if n.PublishedAt.Year() < 2021 {
						t.Errorf("open zombie list %s was published in %d", n.Title, n.PublishedAt.Year())
					}
				case "expired":
				case "concluded":
					concluded++
					for _, x := range n.Institutions {
						if x.Outcome != models.OutcomeNoClaim || byUSCC[x.USCC].Disposition != "to_market_regulator" {
							t.Errorf("concluded list %s: %s has outcome %q and disposition %s", n.Title, x.Name, x.Outcome, byUSCC[x.USCC].Disposition)
						}
					}
				default:
					t.Errorf("zombie list %s is %s", n.Title, n.Status(now))
				}
			}
			if n.Kind == "correction" && (n.CorrectsID == nil || !published[*n.CorrectsID]) {
				t.Errorf("correction %s names %v, not a published notice", n.Title, n.CorrectsID)
			}
		}
		if total < 6 || len(kinds) < 4 {
			t.Errorf("%d published notices of kinds %v, want at least 6 of 4 kinds", total, kinds)
		}
		if open != 1 || concluded != 1 {
			t.Errorf("%d zombie lists open now, want exactly 1; %d concluded, want 1", open, concluded)
		}
	})

	t.Run("documents with PDF attachments", func(t *testing.T) {
		docs, _, err := store.ListDisclosures(ctx, models.DisclosureFilter{PerPage: 100,
			Kinds: []string{"exit_announcement", "repayment_plan", "repayment_progress", "major_event"}})
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, d := range docs {
			kinds[d.Kind]++
			full, err := store.DisclosureByID(ctx, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !full.Demo || strings.Count(full.Body, "\n\n") < 3 {
				t.Errorf("%s: demo %v, body of %d paragraphs", d.Title, full.Demo, strings.Count(full.Body, "\n\n")+1)
			}
			if d.Kind == "repayment_plan" && (len(full.Tranches) < 2 || len(full.Tranches) > 4) {
				t.Errorf("%s: %d tranches, want 2–4", d.Title, len(full.Tranches))
			}
			if d.Kind == "repayment_progress" && len(full.Tranches) == 0 {
				t.Errorf("%s: a progress report without payments", d.Title)
			}
			if len(full.Attachments) != 1 {
				t.Fatalf("%s: %d attachments, want one PDF", d.Title, len(full.Attachments))
			}
			a := full.Attachments[0]
			rc, info, err := srv.Blobs().Open(ctx, a.BlobKey)
			if err != nil {
				t.Fatalf("%s: blob %s: %v", a.Name, a.BlobKey, err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != a.SHA256 || int64(len(b)) != a.Size || info.SHA256 != a.SHA256 || a.ContentType != "application/pdf" {
				t.Errorf("%s: the stored blob does not match its row (size %d/%d, type %s)", a.Name, len(b), a.Size, a.ContentType)
			}
			checkPDF(t, b)
		}
		if kinds["exit_announcement"] < 3 || kinds["repayment_plan"] < 3 || kinds["repayment_progress"] < 2 || kinds["major_event"] < 1 {
			t.Errorf("documents by kind: %v", kinds)
		}
	})

	t.Run("logins printed once", func(t *testing.T) {
		emails := []string{"admin@demo.pilu.example", "guangdong@demo.pilu.example", "beijing@demo.pilu.example", "filer@demo.pilu.example"}
		logins := parseDemoLogins(printed)
		if len(logins) != 4 {
			t.Fatalf("%d logins printed, want 4:\n%s", len(logins), printed)
		}
		for i, want := range emails {
			lg := logins[i]
			if lg.Email != want || strings.Count(printed, want) != 1 {
				t.Errorf("login %d is %s, want %s printed once", i, lg.Email, want)
			}
			u, err := store.Authenticate(ctx, lg.Email, lg.Password, "test", now)
			if err != nil {
				t.Fatalf("%s: the printed password does not log in: %v", lg.Email, err)
			}
			if tu, err := store.TokenUser(ctx, lg.Token, now); err != nil || tu.ID != u.ID {
				t.Errorf("%s: the printed token is not the user's: %v", lg.Email, err)
			}
			if u.Role == models.RoleInstitution {
				in, ok := byUSCC[u.InstitutionUSCC]
				if !ok || !strings.Contains(printed, in.USCC) {
					t.Errorf("the institution login's USCC %s is not a demo institution or not printed", u.InstitutionUSCC)
				}
			}
		}
		for _, scope := range []string{"440000", "110000"} {
			if !strings.Contains(printed, scope) {
				t.Errorf("the office of %s is not printed with its province", scope)
			}
		}
	})

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	t.Run("second start adds and prints nothing", func(t *testing.T) {
		srv2, printed2 := openDemo(t, dir)
		defer srv2.Close()
		if strings.Contains(printed2, "demo.pilu.example") || strings.Contains(printed2, "password") {
			t.Errorf("the second start printed logins again:\n%s", printed2)
		}
		_, total2, err := srv2.Store().ListInstitutions(ctx, models.InstitutionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		users, err := srv2.Store().Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, notices, err := srv2.Store().ListNotices(ctx, models.NoticeFilter{Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if total2 != total || len(users) != 4 || notices < 6 {
			t.Errorf("after a second start: %d institutions (was %d), %d users, %d notices", total2, total, len(users), notices)
		}
	})
}

// TestDemoOpenNoticeNearCalendarEnd starts the demo where the open zombie list's 15 working days
// would reach a year the official calendar does not cover: it falls back to 7 calendar days, and
// when those reach it too, the notice is left out and the rest still loads.
func TestDemoOpenNoticeNearCalendarEnd(t *testing.T) {
	_, last := models.DefaultCalendar().Years()
	cases := []struct {
		name string
		now  time.Time
		days int // 0: no open zombie list
		unit models.Unit
	}{
		{"15 working days reach the next year", time.Date(last, 12, 22, 10, 0, 0, 0, models.ChinaZone), 7, models.UnitCalendar},
		{"7 calendar days reach it too", time.Date(last, 12, 31, 10, 0, 0, 0, models.ChinaZone), 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			cfg, err := LoadConfig(nil, func(k string) string { return map[string]string{"PILU_DATA_DIR": t.TempDir()}[k] })
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			srv, err := Open(ctx, cfg, Options{Out: &buf, Now: func() time.Time { return c.now }})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			notices, total, err := srv.Store().ListNotices(ctx, models.NoticeFilter{Kind: "zombie_list", Status: "open", Now: c.now, PerPage: 100})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.days == 0 && total != 0:
				t.Fatalf("%d open zombie lists, want none", total)
			case c.days > 0 && (total != 1 || notices[0].WindowDays != c.days || notices[0].WindowUnit != string(c.unit)):
				t.Fatalf("%d open zombie lists (%v), want one of %d %s days", total, notices, c.days, c.unit)
			}
			if strings.Count(buf.String(), "password:") != 4 {
				t.Fatal("the rest of the demo data set and the logins must still load")
			}
		})
	}
}

// demoLogin is a demo account as printed at the first start.
type demoLogin struct{ Email, Password, Token string }

// parseDemoLogins reads the login block printed by demo.Load.
func parseDemoLogins(printed string) []demoLogin {
	var out []demoLogin
	sc := bufio.NewScanner(strings.NewReader(printed))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, value, ok := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		switch {
		case !ok:
		case key == "email":
			out = append(out, demoLogin{Email: value})
		case key == "password" && len(out) > 0:
			out[len(out)-1].Password = value
		case key == "API token" && len(out) > 0:
			out[len(out)-1].Token = value
		}
	}
	return out
}
