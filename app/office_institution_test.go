package app

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"pilu/models"
)

// officeToken creates an office of province and returns its API token.
func (ts *testServer) officeToken(email, province string) string {
	ts.t.Helper()
	_, _, tok, err := ts.store.CreateUser(context.Background(), modelsNewOffice(email, province))
	if err != nil {
		ts.t.Fatal(err)
	}
	return tok
}

// send sends a request with a bearer token (no CSRF is needed with one).
func (ts *testServer) send(method, path, token, ctype, body string) response {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.do(req)
}

func TestInstitutionAPIWritesAndScope(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			gd, bj := ts.officeToken("gd@example.cn", "440000"), ts.officeToken("bj@example.cn", "110000")
			_, _, admin, _ := ts.store.CreateUser(context.Background(), models.NewUser{Role: models.RoleAdmin, Email: "admin@example.cn"})
			uscc, _ := models.MakeUSCC("440106", "HL0000001")
			fuzhou, _ := models.MakeUSCC("350100", "HL0000003")
			shenzhen, _ := models.MakeUSCC("440305", "HL0000004")
			company := `{"uscc":"` + uscc + `","name":"广州鹭汀网络借贷有限公司","brands":["鹭汀创投"],"province":"440000","district":"深圳市福田区"}`
			cases := []struct {
				name, token, body string
				status            int
				field             string
			}{
				{"no token", "", company, 401, ""},
				{"admin may not write", admin, company, 403, ""},
				{"other province", bj, company, 403, ""},
				{"malformed JSON", gd, `{"uscc":`, 400, ""},
				{"unknown field", gd, `{"usc":"x"}`, 400, ""},
				{"bad check character", gd, strings.Replace(company, uscc, uscc[:17]+map[bool]string{true: "1", false: "2"}[uscc[17] != '1'], 1), 422, "uscc"},
				{"letter O in the USCC", gd, strings.Replace(company, uscc, "91440300O00000001X", 1), 422, "uscc"},
				{"province that does not exist", gd, strings.Replace(company, "440000", "990000", 1), 422, "province"},
				{"no name", gd, strings.Replace(company, "广州鹭汀网络借贷有限公司", " ", 1), 422, "name"},
				{"registered in Fujian", gd, strings.Replace(company, uscc, fuzhou, 1), 422, "uscc"},
				{"registered in Shenzhen, a plan city with its own office", gd, strings.Replace(company, uscc, shenzhen, 1), 422, "uscc"},
				{"the template's sample code", gd, strings.Replace(company, uscc, models.SampleUSCC, 1), 422, "uscc"},
				{"created", gd, company, 201, ""},
				{"duplicate USCC", gd, company, 409, ""},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					r := ts.send("POST", "/api/v1/institutions", c.token, "application/json", c.body)
					if r.StatusCode != c.status {
						t.Fatalf("status %d, want %d: %s", r.StatusCode, c.status, r.body)
					}
					if c.status >= 400 {
						if _, fields := jsonError(t, r); c.field != "" && fields[c.field] == "" {
							t.Fatalf("want a field error on %s: %s", c.field, r.body)
						}
					}
				})
			}
			classify := []struct {
				name, token, body string
				status            int
			}{
				{"other province", bj, `{"class":"zombie","reason":"x"}`, 403},
				{"unknown class", gd, `{"class":"dead","reason":"x"}`, 422},
				{"no reason", gd, `{"class":"zombie","reason":""}`, 422},
				{"classified", gd, `{"class":"zombie","reason":"借贷余额连续四个月为零","criteria":["zombie_outstanding_zero:2019-02..2019-05"]}`, 201},
				{"same class again", gd, `{"class":"zombie","reason":"again"}`, 422},
			}
			for _, c := range classify {
				t.Run("classify "+c.name, func(t *testing.T) {
					r := ts.send("POST", "/api/v1/institutions/"+uscc+"/classification", c.token, "application/json", c.body)
					if r.StatusCode != c.status {
						t.Fatalf("status %d, want %d: %s", r.StatusCode, c.status, r.body)
					}
				})
			}
			r := ts.get("/api/v1/institutions/" + uscc)
			var got struct {
				Class   string            `json:"class"`
				Flags   []json.RawMessage `json:"flags"`
				History []models.Decision `json:"history"`
			}
			if err := json.Unmarshal([]byte(r.body), &got); err != nil || got.Class != "zombie" || got.Flags == nil || len(got.History) != 1 || got.History[0].Criteria[0] != "借贷余额连续超过三个月为零（2019年2月至2019年5月）" {
				t.Fatalf("read back: %v %s", err, r.body)
			}
		})
	}
}

