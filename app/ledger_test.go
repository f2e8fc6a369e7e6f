package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"pilu/app/blob"
	"pilu/models"
	"pilu/models/dbtest"
)

// publishedSet is one of each kind of published record, written through the model functions.
type publishedSet struct {
	in         models.Institution
	disclosure models.Disclosure
	notice     models.Notice
	file       []byte // the disclosure's attachment
}

// publishAll files a disclosure with an attachment, classifies the institution, publishes a
// zombie list naming it and, after the window, records its outcome: four ledger entries.
func (ts *testServer) publishAll(org string) publishedSet {
	ts.t.Helper()
	ctx := context.Background()
	in := ts.seedInstitution("440106", org, "深圳市"+org+"网络借贷信息中介有限公司", "440000", "平台"+org)
	file := []byte("%PDF-1.4 exit announcement of " + org)
	a, err := ts.storeUpload(ctx, upload{Name: "公告.pdf", Body: bytes.NewReader(file), Size: int64(len(file))}, MaxAttachmentSize)
	if err != nil {
		ts.t.Fatal(err)
	}
	d, err := ts.store.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "other", Title: "清退公告", Body: "本平台自即日起清退。",
		Attachments: []models.Attachment{a}}, "filer@example.cn", ts.now())
	if err != nil {
		ts.t.Fatal(err)
	}
	if _, err := ts.store.ClassifyWithEvidence(ctx, in, models.Classification{Class: "zombie", Reason: "连续三个月无新增业务"}, "gd@example.cn", ts.now()); err != nil {
		ts.t.Fatal(err)
	}
	n, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: "440000", Title: "关于僵尸类机构名单的公告",
		Body: "名单如下。", WindowDays: 7, WindowUnit: models.UnitCalendar, USCCs: []string{in.USCC}}, "gd@example.cn", ts.now())
	if err != nil {
		ts.t.Fatal(err)
	}
	if n, err = ts.store.PublishNotice(ctx, n.ID, ts.now()); err != nil {
		ts.t.Fatal(err)
	}
	ts.clock.t = n.Deadline.Add(time.Hour)
	n, _ = ts.store.NoticeByID(ctx, n.ID)
	if n, err = ts.store.RecordOutcome(ctx, n.ID, n.Institutions[0].ID, models.OutcomeNoClaim, "", "gd@example.cn", ts.now()); err != nil {
		ts.t.Fatal(err)
	}
	return publishedSet{in: in, disclosure: d, notice: n, file: file}
}

