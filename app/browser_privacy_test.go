package app

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"pilu/models"
)

// privacyFlow is issue 20 in a browser: an office opens the claims of its notice (ID numbers and
// phones masked), tries to reveal one without a reason (refused, said next to the field), reveals
// it with a reason; an admin then finds the reveal in the audit trail by filtering.
func privacyFlow(t *testing.T, bs *browserServer, ctx context.Context) {
	bg := context.Background()
	in := bs.seedInstitution("440106", "MA5PF0001", "广州隐私测试网贷有限公司", "440000")
	n, err := bs.store.CreateNotice(bg, models.NewNotice{Kind: "zombie_list", Province: "440000", Title: "关于隐私测试机构名单的公告",
		Body: "正文", WindowDays: 7, WindowUnit: models.UnitCalendar, USCCs: []string{in.USCC}}, "test", bs.now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bs.store.PublishNotice(bg, n.ID, bs.now()); err != nil {
		t.Fatal(err)
	}
	id := residentID("44030519800101123")
	c, err := bs.store.FileClaim(bg, bs.sealer(), n.ID, models.NewClaim{USCC: in.USCC, Name: "欧阳娜娜", IDNumber: id, Phone: "13812345678",
		Statement: "借款合同一份", PrincipalFen: 25_000_00}, bs.now())
	if err != nil {
		t.Fatal(err)
	}
	office := bs.addUser(models.NewUser{Role: models.RoleOffice, Email: "privacy@browser.example", Province: "440000"})
	admin := bs.addUser(models.NewUser{Role: models.RoleAdmin, Email: "auditor@browser.example"})

	f := newFlow(t, bs, ctx, "privacy")
	login(f, "privacy@browser.example", office)
	claims := fmt.Sprintf("/office/notices/%d/claims", n.ID)
	f.step("claims-masked", f.open(claims), expectText("main table", models.MaskID(id)), expectText("main table", "138****5678"))
	f.step("reveal-form", chromedp.Click(chromedp.CSS(fmt.Sprintf(`details:has(#rv-%d) > summary`, c.ID)), chromedp.NodeVisible), visible(fmt.Sprintf("#rv-%d", c.ID)))
	f.step("reveal-refused", clickAndWait(fmt.Sprintf(`form[action^="%s/%d/reveal"] button`, claims, c.ID)), expectText(fmt.Sprintf("#e-rv-%d", c.ID), "请填写"))
	f.step("revealed", typeInto(fmt.Sprintf("#rv-%d", c.ID), "电话核实申报人身份"), clickAndWait(fmt.Sprintf(`form[action^="%s/%d/reveal"] button`, claims, c.ID)),
		expectText("#revealed", id), expectText("#revealed", "13812345678"))
	f.step("office-audit", f.open("/office/audit"), expectText("main table", "电话核实申报人身份"))

	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	login(f, "auditor@browser.example", admin)
	f.step("audit-trail", f.open("/admin/audit"), expectText("h1", "审计日志"))
	f.step("audit-filtered", chromedp.SetValue(chromedp.CSS(`select[name="action"]`), "claim.reveal"),
		chromedp.SetValue(chromedp.CSS(`select[name="province"]`), "440000"), clickAndWait(`form.filters button`),
		expectText("main table", "电话核实申报人身份"), expectText("main table", "privacy@browser.example"))
}