func TestOfficePagesScopeAndForms(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			gd, bj := ts.officeToken("gd@example.cn", "440000"), ts.officeToken("bj@example.cn", "110000")
			in := ts.seedInstitution("440106", "HL0000002", "深圳旧名网贷有限公司", "440000", "鹭汀")
			form := "application/x-www-form-urlencoded"
			fuzhouCode, _ := models.MakeUSCC("350100", "HL0000005")
			edit := url.Values{"name": {"深圳新名网贷有限公司"}, "uscc": {in.USCC}, "province": {"440000"}, "brands": {"鹭汀\n鹭汀创投"}}
			cases := []struct {
				name, method, path, token, body string
				status                          int
				want                            string
			}{
				{"dashboard without login", "GET", "/office", "", "", 303, ""},
				{"dashboard", "GET", "/office", gd, "", 200, "本辖区机构（共 1 家）"},
				{"other province's office page", "GET", "/office/institutions/" + in.USCC, bj, "", 403, ""},
				{"other province's edit", "POST", "/office/institutions/" + in.USCC, bj, edit.Encode(), 403, ""},
				{"other province's disposition", "POST", "/office/institutions/" + in.USCC + "/disposition", bj, "disposition=listed&reason=x", 403, ""},
				{"create with errors keeps the input", "POST", "/office/institutions", gd, "name=%E6%B5%8B%E8%AF%95%E6%9C%BA%E6%9E%84&uscc=91440300ABC&province=440000", 422, "测试机构"},
				{"create with a short USCC says why in Chinese", "POST", "/office/institutions", gd, "name=x&uscc=91440300ABC&province=440000", 422, "统一社会信用代码应为18位，当前为11位"},
				{"create with a bad province says why in Chinese", "POST", "/office/institutions", gd, "name=x&uscc=" + in.USCC + "&province=999999", 422, "不是有效的省级行政区划代码或计划单列市代码"},
				{"create with a bad province in English", "POST", "/office/institutions?lang=en", gd, "name=x&uscc=" + in.USCC + "&province=999999", 422, "Not a GB/T 2260 province code"},
				{"create a Fuzhou institution says whose it is", "POST", "/office/institutions", gd, "name=x&uscc=" + fuzhouCode + "&province=440000", 422, "按属地管理应列入福建省网贷整治办的名单"},
				{"create a Fuzhou institution in English", "POST", "/office/institutions?lang=en", gd, "name=x&uscc=" + fuzhouCode + "&province=440000", 422, "it belongs on the list of the Fujian office"},
				{"create in another province", "POST", "/office/institutions", gd, "name=x&uscc=" + in.USCC + "&province=110000", 403, ""},
				{"create a taken USCC", "POST", "/office/institutions", gd, "name=x&uscc=" + in.USCC + "&province=440000", 409, "已在名单中"},
				{"edit", "POST", "/office/institutions/" + in.USCC, gd, edit.Encode(), 303, ""},
				{"forbidden move", "POST", "/office/institutions/" + in.USCC + "/disposition", gd, "disposition=deregistered&reason=x", 422, "处置状态不能这样变更"},
				{"allowed move", "POST", "/office/institutions/" + in.USCC + "/disposition", gd, "disposition=listed&reason=%E5%88%97%E5%85%A5", 303, ""},
				{"thresholds not a number", "POST", "/office/thresholds", gd, "outstanding=abc&lenders=5", 422, "请填写大于零的数"},
				{"thresholds", "POST", "/office/thresholds", gd, "outstanding=10000&lenders=50", 303, ""},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					r := ts.send(c.method, c.path, c.token, form, c.body)
					if r.StatusCode != c.status || !strings.Contains(r.body, c.want) {
						t.Fatalf("status %d, want %d and %q: %.300s", r.StatusCode, c.status, c.want, r.body)
					}
				})
			}
			page := ts.get("/institutions/" + in.USCC)
			if !strings.Contains(page.body, "深圳新名网贷有限公司") || !strings.Contains(page.body, "深圳旧名网贷有限公司") {
				t.Fatal("the public page shows the new name and the old one as a former name")
			}
			th, _ := ts.store.Thresholds(context.Background(), "440000")
			if th == nil || th.OutstandingFen != 1_000_000 || th.Lenders != 50 {
				t.Fatalf("thresholds %+v", th)
			}
		})
	}
}
