package app

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestNoStaffAccountPublished reads every public answer of the demo data set (API, pages, feeds,
// exports, the full dump, the ledger and the search) and greps them for the login e-mails of the
// staff who decided, filed or drafted: a class decision names its office, never a person's account
// (CONTRACT.md), and no account leaves the database.
func TestNoStaffAccountPublished(t *testing.T) {
	for _, b := range backends(t)[:1] { // the demo data set is the same on every database; SQLite suffices
		t.Run(b.name, func(t *testing.T) {
			env := map[string]string{"PILU_DEMO": "1"}
			for k, v := range b.env {
				env[k] = v
			}
			ts := newTestServer(t, env)
			ctx := context.Background()
			staff := staffAccounts(t, ts)
			if len(staff) < 5 {
				t.Fatalf("%d staff accounts in the demo, want the offices' accounts", len(staff))
			}
			if _, err := ts.indexer.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			answers := map[string]string{} // what was read → the answer
			get := func(path string) response {
				r := ts.get(path)
				if r.StatusCode != 200 {
					t.Errorf("GET %s: %d", path, r.StatusCode)
				}
				answers["GET "+path] = r.body
				return r
			}
			for _, p := range []string{"/", "/institutions", "/notices", "/zombies", "/exits", "/stats", "/api/v1/stats",
				"/ledger", "/api/v1/ledger?per_page=100", "/feeds/notices.atom", "/feeds/disclosures.atom",
				"/exports/institutions.csv", "/exports/zombies.csv", "/search?q=" + url.QueryEscape("整治办"),
				"/api/v1/search?q=" + url.QueryEscape("整治办"), "/api/v1/search?q=demo.pilu.example", "/api/v1/search?q=example"} {
				get(p)
			}
			for _, p := range []string{"/exports/institutions.xlsx", "/exports/zombies.xlsx"} {
				answers["GET "+p] = unzipAll(t, get(p).body)
			}
			var list struct {
				Items []struct {
					USCC    string `json:"uscc"`
					History []struct {
						DecidedBy json.RawMessage `json:"decided_by"`
					} `json:"history"`
				} `json:"items"`
			}
			json.Unmarshal([]byte(get("/api/v1/institutions?per_page=100").body), &list)
			if len(list.Items) < 40 {
				t.Fatalf("%d institutions listed", len(list.Items))
			}
			decisions := 0
			for _, in := range list.Items {
				var detail struct {
					History []struct {
						DecidedBy struct{ Code, Name string } `json:"decided_by"`
					} `json:"history"`
					Province string `json:"province"`
				}
				if err := json.Unmarshal([]byte(get("/api/v1/institutions/"+in.USCC).body), &detail); err != nil {
					t.Fatalf("%s: %v", in.USCC, err)
				}
				for _, h := range detail.History {
					decisions++
					if h.DecidedBy.Code != detail.Province || !strings.Contains(h.DecidedBy.Name, "网贷整治办") {
						t.Errorf("%s: decided_by %+v, want the office of %s by code and name", in.USCC, h.DecidedBy, detail.Province)
					}
				}
				if page := get("/institutions/" + in.USCC); len(detail.History) > 0 && !strings.Contains(page.body, models.Office(detail.Province).Name()) {
					t.Errorf("/institutions/%s does not name the deciding office in its history", in.USCC)
				}
				get("/institutions/" + in.USCC + "?lang=en")
				var ds struct {
					Items []struct {
						ID uint64 `json:"id"`
					} `json:"items"`
				}
				json.Unmarshal([]byte(get("/api/v1/institutions/"+in.USCC+"/disclosures?per_page=100").body), &ds)
				for i, d := range ds.Items {
					if i < 4 || i == len(ds.Items)-1 {
						get("/disclosures/" + strconv.FormatUint(d.ID, 10))
						get("/api/v1/disclosures/" + strconv.FormatUint(d.ID, 10))
					}
				}
			}
			if decisions < 60 {
				t.Errorf("%d class decisions published, want the demo's history", decisions)
			}
			var notices struct {
				Items []struct {
					ID uint64 `json:"id"`
				} `json:"items"`
			}
			json.Unmarshal([]byte(get("/api/v1/notices?per_page=100").body), &notices)
			for _, n := range notices.Items {
				id := strconv.FormatUint(n.ID, 10)
				get("/api/v1/notices/" + id)
				get("/notices/" + id)
			}
			dir := t.TempDir()
			if _, err := ts.exportAll(ctx, dir); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range files {
				answers["dump "+filepath.Base(f)] = readMaybeGzip(t, f)
			}
			for what, body := range answers {
				for _, email := range staff {
					if strings.Contains(body, email) {
						t.Errorf("%s publishes the staff account %s", what, email)
					}
				}
			}
		})
	}
}

// staffAccounts returns the e-mails of every account, and every account recorded as having decided a
// class or a disposition, filed a disclosure or drafted a notice.
func staffAccounts(t *testing.T, ts *testServer) []string {
	t.Helper()
	db := dbtest.Handle(context.Background(), ts.store)
	var out []string
	if err := db.Model(&models.User{}).Where("role IN ?", []string{models.RoleOffice, models.RoleAdmin, models.RoleInstitution}).Pluck("email", &out).Error; err != nil {
		t.Fatal(err)
	}
	for _, rec := range []struct {
		table  any
		column string
	}{{&models.Decision{}, "decided_by"}, {&models.DispositionChange{}, "decided_by"}, {&models.Disclosure{}, "filed_by"}, {&models.Notice{}, "created_by"}} {
		var actors []string
		if err := db.Model(rec.table).Distinct(rec.column).Where(rec.column+" LIKE ?", "%@%").Pluck(rec.column, &actors).Error; err != nil {
			t.Fatal(err)
		}
		out = append(out, actors...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// unzipAll returns the text of every file in a ZIP archive (an XLSX workbook), one after the other.
func unzipAll(t *testing.T, body string) string {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&b, rc)
		rc.Close()
	}
	return b.String()
}

// readMaybeGzip returns a dump file's text, gunzipped when it is compressed.
func readMaybeGzip(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return string(raw)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
