package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"pilu/app/blob/s3test"
	"pilu/app/proctest"
	"pilu/models"
)

// TestUploadsSideBySide is the upload benchmark of `.ci/bench-uploads` (not run by CI): one file
// of PILU_BENCH_UPLOAD_MIB MiB (500 by default) of random bytes, uploaded in interleaved rounds
// (PILU_BENCH_ROUNDS, 3) through the real binary's filing API into MinIO, and put directly with
// minio-go's PutObject (the file, its size known) into another bucket of the same server. It
// prints each round, the portal's resident memory growth, and last the ratio of the portal's
// throughput to the direct one over all rounds. It runs when PILU_BENCH_UPLOADS=1.
func TestUploadsSideBySide(t *testing.T) {
	if os.Getenv("PILU_BENCH_UPLOADS") != "1" {
		t.Skip("set PILU_BENCH_UPLOADS=1 (and a MinIO in PILU_TEST_S3_*) to run .ci/bench-uploads")
	}
	s3, ok := s3test.Lookup("minio")
	if !ok {
		t.Fatal("set PILU_TEST_S3_ENDPOINT, PILU_TEST_S3_ACCESS_KEY and PILU_TEST_S3_SECRET_KEY")
	}
	mib, rounds := envInt(t, "PILU_BENCH_UPLOAD_MIB", 500), envInt(t, "PILU_BENCH_ROUNDS", 3)
	size := int64(mib) << 20

	// The same bytes for both: a file of random bytes (incompressible), read from the page cache.
	file := filepath.Join(t.TempDir(), "upload.bin")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(f, mrand.NewChaCha8([32]byte{7}), size); err != nil {
		t.Fatal(err)
	}
	f.Close()

	bin := proctest.Binary(t)
	addr := proctest.FreeAddr(t)
	env, dir := processEnv(t, backend{name: "sqlite+minio", env: s3Env(s3)}, addr)
	env = append(env, fmt.Sprintf("PILU_MAX_FILE_MB=%d", mib+1))
	migrate := exec.Command(bin, "migrate")
	migrate.Env = append(os.Environ(), env...)
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	st, err := models.Open("sqlite://" + filepath.Join(dir, "pilu.db"))
	if err != nil {
		t.Fatal(err)
	}
	uscc, _ := models.MakeUSCC("440106", "MA5D0AMD1")
	in, _ := st.CreateInstitution(context.Background(), models.NewInstitution{USCC: uscc, Name: "深圳甲网贷信息服务有限公司", Province: "440000"}, "bench", time.Now())
	_, _, token, err := st.CreateUser(context.Background(), models.NewUser{Role: models.RoleInstitution, Email: "filer@jia.cn", InstitutionUSCC: in.USCC})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	proc := startPilu(t, bin, env, addr)

	direct, err := minio.New(s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	rand.Read(b)
	bucket := "pilu-bench-direct-" + hex.EncodeToString(b)
	ctx := context.Background()
	if err := direct.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}

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
	portal := func() (time.Duration, int64) {
		src, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		// A browser's request: the multipart body with its length declared, the file streamed.
		var head strings.Builder
		mw := multipart.NewWriter(&head)
		mw.WriteField("meta", `{"kind": "other", "title": "大文件"}`)
		mw.CreateFormFile("files", "big.pdf")
		prefix := head.String() + "%PDF-1.7\n" // a type the portal takes; the rest is the file
		tail := "\r\n--" + mw.Boundary() + "--\r\n"
		body := io.MultiReader(strings.NewReader(prefix), src, strings.NewReader(tail))
		base := rss()
		var peak atomic.Int64
		done := make(chan struct{})
		go func() {
			for {
				select {
				case <-done:
					return
				case <-time.After(10 * time.Millisecond):
					if r := rss(); r > peak.Load() {
						peak.Store(r)
					}
				}
			}
		}()
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/institutions/"+in.USCC+"/disclosures", body)
		req.ContentLength = int64(len(prefix)) + size + int64(len(tail))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(start)
		close(done)
		if res.StatusCode != 201 {
			t.Fatalf("portal upload: %d %s", res.StatusCode, answer)
		}
		return took, peak.Load() - base
	}
	put := func(round int) time.Duration {
		src, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		start := time.Now()
		if _, err := direct.PutObject(ctx, bucket, fmt.Sprintf("round-%d", round), src, size, minio.PutObjectOptions{ContentType: "application/pdf"}); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		direct.RemoveObject(ctx, bucket, fmt.Sprintf("round-%d", round), minio.RemoveObjectOptions{})
		return took
	}
	rate := func(d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }
	mean := func(total time.Duration) time.Duration { return total / time.Duration(rounds) }

	var portalTotal, directTotal time.Duration
	var growth int64
	for r := 1; r <= rounds; r++ {
		p, g := portal()
		d := put(r)
		portalTotal, directTotal, growth = portalTotal+p, directTotal+d, max(growth, g)
		fmt.Printf("round %d: portal %.1f MiB/s (%.2f s, RSS +%.1f MiB), direct PutObject %.1f MiB/s (%.2f s)\n",
			r, rate(p), p.Seconds(), float64(g)/(1<<20), rate(d), d.Seconds())
	}
	fmt.Printf("file: %d MiB, %d rounds; portal %.1f MiB/s, direct %.1f MiB/s\n", mib, rounds, rate(mean(portalTotal)), rate(mean(directTotal)))
	fmt.Printf("memory: the portal's RSS grew by at most %.1f MiB during an upload (target ≤ 64)\n", float64(growth)/(1<<20))
	fmt.Printf("uploads: portal/direct = %.2f\n", directTotal.Seconds()/portalTotal.Seconds())
}

// envInt reads a positive whole number from the environment, def when unset.
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}
