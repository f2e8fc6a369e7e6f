package app

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"pilu/models"
	"pilu/models/dbtest"
)

// dumpCheck is what a script with no account finds when it checks the full dump: the manifest it
// read, how many records the ledger covers, and every record whose content hash does not match
// its ledger entry (as "kind id").
type dumpCheck struct {
	manifest   DumpManifest
	etag       string
	covered    int
	mismatches []string
}

// checkDumpLikeAScript behaves like a script with no account: it fetches the manifest and every
// file it lists, checks each file's size, SHA-256 and ETag against the manifest, decompresses and
// parses every NDJSON line, and compares the content hash of every published record with the entry
// of the same kind and record id in the ledger read through GET /api/v1/ledger.
func (ts *testServer) checkDumpLikeAScript() dumpCheck {
	t := ts.t
	t.Helper()
	r := ts.get("/exports/dump/manifest.json")
	var out dumpCheck
	if r.StatusCode != 200 || json.Unmarshal([]byte(r.body), &out.manifest) != nil {
		t.Fatalf("manifest: %d %.300s", r.StatusCode, r.body)
	}
	out.etag = r.Header.Get("ETag")
	if sum := sha256.Sum256([]byte(r.body)); out.etag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Fatalf("manifest ETag %s is not its SHA-256", out.etag)
	}
	if cc := r.Header.Get("Cache-Control"); cc != cacheControlDump {
		t.Fatalf("manifest Cache-Control %q", cc)
	}
	published := map[string]string{} // "kind id" → content hash, from the dump
	for _, f := range out.manifest.Files {
		r := ts.get("/exports/dump/" + f.Name)
		sum := sha256.Sum256([]byte(r.body))
		switch {
		case r.StatusCode != 200:
			t.Fatalf("%s: %d", f.Name, r.StatusCode)
		case int64(len(r.body)) != f.Bytes || hex.EncodeToString(sum[:]) != f.SHA256:
			t.Fatalf("%s: %d bytes, SHA-256 %x; the manifest says %d, %s", f.Name, len(r.body), sum, f.Bytes, f.SHA256)
		case r.Header.Get("ETag") != `"`+f.SHA256+`"` || r.Header.Get("Cache-Control") != cacheControlDump:
			t.Fatalf("%s: ETag %s, Cache-Control %s", f.Name, r.Header.Get("ETag"), r.Header.Get("Cache-Control"))
		}
		zr, err := gzip.NewReader(strings.NewReader(r.body))
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		lines := 0
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			lines++
			if err := collectPublished(f.Name, sc.Bytes(), published); err != nil {
				t.Fatalf("%s line %d: %v", f.Name, lines, err)
			}
		}
		if sc.Err() != nil || lines != f.Records {
			t.Fatalf("%s: %d lines (%v), the manifest says %d", f.Name, lines, sc.Err(), f.Records)
		}
	}
	ledger := map[string]string{} // "kind id" → content hash of its newest entry
	for page := 1; ; page++ {
		var p struct {
			Items []models.LedgerEntry `json:"items"`
			Total int                  `json:"total"`
		}
		decode(t, ts.get(fmt.Sprintf("/api/v1/ledger?per_page=100&page=%d", page)), &p)
		for _, e := range p.Items {
			if key := fmt.Sprintf("%s %d", e.Kind, e.RecordID); ledger[key] == "" && e.Seq <= out.manifest.LedgerSeq {
				ledger[key] = e.ContentHash
			}
		}
		if len(p.Items) == 0 || page*100 >= p.Total {
			break
		}
	}
	for key, sum := range published {
		want, ok := ledger[key]
		if !ok {
			continue // published after the dump's ledger head
		}
		out.covered++
		if sum != want {
			out.mismatches = append(out.mismatches, key)
		}
	}
	slices.Sort(out.mismatches)
	return out
}

