package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"pilu/models"
)

// alertText finds the text of every element a page marks role="alert" (field errors, banners) and
// of the error page's message.
var alertText = regexp.MustCompile(`(?s)role="alert"[^>]*>(.*?)</(?:span|p|div|li)>`)

// tagText strips tags from a fragment of a page.
var tagText = regexp.MustCompile(`<[^>]*>`)

// wantChinese fails when a page refusing bad input shows a reason that is not Chinese: every alert
// holds Chinese text, and nothing of the form "models: …", a catalog key ("problem.…",
// "error.title.…") or an English sentence ("it is empty").
func wantChinese(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Errorf("%s: status %d, want %d: %.500s", what, r.StatusCode, status, r.body)
		return
	}
	for _, bad := range []string{"models: ", "problem.", "error.title.", "it is empty", "model: "} {
		if strings.Contains(r.body, bad) {
			t.Errorf("%s: the page shows %q", what, bad)
		}
	}
	alerts := alertText.FindAllStringSubmatch(r.body, -1)
	if len(alerts) == 0 {
		t.Errorf("%s: no error shown: %.1500s", what, r.body)
	}
	for _, m := range alerts {
		text := strings.TrimSpace(html.UnescapeString(tagText.ReplaceAllString(m[1], "")))
		if text != "" && !hanText.MatchString(text) {
			t.Errorf("%s: an error not in Chinese: %q", what, text)
		}
		if english := regexp.MustCompile(`[A-Za-z]{2,}( [a-z]{2,}){3,}`).FindString(text); english != "" {
			t.Errorf("%s: an English sentence in %q: %q", what, text, english)
		}
	}
}

