package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

var tokenPattern = regexp.MustCompile(`<code class="hash">(pilu_[A-Za-z0-9_-]+)</code>`)

// makeToken submits a token form and returns the token shown once (the form must be accepted).
func (b browser) makeToken(t *testing.T, path string, form url.Values) string {
	t.Helper()
	r := b.post(path, form)
	m := tokenPattern.FindStringSubmatch(r.body)
	if r.StatusCode != 201 || m == nil {
		t.Fatalf("token form %v at %s: %d %.300s", form, path, r.StatusCode, r.body)
	}
	return m[1]
}

// wantAPIError checks an API error's status and code.
func wantAPIError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d (%s): %.300s", r.StatusCode, status, code, r.body)
	}
	if got, _ := jsonError(t, r); got != code {
		t.Fatalf("code %q, want %q", got, code)
	}
}

// fileClaimWithEvidence files a claim with one evidence file through the public API.
func (ts *testServer) fileClaimWithEvidence(path, uscc string) {
	ts.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"institution": uscc, "name": "欧阳娜娜", "id_number": residentID("11010519491231002"),
		"phone": "13812345678", "principal": "100000", "interest": "500", "statement": "借款合同一份"} {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("files", "note.txt")
	fw.Write([]byte("借款合同编号 2019-001"))
	w.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	wantAnswer(ts.t, ts.do(req), 201)
}

// TestAPITokenLimits: tokens made on /admin and /account with limits: a read-only token reads and
// never writes; a province-limited token acts in its province only; an expired or revoked token is
// 401 with its own code; invalid limits are refused with the form again.
func TestAPITokenLimits(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			ts := newTestServer(t, be.env)
			ctx := context.Background()
			path, uscc, _ := ts.openClaimNotice()
			ts.fileClaimWithEvidence(path, uscc)
			zj := ts.seedInstitution("330106", "MA2CDE7X1", "杭州市某网络借贷信息中介有限公司", "330000")
			office, opw, _, _ := ts.store.CreateUser(ctx, modelsNewOffice("gd-tokens@example.cn", "440000"))
			_, apw, _, _ := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "tokens@example.cn"})
			admin := ts.loginAs("tokens@example.cn", apw)
			officePage := fmt.Sprintf("/admin/users/%d", office.ID)
			calendar := `{"year": 2031}`

			// Invalid limits: the form again with the reason (422), no token.
			for _, bad := range []url.Values{{"province": {"330000"}}, {"expires": {"2026-11-24"}}, {"expires": {"2026-13-01"}}} {
				if r := admin.post(officePage+"/tokens", bad); r.StatusCode != 422 || tokenPattern.MatchString(r.body) || !strings.Contains(r.body, `class="error"`) {
					t.Fatalf("token with %v: %d", bad, r.StatusCode)
				}
			}

			// Read-only: reads the claims, never writes.
			ro := admin.makeToken(t, officePage+"/tokens", url.Values{"read_only": {"1"}})
			wantAnswer(t, ts.callAPI("GET", path, ro, nil), 200, `"receipt"`)
			wantAPIError(t, ts.callAPI("POST", path+"/1", ro, map[string]string{"status": "verified"}), 403, "token_read_only")
			wantAPIError(t, ts.callAPI("POST", "/api/v1/institutions/"+uscc+"/classification", ro, map[string]string{"class": "zombie", "reason": "x"}), 403, "token_read_only")

			// An admin's token limited to Zhejiang reads no Guangdong claims; one limited to
			// Guangdong reads them but makes no national write.
			adminID := currentAccount(t, ts, "tokens@example.cn")
			zjAdmin := admin.makeToken(t, fmt.Sprintf("/admin/users/%d/tokens", adminID), url.Values{"province": {"330000"}})
			wantAPIError(t, ts.callAPI("GET", path, zjAdmin, nil), 403, "forbidden")
			gdAdmin := admin.makeToken(t, "/account/tokens", url.Values{"province": {"440000"}})
			wantAnswer(t, ts.callAPI("GET", path, gdAdmin, nil), 200)
			wantAPIError(t, ts.callAPI("POST", "/api/v1/calendars", gdAdmin, calendar), 403, "token_province")

			// The office makes its own token on /account, limited to its province, expiring at
			// the end of tomorrow: it writes in Guangdong, not in Zhejiang.
			ob := ts.loginAs("gd-tokens@example.cn", opw)
			wantAnswer(t, ob.get("/account"), 200, `name="read_only"`, `name="expires"`)
			tomorrow := ts.now().In(models.ChinaZone).AddDate(0, 0, 1).Format(time.DateOnly)
			gd := ob.makeToken(t, "/account/tokens", url.Values{"province": {"440000"}, "expires": {tomorrow}})
			wantAnswer(t, ts.callAPI("POST", "/api/v1/institutions/"+uscc+"/classification", gd, map[string]string{"class": "zombie", "reason": "长期失联"}), 201)
			wantAPIError(t, ts.callAPI("POST", "/api/v1/institutions/"+zj.USCC+"/classification", gd, map[string]string{"class": "zombie", "reason": "x"}), 403, "forbidden")
			if got, _ := ts.store.InstitutionByUSCC(ctx, zj.USCC); got.Class == "zombie" {
				t.Fatal("a province-limited token classified another province's institution")
			}

			// Expired: refused with its own code and a message in the reader's language.
			ts.clock.t = ts.clock.t.AddDate(0, 0, 3)
			r := ts.callAPI("GET", path, gd, nil)
			wantAPIError(t, r, 401, "token_expired")
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+gd)
			req.Header.Set("Accept-Language", "en")
			if r := ts.do(req); !strings.Contains(r.body, "expired") {
				t.Fatalf("expired token, in English: %s", r.body)
			}
			ob = ts.loginAs("gd-tokens@example.cn", opw) // the session, too, ended meanwhile
			wantAnswer(t, ob.get("/account"), 200, `<span class="badge">已过期</span>`)

			// Revoked on the account page: 401 token_revoked.
			tokens, _ := ts.store.UserTokens(ctx, office.ID)
			wantAnswer(t, ob.post(fmt.Sprintf("/account/tokens/%d/revoke", tokens[0].ID), nil), 303)
			wantAPIError(t, ts.callAPI("GET", path, gd, nil), 401, "token_revoked")
			// Another account's token cannot be revoked from one's account page.
			adminTokens, _ := ts.store.UserTokens(ctx, adminID)
			wantAnswer(t, ob.post(fmt.Sprintf("/account/tokens/%d/revoke", adminTokens[0].ID), nil), 404)
		})
	}
}

