package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"pilu/app/blob"
	"pilu/app/proctest"
	"pilu/models"
	"pilu/models/dbtest"
)

// rotateVolume is how many claims TestKeysRotateKilledAndResumed seeds, every rotateEvidenceEvery-th
// with an evidence file: enough batches (models' rotationBatch is 200) for a kill to land midway.
const rotateVolume, rotateEvidenceEvery = 4000, 4

// rotateLegacyFiles is how many evidence files it stores in clear, as before evidence was encrypted.
const rotateLegacyFiles = 40

// TestKeysRotateKilledAndResumed builds the real binary and runs `pilu keys rotate` (new secret in
// PILU_SECRET, the old one in PILU_SECRET_PREVIOUS) over thousands of claims with evidence, files
// kept in clear and a staff account with an authenticator; it kills the process (SIGKILL) once
// midway through encrypting the clear files and once midway through the claims, checking each time
// that rows the killed run had not reached are still under the old secret, then runs it to the end:
// every claim and every evidence file opens under the new secret alone and not under the old, the
// account still completes a login with a code under the new secret alone, every evidence row names a
// blob that reads back with its SHA-256, and no blob is left that no row names once the orphan
// sweeper has run.
func TestKeysRotateKilledAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := proctest.Binary(t) // consistency_test.go
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			start := time.Now()
			ctx := context.Background()
			oldSecret, newSecret := strings.Repeat("o", 40), strings.Repeat("n", 40)
			oldOnly, newOnly := models.NewSealer(oldSecret), models.NewSealer(newSecret)
			dataDir := t.TempDir()
			env := maps.Clone(b.env)
			env["PILU_SECRET"], env["PILU_DATA_DIR"], env["PILU_INDEX_DIR"] = oldSecret, dataDir, t.TempDir()
			ts := newTestServer(t, env)

			// One claim filed through the portal, then the volume written as the portal writes it.
			path, uscc, _ := ts.openClaimNotice()
			_, first := ts.fileEvidenceClaim(path, uscc, claimant.id, "借款合同 "+claimant.name)
			var tmpl models.Claim
			if err := dbtest.Handle(ctx, ts.store).Take(&tmpl, *first.ClaimID).Error; err != nil {
				t.Fatal(err)
			}
			claims := make([]models.Claim, rotateVolume)
			for i := range claims {
				c := tmpl
				id := residentID(fmt.Sprintf("440305%04d0101%03d", 1950+i/1000, i%1000))
				c.ID, c.Receipt, c.Attachments = 0, fmt.Sprintf("KILL-%06d", i), nil
				c.NameSealed, c.IDNumberSealed = oldOnly.Seal("claim.name", fmt.Sprintf("出借人%d", i)), oldOnly.Seal("claim.id_number", id)
				c.PhoneSealed, c.StatementSealed = oldOnly.Seal("claim.phone", claimant.phone), oldOnly.Seal("claim.statement", fmt.Sprintf("第%d笔借款未还", i))
				c.IDHash = oldOnly.Hash("claim.id_number", id)
				claims[i] = c
			}
			if err := dbtest.Handle(ctx, ts.store).CreateInBatches(&claims, 500).Error; err != nil {
				t.Fatal(err)
			}
			var files []models.Attachment
			for i, c := range claims {
				if i%rotateEvidenceEvery != 0 {
					continue
				}
				text := fmt.Sprintf("借款合同 第%d号 出借人%d\n", i, i)
				a := first
				a.ID, a.ClaimID, a.BlobKey, a.Name = 0, &c.ID, blob.NewKey(), fmt.Sprintf("合同%d.txt", i)
				if i/rotateEvidenceEvery < rotateLegacyFiles { // stored in clear, larger, as before evidence was encrypted
					text = strings.Repeat(text, 2000)
					if _, err := ts.blobs.Put(ctx, a.BlobKey, strings.NewReader(text), blob.PutOptions{Size: int64(len(text))}); err != nil {
						t.Fatal(err)
					}
					a.Size, a.SHA256, a.FileKey = int64(len(text)), sha256Of([]byte(text)), ""
				} else {
					n, sum, key, err := putEncrypted(ctx, ts.blobs, a.BlobKey, strings.NewReader(text), int64(len(text)), 0)
					if err != nil {
						t.Fatal(err)
					}
					a.Size, a.SHA256, a.FileKey = n, sum, oldOnly.Seal(models.FileKeyPurpose, string(key))
				}
				files = append(files, a)
			}
			if err := dbtest.Handle(ctx, ts.store).CreateInBatches(&files, 500).Error; err != nil {
				t.Fatal(err)
			}

			// A staff account with an authenticator, its secret sealed under the old secret.
			staff, _, _, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "rotate-admin@example.cn"})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			key, err := ts.store.StartTOTP(ctx, oldOnly, staff)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.store.ConfirmTOTP(ctx, oldOnly, staff.ID, mustTOTP(t, key.Secret(), now), "10.0.0.1", now); err != nil {
				t.Fatal(err)
			}
			t.Logf("seeded %d claims, %d with evidence, in %v", rotateVolume+1, len(files)+1, time.Since(start).Round(time.Millisecond))

			runEnv := append(os.Environ(), "PILU_DEMO=0", "PILU_SECRET="+newSecret, "PILU_SECRET_PREVIOUS="+oldSecret)
			for k, v := range env {
				if k != "PILU_SECRET" {
					runEnv = append(runEnv, k+"="+v)
				}
			}
			// The first run is killed halfway through the files in clear.
			out := rotateUntil(t, bin, runEnv, func(line string) bool {
				var id, size, n int
				_, err := fmt.Sscanf(line, "evidence: file %d (%d bytes) encrypted, %d so far", &id, &size, &n)
				return err == nil && n >= rotateLegacyFiles/2
			})
			plain, err := ts.store.PlainClaimEvidence(ctx, 0, 1000)
			if err != nil || len(plain) == 0 || len(plain) > rotateLegacyFiles/2 {
				t.Fatalf("after the first kill %d files are in clear (%v), want some but at most %d\n%s", len(plain), err, rotateLegacyFiles/2, out)
			}
			if n := countClaimsUnder(t, ts, newOnly); n != 0 {
				t.Fatalf("the first run, killed among the files, re-sealed %d claims", n)
			}

			// The second run is killed halfway through the claims.
			total := rotateVolume + 1
			out = rotateUntil(t, bin, runEnv, func(line string) bool {
				var seen, all int
				_, err := fmt.Sscanf(line, "claims: %d/%d rows", &seen, &all)
				return err == nil && seen >= all/2
			})
			if !strings.Contains(out, fmt.Sprintf("evidence: %d file(s) stored in clear encrypted", len(plain))) {
				t.Fatalf("the second run did not finish the files the first left in clear:\n%s", out)
			}
			done := countClaimsUnder(t, ts, newOnly)
			if done == 0 || done >= total {
				t.Fatalf("after the second kill %d of %d claims are re-sealed, want some but not all\n%s", done, total, out)
			}
			t.Logf("killed with %d files left in clear, then with %d of %d claims re-sealed", len(plain), done, total)
			var unreached models.Claim
			if err := dbtest.Handle(ctx, ts.store).Order("id DESC").Take(&unreached).Error; err != nil {
				t.Fatal(err)
			}
			if _, err := unreached.Claimant(oldOnly); err != nil {
				t.Fatalf("the last claim, which the killed run had not reached, is not under the old secret: %v", err)
			}
			if n := countFileKeysUnder(t, ts, newOnly); n != rotateLegacyFiles {
				t.Fatalf("after the second kill %d file keys are under the new secret, want only the %d files encrypted by the rotation", n, rotateLegacyFiles)
			}

			// The third run finishes.
			out = rotateUntil(t, bin, runEnv, nil)
			if !strings.Contains(out, "keys rotated") || !strings.Contains(out, fmt.Sprintf("claims: %d/%d rows, %d re-sealed, %d already", total, total, total-done, done)) {
				t.Fatalf("the third run:\n%s", out)
			}

			// Every claim under the new secret alone, none under the old.
			if n := countClaimsUnder(t, ts, newOnly); n != total {
				t.Fatalf("%d of %d claims open under the new secret alone", n, total)
			}
			if n := countClaimsUnder(t, ts, oldOnly); n != 0 {
				t.Fatalf("%d claims still open under the old secret", n)
			}
			if err := dbtest.Handle(ctx, ts.store).Take(&unreached, unreached.ID).Error; err != nil {
				t.Fatal(err)
			}
			if c, err := unreached.Claimant(newOnly); err != nil || c.Name != fmt.Sprintf("出借人%d", rotateVolume-1) || unreached.IDHash != newOnly.Hash("claim.id_number", c.IDNumber) {
				t.Fatalf("the claim the killed run had not reached: %+v, %v", c, err)
			}

			// Every evidence file opens under the new secret alone, reads back whole, and is encrypted.
			var all []models.Attachment
			if err := dbtest.Handle(ctx, ts.store).Where("claim_id IS NOT NULL").Order("id").Find(&all).Error; err != nil {
				t.Fatal(err)
			}
			if want := rotateVolume/rotateEvidenceEvery + 1; len(all) != want {
				t.Fatalf("%d evidence rows after the rotation, want %d", len(all), want)
			}
			named := map[string]bool{}
			for _, a := range all {
				named[a.BlobKey] = true
				if _, err := oldOnly.Open(models.FileKeyPurpose, a.FileKey); err == nil {
					t.Fatalf("evidence %d: its file key still opens under the old secret", a.ID)
				}
				fk, err := newOnly.Open(models.FileKeyPurpose, a.FileKey)
				if err != nil {
					t.Fatalf("evidence %d: its file key does not open under the new secret: %v", a.ID, err)
				}
				raw := rawBlob(t, ts.blobs, a.BlobKey)
				if strings.Contains(string(raw), "借款合同") {
					t.Fatalf("evidence %d is still in clear", a.ID)
				}
				r, err := blob.DecryptReader(strings.NewReader(string(raw)), []byte(fk))
				if err != nil {
					t.Fatalf("evidence %d: %v", a.ID, err)
				}
				plain, err := io.ReadAll(r)
				if err != nil || sha256Of(plain) != a.SHA256 || int64(len(plain)) != a.Size {
					t.Fatalf("evidence %d reads back %d bytes with another SHA-256 (%v)", a.ID, len(plain), err)
				}
			}

			// No blob lost (every row's blob read above) and none left over: a kill between storing
			// a file's encrypted copy and pointing its row at it may leave that one copy, which the
			// orphan sweeper removes.
			unnamed := func() []string {
				var keys []string
				if err := ts.blobs.List(ctx, func(info blob.Info) error {
					if !named[info.Key] {
						keys = append(keys, info.Key)
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				return keys
			}
			var others []models.Attachment // the notice's own attachments, if any
			dbtest.Handle(ctx, ts.store).Where("claim_id IS NULL").Find(&others)
			for _, a := range others {
				named[a.BlobKey] = true
			}
			if left := unnamed(); len(left) > 1 {
				t.Fatalf("%d blobs no row names after the rotation, at most 1 may be left by the kill: %v", len(left), left)
			} else {
				t.Logf("%d blob(s) left by the kill for the sweeper", len(left))
			}
			ts.clock.t = time.Now().Add(OrphanGrace + time.Hour)
			if _, err := ts.sweepOrphans(ctx); err != nil {
				t.Fatal(err)
			}
			if left := unnamed(); len(left) != 0 {
				t.Fatalf("blobs no row names after the sweep: %v", left)
			}

			// The staff account logs in with a code, its secret opened under the new secret alone.
			u, err := ts.store.UserByID(ctx, staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oldOnly.Open("users.totp_secret", u.TOTPSecret); err == nil {
				t.Fatal("the authenticator secret still opens under the old secret")
			}
			later := now.Add(2 * time.Minute)
			tok, err := ts.store.StartPendingLogin(ctx, u, "/admin", later)
			if err != nil {
				t.Fatal(err)
			}
			if sf, err := ts.store.CompletePendingLogin(ctx, newOnly, tok, mustTOTP(t, key.Secret(), later), "10.0.0.1", later); err != nil || sf.User.ID != staff.ID {
				t.Fatalf("login with a code under the new secret alone: %+v, %v", sf, err)
			}
			t.Logf("%s: %v", b.name, time.Since(start).Round(time.Millisecond))
		})
	}
}

