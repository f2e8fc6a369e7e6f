package app

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIdempotentFiling: a filing retried with its Idempotency-Key answers the first answer and
// stores neither a second disclosure nor its blob; the key on another request is 422; a failed
// request releases its key; a key whose first request still runs is 409; without a key each
// request is its own filing.
func TestIdempotentFiling(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			in, u, token := ts.filerWithToken("MA5D0KDM1", "深圳甲网贷信息服务有限公司")
			path := "/api/v1/institutions/" + in.USCC + "/disclosures"
			exit := `{"kind": "exit_announcement", "title": "良性退出公告", "body": "本平台自即日起停止新增业务。", "tranches": [{"date": "2027-01-31", "share_bp": 3000}], "base_amount": 100000000}`
			body, ctype := multipartBody(exit, part{"退出公告.pdf", testPDF})
			raw := body.Bytes()
			send := func(key string, b []byte) response {
				req := httptest.NewRequest("POST", path, bytes.NewReader(b))
				req.Header.Set("Content-Type", ctype)
				req.Header.Set("Authorization", "Bearer "+token)
				if key != "" {
					req.Header.Set("Idempotency-Key", key)
				}
				return ts.do(req)
			}
			first := send("k-1", raw)
			if first.StatusCode != 201 {
				t.Fatalf("first filing: %d %s", first.StatusCode, first.body)
			}
			after := ts.counts()
			again := send("k-1", raw)
			if again.StatusCode != 201 || again.body != first.body || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry: %d %s (replayed %q); want the first answer %s", again.StatusCode, again.body, again.Header.Get("Idempotent-Replayed"), first.body)
			}
			if again.Header.Get("Location") != first.Header.Get("Location") {
				t.Errorf("retry Location %q, first %q", again.Header.Get("Location"), first.Header.Get("Location"))
			}
			if got := ts.counts(); got != after {
				t.Fatalf("a retry wrote something: counts %v, after the first %v", got, after)
			}
			other, _ := multipartBody(exit, part{"另一份.pdf", append([]byte(nil), testPDF...)})
			if r := send("k-1", other.Bytes()); r.StatusCode != 422 {
				t.Fatalf("same key, other request: %d %s; want 422", r.StatusCode, r.body)
			} else if code, _ := jsonError(t, r); code != "idempotency_key_reused" {
				t.Fatalf("same key, other request: code %q", code)
			}
			bad, badType := multipartBody("-", part{"a.pdf", testPDF})
			req := httptest.NewRequest("POST", path, bad)
			req.Header.Set("Content-Type", badType)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Idempotency-Key", "k-2")
			if r := ts.do(req); r.StatusCode != 422 {
				t.Fatalf("invalid filing: %d %s", r.StatusCode, r.body)
			}
			if r := send("k-2", raw); r.StatusCode != 201 || r.body == first.body {
				t.Fatalf("a failed request's key runs again: %d %s", r.StatusCode, r.body)
			}
			owner := "user:" + strconv.FormatUint(uint64(u.ID), 10)
			if _, err := ts.store.ReserveIdempotencyKey(context.Background(), owner, "k-3", "running", ts.now()); err != nil {
				t.Fatal(err)
			}
			if r := send("k-3", raw); r.StatusCode != 409 {
				t.Fatalf("key in progress: %d %s; want 409", r.StatusCode, r.body)
			}
			if _, err := ts.store.ReserveIdempotencyKey(context.Background(), owner, "k-4", "cut off", ts.now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			if r := send("k-4", raw); r.StatusCode != 409 {
				t.Fatalf("key cut off: %d %s; want 409", r.StatusCode, r.body)
			} else if code, _ := jsonError(t, r); code != "idempotency_key_unfinished" {
				t.Fatalf("key cut off: code %q", code)
			}
			before := ts.counts()
			if r := send("", raw); r.StatusCode != 201 || ts.counts()[0] != before[0]+1 {
				t.Fatalf("without a key: %d %s", r.StatusCode, r.body)
			}
			long := make([]byte, 256)
			for i := range long {
				long[i] = 'k'
			}
			if r := send(string(long), raw); r.StatusCode != 400 {
				t.Fatalf("key over 255 characters: %d %s", r.StatusCode, r.body)
			}
		})
	}
}

// TestIdempotentJSONWrite: a classification retried with its key is decided once (one decision in
// the institution's history); the same key with another reason is 422.
func TestIdempotentJSONWrite(t *testing.T) {
	ts := newTestServer(t, nil)
	in := ts.seedInstitution("440106", "MA5D0KDM2", "广州丙网贷信息服务有限公司", "440000", "丙贷")
	token := ts.officeToken("clerk@office.example", "440000")
	classify := func(key, body string) response {
		req := httptest.NewRequest("POST", "/api/v1/institutions/"+in.USCC+"/classification", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", key)
		return ts.do(req)
	}
	first := classify("c-1", `{"class":"zombie","reason":"失联三个月"}`)
	if first.StatusCode != 201 {
		t.Fatalf("classification: %d %s", first.StatusCode, first.body)
	}
	if again := classify("c-1", `{"class":"zombie","reason":"失联三个月"}`); again.StatusCode != 201 || again.body != first.body {
		t.Fatalf("retry: %d %s", again.StatusCode, again.body)
	}
	if r := classify("c-1", `{"class":"zombie","reason":"另一理由"}`); r.StatusCode != 422 {
		t.Fatalf("same key, other body: %d %s", r.StatusCode, r.body)
	}
	r := ts.get("/api/v1/institutions/" + in.USCC)
	if n := strings.Count(r.body, `"to":"zombie"`); n != 1 {
		t.Fatalf("decisions to zombie in the history: %d, want 1 (%s)", n, r.body)
	}
}
