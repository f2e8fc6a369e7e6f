package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"pilu/models"
	"pilu/models/dbtest"
)

// residentID completes 17 digits with their check character (GB 11643-1999).
func residentID(first17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * w[i]
	}
	return first17 + string("10X98765432"[sum%11])
}

// noticeBrowser is a logged-in (or anonymous) browser with its cookies and form token.
type noticeBrowser struct {
	ts      *testServer
	cookies []*http.Cookie
	csrf    string
}

// newNoticeBrowser opens a browser; with a user it carries a fresh session.
func (ts *testServer) newNoticeBrowser(u *models.User) *noticeBrowser {
	ts.t.Helper()
	b := &noticeBrowser{ts: ts}
	r := ts.get("/login")
	c := cookie(r, csrfCookie)
	b.cookies = append(b.cookies, c)
	b.csrf = ts.csrfFor(c.Value)
	if u != nil {
		tok, err := ts.store.CreateSession(context.Background(), *u, ts.now())
		if err != nil {
			ts.t.Fatal(err)
		}
		b.cookies = append(b.cookies, &http.Cookie{Name: sessionCookie, Value: tok})
	}
	return b
}

func (b *noticeBrowser) get(path string) response {
	req := httptest.NewRequest("GET", path, nil)
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	return b.ts.do(req)
}

func (b *noticeBrowser) post(path string, form url.Values) response {
	form.Set("_csrf", b.csrf)
	return b.ts.postForm(path, form, b.cookies...)
}

// postMultipart sends a multipart form with the CSRF token in the action's query string; files maps
// a file name to its content.
func (b *noticeBrowser) postMultipart(path string, fields map[string]string, files map[string]string) response {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, content := range files {
		f, _ := w.CreateFormFile("files", name)
		f.Write([]byte(content))
	}
	w.Close()
	req := httptest.NewRequest("POST", path+"?_csrf="+b.csrf, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	return b.ts.do(req)
}

// callAPI sends a JSON request with a bearer token.
func (ts *testServer) callAPI(method, path, token string, body any) response {
	ts.t.Helper()
	var rd *bytes.Reader
	if s, ok := body.(string); ok {
		rd = bytes.NewReader([]byte(s))
	} else {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.do(req)
}

func wantAnswer(t *testing.T, r response, status int, want ...string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %.600s", r.StatusCode, status, r.body)
	}
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Fatalf("%q missing from: %.1500s", w, r.body)
		}
	}
}

var receiptPattern = regexp.MustCompile(`[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}`)