// TestBadInputIsRefusedInChinese submits bad input to every form of the portal (public, filer,
// office and admin pages) in Chinese and checks that every reason shown is Chinese.
func TestBadInputIsRefusedInChinese(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := context.Background()
	gd, _, _, err := ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000"))
	if err != nil {
		t.Fatal(err)
	}
	admin, _, _, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "admin@example.cn"})
	if err != nil {
		t.Fatal(err)
	}
	in := ts.seedInstitution("440106", "MA5HL7001", "广州中文网贷信息中介有限公司", "440000")
	other := ts.seedInstitution("110105", "MA5HL7002", "北京中文网贷有限公司", "110000")
	filer, _, _, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleInstitution, Email: "filer@example.cn", InstitutionUSCC: in.USCC})
	if err != nil {
		t.Fatal(err)
	}
	office, adm, inst := ts.newNoticeBrowser(&gd), ts.newNoticeBrowser(&admin), ts.newNoticeBrowser(&filer)
	unknown, _ := models.MakeUSCC("440106", "MA5HL7999")

	// Office: notices.
	notice := func(over map[string]string) map[string]string {
		f := map[string]string{"kind": "zombie_list", "title": "关于僵尸类网贷机构名单的公告", "body": "现予公告。", "days": "15",
			"unit": "working", "office_440000": "1", "paste": in.USCC}
		for k, v := range over {
			f[k] = v
		}
		return f
	}
	for name, over := range map[string]map[string]string{
		"notice: no title, kind, body":   {"kind": "nonsense", "title": "", "body": ""},
		"notice: unknown code":           {"paste": unknown},
		"notice: short code":             {"paste": in.USCC[:16]},
		"notice: name differs":           {"paste": "别的公司," + in.USCC},
		"notice: other province":         {"paste": other.USCC},
		"notice: listed twice":           {"paste": in.USCC + "\n" + in.USCC},
		"notice: window of 0 days":       {"days": "0"},
		"notice: window of 10,000 days":  {"days": "10000"},
		"notice: window unit":            {"unit": "weeks"},
		"notice: general with a window":  {"kind": "general", "paste": ""},
		"notice: correction names none":  {"kind": "correction", "paste": "", "days": ""},
		"notice: zombie list names none": {"paste": ""},
	} {
		wantChinese(t, name, office.postMultipart("/office/notices", notice(over), nil), 422)
	}
	r := office.postMultipart("/office/notices", notice(nil), nil)
	if r.StatusCode != 303 {
		t.Fatalf("a good notice: %d %.500s", r.StatusCode, r.body)
	}
	draft := r.Header.Get("Location")
	wantChinese(t, "outcome on a draft", office.post(draft+"/outcomes", url.Values{"listed": {"1"}, "outcome": {"no_claim"}}), 409)
	if r := office.post(draft+"/publish", url.Values{}); r.StatusCode != 303 {
		t.Fatalf("publish: %d", r.StatusCode)
	}
	wantChinese(t, "publish twice", office.post(draft+"/publish", url.Values{}), 409)
	wantChinese(t, "edit a published notice", office.postMultipart(draft, notice(nil), nil), 409)
	wantChinese(t, "outcome: unknown", office.post(draft+"/outcomes", url.Values{"listed": {"1"}, "outcome": {"nonsense"}}), 422)

	// Public: a claim with every field wrong.
	var id uint64
	fmt.Sscanf(draft, "/office/notices/%d", &id)
	public := ts.newNoticeBrowser(nil)
	wantChinese(t, "claim: every field wrong", public.postMultipart(fmt.Sprintf("/notices/%d/claims", id), map[string]string{
		"institution": in.USCC, "name": "张", "id_number": "110105194912310021", "phone": "12", "principal": "-5", "interest": "-1",
		"statement": strings.Repeat("长", 2001)}, nil), 422)
	wantChinese(t, "claim: empty ID number", public.postMultipart(fmt.Sprintf("/notices/%d/claims", id), map[string]string{
		"institution": in.USCC, "name": "张三", "id_number": "", "phone": "13800138000", "principal": "100"}, nil), 422)
	wantChinese(t, "verify: an empty file", public.postMultipartFile("/verify", "file", "a.pdf", ""), 422)

	// Office: the registry.
	institution := func(over map[string]string) url.Values {
		v := url.Values{"name": {"新网贷有限公司"}, "uscc": {in.USCC}, "province": {"440000"}}
		for k, x := range over {
			v.Set(k, x)
		}
		return v
	}
	for name, over := range map[string]map[string]string{
		"institution: empty code":     {"uscc": ""},
		"institution: bad check":      {"uscc": in.USCC[:17] + "0", "name": ""},
		"institution: kept elsewhere": {"uscc": other.USCC},
		"institution: sample row":     {"uscc": models.SampleUSCC},
		"institution: long fields":    {"uscc": unknown, "district": strings.Repeat("区", 101), "brands": strings.Repeat("牌", 101)},
	} {
		wantChinese(t, name, office.post("/office/institutions", institution(over)), 422)
	}
	page := "/office/institutions/" + in.USCC
	wantChinese(t, "classification: no class", office.postMultipart(page+"/classification", map[string]string{"class": "", "reason": ""}, nil), 422)
	wantChinese(t, "classification: same class", office.postMultipart(page+"/classification", map[string]string{"class": in.Class, "reason": "理由"}, nil), 422)
	wantChinese(t, "disposition: unknown", office.post(page+"/disposition", url.Values{"disposition": {"nonsense"}, "reason": {"理由"}}), 422)
	wantChinese(t, "disposition: no reason", office.post(page+"/disposition", url.Values{"disposition": {"winding_down"}, "reason": {""}}), 422)
	wantChinese(t, "thresholds", office.post("/office/thresholds", url.Values{"outstanding": {"-1"}, "lenders": {"0"}}), 422)
	wantChinese(t, "import: no file", office.postMultipart("/office/import", map[string]string{}, nil), 422)
	wantChinese(t, "import: bad rows", office.postMultipartFile("/office/import", "file", "名单.csv",
		"机构名称,统一社会信用代码\n示例,"+models.SampleUSCC+"\n北京,"+other.USCC+"\n短码,914401\n,"+unknown+"\n重复,"+unknown+"\n"), 422)

	// Institution: filings.
	wantChinese(t, "filing: broken figure rules", inst.postMultipart("/filer/disclosures", figureFields("2026-10", map[string]string{
		"fig.lenders": "900", "fig.cum_lenders": "10", "fig.overdue_amount": "-1", "title": ""}), nil), 422)
	wantChinese(t, "filing: unreadable figures", inst.postMultipart("/filer/disclosures", figureFields("2026-10", map[string]string{"fig.lenders": "many"}), nil), 422)
	wantChinese(t, "filing: month not ended", inst.postMultipart("/filer/disclosures", figureFields("2099-10", nil), nil), 422)
	wantChinese(t, "filing: plan without tranches", inst.postMultipart("/filer/disclosures", map[string]string{"kind": "repayment_plan", "title": "兑付方案"}, nil), 422)
	wantChinese(t, "filing: bad tranches", inst.postMultipart("/filer/disclosures", map[string]string{"kind": "repayment_plan", "title": "兑付方案",
		"tranches.0.date": "2026-13-01", "tranches.0.amount": "x", "tranches.1.date": "2027-01-01", "tranches.1.share": "120"}, nil), 422)
	wantChinese(t, "filing: major event without time", inst.postMultipart("/filer/disclosures", map[string]string{"kind": "major_event", "title": "重大事项", "event_type": "nonsense"}, nil), 422)
	if r := inst.postMultipart("/filer/disclosures", figureFields("2026-10", nil), nil); r.StatusCode != 303 {
		t.Fatalf("a good filing: %d %.800s", r.StatusCode, r.body)
	}
	wantChinese(t, "filing: the same month twice", inst.postMultipart("/filer/disclosures", figureFields("2026-10", nil), nil), 409)

	// Admin.
	wantChinese(t, "user: every field wrong", adm.post("/admin/users", url.Values{"email": {"not-an-address"}, "role": {"nonsense"}}), 422)
	wantChinese(t, "user: office without province", adm.post("/admin/users", url.Values{"email": {"x@example.cn"}, "role": {"office"}, "province": {"990000"}}), 422)
	wantChinese(t, "user: unknown institution", adm.post("/admin/users", url.Values{"email": {"y@example.cn"}, "role": {"institution"}, "institution": {"914"}}), 422)
	for name, file := range map[string]string{
		"calendar: not JSON":      `{"year":`,
		"calendar: unknown field": `{"year":2027,"papers":["https://www.gov.cn/x.htm"],"days":[],"extra":1}`,
		"calendar: placeholder":   `{"year":2027,"papers":[],"days":[]}`,
		"calendar: bad day":       `{"year":2027,"papers":["https://www.gov.cn/x.htm"],"days":[{"name":"春节","date":"2027-02-30","isOffDay":true}]}`,
	} {
		wantChinese(t, name, adm.postMultipartFile("/admin/calendar", "file", "2027.json", file), 422)
	}

	// The deadline calculator.
	wantChinese(t, "deadline: bad input", ts.get("/deadlines?from=x&days=y&unit=z"), 400)
	wantChinese(t, "deadline: no calendar", ts.get("/deadlines?from=2031-12-01&days=15"), 422)
}