// TestLedgerChainsEveryPublishedRecord publishes one record of each kind, reads the ledger (page and
// API), verifies it, then changes one byte of a stored record, of a blob and of an entry: each time
// verification fails at exactly that entry. Bad inputs tried: page=0 (400), per_page=1000 (capped).
func TestLedgerChainsEveryPublishedRecord(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			set := ts.publishAll("MA5LG0001")

			var page struct {
				Items []ledgerEntryJSON `json:"items"`
				Total int64             `json:"total"`
				Per   int               `json:"per_page"`
			}
			r := ts.get("/api/v1/ledger?per_page=1000")
			decode(t, r, &page)
			if page.Total != 4 || len(page.Items) != 4 || page.Per != 100 {
				t.Fatalf("ledger: %d entries of %d, per_page %d: %s", len(page.Items), page.Total, page.Per, r.body)
			}
			kinds := []string{}
			for i, e := range page.Items {
				kinds = append(kinds, e.Kind)
				if i+1 < len(page.Items) && e.PrevHash != page.Items[i+1].Hash {
					t.Fatalf("entry %d does not chain to %d", e.Seq, page.Items[i+1].Seq)
				}
			}
			if got := strings.Join(kinds, ","); got != "outcome,notice,decision,disclosure" {
				t.Fatalf("newest first: %s", got)
			}
			if d := page.Items[3]; d.RecordID != set.disclosure.ID || len(d.Attachments) != 1 || d.Attachments[0] != set.disclosure.Attachments[0].SHA256 || d.URL != fmt.Sprintf("/disclosures/%d", set.disclosure.ID) {
				t.Fatalf("disclosure entry: %+v", d)
			}
			if code, _ := jsonError(t, ts.get("/api/v1/ledger?page=0")); code != "bad_request" {
				t.Fatal(code)
			}
			wantAnswer(t, ts.get("/ledger"), 200, page.Items[0].Hash, "/institutions/"+set.in.USCC)

			var out strings.Builder
			if err := VerifyLedger(ctx, ts.store, ts.blobs, &out); err != nil {
				t.Fatalf("untouched ledger: %v", err)
			}
			seqOf := map[string]uint64{}
			for _, e := range page.Items {
				seqOf[e.Kind] = e.Seq
			}
			att := set.disclosure.Attachments[0]
			db := dbtest.Handle(ctx, ts.store)
			tampers := []struct {
				name         string
				seq          uint64
				change, undo func() error
			}{
				{"a byte of a disclosure's body", seqOf["disclosure"],
					func() error {
						return db.Exec("UPDATE disclosures SET body = ? WHERE id = ?", "本平台自即日起清退！", set.disclosure.ID).Error
					},
					func() error {
						return db.Exec("UPDATE disclosures SET body = ? WHERE id = ?", "本平台自即日起清退。", set.disclosure.ID).Error
					}},
				{"a notice's title", seqOf["notice"],
					func() error {
						return db.Exec("UPDATE notices SET title = ? WHERE id = ?", "关于僵尸类机构名单的公告 ", set.notice.ID).Error
					},
					func() error {
						return db.Exec("UPDATE notices SET title = ? WHERE id = ?", "关于僵尸类机构名单的公告", set.notice.ID).Error
					}},
				{"a decision's reason", seqOf["decision"],
					func() error {
						return db.Exec("UPDATE decisions SET reason = ? WHERE to_class = ?", "连续三个月无新增业务。", "zombie").Error
					},
					func() error {
						return db.Exec("UPDATE decisions SET reason = ? WHERE to_class = ?", "连续三个月无新增业务", "zombie").Error
					}},
				{"an outcome", seqOf["outcome"],
					func() error {
						return db.Exec("UPDATE notice_institutions SET outcome = ? WHERE notice_id = ?", "reclassified", set.notice.ID).Error
					},
					func() error {
						return db.Exec("UPDATE notice_institutions SET outcome = ? WHERE notice_id = ?", "no_claim", set.notice.ID).Error
					}},
				{"a byte of the attachment's blob", seqOf["disclosure"],
					func() error {
						return putBlob(ts.blobs, att.BlobKey, bytes.Replace(set.file, []byte("exit"), []byte("exiT"), 1))
					},
					func() error { return putBlob(ts.blobs, att.BlobKey, set.file) }},
				{"an entry's time", seqOf["decision"],
					func() error {
						return db.Exec("UPDATE ledger_entries SET at = ? WHERE seq = ?", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), seqOf["decision"]).Error
					},
					nil},
			}
			for _, tc := range tampers {
				t.Run(tc.name, func(t *testing.T) {
					if err := tc.change(); err != nil {
						t.Fatal(err)
					}
					err := VerifyLedger(ctx, ts.store, ts.blobs, &out)
					fault, ok := err.(*models.LedgerFault)
					if !ok || fault.Seq != tc.seq {
						t.Fatalf("want a fault at entry %d, got %v", tc.seq, err)
					}
					if tc.undo == nil {
						return
					}
					if err := tc.undo(); err != nil {
						t.Fatal(err)
					}
					if err := VerifyLedger(ctx, ts.store, ts.blobs, &out); err != nil {
						t.Fatalf("after undoing: %v", err)
					}
				})
			}
		})
	}
}

