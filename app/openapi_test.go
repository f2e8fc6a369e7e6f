package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// apiSpec is the OpenAPI document loaded and validated once, with a router over its operations.
var apiSpec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func loadAPISpec() (*openapi3.T, routers.Router, error) {
	apiSpec.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(openAPIDocument)
		if err != nil {
			apiSpec.err = err
			return
		}
		if err = doc.Validate(context.Background()); err != nil {
			apiSpec.err = err
			return
		}
		routed := *doc
		routed.Servers = openapi3.Servers{{URL: "http://pilu.test/api/v1"}}
		apiSpec.doc = doc
		apiSpec.router, apiSpec.err = gorillamux.NewRouter(&routed)
	})
	return apiSpec.doc, apiSpec.router, apiSpec.err
}

// checkAPIAnswer is called by ts.do for every answer: an answer under /api/v1/ must be what the
// OpenAPI document describes for its operation and status (an answer of an undocumented route
// fails the test unless it is a 404/405 in the error shape).
func (ts *testServer) checkAPIAnswer(req *http.Request, res *http.Response, body []byte) {
	ts.t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.Method == http.MethodHead || res.StatusCode == http.StatusNotModified {
		return
	}
	doc, router, err := loadAPISpec()
	if err != nil {
		ts.t.Fatalf("openapi.json: %v", err)
	}
	probe, _ := http.NewRequest(req.Method, "http://pilu.test"+req.URL.RequestURI(), nil)
	route, params, err := router.FindRoute(probe)
	if err != nil {
		if res.StatusCode == 404 || res.StatusCode == 405 {
			var v any
			if jerr := json.Unmarshal(body, &v); jerr != nil {
				ts.t.Fatalf("%s %s: %d is not JSON: %.200s", req.Method, req.URL.Path, res.StatusCode, body)
			}
			if verr := doc.Components.Schemas["Error"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); verr != nil {
				ts.t.Fatalf("%s %s: %d is not the error shape: %v", req.Method, req.URL.Path, res.StatusCode, verr)
			}
			return
		}
		ts.t.Fatalf("%s %s answered %d but is not in openapi.json: %v", req.Method, req.URL.Path, res.StatusCode, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		ts.t.Fatalf("%s %s: the %d answer does not match openapi.json: %.600v\nbody: %.300s", req.Method, req.URL.RequestURI(), res.StatusCode, err, body)
	}
}

func TestOpenAPIDocumentIsValidAndComplete(t *testing.T) {
	doc, router, err := loadAPISpec()
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %s, want 3.1", doc.OpenAPI)
	}
	// Every /api/v1 route of the route table is documented, with its method.
	ts := newTestServer(t, backends(t)[0].env)
	for _, r := range ts.Handler().GetRoutes(true) {
		path, ok := strings.CutPrefix(r.Path, "/api/v1/")
		if !ok || r.Method == http.MethodHead || strings.Contains(path, "*") {
			continue
		}
		segs := strings.Split(path, "/")
		for i, s := range segs {
			if strings.HasPrefix(s, ":") {
				segs[i] = "1"
			}
		}
		req, _ := http.NewRequest(r.Method, "http://pilu.test/api/v1/"+strings.Join(segs, "/"), nil)
		if _, _, err := router.FindRoute(req); err != nil {
			t.Errorf("%s %s is not in openapi.json", r.Method, r.Path)
		}
	}
	// The document's own limits match the code.
	if !strings.Contains(doc.Info.Description, "600 reads and 120 writes a minute") || apiReadsPerMinute != 600 || apiWritesPerMinute != 120 {
		t.Error("the rate limits documented in openapi.json differ from the code")
	}
	// It is served as it is embedded, and /api renders it without scripts.
	r := ts.get("/api/v1/openapi.json")
	if r.StatusCode != 200 || !bytes.Equal([]byte(r.body), openAPIDocument) {
		t.Fatalf("/api/v1/openapi.json: %d", r.StatusCode)
	}
	page := ts.get("/api")
	for _, want := range []string{"GET /api/v1/notices", "POST /api/v1/notices/{id}/claims", "per_page", "RateLimit-Remaining", "/exports/zombies.csv"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("/api does not show %q", want)
		}
	}
	if strings.Contains(page.body, "<script") {
		t.Error("/api carries a script")
	}
}

// TestAPIAnswersAreCheckedAgainstTheDocument proves the check can fail: an answer the document
// does not describe is caught.
func TestAPIAnswersAreCheckedAgainstTheDocument(t *testing.T) {
	doc, router, err := loadAPISpec()
	if err != nil {
		t.Fatal(err)
	}
	_ = doc
	cases := []struct {
		name, path string
		status     int
		body       string
	}{
		{"a list without total", "/api/v1/notices", 200, `{"items":[],"page":1,"per_page":20}`},
		{"an error without a message", "/api/v1/notices", 400, `{"error":{"code":"bad_request"}}`},
		{"a ledger entry with a short hash", "/api/v1/ledger", 200, `{"items":[{"seq":1,"kind":"notice","record_id":1,"content_sha256":"ab","attachments":[],"prev_hash":"","hash":"ab","at":"2026-01-01T00:00:00Z","url":"/notices/1"}],"total":1,"page":1,"per_page":20}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://pilu.test"+c.path, nil)
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			in := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 c.status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(c.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true},
			}
			if openapi3filter.ValidateResponse(context.Background(), in) == nil {
				t.Fatal("a wrong answer passed the check")
			}
		})
	}
}
