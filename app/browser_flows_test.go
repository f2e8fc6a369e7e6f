package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestBrowser drives the portal in headless Chromium as people use it: the audits of every page
// first, then the four flows of issue 8 (the office's after the others, since it moves the clock), then
// the admin's (issue 16), which loads a calendar year.
func TestBrowser(t *testing.T) {
	ctx := newBrowserContext(t)
	bs := startBrowserServer(t)
	waitForIndex(t, bs.testServer)
	t.Run("audit", func(t *testing.T) { auditPages(t, bs, ctx) })
	t.Run("public", func(t *testing.T) { publicFlow(t, bs, ctx, "public", true) })
	t.Run("public-without-javascript", func(t *testing.T) {
		if err := scripts(ctx, false); err != nil {
			t.Fatal(err)
		}
		defer scripts(ctx, true)
		publicFlow(t, bs, ctx, "public-nojs", false)
	})
	t.Run("open-notice-fold", func(t *testing.T) { openNoticeFold(t, bs, ctx, "fold", true) })
	t.Run("open-notice-fold-without-javascript", func(t *testing.T) {
		if err := scripts(ctx, false); err != nil {
			t.Fatal(err)
		}
		defer scripts(ctx, true)
		openNoticeFold(t, bs, ctx, "fold-nojs", false)
	})
	t.Run("investor-keyboard", func(t *testing.T) { investorFlow(t, bs, ctx) })
	t.Run("journey-investor", func(t *testing.T) { investorJourney(t, bs, ctx) })
	t.Run("journey-clerk", func(t *testing.T) { clerkJourney(t, bs, ctx) })
	t.Run("institution", func(t *testing.T) { institutionFlow(t, bs, ctx) })
	t.Run("office", func(t *testing.T) { officeFlow(t, bs, ctx) })
	t.Run("admin", func(t *testing.T) { adminFlow(t, bs, ctx) })
	t.Run("privacy", func(t *testing.T) { privacyFlow(t, bs, ctx) })
	t.Run("second-factor", func(t *testing.T) { secondFactorFlow(t, bs, ctx) })
}

// waitForIndex waits until the indexer has taken in the demo data set, so that searches find it.
func waitForIndex(t *testing.T, bs *testServer) {
	t.Helper()
	for i := 0; ; i++ {
		docs, lag, rebuilding, err := bs.indexer.Status(context.Background())
		if err == nil && rebuilding < 0 && lag == 0 && docs > 0 {
			return
		}
		if i == 600 {
			t.Fatalf("the index did not catch up: %d documents, %d waiting, rebuilding %d, %v", docs, lag, rebuilding, err)
		}
		bs.indexer.Poke()
		time.Sleep(50 * time.Millisecond) // the indexer runs in its own goroutine on real time
	}
}

// publicFlow: home → search a brand name → institution page → chart → a disclosure → its PDF.
func publicFlow(t *testing.T, bs *browserServer, ctx context.Context, name string, withChart bool) {
	f := newFlow(t, bs, ctx, name)
	f.step("home", f.open("/?lang=zh"), visible("#site-q"))
	f.step("search", typeInto("#site-q", "穗联贷"), andWait(chromedp.Submit(chromedp.CSS("#site-q"))), expectPath(`/search\?`), expectText("main", "穗联"))
	f.step("institution", clickAndWait(`main ul.plain a[href^="/institutions/"]`), expectPath(`/institutions/[0-9A-Z]{18}$`),
		expectText("h1", "穗联"))
	if withChart {
		f.step("chart", chromedp.ScrollIntoView(chromedp.CSS("svg.chart")), visible("svg.chart"))
	}
	f.step("disclosure", clickAndWait(`//section[@aria-labelledby="h-disclosures"]//a[contains(., "良性退出")]`), expectPath(`/disclosures/\d+$`), expectText("h1", "退出"))
	shown, err := chromedp.Run(f.ctx, textOf(`ul.plain .hash`))
	if err != nil {
		t.Fatal(err)
	}
	got := download(f, `ul.plain a[href^="/attachments/"]`)
	sum := sha256.Sum256(got)
	if len(got) < 100 || !strings.HasPrefix(string(got), "%PDF-") {
		t.Fatalf("the download is not a PDF: %d bytes, starts %q", len(got), trimTo(string(got), 20))
	}
	if hex.EncodeToString(sum[:]) != strings.TrimSpace(shown) {
		t.Fatalf("the downloaded PDF has SHA-256 %x, the page shows %s", sum, shown)
	}
}

