package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"pilu/app/blob/s3test"
)

const mib = 1 << 20

// storeCase opens a fresh, empty store for one test; need, when set, skips
// (or fails, in CI) the whole store when its server is not configured.
type storeCase struct {
	name string
	kind string // what Kind() answers
	need func(t *testing.T)
	open func(t *testing.T) Store
}

// storeCases are the local folder and the MinIO store on every S3 server of
// s3test (MinIO and SeaweedFS).
var storeCases = func() []storeCase {
	cases := []storeCase{{"local", "local", nil, openTestLocal}}
	for _, name := range s3test.Names() {
		cases = append(cases, storeCase{
			name: name,
			kind: "s3",
			need: func(t *testing.T) { s3test.Require(t, name) },
			open: func(t *testing.T) Store { return openTestS3(t, name) },
		})
	}
	return cases
}()

// suite is run against every store.
var suite = []struct {
	name string
	run  func(t *testing.T, s Store)
}{
	{"round trip", testRoundTrip},
	{"unknown size streams", testUnknownSize},
	{"encrypted streams in flat memory", testEncryptedFlat},
	{"too large", testTooLarge},
	{"size mismatch", testSizeMismatch},
	{"bad keys", testBadKeys},
	{"missing key", testMissing},
	{"delete twice", testDeleteTwice},
	{"list", testList},
	{"ping", testPing},
}

func TestStore(t *testing.T) {
	for _, sc := range storeCases {
		t.Run(sc.name, func(t *testing.T) {
			if sc.need != nil {
				sc.need(t)
			}
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					s := sc.open(t)
					if got := s.Kind(); got != sc.kind {
						t.Fatalf("Kind() = %q, want %q", got, sc.kind)
					}
					tc.run(t, s)
				})
			}
		})
	}
}

func openTestLocal(t *testing.T) Store {
	s, err := NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	testRunID   = randomHex(4)
	testBuckets atomic.Int64
)

// openTestS3 connects to the S3 server called name (see s3test) and makes a
// fresh bucket for the test, emptied and removed afterwards.
func openTestS3(t *testing.T, name string) *MinIO {
	t.Helper()
	srv := s3test.Require(t, name)
	bucket := fmt.Sprintf("pilu-test-%s-%d", testRunID, testBuckets.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := NewMinIO(ctx, MinIOConfig{
		Endpoint:  srv.Endpoint,
		AccessKey: srv.AccessKey,
		SecretKey: srv.SecretKey,
		Bucket:    bucket,
	})
	if err != nil {
		t.Fatalf("NewMinIO(%s at %s): %v", name, srv.Endpoint, err)
	}
	t.Cleanup(func() {
		if err := removeBucket(s); err != nil {
			t.Errorf("remove test bucket %s on %s: %v", bucket, name, err)
		}
	})
	return s
}

// removeBucket empties the store's bucket (objects and unfinished uploads)
// and removes it, if it is still there, with plain S3 calls: MinIO's force-delete header is not
// understood elsewhere.
func removeBucket(s *MinIO) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if exists, err := s.client.BucketExists(ctx, s.bucket); err != nil || !exists {
		return err
	}
	for u := range s.client.ListIncompleteUploads(ctx, s.bucket, "", true) {
		if u.Err != nil {
			return u.Err
		}
		if err := s.client.RemoveIncompleteUpload(ctx, s.bucket, u.Key); err != nil {
			return err
		}
	}
	objects := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true})
	for r := range s.client.RemoveObjects(ctx, s.bucket, objects, minio.RemoveObjectsOptions{}) {
		if r.Err != nil {
			return fmt.Errorf("remove %s: %w", r.ObjectName, r.Err)
		}
	}
	return s.client.RemoveBucket(ctx, s.bucket)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// payload returns n deterministic pseudo-random bytes.
func payload(n int, seed uint64) []byte {
	b := make([]byte, n)
	_, _ = mrand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

// stream is a reader of n pseudo-random bytes that hides every interface but
// io.Reader, so nothing can learn its length.
func stream(n int64, seed uint64) io.Reader {
	return struct{ io.Reader }{io.LimitReader(mrand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}), n)}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readAll opens key and returns its bytes and Info.
