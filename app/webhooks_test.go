package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pilu/models"
)

// hookReceiver is a webhook receiver as a data user would write one: it checks each delivery's
// Pilu-Signature against the secret (the HMAC-SHA256 of "t.body", and a timestamp within five minutes
// of its clock), answers the statuses it is told to in turn (then 200), and keeps what it received.
type hookReceiver struct {
	mu       sync.Mutex
	secret   string
	now      func() time.Time
	answers  []int
	got      []receivedHook
	srv      *httptest.Server
	requests int
}

// receivedHook is one delivery as the receiver saw it.
type receivedHook struct {
	validSignature bool
	body           []byte
	event          string
	delivery       string
}

// verifyHookSignature is the receiver's check of a Pilu-Signature header for body under secret at
// time now: the README's recipe.
func verifyHookSignature(header, secret string, body []byte, now time.Time) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("malformed signature header")
	}
	if d := now.Sub(time.Unix(t, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp too far off")
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return errors.New("signature does not match")
	}
	return nil
}

func newHookReceiver(t *testing.T, now func() time.Time) *hookReceiver {
	r := &hookReceiver{now: now}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.requests++
		err := verifyHookSignature(req.Header.Get("Pilu-Signature"), r.secret, body, r.now())
		r.got = append(r.got, receivedHook{validSignature: err == nil, body: body, event: req.Header.Get("Pilu-Event"), delivery: req.Header.Get("Pilu-Delivery")})
		status := 200
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		if err != nil {
			status = 400
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) received() []receivedHook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedHook(nil), r.got...)
}