// download clicks the link sel and returns the bytes the browser saved.
func download(f *flow, sel string) []byte {
	f.t.Helper()
	dir := f.t.TempDir()
	ctx, cancel := context.WithTimeout(f.ctx, stepTimeout)
	defer cancel()
	events := chromedp.BrowserEvents(ctx, cdpbrowser.DownloadProgress)
	yes := true
	_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes})
	if err != nil {
		f.t.Fatal(err)
	}
	f.step("download", chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	for ev, err := range events {
		if err != nil {
			f.shoot("download-FAILED")
			f.t.Fatalf("the download did not complete: %v", err)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			b, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				f.t.Fatal(err)
			}
			return b
		}
	}
	f.t.Fatal("no download")
	return nil
}

// investorFlow, by keyboard only: the open zombie notice → claim with a bad ID number → the error
// next to the field → corrected → receipt → status page.
func investorFlow(t *testing.T, bs *browserServer, ctx context.Context) {
	f := newFlow(t, bs, ctx, "investor")
	f.step("zombies", f.open("/zombies?lang=zh"), expectText("main", "第五批"))
	f.step("notice", tabTo(`a[href^="/notices/"]:not([href="/notices"])`), pressEnterAndWait(), expectPath(`/notices/\d+$`),
		expectText("h1", "第五批"), visible(".countdown"))
	f.step("claim-form", tabTo(`a[href*="/claims/new"]`), pressEnterAndWait(), expectPath(`/claims/new`), visible("#id_number"))
	fill := func(id, text string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(tabTo("#"+id), typeKeys(text))
	}
	f.step("claim-with-bad-id", fill("name", "张三"), fill("id_number", "110105194912310021"), fill("phone", "13800138000"),
		fill("principal", "50000"), fill("interest", "1200.50"), tabTo(`form[enctype] button[type="submit"]`), pressEnterAndWait(),
		visible("#id_number-error"), expectText("#id_number-error", "校验"), describedBy("#id_number", "id_number-error"),
		expectAttr("#id_number-error", "role", "alert"), expectValue("#name", "张三"))
	f.step("claim-corrected", tabTo("#id_number"), typeKeys("11010519491231002X"), tabTo(`form[enctype] button[type="submit"]`), pressEnterAndWait(),
		expectText("h1", "回执"))
	receipt, err := chromedp.Run(f.ctx, textOf(".card .countdown"))
	receipt = strings.TrimSpace(receipt)
	if err != nil || len(receipt) < 6 {
		t.Fatalf("no receipt number on the receipt page: %q", receipt)
	}
	f.step("status", tabTo(`main a[href="/claims/status"]`), pressEnterAndWait(), fill("receipt", receipt), fill("last4", "002X"),
		tabTo(`main form button[type="submit"]`), pressEnterAndWait(), expectText(`[role="status"]`, receipt))
}

