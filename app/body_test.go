package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// openClaimNotice publishes a zombie list of one institution through the API and returns its claim
// path, the institution's USCC and the publishing office.
func (ts *testServer) openClaimNotice() (path, uscc string, office models.User) {
	ts.t.Helper()
	office, _, token, err := ts.store.CreateUser(context.Background(), modelsNewOffice("claims-office@example.cn", "440000"))
	if err != nil {
		ts.t.Fatal(err)
	}
	in := ts.seedInstitution("440106", "MA5BQDY01", "广州市某网络借贷信息中介有限公司", "440000")
	r := ts.callAPI("POST", "/api/v1/notices", token, map[string]any{"kind": "zombie_list", "title": "关于僵尸类网贷机构名单的公告",
		"body": "现予公告。", "institutions": []map[string]string{{"uscc": in.USCC}}, "window": map[string]any{"days": 15, "unit": "working"}})
	wantAnswer(ts.t, r, 201)
	var id uint64
	if _, err := fmt.Sscanf(r.body[strings.Index(r.body, `"id":`):], `"id":%d`, &id); err != nil {
		ts.t.Fatalf("no id: %s", r.body)
	}
	wantAnswer(ts.t, ts.callAPI("POST", fmt.Sprintf("/api/v1/notices/%d/publish", id), token, nil), 200)
	return fmt.Sprintf("/api/v1/notices/%d/claims", id), in.USCC, office
}

// chunked is a request whose body is sent with Transfer-Encoding: chunked. (app.Test adds a
// Content-Length header when there is none; a chunked encoding overrides it, so it says 0.)
func chunked(method, path, ctype string, body []byte) *http.Request {
	req := httptest.NewRequest(method, path, io.MultiReader(bytes.NewReader(body)))
	req.ContentLength = -1
	req.TransferEncoding = []string{"chunked"}
	req.Header.Set("Content-Length", "0")
	req.Header.Set("Content-Type", ctype)
	return req
}

// multipartFields is a multipart body of the given non-file fields.
func multipartFields(fields map[string]string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

// claimRows counts what a claim writes.
func (ts *testServer) claimRows() int64 {
	var n int64
	dbtest.Handle(context.Background(), ts.store).Model(&models.Claim{}).Count(&n)
	return n
}

// TestBodyLimitsHoldForChunkedBodies: every route's body is bounded whether its length is declared
// or it comes chunked; a multipart form is bounded in its number of fields and their bytes. Too
// large is 413 with the contract's error body, and nothing is written; bodies within the limits,
// chunked or not, still work.
func TestBodyLimitsHoldForChunkedBodies(t *testing.T) {
	ts := newTestServer(t, map[string]string{"PILU_MAX_FILE_MB": "1", "PILU_MAX_FILES": "2"})
	path, uscc, _ := ts.openClaimNotice()
	claim := fmt.Sprintf(`{"institution":%q,"name":"欧阳娜娜","id_number":%q,"phone":"13812345678","principal":100000,"interest":0,"statement":"%%s"}`,
		uscc, residentID("11010519491231002"))
	big := func(n int) string { return strings.Repeat("a", n) }
	manyFields := map[string]string{"institution": uscc}
	for i := range 5000 {
		manyFields[fmt.Sprintf("f%05d", i)] = big(100)
	}
	fatFields := map[string]string{"institution": uscc, "statement": big(700 << 10), "name": big(700 << 10)}
	// A preamble of lines before the first boundary is skipped by a multipart reader, so only the
	// body's own limit stops it.
	preamble := func() (*bytes.Buffer, string) {
		body, ctype := multipartFields(map[string]string{"institution": uscc})
		var buf bytes.Buffer
		for buf.Len() < 8<<20 {
			buf.WriteString(big(1000) + "\r\n")
		}
		buf.Write(body.Bytes())
		return &buf, ctype
	}
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"chunked JSON claim over 1 MiB", func() *http.Request {
			return chunked("POST", path, "application/json", []byte(fmt.Sprintf(claim, big(2<<20))))
		}, 413},
		{"chunked JSON to another route", func() *http.Request {
			return chunked("POST", "/api/v1/institutions", "application/json", []byte(big(2<<20)))
		}, 413},
		{"chunked form to the login page", func() *http.Request {
			return chunked("POST", "/login", "application/x-www-form-urlencoded", []byte("email="+big(2<<20)))
		}, 413},
		{"chunked form to a page that takes none", func() *http.Request {
			return chunked("POST", "/search", "application/x-www-form-urlencoded", []byte("q="+big(2<<20)))
		}, 413},
		{"declared JSON over 1 MiB", func() *http.Request {
			req := httptest.NewRequest("POST", path, strings.NewReader(fmt.Sprintf(claim, big(2<<20))))
			req.Header.Set("Content-Type", "application/json")
			return req
		}, 413},
		{"multipart claim with 5,000 fields", func() *http.Request {
			body, ctype := multipartFields(manyFields)
			return chunked("POST", path, ctype, body.Bytes())
		}, 413},
		{"multipart claim whose fields add up to 1.4 MiB", func() *http.Request {
			body, ctype := multipartFields(fatFields)
			return chunked("POST", path, ctype, body.Bytes())
		}, 413},
		{"multipart claim over the whole body's limit, chunked", func() *http.Request {
			body, ctype := preamble()
			return chunked("POST", path, ctype, body.Bytes())
		}, 413},
		{"multipart claim over the whole body's limit, declared", func() *http.Request {
			body, ctype := preamble()
			req := httptest.NewRequest("POST", path, body)
			req.Header.Set("Content-Type", ctype)
			return req
		}, 413},
		{"a small chunked JSON claim is read", func() *http.Request {
			return chunked("POST", path, "application/json", []byte(fmt.Sprintf(claim, "")))
		}, 201},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := ts.claimRows()
			r := ts.do(c.req())
			if r.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %.300s", r.StatusCode, c.status, r.body)
			}
			if c.status != 413 {
				return
			}
			if strings.HasPrefix(c.req().URL.Path, "/api/") {
				if code, _ := jsonError(t, r); code != "too_large" {
					t.Fatalf("code %q", code)
				}
			}
			if after := ts.claimRows(); after != before {
				t.Fatalf("a refused claim was written: %d → %d", before, after)
			}
		})
	}
}

// TestChunkedBodyIsCutOff sends an endless chunked JSON claim to a real server: the answer is 413
// once the body passes its limit, and the server stops reading long before the client stops
// sending (before, it read all 96 MiB into memory and then answered).
func TestChunkedBodyIsCutOff(t *testing.T) {
	ts := newTestServer(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.Handler().Listener(ln)
	t.Cleanup(func() { ts.Handler().ShutdownWithTimeout(time.Second) })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /api/v1/notices/1/claims HTTP/1.1\r\nHost: pilu.test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
	const total = 96 << 20
	sent := make(chan int64, 1)
	go func() {
		chunk := append([]byte(fmt.Sprintf("%x\r\n", 64<<10)), append(bytes.Repeat([]byte(" "), 64<<10), "\r\n"...)...)
		var n int64
		for n < total {
			if _, err := conn.Write(chunk); err != nil {
				break
			}
			n += 64 << 10
		}
		sent <- n
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 413 {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
	conn.Close()
	if n := <-sent; n > 24<<20 {
		t.Fatalf("the server read %d MiB of a body limited to 1 MiB", n>>20)
	}
}