// deliveryLog reads a webhook's delivery log through the API.
func (ts *testServer) deliveryLog(token string, id uint64) []deliveryJSON {
	ts.t.Helper()
	r := ts.callAPI("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), token, nil)
	var out struct {
		Items []deliveryJSON `json:"items"`
	}
	if r.StatusCode != 200 || json.Unmarshal([]byte(r.body), &out) != nil {
		ts.t.Fatalf("delivery log: %d %s", r.StatusCode, r.body)
	}
	return out.Items
}

// TestWebhooks registers a webhook through the API with a data user's token (the receiver a real HTTP
// server on loopback, allowed by PILU_WEBHOOK_ALLOW), publishes records, and runs the scheduler's
// webhook job: the receiver checks every signature, answers 500 to the first try, which is retried
// after the backoff and then delivered; the delivery log (API and account page) shows status,
// attempts and the last error. A receiver that never answers is given up on after webhookTimeout and
// retried; a delivery failing for 24 hours is marked failed. Bad input: a malformed URL, loopback and
// private targets (127.0.0.2 when only 127.0.0.1 is allowed, 10.0.0.0/8), a bad filter, no token, a
// read-only token, another account's webhook.
func TestWebhooks(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := map[string]string{"PILU_WEBHOOK_ALLOW": "127.0.0.1"}
			for k, v := range b.env {
				env[k] = v
			}
			ts := newTestServer(t, env)
			ctx := context.Background()
			run := func() {
				t.Helper()
				if err := ts.runWebhooks(ctx); err != nil {
					t.Fatal(err)
				}
			}
			in := ts.seedInstitution("440106", "MA5WH0001", "广州市某某网络借贷信息中介有限公司", "440000")
			user, password, token, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleInstitution, Email: "data@filer.cn", InstitutionUSCC: in.USCC})
			if err != nil {
				t.Fatal(err)
			}
			_, otherPassword, otherToken, err := ts.store.CreateUser(ctx, modelsNewOffice("other@office.cn", "110000"))
			if err != nil {
				t.Fatal(err)
			}
			_, roToken, err := ts.store.CreateToken(ctx, user.ID, models.TokenOptions{ReadOnly: true}, ts.now())
			if err != nil {
				t.Fatal(err)
			}
			recv := newHookReceiver(t, ts.now)
			recv.answers = []int{500}

			// Refused registrations, each with its reason.
			for _, c := range []struct {
				body  any
				field string
				code  string
			}{
				{map[string]string{"url": "not a url"}, "url", models.CodeWebhookURL},
				{map[string]string{"url": "http://127.0.0.2:" + recv.srv.URL[strings.LastIndex(recv.srv.URL, ":")+1:] + "/hook"}, "url", models.CodeWebhookTarget},
				{map[string]string{"url": "http://10.0.0.1/hook"}, "url", models.CodeWebhookTarget},
				{map[string]string{"url": "http://10.255.255.254:8080/hook"}, "url", models.CodeWebhookTarget},
				{map[string]string{"url": "http://[::1]/hook"}, "url", models.CodeWebhookTarget},
				{map[string]string{"url": "http://169.254.169.254/latest/meta-data/"}, "url", models.CodeWebhookTarget},
				{map[string]string{"url": recv.srv.URL, "kind": "tweet"}, "kind", models.CodeOneOf},
				{map[string]string{"url": recv.srv.URL, "province": "999999"}, "province", models.CodeNotProvince},
			} {
				r := ts.callAPI("POST", "/api/v1/webhooks", token, c.body)
				code, fields := jsonError(t, r)
				if r.StatusCode != 422 || code != "invalid" || fields[c.field] == "" {
					t.Errorf("%v: %d %s", c.body, r.StatusCode, r.body)
				}
				if !strings.Contains(r.body, `"code":"`+c.code+`"`) {
					t.Errorf("%v: no %s in %s", c.body, c.code, r.body)
				}
			}
			// A refused target and a bad filter are said together.
			r := ts.callAPI("POST", "/api/v1/webhooks", token, map[string]string{"url": "http://10.0.0.1/hook", "kind": "tweet", "institution": "91350100M000100Y43"})
			if _, fields := jsonError(t, r); r.StatusCode != 422 || fields["url"] == "" || fields["kind"] == "" || fields["institution"] == "" {
				t.Errorf("target and filter refused together: %d %s", r.StatusCode, r.body)
			}
			r = ts.callAPI("POST", "/api/v1/webhooks?lang=en", token, map[string]string{"url": "http://10.1.2.3/hook"})
			wantAnswer(t, r, 422, "non-public address, 10.1.2.3", "PILU_WEBHOOK_ALLOW")
			wantAnswer(t, ts.callAPI("POST", "/api/v1/webhooks", "", map[string]string{"url": recv.srv.URL}), 401)
			wantAnswer(t, ts.callAPI("POST", "/api/v1/webhooks", roToken, map[string]string{"url": recv.srv.URL}), 403, "token_read_only")

			// Registered: the secret is answered once.
			r = ts.callAPI("POST", "/api/v1/webhooks", token, map[string]string{"url": recv.srv.URL + "/hook", "institution": in.USCC})
			var hook webhookJSON
			if r.StatusCode != 201 || json.Unmarshal([]byte(r.body), &hook) != nil || !strings.HasPrefix(hook.Secret, "whsec_") {
				t.Fatalf("register: %d %s", r.StatusCode, r.body)
			}
			recv.secret = hook.Secret
			if r := ts.callAPI("GET", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), token, nil); r.StatusCode != 200 || strings.Contains(r.body, hook.Secret) {
				t.Fatalf("show: %d %s", r.StatusCode, r.body)
			}
			if r := ts.callAPI("GET", "/api/v1/webhooks", token, nil); r.StatusCode != 200 || !strings.Contains(r.body, recv.srv.URL+"/hook") || strings.Contains(r.body, hook.Secret) {
				t.Fatalf("list: %d %s", r.StatusCode, r.body)
			}
			for _, path := range []string{"/api/v1/webhooks/%d", "/api/v1/webhooks/%d/deliveries"} {
				wantAnswer(t, ts.callAPI("GET", fmt.Sprintf(path, hook.ID), otherToken, nil), 404)
			}
			wantAnswer(t, ts.callAPI("DELETE", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), otherToken, nil), 404)

			// Nothing published yet: nothing sent. Then a disclosure of the institution and one of
			// another institution (filtered out).
			run()
			if n := len(recv.received()); n != 0 {
				t.Fatalf("%d deliveries before anything was published", n)
			}
			elsewhere := ts.seedInstitution("110105", "MA5WH0002", "北京某某网贷有限公司", "110000")
			for _, target := range []models.Institution{in, elsewhere} {
				if _, err := ts.store.FileDisclosure(ctx, target, models.NewDisclosure{Kind: "other", Title: "停业公告", Body: "正文。"}, "a@x.cn", ts.now()); err != nil {
					t.Fatal(err)
				}
			}
			run()
			got := recv.received()
			if len(got) != 1 || !got[0].validSignature || got[0].event != "disclosure" {
				t.Fatalf("first try: %+v", got)
			}
			var entry changeEntry
			if err := json.Unmarshal(got[0].body, &entry); err != nil || entry.Seq != 1 || entry.Hash == "" || entry.Record == nil {
				t.Fatalf("body %s: %v", got[0].body, err)
			}
			// The body is the change stream's entry, byte for byte.
			changes := ts.get("/api/v1/changes?after=0&limit=1")
			var page struct {
				Items []json.RawMessage `json:"items"`
			}
			if json.Unmarshal([]byte(changes.body), &page) != nil || len(page.Items) != 1 || string(page.Items[0]) != string(got[0].body) {
				t.Fatalf("delivered %s\nchange stream %s", got[0].body, changes.body)
			}
			// A changed byte fails the receiver's check.
			tampered := append([]byte(nil), got[0].body...)
			tampered[len(tampered)-2] ^= 1
			if err := verifyHookSignature(signWebhook(hook.Secret, ts.now().Unix(), got[0].body), hook.Secret, tampered, ts.now()); err == nil {
				t.Fatal("a tampered body passed the signature check")
			}

			log := ts.deliveryLog(token, hook.ID)
			if len(log) != 1 || log[0].Status != "pending" || log[0].Attempts != 1 || log[0].LastStatus == nil || *log[0].LastStatus != 500 ||
				log[0].LastError != "HTTP 500" || log[0].NextAt == nil || !log[0].NextAt.Equal(ts.now().Add(30*time.Second).UTC()) {
				t.Fatalf("log after the 500: %+v", log)
			}
			run() // not due yet
			if n := len(recv.received()); n != 1 {
				t.Fatalf("%d tries before the backoff ended", n)
			}
			ts.clock.t = ts.clock.t.Add(30 * time.Second)
			run()
			got = recv.received()
			if len(got) != 2 || !got[1].validSignature || string(got[1].body) != string(got[0].body) || got[1].delivery != got[0].delivery {
				t.Fatalf("retry: %+v", got)
			}
			log = ts.deliveryLog(token, hook.ID)
			if len(log) != 1 || log[0].Status != "delivered" || log[0].Attempts != 2 || *log[0].LastStatus != 200 || log[0].LastError != "" || log[0].NextAt != nil || log[0].DeliveredAt == nil {
				t.Fatalf("log after the retry: %+v", log)
			}
			run()
			if n := len(recv.received()); n != 2 {
				t.Fatalf("delivered again: %d", n)
			}

			// The account page lists the webhook and shows its log.
			br := ts.loginAs(user.Email, password)
			wantAnswer(t, br.get("/account?lang=en"), 200, recv.srv.URL+"/hook", fmt.Sprintf(`href="/account/webhooks/%d"`, hook.ID), `name="url"`)
			wantAnswer(t, br.get(fmt.Sprintf("/account/webhooks/%d", hook.ID)), 200, "已送达", "#1")
			if r := ts.loginAs("other@office.cn", otherPassword).get(fmt.Sprintf("/account/webhooks/%d", hook.ID)); r.StatusCode != 404 {
				t.Fatalf("another account's log page: %d", r.StatusCode)
			}
			// Registered from the page: the secret is shown once; a private target is refused there too.
			form := func(target string) response {
				return ts.postForm("/account/webhooks?lang=en", url.Values{"_csrf": {br.token}, "url": {target}, "kind": {"major_event"}}, br.cookies...)
			}
			wantAnswer(t, form("http://10.0.0.8/hook"), 422, "non-public address, 10.0.0.8", `aria-invalid="true"`)
			made := form(recv.srv.URL + "/major")
			wantAnswer(t, made, 201, "whsec_", "Shown this once only")
			wantAnswer(t, br.get("/account"), 200, "重大事项", recv.srv.URL+"/major")

			// A receiver that never answers: the try ends after the timeout and is retried later.
			ts.webhookGuard.timeout = 300 * time.Millisecond
			hang := make(chan struct{})
			silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { <-hang }))
			t.Cleanup(func() { close(hang); silent.Close() })
			r = ts.callAPI("POST", "/api/v1/webhooks", token, map[string]string{"url": silent.URL + "/never", "kind": "notice"})
			var quiet webhookJSON
			if r.StatusCode != 201 || json.Unmarshal([]byte(r.body), &quiet) != nil {
				t.Fatalf("register the silent receiver: %d %s", r.StatusCode, r.body)
			}
			ts.openTestNotice("440000", "关于广州市某某网络借贷信息中介有限公司的公告", 15, in)
			run()
			qlog := ts.deliveryLog(token, quiet.ID)
			if len(qlog) != 1 || qlog[0].Status != "pending" || qlog[0].Attempts != 1 || qlog[0].LastStatus != nil || !strings.Contains(qlog[0].LastError, "no answer within 300ms") {
				t.Fatalf("silent receiver: %+v", qlog)
			}
			// The notice lists the institution, so the first webhook got it too, signed.
			if got := recv.received(); len(got) != 3 || got[2].event != "notice" || !got[2].validSignature {
				t.Fatalf("notice to the first webhook: %+v", got)
			}
			// Still no answer for 24 hours: failed.
			ts.clock.t = ts.clock.t.Add(models.WebhookRetryFor)
			run()
			qlog = ts.deliveryLog(token, quiet.ID)
			if qlog[0].Status != "failed" || qlog[0].Attempts != 2 || qlog[0].NextAt != nil {
				t.Fatalf("after 24 hours: %+v", qlog)
			}

			// Deleted with its log.
			wantAnswer(t, ts.callAPI("DELETE", fmt.Sprintf("/api/v1/webhooks/%d", quiet.ID), token, nil), 204)
			wantAnswer(t, ts.callAPI("GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", quiet.ID), token, nil), 404)

			// /metrics counted each try by what became of it: the first webhook's 500 (pending) and
			// its retry (delivered), then the silent receiver's timeouts (pending, then failed).
			for outcome, want := range map[string]float64{models.DeliveryPending: 2, models.DeliveryDelivered: 2, models.DeliveryFailed: 1} {
				if n := testutil.ToFloat64(ts.metrics.webhookTries.WithLabelValues(outcome)); n != want {
					t.Errorf("pilu_webhook_tries_total{outcome=%q} = %v, want %v", outcome, n, want)
				}
			}

			// The audit trail has each registration (the target's origin only: a path may hold a
			// credential) and the removal; refused registrations left nothing.
			trail, _, err := ts.store.AuditPage(ctx, models.AuditFilter{Action: "webhook", PerPage: 50})
			if err != nil {
				t.Fatal(err)
			}
			var audited []string
			for _, e := range trail {
				audited = append(audited, e.Actor+" "+e.Action+" "+e.RecordType+"/"+e.RecordID+" "+e.Detail)
			}
			want := []string{ // newest first: the API's removal, the API's and the page's registrations
				fmt.Sprintf("data@filer.cn webhook.delete webhook/%d ", quiet.ID),
				fmt.Sprintf("data@filer.cn webhook.create webhook/%d %s", quiet.ID, silent.URL),
				fmt.Sprintf("data@filer.cn webhook.create webhook/%d %s", hook.ID+1, recv.srv.URL),
				fmt.Sprintf("data@filer.cn webhook.create webhook/%d %s", hook.ID, recv.srv.URL),
			}
			if !slices.Equal(audited, want) {
				t.Errorf("audit trail of webhooks:\n got %q\nwant %q", audited, want)
			}
		})
	}
}