// institutionFlow: log in → monthly figures with one mistake → corrected → published → amend →
// the diff.
func institutionFlow(t *testing.T, bs *browserServer, ctx context.Context) {
	in := bs.seedInstitution("440300", "MA5BRW001", "深圳市浏览测试信息咨询有限公司", "440300", "浏览贷")
	password := bs.addUser(models.NewUser{Role: models.RoleInstitution, Email: "filer@browser.example", InstitutionUSCC: in.USCC})
	f := newFlow(t, bs, ctx, "institution")
	login(f, "filer@browser.example", password)
	f.step("filer-home", f.open("/filer"), expectText("main", in.Name))
	f.step("figures-form", clickAndWait(`main a[href="/filer/figures"]`), visible("#period"))
	ids, err := evaluate[[]string](f.ctx, `Array.from(document.querySelectorAll('input[name^="fig."]')).map(e => e.id)`)
	if err != nil || len(ids) < 10 {
		t.Fatalf("the figures form has %d figure fields", len(ids))
	}
	fills := []chromedp.Action[chromedp.Void]{typeInto("#period", "2026-10")}
	for _, id := range ids {
		v := "100"
		if id == "fig-overdue_amount" {
			v = "200" // the mistake: overdue above the outstanding balance
		}
		fills = append(fills, typeInto("#"+id, v))
	}
	f.step("figures-with-mistake", chromedp.Steps(fills...), clickAndWait(`main form button[type="submit"]`), visible("#fig-overdue_amount-err"),
		describedBy("#fig-overdue_amount", "fig-overdue_amount-err"), expectAttr("#fig-overdue_amount-err", "role", "alert"), expectCJK("#fig-overdue_amount-err"),
		expectValue("#fig-lenders", "100"))
	f.step("figures-corrected", typeInto("#fig-overdue_amount", "100"), clickAndWait(`main form button[type="submit"]`), expectPath(`/disclosures/\d+$`),
		expectText("main", "2026"))
	f.step("filer-list", f.open("/filer"), expectText("main table", "2026"))
	f.step("amend-form", clickAndWait(`main table a[href$="/amend"]`), visible("#reason"))
	f.step("amended", typeInto("#reason", "更正逾期90天以上金额"), typeInto("#fig-overdue90_amount", "60"), clickAndWait(`main form button[type="submit"]`),
		expectPath(`/disclosures/\d+$`), visible("#h-diff"), expectText(".diff", "60.00"))
}

// officeFlow: log in → import an Excel list → accept a rule suggestion → publish a zombie list →
// the deadline → outcomes after the deadline.
func officeFlow(t *testing.T, bs *browserServer, ctx context.Context) {
	// The institution flow filed an overdue share above 10% in Shenzhen: the rules suggest high risk.
	if _, err := bs.store.RefreshSuggestions(context.Background(), "440300", bs.now()); err != nil {
		t.Fatal(err)
	}
	pending, err := bs.store.Suggestions(context.Background(), models.SuggestionFilter{Status: models.SuggestionPending})
	if err != nil || len(pending) == 0 {
		t.Fatalf("no pending rule suggestion in the demo data set to accept: %v", err)
	}
	province := pending[0].Province
	password := bs.addUser(models.NewUser{Role: models.RoleOffice, Email: "office@browser.example", Province: province})
	f := newFlow(t, bs, ctx, "office")
	login(f, "office@browser.example", password)
	f.step("dashboard", f.open("/office"), expectText("h1", provinceName("zh", province)))

	xlsx := importWorkbook(t)
	f.step("import-form", clickAndWait(`main a[href="/office/import"]`), visible("#f-file"))
	f.step("imported", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{xlsx}), clickAndWait(`main form.import-form button[type="submit"]`),
		visible("#h-report"), expectText("#h-report ~ .banner", "2"))

	var target models.Institution
	if err := dbtest.Handle(context.Background(), bs.store).First(&target, pending[0].InstitutionID).Error; err != nil {
		t.Fatal(err)
	}
	f.step("flagged", f.open("/office"), clickAndWait(fmt.Sprintf(`main a[href="/office/institutions/%s"]`, target.USCC)), visible("#h-sugg"))
	f.step("suggestion-accepted", typeInto(fmt.Sprintf("#acc-%d", pending[0].ID), "连续三个月无新增业务，同意规则建议"),
		clickAndWait(fmt.Sprintf(`form[action="/office/suggestions/%d/accept"] button`, pending[0].ID)), expectPath(`accepted=1`))

	f.step("notice-form", f.open("/office/notices/new"), visible("#title"))
	f.step("notice-draft", chromedp.SetValue(chromedp.CSS("#kind"), "zombie_list"), typeInto("#batch", "第六批"),
		typeInto("#title", "关于公布第六批僵尸类网络借贷信息中介机构名单的公告"),
		typeInto("#body", "根据有关规定，现将第六批僵尸类机构名单予以公告。相关出借人可在公告期内申报债权。"),
		typeInto("#days", "15"), chromedp.SetValue(chromedp.CSS("#unit"), "working"), typeInto("#paste", target.USCC),
		clickAndWait(`main form button[type="submit"]`), expectPath(`/office/notices/\d+$`))
	f.step("published", clickAndWait(`form[action$="/publish"] button`), expectPath(`/office/notices/\d+$`), expectText("main dl", "年"))
	loc, err := chromedp.Run(f.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	f.step("public-notice", f.open("/notices/"+id), visible(".countdown"), expectText("main dl", "2026年"))

	bs.clock.t = bs.clock.t.AddDate(0, 1, 0) // past the 15 working days; the session has expired meanwhile
	login(f, "office@browser.example", password)
	f.step("after-deadline", f.open("/office/notices/"+id), visible(`form[action$="/outcomes"]`))
	f.step("outcome-recorded", clickAndWait(`form[action$="/outcomes"] button`), expectPath(`/office/notices/\d+`))
	n, err := bs.store.NoticeByID(context.Background(), mustID(t, id))
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Institutions) == 0 || n.Institutions[0].Outcome == "" {
		t.Fatalf("no outcome recorded for notice %s: %+v", id, n.Institutions)
	}
}

