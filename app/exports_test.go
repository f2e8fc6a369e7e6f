package app

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"pilu/models"
)

// TestExportsAreSafeAndChecksummed downloads every export: CSV starts with a UTF-8 BOM, a cell that
// would run as a formula is neutralised (CSV and XLSX), and each .sha256 is the checksum of the
// same bytes. Bad inputs tried: an unknown export name and extension (404).
func TestExportsAreSafeAndChecksummed(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			set := ts.publishAll("MA5EX0001")
			ctx := context.Background()
			in := set.in
			if _, err := ts.store.UpdateInstitution(ctx, in, models.NewInstitution{USCC: in.USCC, Name: in.Name, Province: in.Province,
				Brands: []string{"=HYPERLINK(\"http://evil\")"}}, ts.now()); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"institutions.csv", "institutions.xlsx", "zombies.csv", "zombies.xlsx"} {
				t.Run(name, func(t *testing.T) {
					r := ts.get("/exports/" + name)
					if r.StatusCode != 200 {
						t.Fatalf("%d %.200s", r.StatusCode, r.body)
					}
					sum := sha256.Sum256([]byte(r.body))
					s := ts.get("/exports/" + name + ".sha256")
					if s.body != hex.EncodeToString(sum[:])+"  "+name+"\n" {
						t.Fatalf("checksum %q, body hashes to %x", s.body, sum)
					}
					var rows [][]string
					if strings.HasSuffix(name, ".csv") {
						if !strings.HasPrefix(r.body, "\ufeff") {
							t.Fatal("no BOM")
						}
						var err error
						if rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll(); err != nil {
							t.Fatal(err)
						}
					} else {
						f, err := excelize.OpenReader(strings.NewReader(r.body))
						if err != nil {
							t.Fatal(err)
						}
						rows, _ = f.GetRows(f.GetSheetName(0))
					}
					text := ""
					for _, row := range rows[1:] {
						text += strings.Join(row, "|") + "\n"
					}
					if !strings.Contains(text, in.USCC) {
						t.Fatalf("%s not in %s", in.USCC, text)
					}
					if strings.HasPrefix(name, "institutions") && !strings.Contains(text, "'=HYPERLINK") {
						t.Fatalf("formula not neutralised: %s", text)
					}
				})
			}
			for _, bad := range []string{"/exports/users.csv", "/exports/institutions.json", "/exports/zombies.csv.md5"} {
				if r := ts.get(bad); r.StatusCode != 404 {
					t.Errorf("%s: %d", bad, r.StatusCode)
				}
			}
		})
	}
}

// TestExportAllWritesADumpWithChecksums runs `pilu export --all DIR`: NDJSON.gz files of every
// public record and a manifest whose checksums and counts match the files. Bad usage tried: no
// --all (exit 2).
func TestExportAllWritesADumpWithChecksums(t *testing.T) {
	b := backends(t)[0]
	ts := newTestServer(t, b.env)
	set := ts.publishAll("MA5EX0002")
	ctx := context.Background()
	if _, err := ts.store.CreateNotice(ctx, models.NewNotice{Kind: "general", Province: "440000", Title: "草稿", Body: "未发布"}, "gd", ts.now()); err != nil {
		t.Fatal(err)
	}
	for k, v := range b.env {
		t.Setenv(k, v)
	}
	t.Setenv("PILU_DATA_DIR", ts.cfg.DataDir)
	dir := filepath.Join(t.TempDir(), "dump")
	var stdout, stderr strings.Builder
	if code := cliMain([]string{"export"}, &stdout, &stderr); code != 2 {
		t.Fatalf("no --all: exit %d", code)
	}
	if code := cliMain([]string{"export", "--all", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var m DumpManifest
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil || json.Unmarshal(raw, &m) != nil {
		t.Fatalf("manifest: %v %s", err, raw)
	}
	want := map[string]int{"institutions.ndjson.gz": 1, "disclosures.ndjson.gz": 1, "notices.ndjson.gz": 1, "ledger.ndjson.gz": 4}
	if len(m.Files) != len(want) || m.LedgerSeq != 4 {
		t.Fatalf("manifest: %+v", m)
	}
	for _, f := range m.Files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Bytes {
			t.Errorf("%s: checksum or size differs from the manifest", f.Name)
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var v map[string]any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("%s line %d: %v", f.Name, lines+1, err)
			}
			lines++
		}
		if lines != want[f.Name] || f.Records != lines {
			t.Errorf("%s: %d lines, manifest %d, want %d", f.Name, lines, f.Records, want[f.Name])
		}
	}
	if dump, _ := os.ReadFile(filepath.Join(dir, "disclosures.ndjson.gz")); len(dump) == 0 || set.disclosure.ID == 0 {
		t.Fatal("empty dump")
	}
}