// rotateUntil runs `pilu keys rotate` with env; with kill set, it kills the process (SIGKILL) at
// the first line of output kill accepts and fails the test if the run ends before that line,
// otherwise the run must succeed. It returns the output.
func rotateUntil(t *testing.T, bin string, env []string, kill func(string) bool) string {
	t.Helper()
	cmd := exec.Command(bin, "keys", "rotate")
	cmd.Env = env
	var errOut strings.Builder
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if kill != nil && !killed && kill(sc.Text()) {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	switch {
	case kill != nil && !killed:
		t.Fatalf("keys rotate ended before it could be killed (%v):\n%s%s", err, out.String(), errOut.String())
	case killed && !strings.Contains(fmt.Sprint(err), "killed"):
		t.Fatalf("keys rotate was not killed: %v\n%s", err, out.String())
	case kill == nil && err != nil:
		t.Fatalf("keys rotate: %v\n%s%s", err, out.String(), errOut.String())
	}
	if killed && strings.Contains(out.String(), "keys rotated") {
		t.Fatalf("keys rotate finished before the kill:\n%s", out.String())
	}
	return out.String()
}

// countClaimsUnder counts the claims whose every sealed field opens under sl.
func countClaimsUnder(t *testing.T, ts *testServer, sl *models.Sealer) int {
	t.Helper()
	var claims []models.Claim
	if err := dbtest.Handle(context.Background(), ts.store).Find(&claims).Error; err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range claims {
		if _, err := c.Claimant(sl); err == nil {
			n++
		}
	}
	return n
}

// countFileKeysUnder counts the evidence rows whose file key opens under sl.
func countFileKeysUnder(t *testing.T, ts *testServer, sl *models.Sealer) int {
	t.Helper()
	var all []models.Attachment
	if err := dbtest.Handle(context.Background(), ts.store).Where("claim_id IS NOT NULL AND file_key <> ''").Find(&all).Error; err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range all {
		if _, err := sl.Open(models.FileKeyPurpose, a.FileKey); err == nil {
			n++
		}
	}
	return n
}

// mustTOTP is the authenticator code of secret at now.
func mustTOTP(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return code
}
