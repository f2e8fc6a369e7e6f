package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"pilu/app/blob"
	"pilu/models"
	"pilu/models/dbtest"
)

// privacyFixture is a published zombie list of Guangdong with two listed institutions and claims
// on both (with evidence), and the accounts that read them.
type privacyFixture struct {
	ts                                     *testServer
	notice                                 models.Notice
	ins                                    []models.Institution
	ids                                    []string // the claimants' ID numbers, in filing order
	gd, admin                              models.User
	gdToken, bjToken, adminToken, filerTok string
}

func newPrivacyFixture(t *testing.T, env map[string]string) *privacyFixture {
	t.Helper()
	ts := newTestServer(t, env)
	ctx := context.Background()
	f := &privacyFixture{ts: ts}
	var err error
	if f.gd, _, f.gdToken, err = ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000")); err != nil {
		t.Fatal(err)
	}
	_, _, f.bjToken, _ = ts.store.CreateUser(ctx, modelsNewOffice("bj@example.cn", "110000"))
	f.admin, _, f.adminToken, _ = ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "admin@example.cn"})
	f.ins = []models.Institution{ts.seedInstitution("440106", "MA5PW0001", "广州某网贷有限公司", "440000"),
		ts.seedInstitution("440106", "MA5PW0002", "广州另一网贷有限公司", "440000")}
	_, _, f.filerTok, _ = ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleInstitution, Email: "filer@example.cn", InstitutionUSCC: f.ins[0].USCC})
	n, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: "440000", Title: "僵尸类机构名单", Body: "正文",
		WindowDays: 7, WindowUnit: models.UnitCalendar, USCCs: []string{f.ins[0].USCC, f.ins[1].USCC}}, "gd@example.cn", ts.now())
	if err != nil {
		t.Fatal(err)
	}
	if f.notice, err = ts.store.PublishNotice(ctx, n.ID, ts.now()); err != nil {
		t.Fatal(err)
	}
	investor := ts.newNoticeBrowser(nil)
	for i, c := range []struct{ uscc, id17, phone string }{
		{f.ins[0].USCC, "44030519800101123", "13812345678"}, {f.ins[1].USCC, "44030519800101124", "13912345670"},
	} {
		id := residentID(c.id17)
		f.ids = append(f.ids, id)
		r := investor.postMultipart(fmt.Sprintf("/notices/%d/claims", n.ID), map[string]string{"institution": c.uscc, "name": "欧阳娜娜",
			"id_number": id, "phone": c.phone, "principal": fmt.Sprint(1000 * (i + 1)), "interest": "0", "statement": "借款合同"},
			map[string]string{"合同.pdf": "%PDF-1.4 contract " + id})
		if r.StatusCode != 303 {
			t.Fatalf("claim %d: %d %.300s", i, r.StatusCode, r.body)
		}
	}
	return f
}

// claimIDs are the claims' ids in filing order.
func (f *privacyFixture) claimIDs() []uint64 {
	var ids []uint64
	dbtest.Handle(context.Background(), f.ts.store).Model(&models.Claim{}).Order("id").Pluck("id", &ids)
	return ids
}

