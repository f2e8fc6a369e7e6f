package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pilu/app/blob"
	"pilu/models"
	"pilu/models/dbtest"
)

func TestUploadsAreCheckedByContent(t *testing.T) {
	ts := newTestServer(t, nil)
	pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	cases := []struct {
		name, file string
		body       []byte
		wantType   string
		wantStatus int // 0: accepted
	}{
		{"pdf", "公告.pdf", pdf, "application/pdf", 0},
		{"pdf with a wrong name", "scan.jpg", pdf, "application/pdf", 0},
		{"png", "a.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), "image/png", 0},
		{"utf-8 text", "说明.txt", []byte("兑付进展说明\n第一期已兑付。"), "text/plain; charset=utf-8", 0},
		{"html named pdf", "x.pdf", []byte("<!doctype html><html><script>alert(1)</script></html>"), "", 415},
		{"invalid utf-8 text", "x.txt", []byte{0xff, 0xfe, 0x41, 0x00, 0x80, 0x81}, "", 415},
		{"zip that is no office file", "x.zip", []byte("PK\x03\x04rest"), "", 415},
		{"empty", "empty.pdf", nil, "", 422},
		{"no name", "", pdf, "", 422},
		{"too large", "big.pdf", append(append([]byte{}, pdf...), make([]byte, 2000)...), "", 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ts.storeUpload(context.Background(), upload{Name: c.file, Body: bytes.NewReader(c.body), Size: -1}, 1024)
			if c.wantStatus != 0 {
				if got := classify(err).Status; got != c.wantStatus {
					t.Fatalf("status %d, want %d (%v)", got, c.wantStatus, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(c.body)
			if a.ContentType != c.wantType || a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(c.body)) {
				t.Fatalf("stored %+v", a)
			}
		})
	}
	var n int
	ts.blobs.List(context.Background(), func(blob.Info) error { n++; return nil })
	if n != 4 {
		t.Fatalf("rejected uploads must leave no blob: %d blobs for 4 accepted files", n)
	}
	names := map[string]string{
		"../../etc/passwd.pdf":            "passwd.pdf",
		`C:\Users\x\报告.pdf`:               "报告.pdf",
		"a\x00b\nc.pdf":                   "abc.pdf",
		strings.Repeat("长", 300) + ".pdf": strings.Repeat("长", 196) + ".pdf",
		"bad\xffutf8.pdf":                 "badutf8.pdf",
		"...":                             "",
		"<script>alert(1)</script>.pdf":   "script.pdf",
		"报告\u202efdp.exe":                 "报告fdp.exe",
		"a\u0085b\u200b.pdf":              "ab.pdf",
		". . .":                           "",
		" ..":                             "",
	}
	for in, want := range names {
		if got := cleanFileName(in); got != want {
			t.Errorf("cleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAttachmentDownloadAndSweeper(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			in := ts.seedInstitution("440106", "MA5LTCT01", "广州市鹭汀网络借贷信息中介服务有限公司", "440000", "鹭汀创投")
			pdf := []byte("%PDF-1.4\n% 退出公告\n%%EOF\n")
			att, err := ts.storeUpload(ctx, upload{Name: "退出公告.pdf", Body: bytes.NewReader(pdf), Size: int64(len(pdf))}, MaxAttachmentSize)
			if err != nil {
				t.Fatal(err)
			}
			d, err := ts.store.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "exit_announcement", Title: "关于良性退出的公告", Body: "本公司决定良性退出网贷行业。", Attachments: []models.Attachment{att}}, "filer", ts.now())
			if err != nil {
				t.Fatal(err)
			}
			page := ts.get(fmt.Sprintf("/disclosures/%d", d.ID))
			if page.StatusCode != 200 || !strings.Contains(page.body, att.SHA256) || !strings.Contains(page.body, "退出公告.pdf") {
				t.Fatalf("disclosure page: %d", page.StatusCode)
			}
			api := ts.get(fmt.Sprintf("/api/v1/disclosures/%d", d.ID))
			if !strings.Contains(api.body, `"sha256":"`+att.SHA256) || !strings.Contains(api.body, `"kind":"exit_announcement"`) {
				t.Fatalf("disclosure API: %s", api.body)
			}
			r := ts.get(fmt.Sprintf("/attachments/%d", d.Attachments[0].ID))
			sum := sha256.Sum256([]byte(r.body))
			if r.StatusCode != 200 || hex.EncodeToString(sum[:]) != att.SHA256 {
				t.Fatalf("download: %d, sha mismatch", r.StatusCode)
			}
			if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''%E9%80%80") {
				t.Fatalf("Content-Disposition %q", cd)
			}
			if r.Header.Get("Content-Type") != "application/pdf" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("headers %v", r.Header)
			}
			// An orphan (a blob whose transaction never committed) is swept after the grace period only.
			orphan, err := ts.storeUpload(ctx, upload{Name: "orphan.pdf", Body: bytes.NewReader(pdf), Size: int64(len(pdf))}, MaxAttachmentSize)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := ts.sweepOrphans(ctx); err != nil || n != 0 {
				t.Fatalf("young orphans stay: %d %v", n, err)
			}
			ts.clock.t = time.Now().Add(OrphanGrace + time.Hour) // blobs carry the real time of their upload
			if n, err := ts.sweepOrphans(ctx); err != nil || n != 1 {
				t.Fatalf("sweep: %d %v", n, err)
			}
			if _, err := ts.blobs.Stat(ctx, orphan.BlobKey); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("orphan still there: %v", err)
			}
			if _, err := ts.blobs.Stat(ctx, att.BlobKey); err != nil {
				t.Fatalf("a named blob must stay: %v", err)
			}
		})
	}
}