// collectPublished reads one NDJSON line of the dump file name and notes the content hash of every
// ledger record in it (disclosure versions, notices and their outcomes, class decisions).
func collectPublished(name string, line []byte, into map[string]string) error {
	var rec struct {
		ID            uint64 `json:"id"`
		ContentSHA256 string `json:"content_sha256"`
		Outcomes      []struct {
			ID            uint64 `json:"id"`
			ContentSHA256 string `json:"content_sha256"`
		} `json:"outcomes"`
		History []struct {
			ID            uint64 `json:"id"`
			ContentSHA256 string `json:"content_sha256"`
		} `json:"history"`
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return err
	}
	switch name {
	case "disclosures.ndjson.gz":
		into[fmt.Sprintf("disclosure %d", rec.ID)] = rec.ContentSHA256
	case "notices.ndjson.gz":
		into[fmt.Sprintf("notice %d", rec.ID)] = rec.ContentSHA256
		for _, o := range rec.Outcomes {
			into[fmt.Sprintf("outcome %d", o.ID)] = o.ContentSHA256
		}
	case "institutions.ndjson.gz":
		for _, d := range rec.History {
			into[fmt.Sprintf("decision %d", d.ID)] = d.ContentSHA256
		}
	}
	return nil
}

// TestAScriptWithNoAccountVerifiesTheDump follows the notices feed, pulls the full dump over HTTP
// and verifies every record against the ledger; then it shows the dump is made again when the
// ledger grows or an hour has passed (not before), and that a record changed in the database after
// publication fails the check, alone. Bad inputs tried: an unknown file, a path escaping the
// folder, a malformed If-None-Match (full answer), a current ETag (304).
func TestAScriptWithNoAccountVerifiesTheDump(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			set := ts.publishAll("MA5DP0001")
			if _, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "general", Province: "440000", Title: "草稿", Body: "未发布"}, "gd@example.cn", ts.now()); err != nil {
				t.Fatal(err)
			}

			feed, err := gofeed.NewParser().ParseString(ts.get("/feeds/notices.atom").body)
			if err != nil || len(feed.Items) != 1 || !strings.HasSuffix(feed.Items[0].Link, fmt.Sprintf("/notices/%d", set.notice.ID)) {
				t.Fatalf("feed: %v %+v", err, feed)
			}

			first := ts.checkDumpLikeAScript()
			if first.covered != 4 || len(first.mismatches) != 0 || first.manifest.LedgerSeq != 4 {
				t.Fatalf("untouched dump: %d records covered, mismatches %v, ledger head %d", first.covered, first.mismatches, first.manifest.LedgerSeq)
			}
			var looked struct {
				Published bool              `json:"published"`
				Records   []ledgerEntryJSON `json:"records"`
			}
			decode(t, ts.get("/api/v1/verify?sha256="+set.disclosure.ContentHash()), &looked)
			if !looked.Published || looked.Records[0].Kind != models.LedgerDisclosure || looked.Records[0].RecordID != set.disclosure.ID {
				t.Fatalf("verify the disclosure's hash: %+v", looked)
			}

			requests := []struct {
				name, path, ifNoneMatch string
				status                  int
			}{
				{"an unknown file", "/exports/dump/secrets.ndjson.gz", "", 404},
				{"a path escaping the folder", "/exports/dump/..%2Fsecret.key", "", 404},
				{"a malformed If-None-Match", "/exports/dump/manifest.json", "garbage", 200},
				{"the current ETag", "/exports/dump/manifest.json", first.etag, 304},
				{"the current ETag of a file", "/exports/dump/" + first.manifest.Files[0].Name, `"` + first.manifest.Files[0].SHA256 + `"`, 304},
			}
			for _, rq := range requests {
				if r := ts.get(rq.path, "If-None-Match", rq.ifNoneMatch); r.StatusCode != rq.status {
					t.Errorf("%s: %d, want %d", rq.name, r.StatusCode, rq.status)
				}
			}

			// Something published: the next manifest covers it at once.
			if _, err := ts.store.FileDisclosure(ctx, set.in, models.NewDisclosure{Kind: "other", Title: "补充公告", Body: "补充说明。"}, "filer@example.cn", ts.now()); err != nil {
				t.Fatal(err)
			}
			grown := ts.checkDumpLikeAScript()
			if grown.manifest.LedgerSeq != 5 || grown.covered != 5 || len(grown.mismatches) != 0 {
				t.Fatalf("after a publication: head %d, %d covered, mismatches %v", grown.manifest.LedgerSeq, grown.covered, grown.mismatches)
			}

			// One byte of a published record changed in the database: within the hour the same dump
			// is served; once it is made again the check fails for that record alone.
			db := dbtest.Handle(ctx, ts.store)
			if err := db.Exec("UPDATE disclosures SET body = ? WHERE id = ?", "本平台自即日起清退！", set.disclosure.ID).Error; err != nil {
				t.Fatal(err)
			}
			ts.clock.t = ts.clock.t.Add(dumpMaxAge - time.Minute)
			if same := ts.checkDumpLikeAScript(); same.etag != grown.etag || len(same.mismatches) != 0 {
				t.Fatalf("made again within the hour: %s → %s, mismatches %v", grown.etag, same.etag, same.mismatches)
			}
			ts.clock.t = ts.clock.t.Add(time.Minute)
			tampered := ts.checkDumpLikeAScript()
			want := []string{fmt.Sprintf("disclosure %d", set.disclosure.ID)}
			if tampered.etag == grown.etag || !slices.Equal(tampered.mismatches, want) {
				t.Fatalf("after changing a disclosure's body: mismatches %v, want %v", tampered.mismatches, want)
			}
			if r := ts.get("/api/v1/verify?sha256=" + disclosureContentHashOf(t, ts, set.disclosure.ID)); !strings.Contains(r.body, `"published":false`) {
				t.Fatalf("the changed record's hash is published: %s", r.body)
			}
		})
	}
}

