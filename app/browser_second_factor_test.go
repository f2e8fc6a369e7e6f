package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"pilu/models"
)

// secondFactorFlow: an office sets up two-step verification on its account page by QR code, logs
// out, logs in with its password and an authenticator's code, then once more with a recovery code.
// The portal's clock is the test's, so the codes are computed for it and it moves between logins
// (a code is never accepted twice).
func secondFactorFlow(t *testing.T, bs *browserServer, ctx context.Context) {
	password := bs.addUser(models.NewUser{Role: models.RoleOffice, Email: "totp@browser.example", Province: "440000"})
	f := newFlow(t, bs, ctx, "second-factor")
	login(f, "totp@browser.example", password)
	f.step("account", f.open("/account?lang=zh"), expectText("#h-2fa", "两步验证"), visible(`form[action="/account/2fa"] button`))
	f.step("qr-code", clickAndWait(`form[action="/account/2fa"] button`), visible("img.qr"), visible("#totp-secret"),
		chromedp.ScrollIntoView(chromedp.CSS("img.qr")))
	secret, err := chromedp.Run(f.ctx, textOf("#totp-secret"))
	if err != nil {
		t.Fatal(err)
	}
	secret = strings.ReplaceAll(secret, " ", "")
	code, _ := totp.GenerateCode(secret, bs.now())
	f.step("wrong-first-code", typeInto("#f-code", "000000"), clickAndWait(`form[action="/account/2fa/confirm"] button`),
		expectText("#e-code", "验证码不正确"), visible("img.qr"))
	f.step("recovery-codes", typeInto("#f-code", code), clickAndWait(`form[action="/account/2fa/confirm"] button`),
		visible(".recovery-codes"), expectText("#h-recovery", "恢复码"))
	recovery, err := chromedp.Run(f.ctx, textOf(".recovery-codes li code"))
	if err != nil {
		t.Fatal(err)
	}
	f.step("logout", clickAndWait(`form[action="/logout"] button`), visible(`a[href="/login"]`))

	bs.clock.t = bs.clock.t.Add(time.Minute)
	f.step("password", f.open("/login?lang=zh"), typeInto("#email", "totp@browser.example"), typeInto("#password", password),
		clickAndWait(`main form button[type="submit"]`), expectPath(`/login/code$`), visible("#code"))
	f.step("wrong-code", typeInto("#code", "123456"), clickAndWait(`main form button[type="submit"]`), expectText("#code-error", "验证码错误"))
	code, _ = totp.GenerateCode(secret, bs.now())
	f.step("code", typeInto("#code", code), clickAndWait(`main form button[type="submit"]`), expectPath(`/office$`),
		visible(`form[action="/logout"]`))
	f.step("logout-again", clickAndWait(`form[action="/logout"] button`), visible(`a[href="/login"]`))

	bs.clock.t = bs.clock.t.Add(time.Minute)
	f.step("password-again", f.open("/login?lang=zh"), typeInto("#email", "totp@browser.example"), typeInto("#password", password),
		clickAndWait(`main form button[type="submit"]`), expectPath(`/login/code$`))
	f.step("recovery-code", typeInto("#code", recovery), clickAndWait(`main form button[type="submit"]`), expectPath(`/account\?recovery=used$`),
		expectText("main .banner.info", "还剩 9 个"))
	f.step("token-form", chromedp.ScrollIntoView(chromedp.CSS(`form[action="/account/tokens"]`)), visible("#f-token-expires"))
}