// TestZombieListLifecycle is issue 5's "Done when": an office publishes a zombie list of 30
// institutions with a 15-working-day window in the browser; investors claim in the browser; after the
// deadline the notice expires by itself, the office records outcomes, the institutions without
// claims appear in the transfer export with their disposition changed. Bad inputs tried: a USCC not
// in the registry, a name that does not match and a code of 16 characters (422, row named, in
// Chinese), windows of 0 and 10,000 days, publishing twice and editing a published notice (409),
// claims with an invalid ID number or one of 17 digits, negative, zero and absurd amounts, on a draft, after the deadline, for an institution not listed, 1,000 claims a
// minute from one client (429 + Retry-After), another province's office reading claims (403).
func TestZombieListLifecycle(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			gd, _, gdToken, err := ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			bj, _, bjToken, _ := ts.store.CreateUser(ctx, modelsNewOffice("bj@example.cn", "110000"))
			var ins []models.Institution
			for i := range 30 {
				ins = append(ins, ts.seedInstitution("440106", fmt.Sprintf("MA5HL%04d", i), fmt.Sprintf("深圳市第%02d网络借贷信息中介有限公司", i), "440000", fmt.Sprintf("平台%02d", i)))
			}
			other := ts.seedInstitution("110105", "MA5HL9999", "北京某网贷有限公司", "110000")
			unknown, _ := models.MakeUSCC("440106", "MA5HL8888")

			office := ts.newNoticeBrowser(&gd)
			fields := func(days string, paste string) map[string]string {
				f := map[string]string{"kind": "zombie_list", "title": "关于第一批僵尸类网贷机构名单的公告", "batch": "第一批",
					"body": "根据整治工作安排，现将名单予以公告。", "days": days, "unit": "working", "claim_where": "广东省网贷整治办，电话 020-12345678",
					"office_" + "440000": "1", "paste": paste}
				for _, in := range ins[:29] {
					f["pick_"+in.USCC] = "1"
				}
				return f
			}
			bad := []struct {
				name, days, paste, want string
			}{
				{"USCC not in the registry", "15", ins[29].Name + "\t" + ins[29].USCC + "\n某公司\t" + unknown, "#2: " + unknown},
				{"name does not match", "15", "别的公司," + ins[29].USCC, "#1: " + ins[29].USCC + " 在名单中登记的名称是“" + ins[29].Name + "”"},
				{"another province's institution", "15", other.USCC, "#1: " + other.USCC + " 属于其他省份的名单"},
				{"a code of 16 characters", "15", ins[29].USCC[:16], "#1: 统一社会信用代码应为18位，当前为16位"},
				{"window of 0 days", "0", ins[29].USCC, "此类公告须设1至3650天的申报期"},
				{"window of 10,000 days", "10000", ins[29].USCC, "公告期应为1至3650天"},
			}
			for _, c := range bad {
				t.Run(c.name, func(t *testing.T) {
					r := office.postMultipart("/office/notices", fields(c.days, c.paste), nil)
					wantAnswer(t, r, 422, c.want, `value="关于第一批僵尸类网贷机构名单的公告"`)
				})
			}
			r := office.postMultipart("/office/notices", fields("15", ins[29].Name+"\t"+ins[29].USCC), map[string]string{"名单.pdf": "%PDF-1.4 list"})
			wantAnswer(t, r, 303)
			draftURL := r.Header.Get("Location")
			var id uint64
			fmt.Sscanf(draftURL, "/office/notices/%d", &id)
			wantAnswer(t, office.get(draftURL), 200, "粤网贷整治办公告〔2026〕1号", "2026年12月16日")
			wantAnswer(t, ts.get(fmt.Sprintf("/notices/%d", id)), 404) // drafts are not public
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/claims", id), "", map[string]any{"institution": ins[0].USCC}), 404)
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/publish", id), bjToken, nil), 403)

			wantAnswer(t, office.post(fmt.Sprintf("/office/notices/%d/publish", id), url.Values{}), 303)
			wantAnswer(t, office.post(fmt.Sprintf("/office/notices/%d/publish", id), url.Values{}), 409, fmt.Sprintf("公告 %d 已经发布", id))
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/publish", id), gdToken, nil), 409, fmt.Sprintf("Notice %d is already published", id))
			wantAnswer(t, ts.callAPI("PUT", fmt.Sprintf("/api/v1/notices/%d", id), gdToken, map[string]any{"kind": "general", "title": "x", "body": "y"}), 409, "publish a correction")
			wantAnswer(t, office.postMultipart(fmt.Sprintf("/office/notices/%d", id), fields("15", ""), nil), 409, "已发布的公告不能修改")

			// 15 working days from Wednesday 2026-11-25 end on 2026-12-16, 24:00 China time.
			r = ts.get(fmt.Sprintf("/api/v1/notices/%d", id))
			var nj noticeJSON
			json.Unmarshal([]byte(r.body), &nj)
			if nj.Number != "粤网贷整治办公告〔2026〕1号" || nj.Status != "open" || nj.LastDay != "2026-12-16" || *nj.Deadline != "2026-12-17T00:00:00+08:00" || len(nj.Institutions) != 30 || *nj.DaysLeft != 21 {
				t.Fatalf("published notice: %.800s", r.body)
			}
			for _, in := range ins {
				got, _ := ts.store.InstitutionByUSCC(ctx, in.USCC)
				if got.Disposition != "listed" {
					t.Fatalf("%s disposition %q, want listed", in.USCC, got.Disposition)
				}
			}
			wantAnswer(t, ts.get(fmt.Sprintf("/notices/%d", id)), 200, "距截止还有 21 天 14 小时", "/claims/new?institution="+ins[0].USCC, "/static/js/countdown.")
			// /zombies names every listed institution at once, each with its claim button while open.
			wantAnswer(t, ts.get("/zombies"), 200, "关于第一批僵尸类网贷机构名单的公告", "21 天", ins[0].Name, ins[1].Name,
				fmt.Sprintf("/notices/%d/claims/new?institution=%s", id, ins[0].USCC))
			// Issue 16: the institution page opens with the open notice, its last day, the countdown
			// (as of the page's date without JavaScript) and the claim button, before its facts.
			claimHref := fmt.Sprintf("/notices/%d/claims/new?institution=%s", id, ins[0].USCC)
			r = ts.get("/institutions/" + ins[0].USCC)
			wantAnswer(t, r, 200, "正在申报债权", "关于第一批僵尸类网贷机构名单的公告", "2026年12月16日 24:00", "距截止还有 21 天 14 小时", "以上倒计时截至 2026年11月25日", claimHref, "/static/js/countdown.")
			if b, facts := strings.Index(r.body, claimHref), strings.Index(r.body, `id="h-facts"`); b < 0 || b > facts {
				t.Fatalf("the claim button is not above the facts: %d, %d", b, facts)
			}
			wantAnswer(t, ts.get("/institutions/"+ins[0].USCC+"?lang=en"), 200, "Claims are open", "21 days 14 hours left", "Time left as of ", claimHref)
			r = ts.get(fmt.Sprintf("/notices/%d", id))
			if b, body := strings.Index(r.body, claimHref), strings.Index(r.body, `id="h-body"`); b < 0 || b > body {
				t.Fatalf("the notice page's claim buttons are not before its text: %d, %d", b, body)
			}
			if r := ts.get("/institutions/" + other.USCC); strings.Contains(r.body, "正在申报债权") {
				t.Fatal("an institution on no open list shows a claim banner")
			}

			// Investors claim in the browser.
			ts.clock.t = ts.clock.t.Add(time.Minute) // the claim on the draft used a token
			investor := ts.newNoticeBrowser(nil)
			idA := residentID("11010519491231002")
			claim := func(uscc, id, principal string) map[string]string {
				return map[string]string{"institution": uscc, "name": "欧阳娜娜", "id_number": id, "phone": "13812345678",
					"principal": principal, "interest": "1,200", "statement": "=HYPERLINK(\"http://evil\")"}
			}
			path := fmt.Sprintf("/notices/%d/claims", id)
			wantAnswer(t, investor.get(path+"/new?institution="+ins[0].USCC), 200, ins[0].Name, `name="id_number"`)
			// A claim filed answers 303 to its receipt page (post/redirect/get): a reload shows the
			// receipt again and files nothing; another browser cannot open it.
			receiptOf := func(r response) response {
				t.Helper()
				loc := r.Header.Get("Location")
				if r.StatusCode != 303 || !strings.HasPrefix(loc, "/claims/receipt/") {
					t.Fatalf("a claim filed: %d, Location %q: %.400s", r.StatusCode, loc, r.body)
				}
				page := investor.get(loc)
				if again := investor.get(loc); again.body != page.body || page.Header.Get("Cache-Control") != "private, no-store" {
					t.Fatalf("the receipt page reloaded differs, or may be cached (%q)", page.Header.Get("Cache-Control"))
				}
				if other := ts.get(loc); other.StatusCode != 404 {
					t.Fatalf("another browser opened the receipt: %d", other.StatusCode)
				}
				return page
			}
			r = receiptOf(investor.postMultipart(path, claim(ins[0].USCC, idA, "25,000.50"), map[string]string{"合同.pdf": "%PDF-1.4 contract"}))
			wantAnswer(t, r, 200, "已受理")
			receipt := receiptPattern.FindString(r.body)
			if receipt == "" {
				t.Fatalf("no receipt: %.800s", r.body)
			}
			r = receiptOf(investor.postMultipart(path, claim(ins[0].USCC, idA, "100"), nil))
			wantAnswer(t, r, 200, "重复申报")
			wantAnswer(t, receiptOf(investor.postMultipart(path, claim(ins[1].USCC, residentID("44030519800101123"), "3000"), nil)), 200)
			claimBad := []struct {
				name  string
				form  map[string]string
				field string
			}{
				{"invalid ID number", claim(ins[2].USCC, "110105194912310021", "100"), "校验位"},
				{"negative amount", claim(ins[2].USCC, idA, "-5"), "不能为负数"},
				{"absurd amount", claim(ins[2].USCC, idA, "99999999999999"), "金额不能超过100亿元"},
				{"zero principal", claim(ins[2].USCC, idA, "0"), "须大于0元"},
				{"ID number of 17 digits", claim(ins[2].USCC, idA[:17], "100"), "身份证号码应为18位，当前为17位"},
				{"three decimals", claim(ins[2].USCC, idA, "1.005"), "最多两位小数"},
			}
			ts.clock.t = ts.clock.t.Add(time.Minute) // a fresh budget of claims for the bad ones
			for _, c := range claimBad {
				t.Run(c.name, func(t *testing.T) {
					wantAnswer(t, investor.postMultipart(path, c.form, nil), 422, c.field, `value="欧阳娜娜"`)
				})
			}
			// Every mistake is said in one round (an amount that is not a number no longer hides the
			// others), and evidence chosen for a refused claim is named, to be chosen again.
			manyBad := claim(ins[2].USCC, "110105194912310021", "abc")
			manyBad["phone"] = "12"
			wantAnswer(t, investor.postMultipart(path, manyBad, map[string]string{"银行流水.pdf": "%PDF-1.4 statement"}), 422,
				"校验位", "请填写金额", "手机号", "请重新选择", "银行流水.pdf",
				// and summed up above the form, each a link to its field (as gov.uk's error summary)
				`id="error-summary"`, `<a href="#id_number">`, `<a href="#phone">`, `<a href="#principal">`)
			// Invalid claims do not use the budget of 10 per client: they have their own of 30, and
			// past it the client waits (429).
			wantAnswer(t, ts.callAPI("POST", "/api/v1"+path, "", map[string]any{"institution": other.USCC, "name": "张三", "id_number": idA, "phone": "13812345678", "principal": 100}), 422, "institution")
			wantAnswer(t, ts.callAPI("POST", "/api/v1"+path, "", map[string]any{"institution": ins[1].USCC, "name": "张三", "id_number": idA, "phone": "13812345678", "principal": -1}), 422, `"principal":"More than zero"`, `"code":"positive"`) // the API says the code in English
			r = ts.callAPI("POST", "/api/v1"+path, "", map[string]any{"institution": ins[1].USCC, "name": "张三", "id_number": idA, "phone": "13812345678", "principal": 100, "interest": 0})
			wantAnswer(t, r, 201, `"status":"received"`)
			for range 1000 {
				if r = ts.callAPI("POST", "/api/v1"+path, "", map[string]any{}); r.StatusCode == 429 {
					break
				}
			}
			if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" {
				t.Fatalf("1,000 claims a minute: %d %s", r.StatusCode, r.Header.Get("Retry-After"))
			}
			// The RateLimit-* headers speak of the claim allowance that refused (here the one of
			// invalid claims), not the API's writes.
			if r.Header.Get("RateLimit-Limit") != fmt.Sprint(invalidClaimsPerMinute) || r.Header.Get("RateLimit-Remaining") != "0" || r.Header.Get("RateLimit-Reset") == "" {
				t.Fatalf("claim limit headers: %v", r.Header)
			}
			jsonError(t, r)
			ts.clock.t = ts.clock.t.Add(time.Minute)

			// The claimant checks the status with the receipt and the last four of the ID number.
			wantAnswer(t, investor.post("/claims/status", url.Values{"receipt": {strings.ToLower(receipt)}, "last4": {idA[14:]}}), 200, "已受理")
			wantAnswer(t, investor.post("/claims/status", url.Values{"receipt": {receipt}, "last4": {"0000"}}), 404, "没有找到")

			// The public sees counts, never who claimed; the office sees everything, and reads are logged.
			pub := ts.get(fmt.Sprintf("/notices/%d", id))
			if strings.Contains(pub.body, "欧阳") || strings.Contains(pub.body, idA) || strings.Contains(pub.body, "13812345678") {
				t.Fatal("personal data on the public notice page")
			}
			r = ts.get(fmt.Sprintf("/api/v1/notices/%d", id))
			json.Unmarshal([]byte(r.body), &nj)
			if nj.Institutions[0].Claims != 1 || nj.Institutions[1].Claims != 2 || nj.Institutions[2].Claims != 0 {
				t.Fatalf("claim counts: %+v", nj.Institutions[:3])
			}
			// The office's list, API and CSV mask ID numbers and phones (issue 20); a reveal is on purpose.
			r = office.get(fmt.Sprintf("/office/notices/%d/claims", id))
			wantAnswer(t, r, 200, models.MaskID(idA), "欧阳娜娜", "138****5678", "25,000.50", "合同.pdf")
			if strings.Contains(r.body, idA) || strings.Contains(r.body, "13812345678") {
				t.Fatal("the office's claim list shows an ID number or phone in full")
			}
			wantAnswer(t, ts.callAPI("GET", fmt.Sprintf("/api/v1/notices/%d/claims", id), bjToken, nil), 403)
			wantAnswer(t, ts.callAPI("GET", fmt.Sprintf("/api/v1/notices/%d/claims", id), "", nil), 401)
			r = ts.callAPI("GET", fmt.Sprintf("/api/v1/notices/%d/claims", id), gdToken, nil)
			wantAnswer(t, r, 200, models.MaskID(idA), `"masked":true`, `"principal":2500050`)
			r = office.get(fmt.Sprintf("/office/notices/%d/claims.csv", id))
			wantAnswer(t, r, 200, "\ufeff", models.MaskID(idA), `'=HYPERLINK`)
			if strings.Contains(r.body, idA) {
				t.Fatal("the claims CSV shows an ID number in full")
			}
			reads, _, _ := ts.store.AuditPage(ctx, models.AuditFilter{Action: models.AuditClaimsExport})
			if len(reads) != 1 || reads[0].Actor != "gd@example.cn" || reads[0].RecordID != fmt.Sprint(id) {
				t.Fatalf("claim export in the audit trail: %+v", reads)
			}
			var evidence models.Attachment
			dbtest.Handle(ctx, ts.store).Where("claim_id IS NOT NULL").Take(&evidence)
			wantAnswer(t, ts.get(fmt.Sprintf("/attachments/%d", evidence.ID)), 404) // evidence is never public
			wantAnswer(t, office.get(fmt.Sprintf("/office/notices/%d/evidence/%d", id, evidence.ID)), 200, "%PDF-1.4 contract")
			var dupID uint64
			dbtest.Handle(ctx, ts.store).Model(&models.Claim{}).Where("status = ?", "duplicate").Pluck("id", &dupID)
			wantAnswer(t, office.post(fmt.Sprintf("/office/notices/%d/claims/%d", id, dupID), url.Values{"status": {"rejected"}}), 422, "未予认可时请填写理由")
			wantAnswer(t, office.post(fmt.Sprintf("/office/notices/%d/claims/%d", id, dupID), url.Values{"status": {"rejected"}, "reason": {"重复"}}), 303)

			// Outcomes wait for the deadline; a server that was down across it catches up at start-up.
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/outcomes", id), gdToken, map[string]any{"uscc": ins[2].USCC, "outcome": "no_claim"}), 409)
			ts.clock.t = time.Date(2026, 12, 16, 23, 59, 0, 0, models.ChinaZone)
			wantAnswer(t, ts.callAPI("POST", "/api/v1"+path, "", map[string]any{"institution": ins[2].USCC, "name": "李四", "id_number": residentID("44030519800101124"), "phone": "13812345679", "principal": 100}), 201)
			ts.clock.t = time.Date(2026, 12, 17, 0, 0, 0, 0, models.ChinaZone)
			r = ts.callAPI("POST", "/api/v1"+path, "", map[string]any{"institution": ins[3].USCC, "name": "李四", "id_number": residentID("44030519800101124"), "phone": "13812345679", "principal": 100})
			wantAnswer(t, r, 409, "2026")
			ids, err := ts.store.ExpireNotices(ctx, ts.now())
			if err != nil || len(ids) != 1 || ids[0] != id {
				t.Fatalf("expire: %v %v", ids, err)
			}
			if ids, _ := ts.store.ExpireNotices(ctx, ts.now()); len(ids) != 0 {
				t.Fatal("a notice expires once")
			}
			if r := ts.get("/institutions/" + ins[0].USCC); r.StatusCode != 200 || strings.Contains(r.body, "正在申报债权") || strings.Contains(r.body, "/claims/new") {
				t.Fatalf("the claim banner outlives the window: %d", r.StatusCode)
			}
			office = ts.newNoticeBrowser(&gd) // the session of three weeks ago has ended
			wantAnswer(t, office.get(draftURL), 200, "公告期已满")
			outcome := func(uscc, what string) response {
				return ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/outcomes", id), gdToken, map[string]any{"uscc": uscc, "outcome": what, "note": "依法处理"})
			}
			wantAnswer(t, outcome(ins[0].USCC, "no_claim"), 422, "claims stand")
			wantAnswer(t, outcome(ins[3].USCC, "reclassified"), 422, "No claim stands")
			wantAnswer(t, outcome(ins[0].USCC, "reclassified"), 200)
			wantAnswer(t, outcome(ins[0].USCC, "reclassified"), 409)
			wantAnswer(t, outcome(ins[1].USCC, "claims_received"), 200)
			wantAnswer(t, outcome(ins[2].USCC, "exit_supervised"), 200)
			for _, in := range ins[3:29] {
				wantAnswer(t, outcome(in.USCC, "no_claim"), 200, `"status":"expired"`)
			}
			var last models.NoticeInstitution
			dbtest.Handle(ctx, ts.store).Where("notice_id = ? AND uscc = ?", id, ins[29].USCC).Take(&last)
			wantAnswer(t, office.post(fmt.Sprintf("/office/notices/%d/outcomes", id), url.Values{"listed": {fmt.Sprint(last.ID)}, "outcome": {"no_claim"}}), 303)
			r = ts.get(fmt.Sprintf("/api/v1/notices/%d", id))
			wantAnswer(t, r, 200, `"status":"concluded"`)

			// The transfer export names the 27 institutions without claims; their disposition moved.
			r = ts.get(fmt.Sprintf("/notices/%d/transfer.csv", id))
			wantAnswer(t, r, 200, "\ufeff", ins[3].USCC, ins[29].USCC)
			if strings.Contains(r.body, ins[0].USCC) || strings.Count(r.body, "\n") != 28 {
				t.Fatalf("transfer csv: %s", r.body)
			}
			wantAnswer(t, ts.get(fmt.Sprintf("/notices/%d/transfer", id)), 200, ins[29].Name)
			r = ts.get(fmt.Sprintf("/notices/%d/transfer.xlsx", id))
			x, err := excelize.OpenReader(strings.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows(x.GetSheetName(0))
			if len(rows) != 28 || rows[27][2] != ins[29].USCC {
				t.Fatalf("transfer xlsx: %d rows", len(rows))
			}
			for i, in := range ins {
				got, _ := ts.store.InstitutionByUSCC(ctx, in.USCC)
				want := "to_market_regulator"
				if i < 3 {
					want = "listed"
				}
				if got.Disposition != want {
					t.Fatalf("%s disposition %q, want %q", in.USCC, got.Disposition, want)
				}
			}

			// A correction names the corrected notice; both pages link to each other.
			r = ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/corrections", id), gdToken, map[string]any{"title": "更正公告", "body": "第3家机构名称更正。"})
			wantAnswer(t, r, 201, `"corrects":`+fmt.Sprint(id))
			var cj noticeJSON
			json.Unmarshal([]byte(r.body), &cj)
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/publish", cj.ID), gdToken, nil), 200, "粤网贷整治办公告〔2026〕2号")
			wantAnswer(t, ts.get(fmt.Sprintf("/notices/%d", id)), 200, "本公告已被更正", fmt.Sprintf("/notices/%d", cj.ID))
			wantAnswer(t, ts.get(fmt.Sprintf("/notices/%d", cj.ID)), 200, "本公告更正", fmt.Sprintf("/notices/%d", id))
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/corrections", id), bjToken, map[string]any{"title": "x", "body": "y"}), 403)
			_ = bj

			// Personal data is sealed at rest: no raw row holds a plaintext ID number, name or phone.
			var raw []map[string]any
			dbtest.Handle(ctx, ts.store).Table("claims").Find(&raw)
			if len(raw) != 5 {
				t.Fatalf("%d claim rows", len(raw))
			}
			for _, row := range raw {
				dump := fmt.Sprint(row)
				for _, secret := range []string{idA, idA[:14], "欧阳娜娜", "13812345678", "李四", "HYPERLINK"} {
					if strings.Contains(dump, secret) {
						t.Fatalf("plaintext %q in a raw claims row: %s", secret, dump)
					}
				}
			}
		})
	}
}