// currentAccount returns the id of the account with email.
func currentAccount(t *testing.T, ts *testServer, email string) uint64 {
	t.Helper()
	users, err := ts.store.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == email {
			return u.ID
		}
	}
	t.Fatalf("no account %s", email)
	return 0
}

// TestClaimsDocumentedAsReturned compares the fields of real claim answers (the office's list with
// evidence, a decision, the claimant's status look-up) with the properties openapi.json documents
// for them: the same names, every required one present.
func TestClaimsDocumentedAsReturned(t *testing.T) {
	ts := newTestServer(t, nil)
	path, uscc, _ := ts.openClaimNotice()
	ts.fileClaimWithEvidence(path, uscc)
	_, _, token, _ := ts.store.CreateUser(context.Background(), modelsNewOffice("doc-claims@example.cn", "440000"))
	doc, _, err := loadAPISpec()
	if err != nil {
		t.Fatal(err)
	}
	compare := func(what, schema string, got map[string]any) {
		t.Helper()
		s := doc.Components.Schemas[schema].Value
		var documented, returned []string
		for k := range s.Properties {
			documented = append(documented, k)
		}
		for k := range got {
			returned = append(returned, k)
		}
		sort.Strings(documented)
		sort.Strings(returned)
		for _, k := range returned {
			if !slices.Contains(documented, k) {
				t.Errorf("%s: field %q is returned but not documented in %s", what, k, schema)
			}
		}
		for _, k := range s.Required {
			if !slices.Contains(returned, k) {
				t.Errorf("%s: %s requires %q, which is not returned", what, schema, k)
			}
		}
		for _, k := range documented {
			if !slices.Contains(returned, k) && !slices.Contains(optionalClaimFields, schema+"."+k) {
				t.Errorf("%s: %s documents %q, which is not returned", what, schema, k)
			}
		}
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	r := ts.callAPI("GET", path, token, nil)
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Items) != 1 {
		t.Fatalf("claims: %v %s", err, r.body)
	}
	compare("GET claims", "Claim", list.Items[0])
	evidence, _ := list.Items[0]["evidence"].([]any)
	if len(evidence) != 1 {
		t.Fatalf("evidence: %v", list.Items[0]["evidence"])
	}
	compare("GET claims evidence", "Attachment", evidence[0].(map[string]any))

	id := fmt.Sprint(list.Items[0]["id"])
	r = ts.callAPI("POST", path+"/"+id, token, map[string]string{"status": "rejected", "reason": "证据不足"})
	var decided map[string]any
	json.Unmarshal([]byte(r.body), &decided)
	compare("POST decide", "ClaimAnswer", decided)

	r = ts.callAPI("GET", path, token, nil)
	json.Unmarshal([]byte(r.body), &list)
	compare("GET claims after a decision", "Claim", list.Items[0])
	if list.Items[0]["reason"] != "证据不足" {
		t.Errorf("reason: %v", list.Items[0]["reason"])
	}

	receipt := fmt.Sprint(list.Items[0]["receipt"])
	r = ts.callAPI("POST", "/api/v1/claims/status", "", map[string]string{"receipt": receipt, "last4": residentID("11010519491231002")[14:]})
	wantAnswer(t, r, 200)
	var status map[string]any
	json.Unmarshal([]byte(r.body), &status)
	compare("POST claims/status", "ClaimStatus", status)
}

// optionalClaimFields are documented fields that an answer may leave out.
var optionalClaimFields = []string{"Claim.reason", "Attachment.content_type"}
