package app

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"pilu/models"
)

// journeyScreen sets the tab to one of foldViewports; each step of a journey starts with it, since
// the screenshots after a step reset the screen.
func journeyScreen(width, height int64, mobile bool) chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(width, height, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
		p.Mobile = mobile
	})
}

// investorJourney (issue 16), on a phone and on a desktop: an investor types the brand of a platform
// on an open zombie list into the search box → the list's banner is on the results' first screen
// and the institution is the first result → its page, with the banner, last day, countdown and
// 申报债权 on the first screen → the claim form → a submission with three mistakes shows all three
// at once, keeping what was typed → corrected → the receipt on a page of its own, which a reload
// does not file again.
func investorJourney(t *testing.T, bs *browserServer, ctx context.Context) {
	open, _, err := bs.store.ListNotices(context.Background(), models.NoticeFilter{Kind: models.NoticeZombieList, Status: models.NoticeOpen, Now: bs.now(), PerPage: 1})
	if err != nil || len(open) == 0 {
		t.Fatalf("no open zombie list in the demo data set: %v", err)
	}
	n, err := bs.store.NoticeByID(context.Background(), open[0].ID)
	if err != nil || len(n.Institutions) == 0 {
		t.Fatalf("notice %d lists nobody: %v", open[0].ID, err)
	}
	listed, err := bs.store.InstitutionByUSCC(context.Background(), n.Institutions[0].USCC)
	if err != nil || len(listed.Brands) == 0 {
		t.Fatalf("the listed institution %s has no brand: %v", n.Institutions[0].USCC, err)
	}
	claim := fmt.Sprintf(`.open-notice a.button[href="/notices/%d/claims/new?institution=%s"]`, n.ID, listed.USCC)
	for i, v := range foldViewports {
		screen := journeyScreen(v.width, v.height, v.mobile)
		id := residentID(fmt.Sprintf("11010519800101%03d", 31+i)) // a new claimant on each screen
		bad := id[:17] + map[bool]string{true: "1", false: "2"}[id[17] != '1']
		f := newFlow(t, bs, ctx, "journey-investor-"+v.name)
		f.step("home", screen, f.open("/?lang=zh"), visible("#site-q"), inFirstScreen("#site-q"))
		f.step("search-brand", screen, typeInto("#site-q", listed.Brands[0]), andWait(chromedp.Submit(chromedp.CSS("#site-q"))), expectPath(`/search\?`),
			visible(".open-notice"), inFirstScreen(".open-notice h2"), inFirstScreen(claim),
			expectAttr(`main ul.results > li:first-child > a`, "href", "/institutions/"+listed.USCC))
		f.step("institution", screen, clickAndWait(`main ul.results > li:first-child > a[href="/institutions/`+listed.USCC+`"]`), expectPath(`/institutions/`+listed.USCC+`$`),
			inFirstScreen("h1"), inFirstScreen(".open-notice h2"), inFirstScreen(".open-notice strong"), inFirstScreen(".open-notice .countdown"), inFirstScreen(claim),
			expectText(".open-notice .countdown", "距截止还有"))
		f.step("claim-form", screen, clickAndWait(claim), expectPath(`/claims/new\?institution=`), inFirstScreen("h1"), expectText("h1", "申报"), visible("#name"))
		// Three mistakes at once: an ID number that fails its check, a phone number too short, no principal.
		f.step("claim-errors", screen, typeInto("#name", "李四"), typeInto("#id_number", bad), typeInto("#phone", "1380013"),
			typeInto("#interest", "10"), clickAndWait(`form[enctype] button[type="submit"]`),
			inFirstScreen(`.banner.error[role="alert"]`), visible("#id_number-error"), visible("#phone-error"), visible("#principal-error"),
			expectValue("#name", "李四"), expectValue("#phone", "1380013"), describedBy("#phone", "phone-error"))
		f.step("receipt", screen, typeInto("#id_number", id), typeInto("#phone", "13800138000"), typeInto("#principal", "20000"),
			clickAndWait(`form[enctype] button[type="submit"]`), expectPath(`/claims/receipt/`), inFirstScreen("h1"), expectText("h1", "回执"),
			inFirstScreen(".card .countdown"))
		before, err := chromedp.Run(f.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		claims := countClaims(t, bs, n.ID)
		f.step("receipt-reloaded", screen, andWait(chromedp.Reload()), expectPath("^"+regexp.QuoteMeta(before)+"$"), expectText("h1", "回执"))
		if got := countClaims(t, bs, n.ID); got != claims {
			t.Fatalf("reloading the receipt filed again: %d claims, then %d", claims, got)
		}
	}
}

// clerkJourney (issue 16), on a desktop and on a phone: an office clerk logs in → lands on the desk
// (工作台), whose list of what needs action is on the first screen → 公告与债权申报 in the header →
// a new zombie-list draft → the desk lists the draft → the draft → published → the public notice
// with its open banner on the first screen.
func clerkJourney(t *testing.T, bs *browserServer, ctx context.Context) {
	uscc := firstMatch(t, bs, "/institutions?province=440000", `href="/institutions/(91440[0-9A-Z]{13})"`)
	// An institution listed half a year ago that never filed: a late reporter on the desk.
	now := bs.clock.t
	bs.clock.t = now.AddDate(0, -6, 0)
	late := bs.seedInstitution("440106", "MA5JRN001", "广州迟报测试网贷有限公司", "440000")
	bs.clock.t = now
	lateLink := `#desk-late a[href="/office/institutions/` + late.USCC + `"]`
	for i, v := range foldViewports {
		screen := journeyScreen(v.width, v.height, v.mobile)
		email := fmt.Sprintf("clerk-%s@journey.example", v.name)
		password := bs.addUser(models.NewUser{Role: models.RoleOffice, Email: email, Province: "440000"})
		f := newFlow(t, bs, ctx, "journey-clerk-"+v.name)
		title := fmt.Sprintf("关于公布第%d批僵尸类网络借贷信息中介机构名单的公告", 20+i)
		f.step("login", screen, f.open("/login?lang=zh"), typeInto("#email", email), typeInto("#password", password),
			clickAndWait(`main form button[type="submit"]`), expectPath(`/office$`), visible(`form[action="/logout"]`),
			inFirstScreen("#h-desk"), inFirstScreen("#desk-drafts h3"), expectText("#desk-late h3", "未按时报数"), visible(lateLink))
		if !v.mobile { // the four lists side by side: all of them on the first screen
			f.step("desk", screen, f.open("/office"), inFirstScreen("#desk-suggestions h3"), inFirstScreen("#desk-closing h3"), inFirstScreen(lateLink))
		}
		f.step("notices", screen, clickAndWait(`header nav a[href="/office/notices"]`), expectPath(`/office/notices$`), inFirstScreen("h1"))
		f.step("notice-form", screen, f.open("/office/notices/new"), visible("#title"))
		f.step("draft-saved", screen, chromedp.SetValue(chromedp.CSS("#kind"), "zombie_list"), typeInto("#batch", fmt.Sprintf("第%d批", 20+i)),
			typeInto("#title", title), typeInto("#body", "根据有关规定，现将名单予以公告。相关出借人可在公告期内申报债权。"),
			typeInto("#days", "15"), chromedp.SetValue(chromedp.CSS("#unit"), "working"), typeInto("#paste", uscc),
			clickAndWait(`main form button[type="submit"]`), expectPath(`/office/notices/\d+$`))
		f.step("desk-lists-draft", screen, clickAndWait(`header nav a[href="/office"]`), inFirstScreen("#desk-drafts h3"),
			expectText("#desk-drafts", title))
		f.step("draft", screen, clickAndWait(`//div[@id="desk-drafts"]//a[contains(., "第`+fmt.Sprint(20+i)+`批")]`), expectPath(`/office/notices/\d+$`),
			visible(`form[action$="/publish"] button`))
		f.step("published", screen, clickAndWait(`form[action$="/publish"] button`), expectPath(`/office/notices/\d+$`), expectText("main dl", "年"))
		loc, err := chromedp.Run(f.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(loc)
		f.step("public-notice", screen, f.open(u.Path[len("/office"):]+"?lang=zh"), inFirstScreen(".open-notice h2"),
			inFirstScreen(".open-notice .countdown"), inFirstScreen(".open-notice a.button"))
	}
}

// countClaims counts the claims filed against notice id.
func countClaims(t *testing.T, bs *browserServer, id uint64) int64 {
	t.Helper()
	claims, err := bs.store.ClaimsOf(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(claims))
}
