package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"pilu/app/proctest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRequestIDs checks that every answer carries an X-Request-Id, that error answers quote it (the
// JSON error's request_id, the error page's text), that ids differ between requests, and that an id
// sent by a client is kept only from a trusted proxy and only when it looks like an id (no log
// injection). Bad inputs tried: a newline, a too-short id, an untrusted sender.
func TestRequestIDs(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	a, b := ts.get("/"), ts.get("/")
	if a.Header.Get(headerRequestID) == "" || a.Header.Get(headerRequestID) == b.Header.Get(headerRequestID) {
		t.Fatalf("ids %q and %q", a.Header.Get(headerRequestID), b.Header.Get(headerRequestID))
	}
	api := ts.get("/api/v1/institutions/91440300MA5XXXXXX0")
	var body struct {
		Error struct {
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(api.body), &body); err != nil || api.StatusCode != 404 || body.Error.RequestID != api.Header.Get(headerRequestID) {
		t.Fatalf("API error %d: request_id %q, header %q", api.StatusCode, body.Error.RequestID, api.Header.Get(headerRequestID))
	}
	page := ts.get("/institutions/91440300MA5XXXXXX0")
	if page.StatusCode != 404 || !strings.Contains(page.body, page.Header.Get(headerRequestID)) || !strings.Contains(page.body, "请求编号") {
		t.Fatalf("error page %d does not quote its request id %q", page.StatusCode, page.Header.Get(headerRequestID))
	}
	if r := ts.get("/", headerRequestID, "from-a-stranger-1234"); r.Header.Get(headerRequestID) == "from-a-stranger-1234" {
		t.Fatal("an untrusted client named its own request id")
	}

	env := map[string]string{"PILU_TRUSTED_PROXIES": "0.0.0.0"} // app.Test's peer
	for k, v := range backends(t)[0].env {
		env[k] = v
	}
	proxied := newTestServer(t, env)
	for _, c := range []struct{ sent, kept string }{
		{"nginx-0123456789abcdef", "nginx-0123456789abcdef"},
		{"short", ""},
		{"evil\nlevel=ERROR msg=forged", ""},
	} {
		r := proxied.get("/", headerRequestID, c.sent)
		got := r.Header.Get(headerRequestID)
		if c.kept != "" && got != c.kept || c.kept == "" && (got == "" || got == c.sent) {
			t.Errorf("proxy sent %q: answer carries %q", c.sent, got)
		}
	}
}

// lockedBuffer is a log destination safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMetricsAndRequestLog runs the real server with PILU_METRICS_ADDR and JSON logs: /metrics on
// the separate listener counts requests by route pattern and status and reports the index, the
// outbox and Go's runtime; the public port has no /metrics; each request is one JSON log line with
// its id, route and status. A metrics address that is taken stops Serve with the variable's name.
func TestMetricsAndRequestLog(t *testing.T) {
	addr, metricsAddr := proctest.FreeAddr(t), proctest.FreeAddr(t)
	env := map[string]string{"PILU_ADDR": addr, "PILU_METRICS_ADDR": metricsAddr, "PILU_LOG_FORMAT": "json"}
	for k, v := range backends(t)[0].env {
		env[k] = v
	}
	ts := newTestServer(t, env)
	logs := &lockedBuffer{}
	ts.log = NewLogger(ts.cfg.LogFormat, logs)
	in := ts.seedInstitution("440106", "MA5GC0001", "深圳市观测有限公司", "440000")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	get := func(url string) (int, string) {
		t.Helper()
		for range 100 {
			res, err := http.Get(url)
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			return res.StatusCode, string(b)
		}
		t.Fatalf("%s does not answer", url)
		return 0, ""
	}
	if status, _ := get("http://" + addr + "/institutions/" + in.USCC); status != 200 {
		t.Fatalf("institution page: %d", status)
	}
	get("http://" + addr + "/api/v1/search?q=" + in.USCC)
	if status, _ := get("http://" + addr + "/metrics"); status != 404 {
		t.Errorf("/metrics on the public port: %d", status)
	}
	status, text := get("http://" + metricsAddr + "/metrics")
	for _, want := range []string{
		`pilu_http_requests_total{method="GET",route="/institutions/:uscc",status="200"} 1`,
		`pilu_search_duration_seconds_count{class="uscc"} 1`,
		"pilu_index_documents ", "pilu_outbox_lag ", "go_goroutines ", "pilu_http_request_duration_seconds_bucket",
	} {
		if status != 200 || !strings.Contains(text, want) {
			t.Errorf("/metrics (%d) lacks %s", status, want)
		}
	}
	found := false
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "request" {
			continue
		}
		if rec["route"] == "/institutions/:uscc" && rec["status"] == float64(200) && fmt.Sprint(rec["id"]) != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no JSON request line for the institution page in:\n%.2000s", logs.String())
	}

	taken := newTestServer(t, map[string]string{"PILU_ADDR": proctest.FreeAddr(t), "PILU_METRICS_ADDR": metricsAddr})
	taken.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := taken.Serve(context.Background()); err == nil || !strings.Contains(err.Error(), "PILU_METRICS_ADDR") {
		t.Errorf("a taken metrics address: %v", err)
	}
}
