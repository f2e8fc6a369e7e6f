package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"pilu/app/blob/s3test"
	"pilu/models"
	"pilu/models/dbtest"
	"pilu/search"
)

// backend is one set of real parts a server test runs on.
type backend struct {
	name string
	env  map[string]string
}

// backends returns SQLite with local blobs always, and MariaDB with MinIO when the test services are
// configured (.ci/run sets them; under CI=true they are required).
func backends(t *testing.T) []backend {
	t.Helper()
	dbs := dbtest.DSNs(t)
	out := []backend{{name: "sqlite+local", env: map[string]string{"PILU_DB": dbs[0].DSN}}}
	s3, hasS3 := s3test.Lookup("minio")
	s3test.Configured(t) // under CI=true, fails unless every S3 server is set
	if len(dbs) > 1 {
		env := map[string]string{"PILU_DB": dbs[1].DSN, "PILU_SECRET": strings.Repeat("s", 40)}
		name := "mysql+local"
		if hasS3 {
			maps.Copy(env, s3Env(s3))
			name = "mysql+" + s3.Name
		}
		out = append(out, backend{name: name, env: env})
	}
	return out
}

// otherS3Backends returns one backend per configured S3 server other than MinIO (which backends
// covers), on the last database of dbtest (MariaDB when set), for the tests that must hold on
// every S3 server; under CI=true every server is required.
func otherS3Backends(t *testing.T) []backend {
	t.Helper()
	var out []backend
	for _, s3 := range s3test.Configured(t) {
		if s3.Name == "minio" {
			continue
		}
		dbs := dbtest.DSNs(t)
		db := dbs[len(dbs)-1]
		env := map[string]string{"PILU_DB": db.DSN, "PILU_SECRET": strings.Repeat("s", 40)}
		maps.Copy(env, s3Env(s3))
		out = append(out, backend{name: db.Name + "+" + s3.Name, env: env})
	}
	return out
}

// s3Env is the environment that stores blobs in a fresh bucket on s3.
func s3Env(s3 s3test.Server) map[string]string {
	b := make([]byte, 4)
	rand.Read(b)
	return map[string]string{
		"PILU_S3_ENDPOINT":   s3.Endpoint,
		"PILU_S3_ACCESS_KEY": s3.AccessKey,
		"PILU_S3_SECRET_KEY": s3.SecretKey,
		"PILU_S3_BUCKET":     "pilu-app-test-" + hex.EncodeToString(b),
	}
}

// clock is a settable clock for servers under test; tests move it, never sleep.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// testServer is a running portal for one test.
type testServer struct {
	*Server
	clock *clock
	t     *testing.T
}

// newTestServer opens a server on a fresh data folder with env (demo off unless env says so).
func newTestServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	return newTestServerWith(t, env, Options{})
}

// newTestServerWith is newTestServer with options (its log, clock and output are the test's).
func newTestServerWith(t *testing.T, env map[string]string, opt Options) *testServer {
	t.Helper()
	dir := t.TempDir()
	full := map[string]string{"PILU_DATA_DIR": dir, "PILU_DEMO": "0", "PILU_ADDR": "127.0.0.1:0", "PILU_BASE_URL": "http://pilu.test"}
	for k, v := range env {
		full[k] = v
	}
	cfg, err := LoadConfig(nil, func(k string) string { return full[k] })
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)}
	opt.Log, opt.Now, opt.Out = slog.New(slog.NewTextHandler(io.Discard, nil)), clk.Now, io.Discard
	srv, err := Open(context.Background(), cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &testServer{Server: srv, clock: clk, t: t}
}

// response is an answered request.
type response struct {
	*http.Response
	body string
}

// do sends a request through app.Test and reads the whole answer.
func (ts *testServer) do(req *http.Request) response {
	ts.t.Helper()
	res, err := ts.Handler().Test(req, 30_000)
	if err != nil {
		ts.t.Fatalf("%s %.80s: %.200v", req.Method, req.URL, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	ts.checkAPIAnswer(req, res, b) // openapi_test.go: every API answer matches the document
	return response{Response: res, body: string(b)}
}

func (ts *testServer) get(path string, headers ...string) response {
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return ts.do(req)
}

// postForm posts a form with the given cookies.
func (ts *testServer) postForm(path string, form url.Values, cookies ...*http.Cookie) response {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	return ts.do(req)
}

// jsonError decodes the contract's error shape, failing the test when the body is not one.
func jsonError(t *testing.T, r response) (code string, fields map[string]string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("status %d: not the contract's error shape: %s", r.StatusCode, r.body)
	}
	return e.Error.Code, e.Error.Fields
}

func cookie(r response, name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// seedInstitution creates an institution through the model code users use.
func (ts *testServer) seedInstitution(division, org, name, province string, brands ...string) models.Institution {
	ts.t.Helper()
	uscc, err := models.MakeUSCC(division, org)
	if err != nil {
		ts.t.Fatal(err)
	}
	in, err := ts.store.CreateInstitution(context.Background(), models.NewInstitution{USCC: uscc, Name: name, Province: province,
		Brands: brands, Websites: []string{"https://www." + strings.ToLower(org) + ".example.cn/"}}, "test", ts.now())
	if err != nil {
		ts.t.Fatal(err)
	}
	return in
}

func modelsNewOffice(email, province string) models.NewUser {
	return models.NewUser{Role: models.RoleOffice, Email: email, Province: province}
}

// csrfFor computes the form token that belongs to a CSRF cookie value.
func (ts *testServer) csrfFor(cookieValue string) string {
	req := httptest.NewRequest("GET", "/login", nil)
	req.AddCookie(&http.Cookie{Name: csrfCookie, Value: cookieValue})
	r := ts.do(req)
	i := strings.Index(r.body, `name="_csrf" value="`)
	if i < 0 {
		ts.t.Fatal("no CSRF field on the login page")
	}
	rest := r.body[i+len(`name="_csrf" value="`):]
	return rest[:strings.Index(rest, `"`)]
}

func searchQuery(text string) search.Query { return search.Query{Text: text} }