// postMultipartFile uploads one file under the form name field, with the CSRF token in the query.
func (b *noticeBrowser) postMultipartFile(path, field, name, content string) response {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	f, _ := w.CreateFormFile(field, name)
	f.Write([]byte(content))
	w.Close()
	req := httptest.NewRequest("POST", path+"?_csrf="+b.csrf, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	return b.ts.do(req)
}

// TestAPIErrorDetails: the API refuses a field with its English text in fields and, in details,
// the stable code with its arguments, whatever the request's language.
func TestAPIErrorDetails(t *testing.T) {
	ts := newTestServer(t, nil)
	_, _, token, err := ts.store.CreateUser(context.Background(), modelsNewOffice("gd@example.cn", "440000"))
	if err != nil {
		t.Fatal(err)
	}
	r := ts.callAPI("POST", "/api/v1/notices", token, map[string]any{"kind": "general", "title": "", "body": "正文"})
	var e struct {
		Error struct {
			Fields  map[string]string `json:"fields"`
			Details []struct {
				Field, Code, Message string
				Args                 map[string]any
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || r.StatusCode != 422 {
		t.Fatalf("%d %s", r.StatusCode, r.body)
	}
	found := false
	for _, d := range e.Error.Details {
		if d.Field == "title" {
			found = d.Code == models.CodeRequiredMax && d.Args["max"] == float64(300) && d.Message == "Required, at most 300 characters"
		}
	}
	if !found || e.Error.Fields["title"] != "Required, at most 300 characters" {
		t.Fatalf("title refused as %+v", e.Error)
	}
}