// decode reads a 200 JSON answer into v.
func decode(t *testing.T, r response, v any) {
	t.Helper()
	if r.StatusCode != 200 {
		t.Fatalf("status %d: %.300s", r.StatusCode, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("%v: %.300s", err, r.body)
	}
}

func putBlob(s blob.Store, key string, b []byte) error {
	_, err := s.Put(context.Background(), key, bytes.NewReader(b), blob.PutOptions{Size: int64(len(b)), ContentType: "application/pdf"})
	return err
}

// TestVerifyCommandExitsOneAtTheChangedEntry runs `pilu verify` on a data folder: 0 while the
// ledger matches, 1 naming the entry once a stored record was changed by one byte.
func TestVerifyCommandExitsOneAtTheChangedEntry(t *testing.T) {
	b := backends(t)[0]
	ts := newTestServer(t, b.env)
	set := ts.publishAll("MA5LG0002")
	for k, v := range b.env {
		t.Setenv(k, v)
	}
	t.Setenv("PILU_DATA_DIR", ts.cfg.DataDir)
	var stdout, stderr strings.Builder
	if code := cliMain([]string{"verify"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "4 entries") {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	dbtest.Handle(context.Background(), ts.store).Exec("UPDATE disclosures SET title = ? WHERE id = ?", "清退公吿", set.disclosure.ID)
	stdout.Reset()
	if code := cliMain([]string{"verify"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "ledger entry 1 (disclosure") {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
}

// TestConcurrentPublicationsNeverForkTheLedger files disclosures from many goroutines at once: the
// ledger stays one chain with no gap.
func TestConcurrentPublicationsNeverForkTheLedger(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			var ins []models.Institution
			for i := range 4 {
				ins = append(ins, ts.seedInstitution("440106", fmt.Sprintf("MA5LC%04d", i), fmt.Sprintf("深圳市并发%02d有限公司", i), "440000"))
			}
			var wg sync.WaitGroup
			errs := make(chan error, 40)
			for i := range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := ts.store.FileDisclosure(ctx, ins[i%4], models.NewDisclosure{Kind: "other", Title: fmt.Sprintf("公告%d", i), Body: "内容"}, "f", ts.now())
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			n, fault, err := ts.store.VerifyLedger(ctx, func(context.Context, models.Attachment) (string, error) { return "", nil })
			if err != nil || fault != nil || n != 40 {
				t.Fatalf("%d entries, fault %v, err %v", n, fault, err)
			}
		})
	}
}

// TestVerifyPage answers for an uploaded file and a pasted hash. Bad inputs tried: a hash that is
// not 64 hex digits (422 on the page, 400 on the API), an upload over the limit (413), a request
// that is not multipart (415), an unknown hash ("not published here").
func TestVerifyPage(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	set := ts.publishAll("MA5LG0003")
	att := set.disclosure.Attachments[0]
	browser := ts.newNoticeBrowser(nil)
	upload := func(content []byte, declared int64) response {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		f, _ := w.CreateFormFile("file", "下载的公告.pdf")
		f.Write(content)
		w.Close()
		req := httptest.NewRequest("POST", "/verify?_csrf="+browser.csrf, &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		if declared > 0 {
			req.ContentLength = declared
			req.Header.Set("Content-Length", fmt.Sprint(declared))
		}
		for _, c := range browser.cookies {
			req.AddCookie(c)
		}
		return ts.do(req)
	}
	cases := []struct {
		name   string
		r      response
		status int
		want   string
	}{
		{"the published file", upload(set.file, 0), 200, fmt.Sprintf("/disclosures/%d", set.disclosure.ID)},
		{"a changed file", upload(append(set.file, ' '), 0), 200, "本站没有发布过这个文件"},
		{"the attachment's hash", ts.get("/verify?sha256=" + strings.ToUpper(att.SHA256)), 200, fmt.Sprintf("/disclosures/%d", set.disclosure.ID)},
		{"the notice's hash", ts.get("/verify?sha256=" + set.notice.SHA256), 200, fmt.Sprintf("/notices/%d", set.notice.ID)},
		{"an unknown hash", ts.get("/verify?sha256=" + strings.Repeat("0", 64)), 200, "本站没有发布过这个文件"},
		{"not a hash", ts.get("/verify?sha256=abc"), 422, `id="sha256-error"`},
		{"over the limit", upload([]byte("%PDF-1.4"), MaxVerifyUpload+2*maxFieldBytes), 413, `id="file-error"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantAnswer(t, c.r, c.status, c.want) })
	}
	var a verifyAnswer
	decode(t, ts.get("/api/v1/verify?sha256="+att.SHA256), &a)
	if !a.Published || len(a.Records) != 1 || a.Records[0].Kind != "disclosure" {
		t.Fatalf("api verify: %+v", a)
	}
	if code, fields := jsonError(t, ts.get("/api/v1/verify?sha256=xyz")); code != "bad_request" || fields["sha256"] == "" {
		t.Fatal(code, fields)
	}
}

// TestFooterShowsTheDailyRoot: the root of a day is the last entry before it began, the same all day.
func TestFooterShowsTheDailyRoot(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	if strings.Contains(ts.get("/").body, `class="hash"`) {
		t.Fatal("a root hash with an empty ledger")
	}
	ts.publishAll("MA5LG0004")
	ts.clock.t = ts.clock.t.Add(24 * time.Hour)
	var page struct{ Items []ledgerEntryJSON }
	decode(t, ts.get("/api/v1/ledger"), &page)
	wantAnswer(t, ts.get("/"), 200, page.Items[0].Hash, "第 4 条")
}
