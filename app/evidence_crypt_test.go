package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pilu/app/blob"
	"pilu/models"
	"pilu/models/dbtest"
)

// claimant is the personal data the evidence tests file, and grep for afterwards.
var claimant = struct{ name, id, phone string }{"欧阳娜娜", residentID("11010519491231002"), "13812345678"}

// evidenceText is a text file of several DARE packages (64 KiB each) holding the claimant's ID
// number and phone, as a scanned contract or a bank statement would.
func evidenceText() string {
	var b strings.Builder
	b.WriteString("借款合同\n出借人 " + claimant.name + " 身份证号 " + claimant.id + " 电话 " + claimant.phone + "\n")
	for i := 0; b.Len() < 300_000; i++ {
		fmt.Fprintf(&b, "第%d期 还款记录 本金 1,000.00 元 利息 12.00 元\n", i)
	}
	b.WriteString("出借人签字：" + claimant.name + " " + claimant.id + "\n")
	return b.String()
}

// fileEvidenceClaim files a claim in the browser with one evidence file and returns the notice id
// and the evidence's row.
func (ts *testServer) fileEvidenceClaim(path, uscc, idNumber, evidence string) (uint64, models.Attachment) {
	ts.t.Helper()
	var noticeID uint64
	fmt.Sscanf(path, "/api/v1/notices/%d/claims", &noticeID)
	investor := ts.newNoticeBrowser(nil)
	r := investor.postMultipart(fmt.Sprintf("/notices/%d/claims", noticeID), map[string]string{"institution": uscc,
		"name": claimant.name, "id_number": idNumber, "phone": claimant.phone, "principal": "25,000.50", "interest": "0",
		"statement": "借款人未按期还款"}, map[string]string{"合同.txt": evidence})
	wantAnswer(ts.t, r, 303)
	var a models.Attachment
	if err := dbtest.Handle(context.Background(), ts.store).Where("claim_id IS NOT NULL").Order("id DESC").Take(&a).Error; err != nil {
		ts.t.Fatal(err)
	}
	return noticeID, a
}

// rawBlob reads a blob as the store holds it.
func rawBlob(t *testing.T, blobs blob.Store, key string) []byte {
	t.Helper()
	rc, _, err := blobs.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEvidenceEncryptedAtRest: claim evidence reaches the blob store encrypted (folder store, MinIO
// and SeaweedFS alike), the office downloads it decrypted with its own size and SHA-256, a
// truncated or altered blob is refused without serving any of it, public attachments stay as they
// are, and afterwards no file of the data folder, no blob and no database row holds the claimant's
// ID number, phone or name in clear.
func TestEvidenceEncryptedAtRest(t *testing.T) {
	for _, b := range append(backends(t), otherS3Backends(t)...) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			path, uscc, office := ts.openClaimNotice()
			evidence := evidenceText()
			noticeID, a := ts.fileEvidenceClaim(path, uscc, claimant.id, evidence)
			if a.FileKey == "" || a.Size != int64(len(evidence)) || a.SHA256 != sha256Of([]byte(evidence)) {
				t.Fatalf("evidence row: file key %q, size %d, sha256 %s; want a sealed key and the file's own size and hash", a.FileKey, a.Size, a.SHA256)
			}
			raw := rawBlob(t, ts.blobs, a.BlobKey)
			if int64(len(raw)) != blob.EncryptedSize(a.Size) || bytes.Contains(raw, []byte("借款合同")) || bytes.Contains(raw, []byte(claimant.id)) {
				t.Fatalf("the stored blob is %d bytes (want %d of ciphertext) or holds the file in clear", len(raw), blob.EncryptedSize(a.Size))
			}

			clerk := ts.newNoticeBrowser(&office)
			url := fmt.Sprintf("/office/notices/%d/evidence/%d", noticeID, a.ID)
			r := clerk.get(url)
			wantAnswer(t, r, 200)
			if r.body != evidence || r.Header.Get("Digest") != "sha-256="+a.SHA256 || r.ContentLength != a.Size {
				t.Fatalf("download: %d bytes (Content-Length %d), Digest %q; want the %d bytes filed", len(r.body), r.ContentLength, r.Header.Get("Digest"), len(evidence))
			}

			// A blob cut short (a lost tail, a half-copied backup) is refused before a byte is sent.
			for _, damaged := range []struct {
				name string
				data []byte
			}{
				{"truncated by one package", raw[:len(raw)-(64<<10)]},
				{"truncated by one byte", raw[:len(raw)-1]},
			} {
				t.Run(damaged.name, func(t *testing.T) {
					if _, err := ts.blobs.Put(ctx, a.BlobKey, bytes.NewReader(damaged.data), blob.PutOptions{Size: int64(len(damaged.data))}); err != nil {
						t.Fatal(err)
					}
					r := clerk.get(url)
					wantAnswer(t, r, 500, "已损坏")
					if strings.Contains(r.body, "借款合同") || strings.Contains(r.body, claimant.id) {
						t.Fatal("a damaged file was served in part")
					}
				})
			}
			if _, err := ts.blobs.Put(ctx, a.BlobKey, bytes.NewReader(raw), blob.PutOptions{Size: int64(len(raw))}); err != nil {
				t.Fatal(err)
			}
			wantAnswer(t, clerk.get(url), 200)

			assertNoPersonalDataInClear(t, ts)
		})
	}
}