// disclosureContentHashOf is the content hash of disclosure id as stored now.
func disclosureContentHashOf(t *testing.T, ts *testServer, id uint64) string {
	t.Helper()
	d, err := ts.store.DisclosureByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return d.ContentHash()
}

// TestServedDumpIsTheCommandsDump: the HTTP dump and `pilu export --all` are written by the same
// code, so at the same moment they are the same bytes. Making a dump removes the folders of dumps
// older than two hours (left by an ended process) and keeps younger ones.
func TestServedDumpIsTheCommandsDump(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	ts.publishAll("MA5DP0002")
	root := filepath.Join(ts.cfg.DataDir, "dumps")
	for _, name := range []string{"dump-stale", "dump-young"} {
		if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	stale := time.Now().Add(-3 * dumpMaxAge)
	if err := os.Chtimes(filepath.Join(root, "dump-stale"), stale, stale); err != nil {
		t.Fatal(err)
	}
	m, err := ts.exportAll(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		r := ts.get("/exports/dump/" + f.Name)
		if sum := sha256.Sum256([]byte(r.body)); hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s differs from the command's", f.Name)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "dump-stale")); !os.IsNotExist(err) {
		t.Errorf("a stale dump folder was kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "dump-young")); err != nil {
		t.Errorf("a young dump folder was removed: %v", err)
	}
}

// TestDumpIsNeverServedHalfWritten fetches the dump's files from several clients at once while
// records are published (each publication makes the next request generate a new dump): every
// answer is a whole file whose SHA-256 is its ETag, never an error.
func TestDumpIsNeverServedHalfWritten(t *testing.T) {
	ts := newTestServer(t, backends(t)[0].env)
	set := ts.publishAll("MA5DP0003")
	names := []string{"manifest.json", "institutions.ndjson.gz", "disclosures.ndjson.gz", "notices.ndjson.gz", "ledger.ndjson.gz"}
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	for client := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				name := names[(client+i)%len(names)]
				res, err := ts.Handler().Test(httptest.NewRequest("GET", "/exports/dump/"+name, nil), 30_000)
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(res.Body)
				res.Body.Close()
				sum := sha256.Sum256(body)
				if err != nil || res.StatusCode != 200 || res.Header.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` {
					errs <- fmt.Errorf("%s: %d, %d bytes, ETag %s, %v", name, res.StatusCode, len(body), res.Header.Get("ETag"), err)
					return
				}
			}
		}()
	}
	for i := range 5 {
		if _, err := ts.store.FileDisclosure(context.Background(), set.in, models.NewDisclosure{Kind: "other", Title: fmt.Sprintf("公告%d", i), Body: "说明。"}, "filer@example.cn", ts.now()); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