func readAll(t *testing.T, s Store, key string) ([]byte, Info) {
	t.Helper()
	rc, info, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("Open(%s): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b, info
}

// listKeys returns the sorted keys List reports, with their sizes.
func listKeys(t *testing.T, s Store) map[string]int64 {
	t.Helper()
	got := map[string]int64{}
	err := s.List(context.Background(), func(info Info) error {
		if _, dup := got[info.Key]; dup {
			t.Errorf("List reported %s twice", info.Key)
		}
		if info.Modified.IsZero() {
			t.Errorf("List: %s has no Modified time", info.Key)
		}
		got[info.Key] = info.Size
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

// leftovers names what a failed Put may have left outside List's view:
// temporary files of a Local store, unfinished multipart uploads in MinIO.
func leftovers(t *testing.T, s Store) []string {
	t.Helper()
	var names []string
	switch s := s.(type) {
	case *Local:
		entries, err := os.ReadDir(s.tmp)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			names = append(names, "tmp/"+e.Name())
		}
	case *MinIO:
		for u := range s.client.ListIncompleteUploads(context.Background(), s.bucket, "", true) {
			if u.Err != nil {
				t.Fatal(u.Err)
			}
			names = append(names, "upload "+u.Key)
		}
	}
	return names
}

func testRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	tests := []struct {
		name        string
		data        []byte
		size        int64 // -1 unknown
		limit       int64
		contentType string
		wantType    string
	}{
		{"empty", nil, 0, 0, "text/plain", "text/plain"},
		{"small known size", []byte("中国 disclosure 2026-11"), int64(len("中国 disclosure 2026-11")), 0, "text/plain; charset=utf-8", "text/plain; charset=utf-8"},
		{"small unknown size", []byte("%PDF-1.7 tiny"), -1, 0, "application/pdf", "application/pdf"},
		{"no content type", []byte{0, 1, 2, 3}, 4, 0, "", "application/octet-stream"},
		{"exactly at the limit, unknown size", payload(mib, 1), -1, mib, "image/png", "image/png"},
		{"exactly at the limit, known size", payload(mib, 2), mib, mib, "image/png", "image/png"},
		{"17 MiB known size (multipart)", payload(17*mib, 3), 17 * mib, 0, "application/zip", "application/zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := NewKey()
			want := Info{Key: key, Size: int64(len(tt.data)), SHA256: sha(tt.data), ContentType: tt.wantType}
			put, err := s.Put(ctx, key, struct{ io.Reader }{bytes.NewReader(tt.data)}, PutOptions{Size: tt.size, Limit: tt.limit, ContentType: tt.contentType})
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			checkInfo(t, "Put", put, want)

			stat, err := s.Stat(ctx, key)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			kept := want
			if s.Kind() == "s3" {
				kept.SHA256 = "" // written once: the caller keeps the SHA-256 Put returned
			}
			checkInfo(t, "Stat", stat, kept)

			got, open := readAll(t, s, key)
			checkInfo(t, "Open", open, kept)
			if !bytes.Equal(got, tt.data) {
				t.Fatalf("Open returned %d bytes (sha256 %s), want %d (sha256 %s)", len(got), sha(got), len(tt.data), want.SHA256)
			}

			if err := s.Delete(ctx, key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Stat after Delete: %v, want ErrNotFound", err)
			}
			if _, _, err := s.Open(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Open after Delete: %v, want ErrNotFound", err)
			}
		})
	}
}

func checkInfo(t *testing.T, op string, got, want Info) {
	t.Helper()
	if got.Key != want.Key || got.Size != want.Size || got.SHA256 != want.SHA256 || got.ContentType != want.ContentType {
		t.Errorf("%s: Info = {%s %d %s %q}, want {%s %d %s %q}", op,
			got.Key, got.Size, got.SHA256, got.ContentType, want.Key, want.Size, want.SHA256, want.ContentType)
	}
	if got.Modified.IsZero() || time.Since(got.Modified) > time.Hour {
		t.Errorf("%s: Modified = %v, want about now", op, got.Modified)
	}
}

// testUnknownSize streams 40 MiB of unknown length and checks that the store
// neither buffers it whole nor lets minio-go allocate its 512 MiB part.
func testUnknownSize(t *testing.T, s Store) {
	const n = 40 * mib
	ctx := context.Background()
	key := NewKey()

	h := sha256.New()
	if _, err := io.Copy(h, stream(n, 7)); err != nil {
		t.Fatal(err)
	}
	wantSum := hex.EncodeToString(h.Sum(nil))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	info, err := s.Put(ctx, key, stream(n, 7), PutOptions{Size: -1, Limit: 64 * mib, ContentType: "application/octet-stream"})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256*mib {
		t.Errorf("Put of %d MiB allocated %d MiB: the stream is being buffered", n/mib, alloc/mib)
	}
	if info.Size != n || info.SHA256 != wantSum {
		t.Fatalf("Put: size %d sha256 %s, want %d %s", info.Size, info.SHA256, n, wantSum)
	}

	rc, oinfo, err := s.Open(ctx, key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	h.Reset()
	got, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if got != n || hex.EncodeToString(h.Sum(nil)) != wantSum || (oinfo.SHA256 != wantSum && s.Kind() != "s3") {
		t.Fatalf("read back %d bytes, sha256 %x (Info %s), want %d %s", got, h.Sum(nil), oinfo.SHA256, n, wantSum)
	}
}

func testTooLarge(t *testing.T, s Store) {
	ctx := context.Background()
	tests := []struct {
		name     string
		n        int64 // bytes in the stream
		size     int64
		limit    int64
		mustRead bool // whether Put may read the stream at all
	}{
		{"announced size over the limit", 2 * mib, 2 * mib, mib, false},
		{"unknown size, one byte over", mib + 1, -1, mib, true},
		{"unknown size, within the first part", 3 * mib, -1, mib, true},
		{"unknown size, after the first part", 40 * mib, -1, 20 * mib, true},
		{"announced size equal to the limit, stream longer", mib + 10, mib, mib, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := NewKey()
			var read atomic.Int64
			r := readFunc(func(p []byte) (int, error) {
				t.Error("Put read a stream whose announced size is over the limit")
				return 0, io.EOF
			})
			var src io.Reader = r
			if tt.mustRead {
				src = countingReader{stream(tt.n, 9), &read}
			}
			_, err := s.Put(ctx, key, src, PutOptions{Size: tt.size, Limit: tt.limit})
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Put: %v, want ErrTooLarge", err)
			}
			if errors.Is(err, ErrUnavailable) {
				t.Fatalf("Put: %v also claims ErrUnavailable", err)
			}
			if got := read.Load(); got > tt.limit+1 {
				t.Errorf("Put read %d bytes past a limit of %d", got, tt.limit)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Errorf("Stat after a refused Put: %v, want ErrNotFound", err)
			}
			if keys := listKeys(t, s); len(keys) != 0 {
				t.Errorf("List after a refused Put: %v, want nothing", keys)
			}
			if left := leftovers(t, s); len(left) != 0 {
				t.Errorf("a refused Put left %v", left)
			}
		})
	}
}