func TestEvidenceOfDecisionsIsNotPublic(t *testing.T) {
	ts := newTestServer(t, nil)
	ctx := context.Background()
	in := ts.seedInstitution("440106", "MA5EBKD01", "深圳某公司", "440000", "某贷")
	pdf := []byte("%PDF-1.4\n% 证据\n%%EOF\n")
	att, err := ts.storeUpload(ctx, upload{Name: "证据.pdf", Body: bytes.NewReader(pdf), Size: int64(len(pdf))}, MaxAttachmentSize)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.store.ClassifyWithEvidence(ctx, in, models.Classification{Class: "high_risk", Reason: "逾期占比超过10%", Evidence: []models.Attachment{att}}, "office", ts.now()); err != nil {
		t.Fatal(err)
	}
	var stored models.Attachment
	dbtest.Handle(ctx, ts.store).Where("blob_key = ?", att.BlobKey).Take(&stored)
	login := func(email, province string) *http.Cookie {
		u, _, _, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleOffice, Email: email, Province: province})
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := ts.store.CreateSession(ctx, u, ts.now())
		return &http.Cookie{Name: sessionCookie, Value: tok}
	}
	cases := []struct {
		name   string
		cookie *http.Cookie
		status int
	}{
		{"public", nil, 404},
		{"another province's office", login("bj@example.cn", "110000"), 404},
		{"the province's office", login("gd@example.cn", "440000"), 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", fmt.Sprintf("/attachments/%d", stored.ID), nil)
			if c.cookie != nil {
				req.AddCookie(c.cookie)
			}
			if r := ts.do(req); r.StatusCode != c.status {
				t.Fatalf("status %d, want %d", r.StatusCode, c.status)
			}
		})
	}
}

// TestClaimEvidenceIsNamedByContent is the audit's case: evidence named .bat, .hta, .html or .svg
// reached office staff under that name. Evidence is checked by content like every upload; a name is
// cleaned (no control or format characters such as the right-to-left override, no "." or "..") and
// takes the ending of its content; downloads are attachments with nosniff, old rows included.
func TestClaimEvidenceIsNamedByContent(t *testing.T) {
	ts := newTestServer(t, nil)
	path, uscc, office := ts.openClaimNotice()
	pdf := "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
	cases := []struct {
		file, body string
		status     int
		stored     string
	}{
		{"run.bat", "@echo off\r\ndel /q C:\\*\r\n", 201, "run.txt"},
		{"app.hta", "<HTA:APPLICATION ID=x>\r\nMsgBox 1\r\n", 201, "app.txt"},
		{"image.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`, 201, "image.txt"},
		{"page.html", "<!doctype html><html><body>x</body></html>", 415, ""},
		{"合同\u202efdp.exe", pdf, 201, "合同fdp.pdf"},
		{"scan\u200b\u0085.jpg", pdf, 201, "scan.pdf"},
		{"..", pdf, 422, ""},
		{". . .", pdf, 422, ""},
		{"program.exe", "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", 415, ""},
	}
	for i, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			ts.clock.t = ts.clock.t.Add(time.Minute) // past the claim rate limit
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			for k, v := range map[string]string{"institution": uscc, "name": "欧阳娜娜", "id_number": residentID(fmt.Sprintf("110105194912310%02d", i)),
				"phone": "13812345678", "principal": "100000"} {
				w.WriteField(k, v)
			}
			fw, _ := w.CreateFormFile("files", c.file)
			fw.Write([]byte(c.body))
			w.Close()
			req := httptest.NewRequest("POST", path, &buf)
			req.Header.Set("Content-Type", w.FormDataContentType())
			r := ts.do(req)
			if r.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %.300s", r.StatusCode, c.status, r.body)
			}
			if c.status != 201 {
				return
			}
			var a models.Attachment
			if err := dbtest.Handle(context.Background(), ts.store).Where("claim_id IS NOT NULL").Order("id DESC").Take(&a).Error; err != nil {
				t.Fatal(err)
			}
			if a.Name != c.stored {
				t.Fatalf("stored as %q, want %q", a.Name, c.stored)
			}
		})
	}
	// An evidence row stored before names followed content is downloaded under a name that does.
	var a models.Attachment
	db := dbtest.Handle(context.Background(), ts.store)
	db.Where("name = ?", "run.txt").Take(&a)
	db.Model(&a).Update("name", "old\u202elmth.bat")
	staff := ts.newNoticeBrowser(&office)
	noticeID := strings.Split(path, "/")[4]
	r := staff.get("/office/notices/" + noticeID + fmt.Sprintf("/evidence/%d", a.ID))
	if r.StatusCode != 200 {
		t.Fatalf("download: %d", r.StatusCode)
	}
	cd := r.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, `filename="oldlmth.txt"`) ||
		r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("download headers: %q, %q, %q", cd, r.Header.Get("X-Content-Type-Options"), r.Header.Get("Content-Type"))
	}
}