// TestExpiryAcrossProcesses runs the scheduler's expiry from two servers on one database at once,
// after both were "down" across the deadlines: every notice moves to expired exactly once.
func TestExpiryAcrossProcesses(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			one, two := newTestServer(t, b.env), newTestServer(t, b.env)
			ctx := context.Background()
			in := one.seedInstitution("440106", "MA5HL0001", "深圳市某网贷有限公司", "440000")
			var want []uint64
			for i := range 8 {
				n, err := one.store.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: "440000", Title: fmt.Sprint("名单", i),
					Body: "正文", WindowDays: 7 + i, WindowUnit: models.UnitCalendar, USCCs: []string{in.USCC}}, "gd@example.cn", one.now())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := one.store.PublishNotice(ctx, n.ID, one.now()); err != nil {
					t.Fatal(err)
				}
				want = append(want, n.ID)
			}
			later := one.now().AddDate(0, 1, 0)
			one.clock.t, two.clock.t = later, later
			got := make(chan []uint64, 2)
			for _, s := range []*testServer{one, two} {
				go func() {
					ids, err := s.store.ExpireNotices(ctx, s.now())
					if err != nil {
						t.Error(err)
					}
					got <- ids
				}()
			}
			seen := map[uint64]int{}
			for range 2 {
				for _, id := range <-got {
					seen[id]++
				}
			}
			for _, id := range want {
				if seen[id] != 1 {
					t.Fatalf("notice %d expired %d times: %v", id, seen[id], seen)
				}
			}
			var outbox int64
			dbtest.Handle(ctx, one.store).Model(&models.OutboxEntry{}).Where("entity = ?", "notice").Count(&outbox)
			if outbox != int64(2*len(want)) {
				t.Fatalf("%d outbox rows for notices, want one per publication and one per expiry", outbox)
			}
		})
	}
}
