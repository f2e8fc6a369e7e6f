package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"pilu/app/printdoc/pdfscan"
	"pilu/models"
	"pilu/models/dbtest"
)

// followQR reads the QR code of a printed PDF, checks that it opens /verify for want (a content
// SHA-256) on the portal's base address, and follows it through app.Test; it returns the page.
func (ts *testServer) followQR(t *testing.T, pdf []byte, want string) response {
	t.Helper()
	urls, err := pdfscan.QR(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if len(urls) != 1 || urls[0] != "http://pilu.test/verify?sha256="+want {
		t.Fatalf("QR codes in the PDF: %q, want the verify address of %s", urls, want)
	}
	r := ts.get(strings.TrimPrefix(urls[0], "http://pilu.test"))
	if r.StatusCode != 200 {
		t.Fatalf("the QR code's address answers %d", r.StatusCode)
	}
	return r
}

// getPDF fetches a printed record's PDF and checks that it is a cacheable PDF download, confirmed
// by its ETag without being sent again.
func (ts *testServer) getPDF(t *testing.T, path string) []byte {
	t.Helper()
	r := ts.get(path)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.body, "%PDF-") {
		t.Fatalf("%s: %d %s %.40q", path, r.StatusCode, r.Header.Get("Content-Type"), r.body)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; ") || !strings.Contains(cd, ".pdf") {
		t.Fatalf("%s: Content-Disposition %q", path, cd)
	}
	etag := r.Header.Get("ETag")
	if r.Header.Get("Cache-Control") != printCacheControl || etag == "" {
		t.Fatalf("%s: Cache-Control %q, ETag %q", path, r.Header.Get("Cache-Control"), etag)
	}
	if again := ts.get(path, "If-None-Match", etag); again.StatusCode != 304 || again.body != "" {
		t.Fatalf("%s with its ETag: %d, %d bytes", path, again.StatusCode, len(again.body))
	}
	if again := ts.get(path); again.body != r.body {
		t.Fatalf("%s: a second request answers other bytes", path)
	}
	return []byte(r.body)
}

