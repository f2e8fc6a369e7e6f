package app

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pilu/app/blob"
)

// blobCount counts the blobs stored.
func (ts *testServer) blobCount() int {
	n := 0
	ts.blobs.List(context.Background(), func(blob.Info) error { n++; return nil })
	return n
}

// TestUploadsCutShortOrMalformed: a multipart claim cut off anywhere (before its first boundary, in
// a field, in a part's headers, in a file, before the closing boundary) is 400, never a 500 nor a
// form read as if it were complete; a part without a form name fails the request instead of being
// dropped; nothing is written. (Before, a body cut in its preamble was read as an empty form, 422,
// and one cut inside the file answered 500.)
func TestUploadsCutShortOrMalformed(t *testing.T) {
	ts := newTestServer(t, nil)
	path, uscc, _ := ts.openClaimNotice()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("institution", uscc)
	w.WriteField("name", "欧阳娜娜")
	w.WriteField("id_number", residentID("11010519491231002"))
	w.WriteField("phone", "13812345678")
	w.WriteField("principal", "100000")
	fw, _ := w.CreateFormFile("files", "合同.pdf")
	fw.Write([]byte("%PDF-1.4\n" + strings.Repeat("x", 20000)))
	w.Close()
	full, ctype := buf.Bytes(), w.FormDataContentType()
	send := func(body []byte, ctype string) response {
		ts.clock.t = ts.clock.t.Add(time.Minute) // past the claim rate limit
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		return ts.do(req)
	}
	fileAt := bytes.Index(full, []byte("%PDF"))
	for _, n := range []int{1, 10, 40, 120, bytes.Index(full, []byte("Content-Disposition")) + 10, fileAt - 3, fileAt + 100, fileAt + 10000, len(full) - 10, len(full) - 4} {
		t.Run(fmt.Sprintf("cut at %d of %d", n, len(full)), func(t *testing.T) {
			claims, blobs := ts.claimRows(), ts.blobCount()
			r := send(full[:n], ctype)
			if r.StatusCode != 400 {
				t.Fatalf("status %d, want 400: %.300s", r.StatusCode, r.body)
			}
			if code, _ := jsonError(t, r); code != "bad_request" {
				t.Fatalf("code %q", code)
			}
			if ts.claimRows() != claims || ts.blobCount() != blobs {
				t.Fatal("a cut-off claim wrote something")
			}
		})
	}
	t.Run("a part without a form name", func(t *testing.T) {
		body := strings.Replace(string(full), `form-data; name="name"`, `form-data`, 1)
		if r := send([]byte(body), ctype); r.StatusCode != 400 || !strings.Contains(r.body, "without a form name") {
			t.Fatalf("status %d: %.300s", r.StatusCode, r.body)
		}
	})
	if r := send(full, ctype); r.StatusCode != 201 {
		t.Fatalf("the whole claim: %d %.300s", r.StatusCode, r.body)
	}
}

// TestSlowUploadTimesOut sends part of a multipart claim to a real server and then nothing: once
// the server's read timeout passes the answer is 408 and nothing is written (before, a body that
// was being streamed came out as a 500). A body of at most 4 MiB is read by the server before any
// handler, where the request is not known yet: its 408 is a page; a larger one is streamed to the
// handler and answered in the API's error shape.
func TestSlowUploadTimesOut(t *testing.T) {
	ts := newTestServerWith(t, nil, Options{ReadTimeout: 500 * time.Millisecond})
	path, uscc, _ := ts.openClaimNotice()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.Handler().Listener(ln)
	t.Cleanup(func() { ts.Handler().ShutdownWithTimeout(time.Second) })
	claim := func(size int) (*bytes.Buffer, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("institution", uscc)
		fw, _ := w.CreateFormFile("files", "合同.pdf")
		fw.Write([]byte("%PDF-1.4\n" + strings.Repeat("x", size)))
		w.Close()
		return &buf, w.FormDataContentType()
	}
	small, smallType := claim(100 << 10)
	large, largeType := claim(6 << 20)
	cases := []struct {
		name  string
		body  *bytes.Buffer
		ctype string
		cut   int
		json  bool
	}{
		{"small, cut in a field", small, smallType, 60, false},
		{"small, cut in the file", small, smallType, small.Len() / 2, false},
		{"large, cut before the server has read ahead", large, largeType, 60, false},
		{"large, cut early in the file", large, largeType, 1 << 20, true},
		{"large, cut in the file", large, largeType, 5 << 20, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(20 * time.Second))
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: pilu.test\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", path, c.ctype, c.body.Len())
			conn.Write(c.body.Bytes()[:c.cut])
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			body.ReadFrom(res.Body)
			if res.StatusCode != 408 || c.json && !strings.Contains(body.String(), `"code":"request_timeout"`) {
				t.Fatalf("status %d: %.300s", res.StatusCode, body.String())
			}
			if ts.claimRows() != 0 || ts.blobCount() != 0 {
				t.Fatal("a timed-out claim wrote something")
			}
		})
	}
}
