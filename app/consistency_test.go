package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pilu/app/blob"
	"pilu/app/proctest"
	"pilu/models"
	"pilu/models/dbtest"
)

// startPilu runs `pilu serve` with env and waits until /readyz answers 200.
func startPilu(t *testing.T, bin string, env []string, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get("http://" + addr + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond) // waiting for a real process to listen, not for test time
	}
	t.Fatal("pilu did not become ready")
	return nil
}

// processEnv is the environment of a real pilu process for backend b.
func processEnv(t *testing.T, b backend, addr string) ([]string, string) {
	dir := t.TempDir()
	env := []string{"PILU_DATA_DIR=" + dir, "PILU_ADDR=" + addr, "PILU_DEMO=0", "PILU_SECRET=" + strings.Repeat("k", 40)}
	for k, v := range b.env {
		env = append(env, k+"="+v)
	}
	return env, dir
}

// TestKillDuringUploads SIGKILLs the real binary in the middle of 50 concurrent uploads, restarts it
// and checks that every upload answered 201 is complete (row, blob with the right SHA-256, outbox
// row) and that no attachment row names a missing blob; on every S3 server (MinIO and SeaweedFS).
func TestKillDuringUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := proctest.Binary(t)
	for _, b := range append(backends(t), otherS3Backends(t)...) {
		t.Run(b.name, func(t *testing.T) {
			addr := proctest.FreeAddr(t)
			env, dir := processEnv(t, b, addr)
			db := b.env["PILU_DB"]
			if db == "" {
				db = "sqlite://" + filepath.Join(dir, "pilu.db")
			}
			migrate := exec.Command(bin, "migrate")
			migrate.Env = append(os.Environ(), env...)
			if out, err := migrate.CombinedOutput(); err != nil {
				t.Fatalf("migrate: %v %s", err, out)
			}
			st, err := models.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			uscc, _ := models.MakeUSCC("440106", "MA5D0AMD1")
			in, err := st.CreateInstitution(context.Background(), models.NewInstitution{USCC: uscc, Name: "深圳甲网贷信息服务有限公司", Province: "440000"}, "test", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			_, _, token, err := st.CreateUser(context.Background(), models.NewUser{Role: models.RoleInstitution, Email: "filer@jia.cn", InstitutionUSCC: in.USCC})
			if err != nil {
				t.Fatal(err)
			}
			proc := startPilu(t, bin, env, addr)

			type answer struct {
				status int
				id     uint64
				sum    string
			}
			answers := make([]answer, 50)
			var wg sync.WaitGroup
			var once sync.Once
			var answered atomic.Int32
			started := make(chan struct{}) // closed when a fifth of the uploads are answered
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					file := make([]byte, 256<<10+i)
					rand.Read(file)
					copy(file, "%PDF-1.4\n")
					sum := sha256.Sum256(file)
					body, ctype := multipartBody(fmt.Sprintf(`{"kind": "other", "title": "并发上传 %d"}`, i), part{fmt.Sprintf("f%d.pdf", i), file})
					req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/institutions/"+in.USCC+"/disclosures", body)
					req.Header.Set("Content-Type", ctype)
					req.Header.Set("Authorization", "Bearer "+token)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						return
					}
					defer res.Body.Close()
					var d struct{ ID uint64 }
					json.NewDecoder(res.Body).Decode(&d)
					answers[i] = answer{res.StatusCode, d.ID, hex.EncodeToString(sum[:])}
					if res.StatusCode == 201 && answered.Add(1) == 10 {
						once.Do(func() { close(started) })
					}
				}()
			}
			select {
			case <-started:
			case <-time.After(60 * time.Second):
				t.Fatal("no upload was answered")
			}
			proc.Process.Signal(syscall.SIGKILL)
			proc.Wait()
			wg.Wait()
			startPilu(t, bin, env, addr)

			var blobs blob.Store
			if ep := b.env["PILU_S3_ENDPOINT"]; ep != "" {
				blobs, err = blob.NewMinIO(context.Background(), blob.MinIOConfig{Endpoint: ep, AccessKey: b.env["PILU_S3_ACCESS_KEY"], SecretKey: b.env["PILU_S3_SECRET_KEY"], Bucket: b.env["PILU_S3_BUCKET"]})
			} else {
				blobs, err = blob.NewLocal(filepath.Join(dir, "blobs"))
			}
			if err != nil {
				t.Fatal(err)
			}
			hashOf := func(key string) string {
				rc, _, err := blobs.Open(context.Background(), key)
				if err != nil {
					return "missing: " + err.Error()
				}
				defer rc.Close()
				h := sha256.New()
				io.Copy(h, rc)
				return hex.EncodeToString(h.Sum(nil))
			}
			ok := 0
			for i, a := range answers {
				if a.status != 201 {
					continue
				}
				ok++
				d, err := st.DisclosureByID(context.Background(), a.id)
				if err != nil || len(d.Attachments) != 1 {
					t.Fatalf("upload %d answered 201 but its disclosure %d is not complete: %v", i, a.id, err)
				}
				if got := hashOf(d.Attachments[0].BlobKey); got != a.sum || d.Attachments[0].SHA256 != a.sum {
					t.Fatalf("upload %d: blob %s, row %s, sent %s", i, got, d.Attachments[0].SHA256, a.sum)
				}
				var n int64
				dbtest.Handle(context.Background(), st).Model(&models.OutboxEntry{}).Where("entity = ? AND entity_id = ?", "disclosure", a.id).Count(&n)
				if n != 1 {
					t.Fatalf("upload %d: %d outbox rows", i, n)
				}
			}
			var rows []models.Attachment
			dbtest.Handle(context.Background(), st).Find(&rows)
			for _, a := range rows {
				if got := hashOf(a.BlobKey); got != a.SHA256 {
					t.Fatalf("attachment %d names blob %s: %s", a.ID, a.BlobKey, got)
				}
			}
			t.Logf("%s: %d of 50 answered 201 before the kill, %d attachment rows, all complete", b.name, ok, len(rows))
		})
	}
}

