package blob

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/minio/sio"
)

// Files holding personal data (claim evidence) are stored encrypted, each under its own random
// 256-bit key, in the DARE 2.0 format of github.com/minio/sio: AES-256-GCM over packages of 64 KiB,
// each with a sequence number in its nonce and the last one marked final, so that a package cut
// off, reordered, swapped between files or dropped from the end is detected. Encryption and
// decryption stream, one package at a time. The caller keeps the file key (sealed by the portal's
// key) beside the blob; the stores themselves only ever see ciphertext.

// FileKeySize is the length of a file key in bytes.
const FileKeySize = 32

// ErrDamaged means an encrypted blob does not decrypt: cut short, altered, or read with the wrong key.
var ErrDamaged = errors.New("blob: the encrypted file is damaged or truncated")

// NewFileKey returns a fresh random file key.
func NewFileKey() []byte {
	k := make([]byte, FileKeySize)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (it panics instead)
	return k
}

// dareConfig is the one format written and read: DARE 2.0 with AES-256-GCM.
func dareConfig(key []byte) sio.Config {
	return sio.Config{MinVersion: sio.Version20, MaxVersion: sio.Version20,
		CipherSuites: []byte{sio.AES_256_GCM}, Key: key}
}

// EncryptReader returns the encryption of r under key, produced as it is read.
func EncryptReader(r io.Reader, key []byte) (io.Reader, error) {
	er, err := sio.EncryptReader(r, dareConfig(key))
	if err != nil {
		return nil, fmt.Errorf("blob: encrypt: %w", err)
	}
	return er, nil
}

// DecryptReader returns the plain bytes of the encrypted stream r under key, decrypted as they are
// read. Every package is authenticated before its bytes are returned; a stream that is cut short,
// altered or under another key fails with an error wrapping ErrDamaged, never with io.EOF.
func DecryptReader(r io.Reader, key []byte) (io.Reader, error) {
	dr, err := sio.DecryptReader(r, dareConfig(key))
	if err != nil {
		return nil, fmt.Errorf("blob: decrypt: %w", err)
	}
	return &damageReader{r: dr}, nil
}

// damageReader names the format's errors ErrDamaged.
type damageReader struct{ r io.Reader }

func (d *damageReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	var se sio.Error
	if errors.As(err, &se) {
		err = fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	return n, err
}

// EncryptedSize is the size of the encryption of a file of size bytes, or -1 past what the
// format can hold.
func EncryptedSize(size int64) int64 {
	if size < 0 {
		return -1
	}
	n, err := sio.EncryptedSize(uint64(size))
	if err != nil {
		return -1
	}
	return int64(n)
}