// TestClaimsMaskedUntilRevealedWithAReason: the office's page, API and CSV show masked ID numbers and
// phones; a reveal without a reason (or with one too short) is a clear 422 that reveals and records
// nothing; a reveal with a reason shows one claim in full and is recorded with the reason; the full
// export for the police is its own recorded request; another province's office gets 403 and a form
// without its CSRF token is refused.
func TestClaimsMaskedUntilRevealedWithAReason(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			f := newPrivacyFixture(t, b.env)
			ts, ctx := f.ts, context.Background()
			n := f.notice.ID
			office := ts.newNoticeBrowser(&f.gd)
			admin := ts.newNoticeBrowser(&f.admin)
			cids := f.claimIDs()
			full := []string{f.ids[0], f.ids[1], "13812345678", "13912345670"}
			noneInFull := func(what string, r response) {
				t.Helper()
				for _, s := range full {
					if strings.Contains(r.body, s) {
						t.Fatalf("%s shows %s in full", what, s)
					}
				}
			}
			audited := func(action string) []models.AuditEntry {
				t.Helper()
				items, _, err := ts.store.AuditPage(ctx, models.AuditFilter{Action: action})
				if err != nil {
					t.Fatal(err)
				}
				return items
			}

			// Masked by default, everywhere.
			for _, c := range []struct {
				what string
				r    response
				want []string
			}{
				{"the office's page", office.get(fmt.Sprintf("/office/notices/%d/claims", n)), []string{models.MaskID(f.ids[0]), "138****5678", "查看完整信息"}},
				{"the admin's page", admin.get(fmt.Sprintf("/office/notices/%d/claims", n)), []string{models.MaskID(f.ids[1]), "139****5670"}},
				{"the API", ts.callAPI("GET", fmt.Sprintf("/api/v1/notices/%d/claims", n), f.gdToken, nil), []string{models.MaskID(f.ids[0]), `"masked":true`}},
				{"the CSV", office.get(fmt.Sprintf("/office/notices/%d/claims.csv", n)), []string{models.MaskID(f.ids[0]), "138****5678"}},
			} {
				wantAnswer(t, c.r, 200, c.want...)
				noneInFull(c.what, c.r)
			}

			// A reveal without a reason, or with a reason too short, is 422 and records nothing.
			reveal := fmt.Sprintf("/office/notices/%d/claims/%d/reveal", n, cids[0])
			apiReveal := fmt.Sprintf("/api/v1/notices/%d/claims/%d/reveal", n, cids[0])
			for _, reason := range []string{"", "   ", "看看"} {
				r := office.post(reveal, url.Values{"reason": {reason}})
				wantAnswer(t, r, 422, "请填写查看或导出完整信息的理由")
				noneInFull("a refused reveal", r)
				r = ts.callAPI("POST", apiReveal, f.gdToken, map[string]any{"reason": reason})
				if code, fields := jsonError(t, r); r.StatusCode != 422 || code != "invalid" || fields["reason"] == "" {
					t.Fatalf("API reveal with reason %q: %d %s", reason, r.StatusCode, r.body)
				}
				noneInFull("a refused API reveal", r)
			}
			wantAnswer(t, ts.callAPI("POST", apiReveal+"?lang=en", f.gdToken, map[string]any{}), 422, "State why you need the full data")
			wantAnswer(t, ts.callAPI("POST", apiReveal, f.gdToken, "not json"), 400)
			if got := audited(models.AuditClaimReveal); len(got) != 0 {
				t.Fatalf("refused reveals were recorded: %+v", got)
			}
			// Without its CSRF token the form is refused; another province, a filer and no login too.
			wantAnswer(t, ts.postForm(reveal, url.Values{"reason": {"核对身份信息"}}, office.cookies...), 403)
			wantAnswer(t, ts.callAPI("POST", apiReveal, f.bjToken, map[string]any{"reason": "核对身份信息"}), 403)
			wantAnswer(t, ts.callAPI("POST", apiReveal, f.filerTok, map[string]any{"reason": "核对身份信息"}), 403)
			wantAnswer(t, ts.callAPI("POST", apiReveal, "", map[string]any{"reason": "核对身份信息"}), 401)
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/claims/999999/reveal", n), f.gdToken, map[string]any{"reason": "核对身份信息"}), 404)

			// With a reason: one claim in full, the other still masked, the reveal recorded.
			r := office.post(reveal, url.Values{"reason": {"核对申报人身份"}})
			wantAnswer(t, r, 200, f.ids[0], "13812345678", "已连同理由记入审计日志", models.MaskID(f.ids[1]))
			if strings.Contains(r.body, f.ids[1]) {
				t.Fatal("a reveal of one claim showed another in full")
			}
			req := httptest.NewRequest("POST", apiReveal, strings.NewReader(`{"reason":"电话回访核实"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+f.gdToken)
			req.Header.Set("Idempotency-Key", "reveal-1") // ignored: no answer with personal data is kept
			r = ts.do(req)
			wantAnswer(t, r, 200, f.ids[0], `"masked":false`)
			var kept int64
			dbtest.Handle(ctx, ts.store).Table("idempotency_keys").Count(&kept)
			if kept != 0 || r.Header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("a reveal's answer was kept for replay (%d keys)", kept)
			}
			got := audited(models.AuditClaimReveal)
			if len(got) != 2 || got[1].Detail != "核对申报人身份" || got[0].Detail != "电话回访核实" || got[0].Actor != "gd@example.cn" ||
				got[0].RecordType != "claim" || got[0].RecordID != fmt.Sprint(cids[0]) || got[0].Province != "440000" || got[0].Client == "" {
				t.Fatalf("reveals in the audit trail: %+v", got)
			}
			// The claims page lists the reveals with their reasons.
			wantAnswer(t, office.get(fmt.Sprintf("/office/notices/%d/claims", n)), 200, "查看申报人完整信息", "核对申报人身份")

			// The full export for the police: its own request, with a reason, recorded.
			transfer := fmt.Sprintf("/office/notices/%d/transfer.csv", n)
			wantAnswer(t, office.post(transfer, url.Values{}), 422, "请填写查看或导出完整信息的理由")
			wantAnswer(t, ts.postForm(transfer, url.Values{"reason": {"移送公安机关"}}, office.cookies...), 403)
			r = office.post(transfer, url.Values{"reason": {"移送公安机关侦查"}})
			wantAnswer(t, r, 200, "\ufeff", f.ids[0], f.ids[1], "13912345670")
			if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "transfer") {
				t.Fatalf("transfer export named %q", cd)
			}
			apiTransfer := fmt.Sprintf("/api/v1/notices/%d/claims/transfer", n)
			wantAnswer(t, ts.callAPI("POST", apiTransfer, f.gdToken, map[string]any{"reason": ""}), 422, "reason")
			wantAnswer(t, ts.callAPI("POST", apiTransfer, f.bjToken, map[string]any{"reason": "移送公安机关侦查"}), 403)
			wantAnswer(t, ts.callAPI("POST", apiTransfer, f.gdToken, map[string]any{"reason": "移送公安机关侦查"}), 200, f.ids[1], `"total":2`)
			if got := audited(models.AuditClaimsTransfer); len(got) != 2 || !strings.Contains(got[0].Detail, "移送公安机关侦查") {
				t.Fatalf("transfer exports in the audit trail: %+v", got)
			}
			// Evidence downloads are recorded too.
			var ev models.Attachment
			dbtest.Handle(ctx, ts.store).Where("claim_id = ?", cids[1]).Take(&ev)
			wantAnswer(t, office.get(fmt.Sprintf("/office/notices/%d/evidence/%d", n, ev.ID)), 200, "%PDF-1.4")
			if got := audited(models.AuditClaimEvidence); len(got) != 1 || got[0].RecordID != fmt.Sprint(cids[1]) {
				t.Fatalf("evidence download in the audit trail: %+v", got)
			}
		})
	}
}

// TestAuditTrailScopes: admins read and filter the whole trail (page, CSV, API); an office reads its
// province's only, and asking for another province is 403; a filer and the public read nothing.
// Staff writes are recorded with the change (a publish, a failed and a good login, a user disabled);
// bad filters are 400.
func TestAuditTrailScopes(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			f := newPrivacyFixture(t, b.env)
			ts, ctx := f.ts, context.Background()
			office := ts.newNoticeBrowser(&f.gd)
			admin := ts.newNoticeBrowser(&f.admin)
			cids := f.claimIDs()
			wantAnswer(t, office.post(fmt.Sprintf("/office/notices/%d/claims/%d/reveal", f.notice.ID, cids[0]), url.Values{"reason": {"核对申报人身份"}}), 200)
			// A staff write through the API records itself with its record; a refused one does not.
			r := ts.callAPI("POST", "/api/v1/notices", f.gdToken, map[string]any{"kind": "general", "province": "440000", "title": "一般公告", "body": "正文"})
			wantAnswer(t, r, 201)
			var created struct{ ID uint64 }
			json.Unmarshal([]byte(r.body), &created)
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/publish", created.ID), f.gdToken, nil), 200)
			wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/publish", created.ID), f.gdToken, nil), 409)
			// Logins: a wrong password and a good one; an admin disables the Beijing account.
			anon := ts.newNoticeBrowser(nil)
			wantAnswer(t, anon.post("/login", url.Values{"email": {"gd@example.cn"}, "password": {"wrong"}}), 401)
			var bj models.User
			dbtest.Handle(ctx, ts.store).Where("email = ?", "bj@example.cn").Take(&bj)
			wantAnswer(t, admin.post(fmt.Sprintf("/admin/users/%d/disable", bj.ID), url.Values{}), 303)

			var all []models.AuditEntry
			ts.store.EachAudit(ctx, models.AuditFilter{}, func(e models.AuditEntry) error { all = append(all, e); return nil })
			count := map[string]int{}
			for _, e := range all {
				count[e.Action]++
			}
			want := map[string]int{models.AuditClaimReveal: 1, models.AuditNoticeNew: 1, models.AuditPublish: 1, models.AuditLoginFailed: 1, models.AuditUserDisable: 1}
			for k, v := range want {
				if count[k] != v {
					t.Errorf("%d entries of %s, want %d (%v)", count[k], k, v, count)
				}
			}
			for _, e := range all {
				if e.Action == models.AuditNoticeNew && (e.RecordID != fmt.Sprint(created.ID) || e.Actor != "gd@example.cn" || e.Province != "440000") {
					t.Errorf("notice drafted: %+v", e)
				}
				if e.Action == models.AuditUserDisable && (e.RecordID != fmt.Sprint(bj.ID) || e.Actor != "admin@example.cn") {
					t.Errorf("user disabled: %+v", e)
				}
			}

			type answer struct {
				Items []auditJSON `json:"items"`
				Total int64       `json:"total"`
			}
			read := func(token, query string, status int) answer {
				t.Helper()
				r := ts.callAPI("GET", "/api/v1/audit"+query, token, nil)
				wantAnswer(t, r, status)
				var a answer
				if status == 200 {
					json.Unmarshal([]byte(r.body), &a)
				} else {
					jsonError(t, r)
				}
				return a
			}
			if a := read(f.adminToken, "", 200); a.Total != int64(len(all)) {
				t.Fatalf("admin reads %d of %d entries", a.Total, len(all))
			}
			if a := read(f.adminToken, "?province=440000&action=claim", 200); a.Total != 1 || a.Items[0].Detail != "核对申报人身份" || a.Items[0].Hash == "" {
				t.Fatalf("admin filter: %+v", a)
			}
			if a := read(f.adminToken, "?actor=admin%40&per_page=1", 200); a.Total != 1 || len(a.Items) != 1 {
				t.Fatalf("actor filter: %+v", a)
			}
			if a := read(f.adminToken, "?from=2026-11-26", 200); a.Total != 0 {
				t.Fatalf("from a day after everything: %d", a.Total)
			}
			if a := read(f.adminToken, "?from=2026-11-25&to=2026-11-25", 200); a.Total != int64(len(all)) {
				t.Fatalf("the day of everything: %d", a.Total)
			}
			// Guangdong's office sees Guangdong's entries only; Beijing's (disabled now) cannot sign in
			// with its token, so a second Beijing office reads.
			gdAnswer := read(f.gdToken, "", 200)
			for _, e := range gdAnswer.Items {
				if e.Province != "440000" {
					t.Fatalf("Guangdong's office reads an entry of %q", e.Province)
				}
			}
			if gdAnswer.Total != 4 { // the reveal, the notice drafted and published, the failed login on gd's account
				t.Fatalf("Guangdong reads %d entries", gdAnswer.Total)
			}
			read(f.gdToken, "?province=110000", 403)
			read(f.gdToken, "?province=440000", 200)
			_, _, sh, _ := ts.store.CreateUser(ctx, modelsNewOffice("sh@example.cn", "310000"))
			if a := read(sh, "", 200); a.Total != 0 {
				t.Fatalf("Shanghai's office reads %d entries of others", a.Total)
			}
			read(sh, "?province=440000", 403)
			read(f.filerTok, "", 403)
			read("", "", 401)
			for _, q := range []string{"?from=yesterday", "?to=2026-13-01", "?action=nonsense", "?province=999999", "?page=x", "?from=2026-11-26&to=2026-11-25"} {
				read(f.adminToken, q, 400)
			}

			// Pages: the admin's with filters and the CSV export (itself recorded); the office's own.
			wantAnswer(t, admin.get("/admin/audit?province=440000&action=claim"), 200, "审计日志", "查看申报人完整信息", "核对申报人身份", "gd@example.cn")
			wantAnswer(t, admin.get("/admin/audit?lang=en"), 200, "Audit trail", "Failed login")
			wantAnswer(t, admin.get("/admin/audit?from=nonsense"), 400)
			r = admin.get("/admin/audit.csv?action=claim.reveal")
			wantAnswer(t, r, 200, "\ufeff", "claim.reveal", "核对申报人身份")
			if strings.Count(strings.TrimSpace(r.body), "\n") != 1 {
				t.Fatalf("CSV of one reveal: %s", r.body)
			}
			wantAnswer(t, office.get("/admin/audit"), 403)
			r = office.get("/office/audit")
			wantAnswer(t, r, 200, "核对申报人身份", "广东")
			if strings.Contains(r.body, "admin@example.cn") {
				t.Fatal("Guangdong's page shows another scope's entries")
			}
			wantAnswer(t, office.get("/office/audit?province=110000"), 403)
			if items, _, _ := ts.store.AuditPage(ctx, models.AuditFilter{Action: models.AuditExport}); len(items) != 1 {
				t.Fatalf("%d audit exports recorded", len(items))
			}
			if _, fault, err := ts.store.VerifyAudit(ctx); fault != nil || err != nil {
				t.Fatalf("verify: %v %v", fault, err)
			}
		})
	}
}

// TestClaimRetention: claimants' personal data is kept for its notice kind's period after the outcome
// and then deleted by the scheduler's purge (not a day before), with the evidence files; the public
// counts stay, the office sees that the data is gone, and the purge is recorded. `pilu claims purge
// --dry-run` lists what is due and changes nothing; without it it purges. `pilu verify --audit`
// passes, then fails naming a tampered entry. A bad PILU_CLAIM_RETENTION stops start-up.
func TestClaimRetention(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := maps.Clone(b.env)
			env["PILU_CLAIM_RETENTION"] = "zombie_list=30d,default=3y"
			f := newPrivacyFixture(t, env)
			ts, ctx := f.ts, context.Background()
			n := f.notice.ID
			t0 := ts.now()
			ts.clock.t = t0.AddDate(0, 0, 8)
			if _, err := ts.store.ExpireNotices(ctx, ts.now()); err != nil {
				t.Fatal(err)
			}
			outcome := func(uscc string) {
				t.Helper()
				wantAnswer(t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/outcomes", n), f.gdToken, map[string]any{"uscc": uscc, "outcome": "claims_received"}), 200)
			}
			outcome(f.ins[0].USCC)
			ts.clock.t = t0.AddDate(0, 0, 28)
			outcome(f.ins[1].USCC) // due 20 days after the first
			counts := func() string {
				r := ts.get(fmt.Sprintf("/api/v1/notices/%d", n))
				var nj noticeJSON
				json.Unmarshal([]byte(r.body), &nj)
				return fmt.Sprint(nj.Institutions[0].Claims, nj.Institutions[1].Claims)
			}
			before := counts()
			var evidence []models.Attachment
			dbtest.Handle(ctx, ts.store).Where("claim_id IS NOT NULL").Order("id").Find(&evidence)
			if len(evidence) != 2 {
				t.Fatalf("%d evidence files", len(evidence))
			}

			// A day before the period ends: nothing is due.
			ts.clock.t = t0.AddDate(0, 0, 8+30).Add(-time.Hour)
			if done, err := PurgeClaims(ctx, ts.store, ts.blobs, ts.cfg.ClaimRetention, ts.now()); err != nil || len(done) != 0 {
				t.Fatalf("purged before the period ended: %v %v", done, err)
			}
			// After it: the first institution's claims (the second's outcome came later).
			ts.clock.t = t0.AddDate(0, 0, 8+31)
			done, err := PurgeClaims(ctx, ts.store, ts.blobs, ts.cfg.ClaimRetention, ts.now())
			if err != nil || len(done) != 1 || done[0].USCC != f.ins[0].USCC || done[0].Claims != 1 || done[0].Files != 1 {
				t.Fatalf("purge: %+v %v", done, err)
			}
			if _, _, err := ts.blobs.Open(ctx, evidence[0].BlobKey); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("the purged claim's evidence is still stored: %v", err)
			}
			if rc, _, err := ts.blobs.Open(ctx, evidence[1].BlobKey); err != nil {
				t.Fatalf("the other claim's evidence is gone: %v", err)
			} else {
				rc.Close()
			}
			if got := counts(); got != before {
				t.Fatalf("public claim counts %s, were %s", got, before)
			}
			cids := f.claimIDs()
			var c0 models.Claim
			dbtest.Handle(ctx, ts.store).Take(&c0, cids[0])
			if c0.PurgedAt == nil || c0.NameSealed != "" || c0.IDNumberSealed != "" || c0.PhoneSealed != "" || c0.IDHash != "" || c0.PrincipalFen != 1000_00 {
				t.Fatalf("purged claim row: %+v", c0)
			}
			office := ts.newNoticeBrowser(&f.gd)
			wantAnswer(t, office.get(fmt.Sprintf("/office/notices/%d/claims", n)), 200, "按保存期限删除", models.MaskID(f.ids[1]))
			r := office.post(fmt.Sprintf("/office/notices/%d/claims/%d/reveal", n, cids[0]), url.Values{"reason": {"核对申报人身份"}})
			wantAnswer(t, r, 200, "按保存期限删除")
			if strings.Contains(r.body, f.ids[0]) {
				t.Fatal("a purged claim revealed its ID number")
			}
			wantAnswer(t, office.get(fmt.Sprintf("/office/notices/%d/evidence/%d", n, evidence[0].ID)), 404)
			purges, _, _ := ts.store.AuditPage(ctx, models.AuditFilter{Action: models.AuditClaimsPurge})
			if len(purges) != 1 || purges[0].Actor != models.AuditSystem || purges[0].Province != "440000" || !strings.Contains(purges[0].Detail, "kept 30 days") {
				t.Fatalf("purge in the audit trail: %+v", purges)
			}
			if done, _ := PurgeClaims(ctx, ts.store, ts.blobs, ts.cfg.ClaimRetention, ts.now()); len(done) != 0 {
				t.Fatal("a purge ran twice")
			}

			// The command line, on the same database: the second institution's outcome is made old.
			for k, v := range env {
				t.Setenv(k, v)
			}
			t.Setenv("PILU_DATA_DIR", ts.cfg.DataDir)
			t.Setenv("PILU_CLAIM_RETENTION", "") // the default: three years
			dbtest.Handle(ctx, ts.store).Model(&models.NoticeInstitution{}).Where("uscc = ?", f.ins[1].USCC).Update("outcome_at", time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC))
			code, out, errOut := runMain(t, "claims", "purge", "--dry-run")
			if code != 0 || !strings.Contains(out, f.ins[1].USCC) || !strings.Contains(out, "would purge (dry run, nothing changed): 1 claims, 1 evidence files") || !strings.Contains(out, "default=1095d") {
				t.Fatalf("dry run: %d %s %s", code, out, errOut)
			}
			var c1 models.Claim
			dbtest.Handle(ctx, ts.store).Take(&c1, cids[1])
			if c1.PurgedAt != nil || c1.IDNumberSealed == "" {
				t.Fatal("the dry run purged")
			}
			if code, _, errOut := runMain(t, "claims", "purge", "--now"); code != 2 || !strings.Contains(errOut, "now") {
				t.Fatalf("a bad flag: %d %s", code, errOut)
			}
			if code, _, _ := runMain(t, "claims"); code != 2 {
				t.Fatal("claims without purge is bad usage")
			}
			code, out, errOut = runMain(t, "claims", "purge")
			if code != 0 || !strings.Contains(out, "purged: 1 claims, 1 evidence files") {
				t.Fatalf("purge: %d %s %s", code, out, errOut)
			}
			dbtest.Handle(ctx, ts.store).Take(&c1, cids[1])
			if c1.PurgedAt == nil || c1.IDNumberSealed != "" {
				t.Fatalf("not purged by the command: %+v", c1)
			}
			if _, _, err := ts.blobs.Open(ctx, evidence[1].BlobKey); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("the command left the evidence: %v", err)
			}
			if got := counts(); got != before {
				t.Fatalf("public claim counts %s, were %s", got, before)
			}

			// A command's write is recorded with the command as its actor.
			if code, _, errOut := runMain(t, "users", "add", "--role", "office", "--email", "cli@example.cn", "--province", "440000"); code != 0 {
				t.Fatalf("users add: %s", errOut)
			}
			if made, _, _ := ts.store.AuditPage(ctx, models.AuditFilter{Action: models.AuditUserNew}); len(made) != 1 ||
				made[0].Actor != "pilu users add" || made[0].RecordID == "" || made[0].Province != "440000" || !strings.Contains(made[0].Detail, "cli@example.cn") {
				t.Fatalf("users add in the audit trail: %+v", made)
			}

			// pilu verify --audit: clean, then a tampered entry is named.
			if code, out, errOut := runMain(t, "verify", "--audit"); code != 0 || !strings.Contains(out, "audit trail verified") {
				t.Fatalf("verify --audit: %d %s %s", code, out, errOut)
			}
			var last models.AuditEntry
			dbtest.Handle(ctx, ts.store).Where("action = ?", models.AuditClaimsPurge).Order("seq").Take(&last)
			dbtest.Handle(ctx, ts.store).Model(&models.AuditEntry{}).Where("seq = ?", last.Seq).Update("detail", "nothing happened")
			code, _, errOut = runMain(t, "verify", "--audit")
			if code != 1 || !strings.Contains(errOut, fmt.Sprintf("audit entry %d (claims.purge)", last.Seq)) {
				t.Fatalf("verify --audit after tampering: %d %s", code, errOut)
			}

			// A bad retention stops start-up with the variable named.
			for _, bad := range []string{"zombie_list=0d", "zombie=5d", "zombie_list=10", "zombie_list=5d,zombie_list=6d", "default"} {
				t.Setenv("PILU_CLAIM_RETENTION", bad)
				if code, _, errOut := runMain(t, "migrate"); code == 0 || !strings.Contains(errOut, "PILU_CLAIM_RETENTION") {
					t.Fatalf("PILU_CLAIM_RETENTION=%s: %d %s", bad, code, errOut)
				}
			}
		})
	}
}
