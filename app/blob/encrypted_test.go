package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"testing"
)

// encryptAll encrypts data under key in memory.
func encryptAll(t *testing.T, data, key []byte) []byte {
	t.Helper()
	er, err := EncryptReader(bytes.NewReader(data), key)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(er)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(out)) != EncryptedSize(int64(len(data))) {
		t.Fatalf("encrypted %d bytes into %d, EncryptedSize says %d", len(data), len(out), EncryptedSize(int64(len(data))))
	}
	return out
}

// TestDecryptRefusesDamage: a stream cut short (at a package boundary or inside one), altered,
// or read under another key fails with ErrDamaged, never ends as if whole, and no plain byte of a
// package that does not authenticate is returned.
func TestDecryptRefusesDamage(t *testing.T) {
	const pkg = 64 << 10
	data := payload(3*pkg+1000, 11)
	key := NewFileKey()
	sealed := encryptAll(t, data, key)
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)/2] ^= 1
	cases := []struct {
		name     string
		stream   []byte
		key      []byte
		maxPlain int // plain bytes that may come out before the error
	}{
		{"whole", sealed, key, len(data)},
		{"cut at a package boundary", sealed[:2*(pkg+32)], key, 2 * pkg},
		{"cut inside a package", sealed[:2*(pkg+32)+100], key, 2 * pkg},
		{"final package dropped", sealed[:3*(pkg+32)], key, 3 * pkg},
		{"one bit flipped in the second package", flipped, key, pkg},
		{"another key", sealed, NewFileKey(), 0},
		{"empty", nil, key, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dr, err := DecryptReader(bytes.NewReader(c.stream), c.key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(dr)
			if c.name == "whole" {
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("whole stream: %d bytes, %v", len(got), err)
				}
				return
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("err = %v, want ErrDamaged", err)
			}
			if len(got) > c.maxPlain || !bytes.Equal(got, data[:len(got)]) {
				t.Fatalf("%d plain bytes before the error, at most %d of authentic ones allowed", len(got), c.maxPlain)
			}
		})
	}
}

// testEncryptedFlat streams files of 16 and 64 MiB of unknown size through encryption into the
// store and back through decryption: what they allocate must not grow with the file (memory
// stays flat), and the bytes come back whole, the store holding ciphertext only.
func testEncryptedFlat(t *testing.T, s Store) {
	ctx := context.Background()
	key := NewFileKey()
	allocs := map[int64][2]uint64{}
	for _, n := range []int64{16 * mib, 64 * mib} {
		h := sha256.New()
		io.Copy(h, stream(n, 9))
		want := hex.EncodeToString(h.Sum(nil))
		blobKey := NewKey()

		var before, mid, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		er, err := EncryptReader(stream(n, 9), key)
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Put(ctx, blobKey, er, PutOptions{Size: -1, Limit: EncryptedSize(n)})
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		runtime.ReadMemStats(&mid)
		rc, _, err := s.Open(ctx, blobKey)
		if err != nil {
			t.Fatal(err)
		}
		dr, _ := DecryptReader(rc, key)
		h.Reset()
		got, err := io.Copy(h, dr)
		rc.Close()
		runtime.ReadMemStats(&after)
		if err != nil || got != n || hex.EncodeToString(h.Sum(nil)) != want || info.Size != EncryptedSize(n) {
			t.Fatalf("%d MiB: read back %d bytes (%v), stored %d", n/mib, got, err, info.Size)
		}
		allocs[n] = [2]uint64{mid.TotalAlloc - before.TotalAlloc, after.TotalAlloc - mid.TotalAlloc}
		_ = s.Delete(ctx, blobKey)
	}
	small, large := allocs[16*mib], allocs[64*mib]
	t.Logf("allocated: 16 MiB file put %d KiB, read %d KiB; 64 MiB file put %d KiB, read %d KiB",
		small[0]>>10, small[1]>>10, large[0]>>10, large[1]>>10)
	for i, what := range []string{"put", "read"} {
		// 48 MiB more of file may cost a few buffers more (minio-go's requests for six more
		// parts), never a share of the file; the whole stays within the part buffers and 16 MiB.
		if grow := int64(large[i]) - int64(small[i]); grow > 8*mib || large[i] > minioStreams*minioPartSize+16*mib {
			t.Errorf("%s: a 64 MiB file allocated %d KiB, %d KiB more than a 16 MiB one: memory grows with the file", what, large[i]>>10, grow>>10)
		}
	}
}