// TestWebhookGuardChecksTheDialledAddress: the delivery client refuses to connect to a loopback
// receiver when nothing allows it, whatever the URL passed at registration (DNS rebinding), and
// connects when PILU_WEBHOOK_ALLOW names the range or the host.
func TestWebhookGuardChecksTheDialledAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	for _, c := range []struct {
		allow string
		ok    bool
	}{{"", false}, {"10.0.0.0/8", false}, {"127.0.0.0/8", true}, {"127.0.0.1", true}} {
		allow, err := parseWebhookAllow(c.allow)
		if err != nil {
			t.Fatal(err)
		}
		g := newWebhookGuard(allow)
		res, err := g.client(u).Post(srv.URL, "application/json", strings.NewReader("{}"))
		if c.ok {
			if err != nil || res.StatusCode != 204 {
				t.Errorf("allow %q: %v", c.allow, err)
			}
			continue
		}
		if err == nil {
			res.Body.Close()
			t.Errorf("allow %q: connected to %s", c.allow, srv.URL)
			continue
		}
		if why := g.deliveryError(err); !strings.Contains(why, "127.0.0.1") || !strings.Contains(why, "not a public address") {
			t.Errorf("allow %q: %q", c.allow, why)
		}
		if err := g.check(context.Background(), u); err == nil {
			t.Errorf("allow %q: registration check passed", c.allow)
		}
	}
	// A host name allowed by name connects whatever it resolves to.
	byName := newWebhookGuard([]string{"localhost"})
	lu, _ := url.Parse(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	if err := byName.check(context.Background(), lu); err != nil {
		t.Errorf("localhost allowed by name: %v", err)
	}
	for _, bad := range []string{"10.0.0.0/33", "exa mple", "-bad.example"} {
		if _, err := parseWebhookAllow(bad); err == nil {
			t.Errorf("PILU_WEBHOOK_ALLOW=%q accepted", bad)
		}
	}
	// Redirects are not followed.
	moved := httptest.NewServer(http.RedirectHandler(srv.URL, http.StatusFound))
	defer moved.Close()
	mu, _ := url.Parse(moved.URL)
	res, err := newWebhookGuard([]string{"127.0.0.1"}).client(mu).Post(moved.URL, "application/json", strings.NewReader("{}"))
	if err != nil || res.StatusCode != 302 {
		t.Fatalf("redirect: %v %v", res, err)
	}
	res.Body.Close()
}