// TestUploadMemory proves that uploads stream: a 500 MiB file raises the server's resident memory
// by less than 64 MiB. It runs when PILU_TEST_MEMORY=1 (it moves half a gigabyte).
func TestUploadMemory(t *testing.T) {
	if os.Getenv("PILU_TEST_MEMORY") != "1" {
		t.Skip("set PILU_TEST_MEMORY=1 to upload 500 MiB")
	}
	bin := proctest.Binary(t)
	b := backends(t)[len(backends(t))-1]
	addr := proctest.FreeAddr(t)
	env, dir := processEnv(t, b, addr)
	env = append(env, "PILU_MAX_FILE_MB=600")
	db := b.env["PILU_DB"]
	if db == "" {
		db = "sqlite://" + filepath.Join(dir, "pilu.db")
	}
	migrate := exec.Command(bin, "migrate")
	migrate.Env = append(os.Environ(), env...)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	st, err := models.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	uscc, _ := models.MakeUSCC("440106", "MA5D0AMD1")
	in, _ := st.CreateInstitution(context.Background(), models.NewInstitution{USCC: uscc, Name: "深圳甲网贷信息服务有限公司", Province: "440000"}, "test", time.Now())
	_, _, token, err := st.CreateUser(context.Background(), models.NewUser{Role: models.RoleInstitution, Email: "filer@jia.cn", InstitutionUSCC: in.USCC})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	proc := startPilu(t, bin, env, addr)
	rss := func() int64 {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", proc.Process.Pid))
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
		return 0
	}
	base := rss()
	const size = 500 << 20
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("meta", `{"kind": "other", "title": "大文件"}`)
		fw, _ := mw.CreateFormFile("files", "big.txt")
		line := bytes.Repeat([]byte("兑付进展说明 0123456789\n"), 1<<12)
		for written := 0; written < size; written += len(line) {
			fw.Write(line)
		}
		mw.Close()
		pw.Close()
	}()
	var peak int64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				peak = max(peak, rss())
			}
		}
	}()
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/institutions/"+in.USCC+"/disclosures", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("status %d", res.StatusCode)
	}
	growth := peak - base
	t.Logf("%s: 500 MiB upload: RSS %d MiB before, peak %d MiB, growth %.1f MiB", b.name, base>>20, peak>>20, float64(growth)/(1<<20))
	if growth >= 64<<20 {
		t.Fatalf("memory grew by %d MiB", growth>>20)
	}
}