// login signs in through the login page.
func login(f *flow, email, password string) {
	f.t.Helper()
	f.step("login", f.open("/login?lang=zh"), typeInto("#email", email), typeInto("#password", password), clickAndWait(`main form button[type="submit"]`),
		visible(`form[action="/logout"]`))
}

// importWorkbook writes a small XLSX list with the template's headers: two new institutions.
func importWorkbook(t *testing.T) string {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	rows := [][]any{{"机构名称", "统一社会信用代码", "平台名称", "所在地区"}}
	for i, org := range []string{"MA5BRW003", "MA5BRW004"} {
		uscc, err := models.MakeUSCC("440100", org)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, []any{fmt.Sprintf("广州市导入测试%d号信息咨询有限公司", i+1), uscc, fmt.Sprintf("导入贷%d", i+1), "天河区"})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "名单.xlsx")
	if err := x.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustID(t *testing.T, s string) uint64 {
	t.Helper()
	var id uint64
	if _, err := fmt.Sscan(s, &id); err != nil {
		t.Fatalf("not a notice id: %q", s)
	}
	return id
}

// describedBy fails when the field sel is not described by the element id.
func describedBy(sel, id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		a, err := chromedp.AttributeValue(chromedp.CSS(sel), "aria-describedby")(ctx, t)
		if err != nil {
			return err
		}
		if v := a.Value; !strings.Contains(" "+v+" ", " "+id+" ") {
			return fmt.Errorf("%s has aria-describedby %q, want %s in it", sel, v, id)
		}
		return nil
	})
}

// expectAttr fails when sel's attribute is not want.
func expectAttr(sel, name, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		a, err := chromedp.AttributeValue(chromedp.CSS(sel), name)(ctx, t)
		if err != nil {
			return err
		}
		if v := a.Value; v != want {
			return fmt.Errorf("%s has %s=%q, want %q", sel, name, v, want)
		}
		return nil
	})
}

// expectValue fails when the field sel does not hold want (the form keeps what the user typed).
func expectValue(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := chromedp.Value(chromedp.CSS(sel))(ctx, t)
		if err != nil {
			return err
		}
		if v != want {
			return fmt.Errorf("%s holds %q, want %q", sel, v, want)
		}
		return nil
	})
}

// expectCJK fails when sel's text has no Chinese: a model's English message left untranslated.
func expectCJK(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		s, err := textOf(sel)(ctx, t)
		if err != nil {
			return err
		}
		if !hasCJK(s) {
			return fmt.Errorf("%s reads %q on a Chinese page", sel, s)
		}
		return nil
	})
}