func testSizeMismatch(t *testing.T, s Store) {
	ctx := context.Background()
	tests := []struct {
		name string
		n    int64
		size int64
	}{
		{"shorter than announced", 1000, 1001},
		{"longer than announced", 1001, 1000},
		{"longer than announced, multipart", 17*mib + 1, 17 * mib},
		{"empty announced, not empty", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := NewKey()
			_, err := s.Put(ctx, key, stream(tt.n, 3), PutOptions{Size: tt.size})
			if err == nil {
				t.Fatal("Put accepted a stream of the wrong length")
			}
			if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTooLarge) {
				t.Fatalf("Put: %v, want a plain error", err)
			}
			if keys := listKeys(t, s); len(keys) != 0 {
				t.Errorf("List after a failed Put: %v, want nothing", keys)
			}
			if left := leftovers(t, s); len(left) != 0 {
				t.Errorf("a failed Put left %v", left)
			}
		})
	}
}

func testBadKeys(t *testing.T, s Store) {
	ctx := context.Background()
	good := NewKey()
	keys := []struct{ name, key string }{
		{"empty", ""},
		{"parent", "../etc/passwd"},
		{"absolute", "/etc/passwd"},
		{"absolute with a good shape", "/" + good[:len(good)-1]},
		{"dot segments", "2026/11/25/../../../../etc/passwd"},
		{"very long", strings.Repeat("a", 10000)},
		{"good key with a suffix", good + "/x"},
		{"good key with a newline", good + "\n"},
		{"sidecar", good + ".meta"},
		{"upper-case hex", strings.ToUpper(good)},
		{"backslashes", strings.ReplaceAll(good, "/", `\`)},
		{"tmp folder", "tmp/" + good[11:]},
		{"NUL", good[:42] + "\x00"},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			if ValidKey(k.key) {
				t.Fatalf("ValidKey(%q) = true", k.key)
			}
			untouchable := readFunc(func([]byte) (int, error) {
				t.Error("Put read the stream of a bad key")
				return 0, io.EOF
			})
			if _, err := s.Put(ctx, k.key, untouchable, PutOptions{Size: -1}); !errors.Is(err, ErrBadKey) {
				t.Errorf("Put: %v, want ErrBadKey", err)
			}
			if _, _, err := s.Open(ctx, k.key); !errors.Is(err, ErrBadKey) {
				t.Errorf("Open: %v, want ErrBadKey", err)
			}
			if _, err := s.Stat(ctx, k.key); !errors.Is(err, ErrBadKey) {
				t.Errorf("Stat: %v, want ErrBadKey", err)
			}
			if err := s.Delete(ctx, k.key); !errors.Is(err, ErrBadKey) {
				t.Errorf("Delete: %v, want ErrBadKey", err)
			}
		})
	}
	if keys := listKeys(t, s); len(keys) != 0 {
		t.Errorf("List after bad keys: %v, want nothing", keys)
	}
}

func TestNewKey(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k := NewKey()
		if !ValidKey(k) {
			t.Fatalf("NewKey() = %q, which ValidKey refuses", k)
		}
		if seen[k] {
			t.Fatalf("NewKey() repeated %q", k)
		}
		seen[k] = true
	}
	if k, today := NewKey(), time.Now().UTC().Format("2006/01/02/"); !strings.HasPrefix(k, today) {
		t.Errorf("NewKey() = %q, want the prefix %q", k, today)
	}
}

func testMissing(t *testing.T, s Store) {
	ctx := context.Background()
	key := NewKey()
	if _, err := s.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat: %v, want ErrNotFound", err)
	}
	rc, _, err := s.Open(ctx, key)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Open: %v, want ErrNotFound", err)
	}
	if rc != nil {
		t.Error("Open of a missing key returned a reader")
	}
}

func testDeleteTwice(t *testing.T, s Store) {
	ctx := context.Background()
	key := NewKey()
	if _, err := s.Put(ctx, key, strings.NewReader("x"), PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Delete(ctx, key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if err := s.Delete(ctx, NewKey()); err != nil {
		t.Fatalf("Delete of a key never put: %v", err)
	}
}

func testList(t *testing.T, s Store) {
	ctx := context.Background()
	if keys := listKeys(t, s); len(keys) != 0 {
		t.Fatalf("List of a new store: %v", keys)
	}
	want := map[string]int64{}
	var deleted string
	for i := range 6 {
		key := NewKey()
		data := payload(100*i, uint64(i))
		if _, err := s.Put(ctx, key, bytes.NewReader(data), PutOptions{Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		want[key] = int64(len(data))
		if i == 2 {
			deleted = key
		}
	}
	if err := s.Delete(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	delete(want, deleted)

	got := listKeys(t, s)
	if len(got) != len(want) {
		t.Errorf("List found %d blobs, want %d", len(got), len(want))
	}
	for k, size := range want {
		if gs, ok := got[k]; !ok || gs != size {
			t.Errorf("List: %s has size %d (present %v), want %d", k, gs, ok, size)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("List reported %s, which was never put or was deleted", k)
		}
	}

	// An error from fn stops the walk and comes back unchanged.
	stop := errors.New("stop")
	calls := 0
	err := s.List(ctx, func(Info) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("List with a failing fn: err %v after %d calls, want %v after 1", err, calls, stop)
	}
}

func testPing(t *testing.T, s Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// TestMinIOUnreachable checks that a server that is not there gives
// ErrUnavailable quickly, both when connecting and on a store whose server
// went away.
func TestMinIOUnreachable(t *testing.T) {
	const endpoint = "127.0.0.1:1" // nothing listens on port 1
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := NewMinIO(ctx, MinIOConfig{Endpoint: endpoint, AccessKey: "x", SecretKey: "y", Bucket: "pilu"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("NewMinIO(%s): %v, want ErrUnavailable", endpoint, err)
	}
	if s != nil {
		t.Error("NewMinIO returned a store along with an error")
	}
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), endpoint) {
		t.Errorf("error %q should be one line naming the endpoint", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("NewMinIO took %v to give up", d)
	}
	t.Logf("NewMinIO(%s): %v", endpoint, err)

	client, err := minio.New(endpoint, &minio.Options{MaxRetries: 1, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	gone := &MinIO{client: client, bucket: "pilu", endpoint: endpoint}
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	key := NewKey()
	checks := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return gone.Ping(ctx) }},
		{"Stat", func() error { _, err := gone.Stat(ctx, key); return err }},
		{"Open", func() error { _, _, err := gone.Open(ctx, key); return err }},
		{"Delete", func() error { return gone.Delete(ctx, key) }},
		{"List", func() error { return gone.List(ctx, func(Info) error { return nil }) }},
		{"Put", func() error {
			_, err := gone.Put(ctx, key, strings.NewReader("abc"), PutOptions{Size: 3})
			return err
		}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			err := c.call()
			if !errors.Is(err, ErrUnavailable) {
				t.Errorf("%s: %v, want ErrUnavailable", c.name, err)
			}
			t.Logf("%s: %v", c.name, err)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s took %v", c.name, d)
			}
		})
	}
}

// TestS3BucketRemoved removes the bucket under a running store, as an
// operator might: reads must then say the store is unavailable, not that the
// blob is missing, on every S3 server (SeaweedFS answers a read in a missing
// bucket with NoSuchKey where MinIO says NoSuchBucket).
func TestS3BucketRemoved(t *testing.T) {
	for _, name := range s3test.Names() {
		t.Run(name, func(t *testing.T) {
			s := openTestS3(t, name)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			key := NewKey()
			if _, err := s.Put(ctx, key, strings.NewReader("kept"), PutOptions{Size: 4}); err != nil {
				t.Fatal(err)
			}
			if err := removeBucket(s); err != nil {
				t.Fatal(err)
			}
			checks := []struct {
				name string
				call func() error
			}{
				{"Ping", func() error { return s.Ping(ctx) }},
				{"Stat", func() error { _, err := s.Stat(ctx, key); return err }},
				{"Open", func() error { _, _, err := s.Open(ctx, key); return err }},
				{"Stat of a key never put", func() error { _, err := s.Stat(ctx, NewKey()); return err }},
				{"Delete", func() error { return s.Delete(ctx, key) }},
				{"List", func() error { return s.List(ctx, func(Info) error { return nil }) }},
			}
			for _, c := range checks {
				err := c.call()
				if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) {
					t.Errorf("%s without the bucket: %v, want ErrUnavailable only", c.name, err)
				}
			}
			// A put is refused, or stored for real: SeaweedFS makes the bucket
			// again for an identity that may administer it.
			fresh := NewKey()
			if _, err := s.Put(ctx, fresh, strings.NewReader("new"), PutOptions{Size: 3}); err != nil {
				if !errors.Is(err, ErrUnavailable) {
					t.Errorf("Put without the bucket: %v, want ErrUnavailable or success", err)
				}
			} else if b, _ := readAll(t, s, fresh); string(b) != "new" {
				t.Errorf("Put without the bucket succeeded, then read back %q", b)
			}
		})
	}
}

func TestNewLocalNotWritable(t *testing.T) {
	// A folder under a regular file fails even for root.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLocal(filepath.Join(file, "blobs")); err == nil {
		t.Fatal("NewLocal under a regular file succeeded")
	}
	if _, err := NewLocal(""); err == nil {
		t.Fatal(`NewLocal("") succeeded`)
	}
}

func TestLocalLayout(t *testing.T) {
	dir := t.TempDir()
	s, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Stray files are not blobs; a stale temporary file is swept on open.
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "tmp", "put-123")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	key := NewKey()
	if _, err := s.Put(context.Background(), key, strings.NewReader("hello"), PutOptions{Size: -1, ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{key, key + ".meta"} {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o007 != 0 {
			t.Errorf("%s has mode %v, readable by others", name, perm)
		}
	}
	if got := listKeys(t, s); !slices.Equal(keysOf(got), []string{key}) {
		t.Errorf("List = %v, want only %s", got, key)
	}
	if _, err := NewLocal(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file survived NewLocal: %v", err)
	}
}

func keysOf(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestPutCancelled checks that a cancelled context stops Put and leaves
// nothing behind.
func TestPutCancelled(t *testing.T) {
	for _, sc := range storeCases {
		t.Run(sc.name, func(t *testing.T) {
			if sc.need != nil {
				sc.need(t)
			}
			s := sc.open(t)
			ctx, cancel := context.WithCancel(context.Background())
			var n atomic.Int64
			src := readFunc(func(p []byte) (int, error) {
				if n.Add(int64(len(p))) > 2*mib {
					cancel()
				}
				return len(p), nil
			})
			_, err := s.Put(ctx, NewKey(), src, PutOptions{Size: -1})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Put: %v, want context.Canceled", err)
			}
			if keys := listKeys(t, s); len(keys) != 0 {
				t.Errorf("List after a cancelled Put: %v", keys)
			}
			if left := leftovers(t, s); len(left) != 0 {
				t.Errorf("a cancelled Put left %v", left)
			}
		})
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// TestMinIOConnect checks, on every S3 server, that NewMinIO accepts an
// existing bucket, that several stores may make the same bucket at once, and
// that wrong credentials give ErrUnavailable with a
// readable message.
func TestMinIOConnect(t *testing.T) {
	for _, name := range s3test.Names() {
		t.Run(name, func(t *testing.T) {
			srv := s3test.Require(t, name)
			s := openTestS3(t, name)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cfg := MinIOConfig{
				Endpoint:  "http://" + srv.Endpoint,
				AccessKey: srv.AccessKey,
				SecretKey: srv.SecretKey,
				Bucket:    s.Bucket(),
			}
			if _, err := NewMinIO(ctx, cfg); err != nil {
				t.Fatalf("NewMinIO on an existing bucket: %v", err)
			}

			// Processes starting together on a fresh bucket all get it.
			fresh := cfg
			fresh.Bucket = fmt.Sprintf("pilu-test-%s-%d", testRunID, testBuckets.Add(1))
			stores := make(chan *MinIO, 8)
			for range cap(stores) {
				go func() {
					s, err := NewMinIO(ctx, fresh)
					if err != nil {
						t.Errorf("NewMinIO on a bucket made at the same time by others: %v", err)
					}
					stores <- s
				}()
			}
			for range cap(stores) {
				if s := <-stores; s != nil {
					t.Cleanup(func() { _ = removeBucket(s) })
				}
			}

			cfg.SecretKey += "-wrong"
			_, err := NewMinIO(ctx, cfg)
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("NewMinIO with a wrong secret: %v, want ErrUnavailable", err)
			}
			t.Logf("wrong secret: %v", err)

			for _, bad := range []MinIOConfig{
				{Endpoint: "", Bucket: "pilu"},
				{Endpoint: "127.0.0.1:9000/path", Bucket: "pilu"},
				{Endpoint: "127.0.0.1:9000", Bucket: "Bad_Bucket"},
			} {
				if _, err := NewMinIO(ctx, bad); err == nil || errors.Is(err, ErrUnavailable) {
					t.Errorf("NewMinIO(%+v): %v, want a configuration error", bad, err)
				}
			}
		})
	}
}