// TestPrintedNoticeProvesItself publishes a zombie list of 70 institutions, prints it (page and
// PDF), decodes the PDF's QR code and follows it to /verify, which names the notice and its ledger
// entry as the current published version; the PDF's text carries the document number, the office,
// every listed institution over several pages, "第 n 页 / 共 N 页" and the short address, which
// redirects to the same check. Once a correction is published, /verify says the notice is corrected
// and names the correction. Bad input: a draft, a missing notice, malformed and unknown short
// addresses (404 each).
func TestPrintedNoticeProvesItself(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			var usccs []string
			for i := range 70 {
				in := ts.seedInstitution("440106", fmt.Sprintf("MA5PR%04d", i), fmt.Sprintf("广州市第%d网络借贷信息中介有限公司", i+1), "440000", fmt.Sprintf("平台%d", i+1))
				usccs = append(usccs, in.USCC)
			}
			n, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "zombie_list", Province: "440000", Batch: "第三批",
				Title: "关于第三批僵尸类网络借贷信息中介机构名单的公告", Body: "经核查，下列机构认定为僵尸类机构。\n特此公告。",
				WindowDays: 15, WindowUnit: models.UnitCalendar, USCCs: usccs}, "gd@example.cn", ts.now())
			if err != nil {
				t.Fatal(err)
			}
			if r := ts.get(fmt.Sprintf("/notices/%d/print.pdf", n.ID)); r.StatusCode != 404 {
				t.Fatalf("a draft's PDF: %d", r.StatusCode)
			}
			if n, err = ts.store.PublishNotice(ctx, n.ID, ts.now()); err != nil {
				t.Fatal(err)
			}
			entry, err := ts.store.LedgerEntryOf(ctx, models.LedgerNotice, n.ID)
			if err != nil || entry.ContentHash != n.SHA256 {
				t.Fatalf("ledger entry %+v: %v", entry, err)
			}
			base := fmt.Sprintf("/notices/%d", n.ID)
			wantAnswer(t, ts.get(base), 200, base+"/print", base+"/print.pdf")
			page := ts.get(base + "/print")
			wantAnswer(t, page, 200, deref(n.Number), "广东省网贷整治办", usccs[69], "data:image/png;base64,",
				"http://pilu.test/v/"+n.SHA256[:16], fmt.Sprintf("发布账本第 %d 条", entry.Seq), "static/css/print")
			wantAnswer(t, ts.get(base+"/print?lang=en"), 200, "Guangdong P2P clean-up office", "Listed institutions (70)")

			pdf := ts.getPDF(t, base+"/print.pdf")
			v := ts.followQR(t, pdf, n.SHA256)
			wantAnswer(t, v, 200, base, fmt.Sprintf("<dd>%d</dd>", entry.Seq), entry.Hash, "这是已发布的公告，且是现行版本")
			pages, err := pdfscan.Text(pdf)
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) < 3 {
				t.Fatalf("70 institutions on %d pages", len(pages))
			}
			all := strings.Join(pages, "\n")
			for _, want := range append([]string{deref(n.Number), "广东省网贷整治办", n.Title, "第三批", entry.Hash, n.SHA256}, usccs...) {
				if !strings.Contains(all, want) {
					t.Fatalf("the PDF's text lacks %q", want)
				}
			}
			short := "http://pilu.test/v/" + n.SHA256[:16]
			for i, p := range pages {
				if !strings.Contains(p, fmt.Sprintf("第 %d 页 / 共 %d 页", i+1, len(pages))) || !strings.Contains(p, short) {
					t.Fatalf("page %d lacks its number or the short address:\n%s", i+1, p)
				}
				if i > 0 && !strings.Contains(p, "统一社会信用代码") {
					t.Fatalf("page %d does not repeat the list's heading", i+1)
				}
			}
			r := ts.get("/v/" + n.SHA256[:16])
			if r.StatusCode != 302 || r.Header.Get("Location") != "/verify?sha256="+n.SHA256 {
				t.Fatalf("short address: %d → %q", r.StatusCode, r.Header.Get("Location"))
			}
			en := ts.getPDF(t, base+"/print.pdf?lang=en")
			if enPages, err := pdfscan.Text(en); err != nil || !strings.Contains(enPages[0], fmt.Sprintf("Page 1 of %d", len(enPages))) || !strings.Contains(enPages[0], deref(n.Number)) {
				t.Fatalf("English PDF: %v %q", err, enPages)
			}
			ts.followQR(t, en, n.SHA256)

			corr, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "correction", Province: "440000", Title: "更正公告",
				Body: "更正第三批名单。", CorrectsID: &n.ID}, "gd@example.cn", ts.now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.store.PublishNotice(ctx, corr.ID, ts.now()); err != nil {
				t.Fatal(err)
			}
			v = ts.followQR(t, ts.getPDF(t, base+"/print.pdf"), n.SHA256)
			wantAnswer(t, v, 200, "此公告已发布，但已被更正公告更正", fmt.Sprintf(`href="/notices/%d"`, corr.ID))
			var api verifyAnswer
			decode(t, ts.get("/api/v1/verify?sha256="+n.SHA256), &api)
			if len(api.Records) != 1 || api.Records[0].Status != recordCorrected || api.Records[0].CurrentURL != fmt.Sprintf("/notices/%d", corr.ID) || api.Records[0].Seq != entry.Seq {
				t.Fatalf("API verify answer: %+v", api)
			}

			// Two content hashes sharing the short address's digits (written into the ledger here: by
			// chance it would take billions of records): the address lists both instead of choosing.
			other := n.SHA256[:16] + strings.Repeat("0", 48)
			if err := dbtest.Handle(ctx, ts.store).Exec("INSERT INTO ledger_entries (seq, kind, record_id, content_hash, attachments, prev_hash, hash, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				99999, models.LedgerNotice, corr.ID, other, "[]", "", strings.Repeat("f", 64), ts.now().UTC()).Error; err != nil {
				t.Fatal(err)
			}
			wantAnswer(t, ts.get("/v/"+n.SHA256[:16]), 200, "2 项记录的 SHA-256 以此开头", `href="/verify?sha256=`+n.SHA256+`"`, `href="/verify?sha256=`+other+`"`)

			for _, path := range []string{"/notices/99999/print", "/notices/99999/print.pdf", "/notices/abc/print.pdf",
				"/v/" + n.SHA256[:15], "/v/zzzzzzzzzzzzzzzz", "/v/" + strings.Repeat("0", 16), "/v/" + strings.Repeat("a", 65)} {
				if r := ts.get(path); r.StatusCode != 404 {
					t.Fatalf("%s: %d", path, r.StatusCode)
				}
			}
		})
	}
}

