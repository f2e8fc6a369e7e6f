package app

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"pilu/models"
)

// adminFlow: an admin logs in and lands on /admin; a claim window ending in 2027 is refused until
// they load the 2027 calendar there (a test fixture file); then /deadlines computes into 2027 and
// lists the year; the admin creates an office account (its password and token shown once) and
// rotates its token.
func adminFlow(t *testing.T, bs *browserServer, ctx context.Context) {
	password := bs.addUser(models.NewUser{Role: models.RoleAdmin, Email: "admin@browser.example"})
	fixture, err := filepath.Abs("../models/testdata/calendar-2027.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFlow(t, bs, ctx, "admin")
	login(f, "admin@browser.example", password)
	f.step("desk", expectPath(`/admin$`), expectText("h1", "系统管理"), visible("#h-users"))
	f.step("deadline-refused", f.open("/deadlines?from=2026-12-17&days=15&unit=calendar&lang=zh"),
		expectText(".banner.error", "2027年的法定节假日安排尚未载入本站"))
	f.step("calendar-form", f.open("/admin#h-calendars"), visible("#f-calendar"))
	f.step("calendar-loaded", chromedp.SetUploadFiles(chromedp.CSS("#f-calendar"), []string{fixture}),
		clickAndWait(`form[action^="/admin/calendar"] button`), expectText(`main > .banner.info`, "已载入 2027 年"))
	f.step("deadline-2027", f.open("/deadlines?from=2026-12-17&days=15&unit=calendar"),
		expectText(".countdown", "2027年1月4日"), expectText(`section[aria-labelledby="h-calendar"]`, "2018–2027"))
	f.step("user-form", f.open("/admin#h-new-user"), visible("#f-email"))
	f.step("user-created", chromedp.SetValue(chromedp.CSS("#f-role"), "office"), typeInto("#f-email", "newoffice@browser.example"),
		chromedp.SetValue(chromedp.CSS("#f-province"), "110000"), clickAndWait(`form[action="/admin/users"] button`),
		expectText("#h-secret", "newoffice@browser.example"))
	f.step("account", clickAndWait(`//a[text()="newoffice@browser.example"]`), visible("#h-tokens"))
	f.step("token-rotated", clickAndWait(`form[action$="/rotate"] button`), expectText("#h-secret", "新的 API 令牌"))
}
