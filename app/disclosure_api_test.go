package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"pilu/app/blob"
	"pilu/models"
	"pilu/models/dbtest"
)

// part is one file of a multipart test request.
type part struct {
	name string
	body []byte
}

// multipartBody builds a filing request: the meta part (skipped when meta is "-") and the files.
func multipartBody(meta string, files ...part) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if meta != "-" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="meta"`)
		h.Set("Content-Type", "application/json")
		pw, _ := w.CreatePart(h)
		pw.Write([]byte(meta))
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename="`+f.name+`"`)
		h.Set("Content-Type", "application/octet-stream")
		pw, _ := w.CreatePart(h)
		pw.Write(f.body)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

// postMultipart sends a multipart filing with a bearer token.
func (ts *testServer) postMultipart(path, token, meta string, files ...part) response {
	body, ctype := multipartBody(meta, files...)
	req := httptest.NewRequest("POST", path, body)
	req.Header.Set("Content-Type", ctype)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return ts.do(req)
}

// filerWithToken creates an institution and a filer of it; it returns the institution and the token.
func (ts *testServer) filerWithToken(org, name string) (models.Institution, models.User, string) {
	ts.t.Helper()
	in := ts.seedInstitution("440106", org, name, "440000", name[:6])
	u, _, token, err := ts.store.CreateUser(context.Background(), models.NewUser{Role: models.RoleInstitution, Email: strings.ToLower(org) + "@filer.cn", InstitutionUSCC: in.USCC})
	if err != nil {
		ts.t.Fatal(err)
	}
	return in, u, token
}

// figuresMeta is a valid monthly filing for period with one figure's JSON text replaced.
func figuresMeta(period, name, value string) string {
	var parts []string
	for _, n := range models.FigureNames {
		v := "100"
		switch n {
		case "outstanding_amount":
			v = "1000000"
		case "cum_lending_amount": // the figures satisfy every rule (models.FigureRules)
			v = "5000000"
		case "new_business_amount":
			v = "0"
		case "top10_amount", "largest_amount", "overdue_amount", "overdue90_amount":
			v = "50"
		}
		if n == name {
			v = value
		}
		parts = append(parts, fmt.Sprintf("%q: %s", n, v))
	}
	return fmt.Sprintf(`{"kind": "monthly_data", "period": %q, "figures": {%s}}`, period, strings.Join(parts, ", "))
}

var testPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestFileDisclosureAPI(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := map[string]string{"PILU_MAX_FILE_MB": "1", "PILU_MAX_FILES": "2"}
			for k, v := range b.env {
				env[k] = v
			}
			ts := newTestServer(t, env)
			in, _, token := ts.filerWithToken("MA5D0AMD1", "深圳甲网贷信息服务有限公司")
			other, _, otherToken := ts.filerWithToken("MA5D0AMD2", "深圳乙网贷信息服务有限公司")
			path := "/api/v1/institutions/" + in.USCC + "/disclosures"
			exit := `{"kind": "exit_announcement", "title": "良性退出公告", "body": "本平台自即日起停止新增业务。", "tranches": [{"date": "2027-01-31", "share_bp": 3000}], "base_amount": 100000000}`
			big := bytes.Repeat([]byte("a"), 1<<20+10)
			cases := []struct {
				name   string
				path   string
				token  string
				meta   string
				files  []part
				status int
				field  string // the field a 422 or 413 must name
			}{
				{"monthly figures", path, token, figuresMeta("2026-10", "", ""), nil, 201, ""},
				{"exit announcement with a PDF", path, token, exit, []part{{"退出公告.pdf", testPDF}}, 201, ""},
				{"path characters and a long name", path, token, exit, []part{{"../../etc/" + strings.Repeat("长", 300) + ".pdf", testPDF}}, 201, ""},
				{"no token", path, "", exit, nil, 401, ""},
				{"another institution", "/api/v1/institutions/" + other.USCC + "/disclosures", token, exit, nil, 403, ""},
				{"another institution's token", path, otherToken, exit, nil, 403, ""},
				{"HTML named .pdf", path, token, exit, []part{{"公告.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")}}, 415, ""},
				{"zero-byte file", path, token, exit, []part{{"empty.pdf", nil}}, 422, "files"},
				{"over the size limit", path, token, exit, []part{{"big.txt", big}}, 413, "files"},
				{"more files than allowed", path, token, exit, []part{{"a.pdf", testPDF}, {"b.pdf", testPDF}, {"c.pdf", testPDF}}, 413, "files"},
				{"meta missing", path, token, "-", []part{{"a.pdf", testPDF}}, 422, "meta"},
				{"meta not JSON", path, token, "kind=exit", nil, 422, "meta"},
				{"meta invalid UTF-8", path, token, "{\"kind\": \"other\", \"title\": \"\xff\xfe\"}", nil, 422, "meta"},
				{"kind missing", path, token, `{"title": "x"}`, nil, 422, "kind"},
				{"unknown meta field", path, token, `{"kind": "other", "title": "x", "colour": 1}`, nil, 422, "meta"},
				{"title a number", path, token, `{"kind": "other", "title": 5}`, nil, 422, "title"},
				{"1e308", path, token, figuresMeta("2026-09", "lenders", "1e308"), nil, 422, "figures.lenders"},
				{"-0", path, token, figuresMeta("2026-09", "lenders", "-0"), nil, 422, "figures.lenders"},
				{"a fraction", path, token, figuresMeta("2026-09", "outstanding_amount", "1000.5"), nil, 422, "figures.outstanding_amount"},
				{"a string", path, token, figuresMeta("2026-09", "outstanding_amount", `"1000000"`), nil, 422, "figures.outstanding_amount"},
				{"negative", path, token, figuresMeta("2026-09", "borrowers", "-3"), nil, 422, "figures.borrowers"},
				{"overdue above balance", path, token, figuresMeta("2026-09", "overdue_amount", "2000000"), nil, 422, "figures.overdue_amount"},
				{"a figure missing", path, token, strings.Replace(figuresMeta("2026-09", "", ""), `"lenders": 100, `, "", 1), nil, 422, "figures.lenders"},
				{"a future month", path, token, figuresMeta("2026-11", "", ""), nil, 422, "period"},
				{"the same month again", path, token, figuresMeta("2026-10", "", ""), nil, 409, ""},
				{"bad event time", path, token, `{"kind": "major_event", "title": "x", "event_type": "suspension", "event_at": "yesterday"}`, nil, 422, "event_at"},
				{"tranche amount 1e308", path, token, `{"kind": "repayment_plan", "title": "x", "tranches": [{"date": "2027-01-31", "amount": 1e308}]}`, nil, 422, "tranches.0.amount"},
				{"plan in shares without its base", path, token, `{"kind": "repayment_plan", "title": "x", "tranches": [{"date": "2027-01-31", "share_bp": 3000}]}`, nil, 422, "base_amount"},
				{"base amount a fraction", path, token, `{"kind": "repayment_plan", "title": "x", "tranches": [{"date": "2027-01-31", "share_bp": 3000}], "base_amount": 1.5}`, nil, 422, "base_amount"},
				{"plan not a number", path, token, `{"kind": "repayment_progress", "title": "x", "tranches": [{"date": "2026-01-31", "amount": 100}], "plan": "x"}`, nil, 422, "plan"},
				{"plan on a plan", path, token, `{"kind": "repayment_plan", "title": "x", "tranches": [{"date": "2027-01-31", "amount": 100}], "plan": 1}`, nil, 422, "plan"},
				{"plan that is no plan", path, token, `{"kind": "repayment_progress", "title": "x", "tranches": [{"date": "2026-01-31", "amount": 100}], "plan": 1}`, nil, 422, "plan"},
				{"reason on a first filing", path, token, `{"kind": "other", "title": "x", "reason": "r"}`, nil, 422, "reason"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before := ts.counts()
					r := ts.postMultipart(c.path, c.token, c.meta, c.files...)
					if r.StatusCode != c.status {
						t.Fatalf("status %d, want %d: %s", r.StatusCode, c.status, r.body)
					}
					if c.status == 201 {
						return
					}
					code, fields := jsonError(t, r)
					if c.field != "" && fields[c.field] == "" {
						t.Fatalf("%s: want a message for %s, got %v", code, c.field, fields)
					}
					if after := ts.counts(); after != before {
						t.Fatalf("a refused filing wrote something: %v → %v", before, after)
					}
				})
			}

			// The public reads the exit announcement and downloads its PDF with the SHA-256 shown.
			var list struct {
				Items []disclosureJSON `json:"items"`
				Total int              `json:"total"`
			}
			json.Unmarshal([]byte(ts.get(path).body), &list)
			if list.Total != 3 {
				t.Fatalf("want 3 disclosures, got %d", list.Total)
			}
			var withPDF disclosureJSON
			for _, d := range list.Items {
				if d.Kind == "exit_announcement" && len(d.Attachments) == 1 && d.Attachments[0].Name == "退出公告.pdf" {
					withPDF = d
				}
				if d.Kind == "exit_announcement" && strings.ContainsAny(d.Attachments[0].Name, `/\`) {
					t.Fatalf("a path survived in a file name: %q", d.Attachments[0].Name)
				}
			}
			a := withPDF.Attachments[0]
			dl := ts.get(strings.TrimPrefix(a.URL, "http://pilu.test"))
			sum := sha256.Sum256([]byte(dl.body))
			if dl.StatusCode != 200 || hex.EncodeToString(sum[:]) != a.SHA256 || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("download: %d %s", dl.StatusCode, dl.Header)
			}
			if page := ts.get(fmt.Sprintf("/disclosures/%d", withPDF.ID)); !strings.Contains(page.body, a.SHA256) {
				t.Fatal("the disclosure page does not show the attachment's SHA-256")
			}

			// Amendments: only the filer's own, with a reason; a new version that keeps the PDF.
			amend := fmt.Sprintf("/api/v1/disclosures/%d/amendments", withPDF.ID)
			for _, c := range []struct {
				name, token, meta string
				status            int
				field             string
			}{
				{"someone else's disclosure", otherToken, `{"reason": "x"}`, 403, ""},
				{"without a reason", token, `{"title": "良性退出公告（更正）"}`, 422, "reason"},
				{"keeping a foreign attachment", token, `{"reason": "r", "keep_attachments": [999999]}`, 422, "keep_attachments"},
			} {
				t.Run(c.name, func(t *testing.T) {
					before := ts.counts()
					r := ts.postMultipart(amend, c.token, c.meta)
					if r.StatusCode != c.status {
						t.Fatalf("status %d, want %d: %s", r.StatusCode, c.status, r.body)
					}
					if _, fields := jsonError(t, r); c.field != "" && fields[c.field] == "" {
						t.Fatalf("want a message for %s, got %v", c.field, fields)
					}
					if after := ts.counts(); after != before {
						t.Fatalf("a refused amendment wrote something: %v → %v", before, after)
					}
				})
			}
			r := ts.postMultipart(amend, token, `{"title": "良性退出公告（更正）", "body": "本平台自2026年12月1日起停止新增业务。", "tranches": [{"date": "2027-01-31", "share_bp": 3500}], "base_amount": 100000000, "reason": "日期写错"}`, part{"说明.txt", []byte("更正说明")})
			if r.StatusCode != 201 {
				t.Fatalf("amendment: %d %s", r.StatusCode, r.body)
			}
			var v2 disclosureJSON
			json.Unmarshal([]byte(r.body), &v2)
			if v2.Version != 2 || v2.Amends == nil || *v2.Amends != withPDF.ID || len(v2.Attachments) != 2 || v2.Attachments[0].SHA256 != a.SHA256 {
				t.Fatalf("version 2: %+v", v2)
			}
			// The detail of version 1 is version 1, as its page shows it, naming version 2 as the latest.
			var v1 disclosureJSON
			json.Unmarshal([]byte(ts.get(fmt.Sprintf("/api/v1/disclosures/%d", withPDF.ID)).body), &v1)
			if v1.ID != withPDF.ID || v1.Version != 1 || v1.Latest != v2.ID || len(v1.Versions) != 2 {
				t.Fatalf("the API answers the version asked for, with links to every version and the latest: %+v", v1)
			}
			page := ts.get(fmt.Sprintf("/disclosures/%d", v2.ID)).body
			for _, want := range []string{"日期写错", "<del>", "<ins>", "说明.txt", "35.00%", "<del>30.00%</del> <ins>35.00%</ins>"} {
				if !strings.Contains(page, want) {
					t.Errorf("the amendment's page lacks %q", want)
				}
			}
		})
	}
}

// counts is the number of disclosures, attachment rows, outbox rows and stored blobs.
func (ts *testServer) counts() [4]int64 {
	ts.t.Helper()
	var c [4]int64
	db := dbtest.Handle(context.Background(), ts.store)
	db.Model(&models.Disclosure{}).Count(&c[0])
	db.Model(&models.Attachment{}).Count(&c[1])
	db.Model(&models.OutboxEntry{}).Count(&c[2])
	ts.blobs.List(context.Background(), func(blob.Info) error { c[3]++; return nil })
	return c
}

// TestFilingWhileMinIOIsDown stops the blob store during a filing: 503 with a clear message and
// nothing written.
func TestFilingWhileMinIOIsDown(t *testing.T) {
	for _, b := range backends(t) {
		if b.env["PILU_S3_ENDPOINT"] == "" {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			in, _, token := ts.filerWithToken("MA5D0AMD1", "深圳甲网贷信息服务有限公司")
			proxy := newTCPProxy(t, b.env["PILU_S3_ENDPOINT"])
			down, err := blob.NewMinIO(context.Background(), blob.MinIOConfig{Endpoint: proxy.addr(), AccessKey: b.env["PILU_S3_ACCESS_KEY"],
				SecretKey: b.env["PILU_S3_SECRET_KEY"], Bucket: b.env["PILU_S3_BUCKET"]})
			if err != nil {
				t.Fatal(err)
			}
			proxy.close()
			up := ts.blobs
			ts.blobs = down
			before := ts.counts()
			r := ts.postMultipart("/api/v1/institutions/"+in.USCC+"/disclosures", token, `{"kind": "other", "title": "其他"}`, part{"a.pdf", testPDF})
			ts.blobs = up
			if r.StatusCode != 503 {
				t.Fatalf("status %d, want 503: %s", r.StatusCode, r.body)
			}
			if code, _ := jsonError(t, r); code != "unavailable" {
				t.Fatalf("code %s", code)
			}
			if after := ts.counts(); after != before {
				t.Fatalf("a failed filing wrote something: %v → %v", before, after)
			}
		})
	}
}

// tcpProxy forwards connections to a target until closed, then refuses them.
type tcpProxy struct {
	ln    net.Listener
	conns chan net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, conns: make(chan net.Conn, 100)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.conns <- c
			p.conns <- u
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(p.close)
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) close() {
	p.ln.Close()
	for {
		select {
		case c := <-p.conns:
			c.Close()
		default:
			return
		}
	}
}