// TestPrintedDisclosureVersions prints a disclosure and its amendment: each version's PDF carries the
// QR code of that version's content hash, and /verify says the first is superseded (naming the
// current version) and the second current; the print page shows the version's files with their
// SHA-256.
func TestPrintedDisclosureVersions(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			set := ts.publishAll("MA5PD0001")
			v1 := set.disclosure
			again, err := ts.storeUpload(ctx, upload{Name: "公告.pdf", Body: bytes.NewReader(set.file), Size: int64(len(set.file))}, MaxAttachmentSize)
			if err != nil {
				t.Fatal(err)
			}
			v2, err := ts.store.AmendDisclosure(ctx, v1, models.NewDisclosure{Kind: v1.Kind, Title: "清退公告（更正）",
				Body: "本平台自即日起清退，兑付安排另行公告。", Attachments: []models.Attachment{again}}, "更正文字", "filer@example.cn", ts.now())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				d      models.Disclosure
				status string
			}{{v1, "这是一份信息披露的较早版本，已被更正版本取代"}, {v2, "这是已发布的信息披露，且是现行版本"}} {
				base := fmt.Sprintf("/disclosures/%d", c.d.ID)
				entry, err := ts.store.LedgerEntryOf(ctx, models.LedgerDisclosure, c.d.ID)
				if err != nil {
					t.Fatal(err)
				}
				wantAnswer(t, ts.get(base), 200, base+"/print.pdf")
				wantAnswer(t, ts.get(base+"/print"), 200, c.d.Title, set.in.Name, v1.Attachments[0].SHA256, entry.Hash)
				pdf := ts.getPDF(t, base+"/print.pdf")
				v := ts.followQR(t, pdf, c.d.SHA256)
				wantAnswer(t, v, 200, c.status, base, fmt.Sprintf("<dd>%d</dd>", entry.Seq))
				if c.d.ID == v1.ID {
					wantAnswer(t, v, 200, fmt.Sprintf(`href="/disclosures/%d"`, v2.ID))
				}
				pages, err := pdfscan.Text(pdf)
				if err != nil {
					t.Fatal(err)
				}
				all := strings.ReplaceAll(strings.Join(pages, ""), "\n", "") // a file's SHA-256 is wider than its column: it wraps
				for _, want := range []string{c.d.Title, set.in.USCC, v1.Attachments[0].SHA256, fmt.Sprintf("第 %d 版", c.d.Version), "第 1 页 / 共"} {
					if !strings.Contains(all, want) {
						t.Fatalf("version %d's PDF lacks %q in %q", c.d.Version, want, all)
					}
				}
			}
			// A file's hash finds both versions that carry it, each with where it stands.
			var api verifyAnswer
			decode(t, ts.get("/api/v1/verify?sha256="+v1.Attachments[0].SHA256), &api)
			if len(api.Records) != 2 || api.Records[0].Status != recordSuperseded || api.Records[1].Status != recordCurrent {
				t.Fatalf("API verify answer: %+v", api)
			}
		})
	}
}

// TestPDFMemoIsBounded keeps more PDFs than the memo holds: the oldest go first.
func TestPDFMemoIsBounded(t *testing.T) {
	var m pdfMemo
	for i := range pdfMemoSize + 5 {
		m.put(fmt.Sprint(i), []byte{byte(i)})
	}
	if len(m.kept) != pdfMemoSize || m.get("0") != nil || !bytes.Equal(m.get(fmt.Sprint(pdfMemoSize+4)), []byte{byte(pdfMemoSize + 4)}) {
		t.Fatalf("memo keeps %d, oldest %v", len(m.kept), m.get("0"))
	}
}