// assertNoPersonalDataInClear greps every file of the data folder (database, WAL, blobs, index,
// logs), every blob of the store and every row of every table for the claimant's ID number, phone
// and name.
func assertNoPersonalDataInClear(t *testing.T, ts *testServer) {
	t.Helper()
	ctx := context.Background()
	needles := [][]byte{[]byte(claimant.id), []byte(claimant.phone), []byte(claimant.name)}
	check := func(where string, b []byte) {
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds %q in clear", where, n)
			}
		}
	}
	err := filepath.WalkDir(ts.cfg.DataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		check(p, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	blobs := 0
	err = ts.blobs.List(ctx, func(info blob.Info) error {
		blobs++
		check("blob "+info.Key, rawBlob(t, ts.blobs, info.Key))
		return nil
	})
	if err != nil || blobs == 0 {
		t.Fatalf("listing %d blobs: %v", blobs, err)
	}
	db := dbtest.Handle(ctx, ts.store)
	tables, err := db.Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, table := range tables {
		var all []map[string]any
		if err := db.Table(table).Find(&all).Error; err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		for _, row := range all {
			rows++
			for col, v := range row {
				check(table+"."+col, fmt.Appendf(nil, "%s", v))
			}
		}
	}
	if !slices.Contains(tables, "claims") || rows == 0 {
		t.Fatalf("read %d rows of %v", rows, tables)
	}
}

// TestKeysRotateInterruptedAndResumed: with the new secret in PILU_SECRET and the old one in
// PILU_SECRET_PREVIOUS, a portal reads everything sealed under either (a duplicate claim is still
// found); `keys rotate` encrypts evidence stored in clear before evidence was encrypted, re-wraps
// file keys and re-seals claims, printing its progress; stopped after its first file and again
// after its first batch, then run to the end, it leaves everything readable under the new secret
// alone, and a further run finds nothing to do.
func TestKeysRotateInterruptedAndResumed(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			oldSecret, newSecret := strings.Repeat("o", 40), strings.Repeat("n", 40)
			dataDir := t.TempDir() // the portals share the database, the folder store or the bucket
			env := func(secret, previous string) map[string]string {
				e := maps.Clone(b.env)
				e["PILU_SECRET"], e["PILU_SECRET_PREVIOUS"], e["PILU_DATA_DIR"], e["PILU_INDEX_DIR"] = secret, previous, dataDir, t.TempDir()
				return e
			}
			shared := env(oldSecret, "")
			before := newTestServer(t, shared)
			ctx := context.Background()
			path, uscc, office := before.openClaimNotice()
			evidence := evidenceText()
			var files []models.Attachment
			for i := range 3 {
				id := residentID(fmt.Sprintf("4403051980010112%d", i))
				_, a := before.fileEvidenceClaim(path, uscc, id, evidence+fmt.Sprint(i))
				files = append(files, a)
			}
			noticeID, _ := before.fileEvidenceClaim(path, uscc, claimant.id, evidence)
			// Evidence stored before evidence was encrypted: in clear, no file key.
			legacy := files[0]
			legacy.ID, legacy.FileKey, legacy.BlobKey = 0, "", blob.NewKey()
			if _, err := before.blobs.Put(ctx, legacy.BlobKey, strings.NewReader(evidence), blob.PutOptions{Size: int64(len(evidence))}); err != nil {
				t.Fatal(err)
			}
			legacy.Size, legacy.SHA256 = int64(len(evidence)), sha256Of([]byte(evidence))
			if err := dbtest.Handle(ctx, before.store).Create(&legacy).Error; err != nil {
				t.Fatal(err)
			}

			during := newTestServer(t, env(newSecret, oldSecret))
			// The portal reads both secrets during the rotation: downloads, the claims list, and a
			// second claim with the same ID number is a duplicate.
			clerk := during.newNoticeBrowser(&office)
			for _, a := range append(files, legacy) {
				wantAnswer(t, clerk.get(fmt.Sprintf("/office/notices/%d/evidence/%d", noticeID, a.ID)), 200, "借款合同")
			}
			during.clock.t = during.clock.t.Add(time.Minute)
			during.fileEvidenceClaim(path, uscc, claimant.id, evidence)
			var dup models.Claim
			if err := dbtest.Handle(ctx, during.store).Order("id DESC").Take(&dup).Error; err != nil || dup.Status != models.ClaimDuplicate {
				t.Fatalf("a second claim with the same ID number during the rotation: %q, %v", dup.Status, err)
			}

			sl := models.NewSealer(newSecret, oldSecret)
			stopAfter := func(n int) func() error {
				return func() error {
					if n--; n <= 0 {
						return errors.New("injected stop")
					}
					return nil
				}
			}
			var out bytes.Buffer
			err := RotateKeys(ctx, during.store, during.blobs, sl, &out, stopAfter(1))
			if !errors.Is(err, models.ErrRotationStopped) || !strings.Contains(out.String(), "evidence: file") {
				t.Fatalf("first run: %v\n%s", err, out.String())
			}
			err = RotateKeys(ctx, during.store, during.blobs, sl, &out, stopAfter(1))
			if !errors.Is(err, models.ErrRotationStopped) || !strings.Contains(out.String(), "claims: 5/5 rows, 4 re-sealed") {
				t.Fatalf("second run: %v\n%s", err, out.String())
			}
			out.Reset()
			if err := RotateKeys(ctx, during.store, during.blobs, sl, &out, nil); err != nil {
				t.Fatalf("third run: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "claims: 5/5 rows, 0 re-sealed, 5 already") || !strings.Contains(out.String(), "attachments: 6/6 rows, 4 re-sealed, 2 already") ||
				!strings.Contains(out.String(), "keys rotated") {
				t.Fatalf("third run:\n%s", out.String())
			}
			out.Reset()
			if err := RotateKeys(ctx, during.store, during.blobs, sl, &out, nil); err != nil || !strings.Contains(out.String(), "attachments: 6/6 rows, 0 re-sealed") {
				t.Fatalf("a run after the rotation: %v\n%s", err, out.String())
			}

			// Under the new secret alone, everything opens, and the old secret opens nothing.
			rotated := newTestServer(t, env(newSecret, ""))
			clerk = rotated.newNoticeBrowser(&office)
			var all []models.Attachment
			dbtest.Handle(ctx, rotated.store).Where("claim_id IS NOT NULL").Order("id").Find(&all)
			if len(all) != 6 {
				t.Fatalf("%d evidence files after the rotation, want 6", len(all))
			}
			for _, a := range all {
				if a.FileKey == "" || bytes.Contains(rawBlob(t, rotated.blobs, a.BlobKey), []byte("借款合同")) {
					t.Fatalf("evidence %d is still in clear after the rotation", a.ID)
				}
				r := clerk.get(fmt.Sprintf("/office/notices/%d/evidence/%d", noticeID, a.ID))
				wantAnswer(t, r, 200, "借款合同")
				if sha256Of([]byte(r.body)) != a.SHA256 {
					t.Fatalf("evidence %d reads back with another SHA-256", a.ID)
				}
			}
			if _, err := rotated.blobs.Stat(ctx, legacy.BlobKey); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("the clear copy of the legacy evidence is left: %v", err)
			}
			wantAnswer(t, clerk.get(fmt.Sprintf("/office/notices/%d/claims", noticeID)), 200) // masked there; the claimants are opened below
			oldOnly := models.NewSealer(oldSecret)
			var claims []models.Claim
			dbtest.Handle(ctx, rotated.store).Find(&claims)
			for _, c := range claims {
				if _, err := c.Claimant(oldOnly); err == nil {
					t.Fatalf("claim %d still opens under the old secret", c.ID)
				}
				if _, err := c.Claimant(models.NewSealer(newSecret)); err != nil {
					t.Fatalf("claim %d: %v", c.ID, err)
				}
			}
		})
	}
}

func sha256Of(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
