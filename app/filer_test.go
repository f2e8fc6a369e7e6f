package app

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"pilu/models"
)

// browser is a logged-in browser: its session and CSRF cookies and its form token.
type browser struct {
	ts      *testServer
	cookies []*http.Cookie
	token   string
}

// loginAs logs a browser in through the login form.
func (ts *testServer) loginAs(email, password string) browser {
	ts.t.Helper()
	csrf := cookie(ts.get("/login"), csrfCookie)
	token := ts.csrfFor(csrf.Value)
	r := ts.postForm("/login", url.Values{"email": {email}, "password": {password}, "_csrf": {token}}, csrf)
	sess := cookie(r, sessionCookie)
	if r.StatusCode != 303 || sess == nil {
		ts.t.Fatalf("login %s: %d", email, r.StatusCode)
	}
	return browser{ts: ts, cookies: []*http.Cookie{csrf, sess}, token: token}
}

func (b browser) get(path string) response {
	req := httptest.NewRequest("GET", path, nil)
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	return b.ts.do(req)
}

// submit posts a multipart form as the browser does; token "" sends none.
func (b browser) submit(path, token string, fields map[string]string, files ...part) response {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, f := range files {
		fw, _ := w.CreateFormFile("files", f.name)
		fw.Write(f.body)
	}
	w.Close()
	if token != "" {
		path += "?_csrf=" + token
	}
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	return b.ts.do(req)
}

// figureFields is a complete figures form typed in yuan, with overrides.
func figureFields(period string, over map[string]string) map[string]string {
	f := map[string]string{"kind": "monthly_data", "period": period}
	for _, n := range models.FigureNames {
		f["fig."+n] = "10"
	}
	f["fig.outstanding_amount"] = "1,234,567.89"
	f["fig.cum_lending_amount"] = "5,000,000" // the figures satisfy every rule (models.FigureRules)
	for k, v := range over {
		f[k] = v
	}
	return f
}

func TestFilerPages(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			in := ts.seedInstitution("440106", "MA5D0AMD1", "深圳甲网贷信息服务有限公司", "440000", "甲贷")
			other := ts.seedInstitution("440106", "MA5D0AMD2", "深圳乙网贷信息服务有限公司", "440000", "乙贷")
			_, pw, _, err := ts.store.CreateUser(context.Background(), models.NewUser{Role: models.RoleInstitution, Email: "filer@jia.cn", InstitutionUSCC: in.USCC})
			if err != nil {
				t.Fatal(err)
			}
			ts.store.CreateUser(context.Background(), models.NewUser{Role: models.RoleInstitution, Email: "filer@yi.cn", InstitutionUSCC: other.USCC, Password: "yi-password-123"})
			br := ts.loginAs("filer@jia.cn", pw)

			if r := ts.get("/filer/figures"); r.StatusCode != 303 {
				t.Fatalf("without a login the filer pages send to the login page: %d", r.StatusCode)
			}
			form := br.get("/filer/figures")
			if form.StatusCode != 200 || !strings.Contains(form.body, `name="fig.overdue90_count"`) || !strings.Contains(form.body, "_csrf="+br.token) {
				t.Fatalf("figures form: %d", form.StatusCode)
			}

			// Bad input shows the form again with the message next to the field and the input kept.
			cases := []struct {
				name   string
				token  string
				fields map[string]string
				status int
				want   []string
			}{
				{"no CSRF token", "", figureFields("2026-10", nil), 403, nil},
				{"three decimals", br.token, figureFields("2026-10", map[string]string{"fig.lenders": "12.345", "fig.overdue_amount": "12.345"}), 422, []string{`id="fig-overdue_amount-err"`, `value="12.345"`, "最多两位小数", `value="1,234,567.89"`}},
				{"overdue above balance", br.token, figureFields("2026-10", map[string]string{"fig.overdue_amount": "2000000"}), 422, []string{`id="fig-overdue_amount-err"`, `value="2000000"`, "不能超过借贷余额"}},
				{"a future month", br.token, figureFields("2026-12", nil), 422, []string{`id="period-err"`, `value="2026-12"`, "请选择已经结束的月份"}},
				{"largest above top 10", br.token, figureFields("2026-10", map[string]string{"fig.largest_amount": "1,234,567.89", "fig.top10_amount": "1000"}), 422, []string{`id="fig-largest_amount-err"`, "最大单一借款人待还金额不能超过前十大借款人待还金额"}},
				{"event without a title", br.token, map[string]string{"kind": "other", "body": "正文保留"}, 422, []string{`id="title-err"`, "正文保留"}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before := ts.counts()
					r := br.submit("/filer/disclosures", c.token, c.fields)
					if r.StatusCode != c.status {
						t.Fatalf("status %d, want %d", r.StatusCode, c.status)
					}
					for _, w := range c.want {
						if !strings.Contains(r.body, w) {
							t.Errorf("the form lacks %s", w)
						}
					}
					if after := ts.counts(); after != before {
						t.Fatalf("a refused form wrote something: %v → %v", before, after)
					}
				})
			}

			// Figures typed in yuan are stored as exact fen; the filer lands on the public page.
			r := br.submit("/filer/disclosures", br.token, figureFields("2026-10", map[string]string{"fig.overdue_amount": "10.07"}))
			if r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/disclosures/") {
				t.Fatalf("figures: %d %s", r.StatusCode, r.body)
			}
			var id uint64
			fmt.Sscanf(r.Header.Get("Location"), "/disclosures/%d", &id)
			d, _ := ts.store.DisclosureByID(context.Background(), id)
			if d.Figures == nil || d.Figures.OutstandingAmount != 123456789 || d.Figures.OverdueAmount != 1007 || d.Figures.Lenders != 10 {
				t.Fatalf("figures stored: %+v", d.Figures)
			}

			// An exit announcement with a PDF and a plan, then its amendment from the prefilled form.
			r = br.submit("/filer/disclosures", br.token, map[string]string{"kind": "exit_announcement", "title": "退出公告", "body": "第一期兑付30%",
				"tranches.0.date": "2027-01-31", "tranches.0.share": "30", "base_amount": "10000000"}, part{"公告.pdf", testPDF})
			if r.StatusCode != 303 {
				t.Fatalf("exit announcement: %d %s", r.StatusCode, r.body)
			}
			fmt.Sscanf(r.Header.Get("Location"), "/disclosures/%d", &id)
			if page := ts.get(r.Header.Get("Location")).body; !strings.Contains(page, "公告.pdf") || !strings.Contains(page, "30.00%") {
				t.Fatal("the public page lacks the PDF or the plan")
			}
			amendPath := fmt.Sprintf("/filer/disclosures/%d/amend", id)
			prefilled := br.get(amendPath)
			if !strings.Contains(prefilled.body, "第一期兑付30%") || !strings.Contains(prefilled.body, `value="30.00"`) || !strings.Contains(prefilled.body, `value="10000000.00"`) || !strings.Contains(prefilled.body, "checked") {
				t.Fatal("the amendment form is not prefilled")
			}
			fields := map[string]string{"title": "退出公告", "body": "第一期兑付35%", "tranches.0.date": "2027-01-31", "tranches.0.share": "35", "base_amount": "10000000"}
			if r := br.submit(amendPath, br.token, fields); r.StatusCode != 422 || !strings.Contains(r.body, `id="reason-err"`) || !strings.Contains(r.body, "第一期兑付35%") {
				t.Fatalf("an amendment without a reason: %d", r.StatusCode)
			}
			yi := ts.loginAs("filer@yi.cn", "yi-password-123")
			fields["reason"] = "比例有误"
			if r := yi.submit(amendPath, yi.token, fields); r.StatusCode != 403 {
				t.Fatalf("amending someone else's disclosure: %d", r.StatusCode)
			}
			fields["keep_1"] = "1"
			r = br.submit(amendPath, br.token, fields)
			if r.StatusCode != 303 {
				t.Fatalf("amendment: %d %s", r.StatusCode, r.body)
			}
			page := ts.get(r.Header.Get("Location")).body
			for _, w := range []string{"比例有误", "<del>0</del>", "<ins>5</ins>", "删除", "第 1 期", "<del>30.00%</del> <ins>35.00%</ins>"} {
				if !strings.Contains(page, w) {
					t.Errorf("the amendment's page lacks %s", w)
				}
			}

			// A plan in percentages needs its base amount; a progress report names one of the
			// institution's plans (the form offers them), or reports on the latest.
			r = br.submit("/filer/disclosures", br.token, map[string]string{"kind": "repayment_plan", "title": "兑付方案", "tranches.0.date": "2027-01-31", "tranches.0.share": "100"})
			if r.StatusCode != 422 || !strings.Contains(r.body, `id="base_amount-err"`) || !strings.Contains(r.body, "按比例兑付的方案须填写兑付基数") {
				t.Fatalf("a plan in percentages without its base: %d", r.StatusCode)
			}
			if form := br.get("/filer/disclosures/new?kind=repayment_progress").body; !strings.Contains(form, fmt.Sprintf(`<option value="%d"`, id)) {
				t.Fatal("the form does not offer the institution's plans")
			}
			progress := map[string]string{"kind": "repayment_progress", "title": "兑付进展", "tranches.0.date": "2026-10-01", "tranches.0.amount": "1000000", "plan": "abc"}
			if r := br.submit("/filer/disclosures", br.token, progress); r.StatusCode != 422 || !strings.Contains(r.body, `id="plan-err"`) || !strings.Contains(r.body, "请选择本机构的一个兑付方案") {
				t.Fatalf("a progress report naming no plan: %d", r.StatusCode)
			}
			progress["plan"] = fmt.Sprint(id)
			r = br.submit("/filer/disclosures", br.token, progress)
			if r.StatusCode != 303 {
				t.Fatalf("progress: %d %s", r.StatusCode, r.body)
			}
			var pid uint64
			fmt.Sscanf(r.Header.Get("Location"), "/disclosures/%d", &pid)
			if d, _ := ts.store.DisclosureByID(context.Background(), pid); d.PlanID == nil || *d.PlanID != id {
				t.Fatalf("the progress report refers to %v, want plan %d", d.PlanID, id)
			}
			latest, _ := ts.store.LatestVersion(context.Background(), id)
			if page := ts.get(fmt.Sprintf("/disclosures/%d", latest.ID)).body; !strings.Contains(page, "1,000,000.00") || !strings.Contains(page, "28.57%") {
				t.Error("the plan's page does not show what was paid against it")
			}
		})
	}
}
