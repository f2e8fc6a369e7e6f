package models

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// sealVersion prefixes every ciphertext so that a later key or algorithm can live beside this one.
const sealVersion = "v1:"

// ErrUnsealable is returned for a ciphertext that is not ours or was tampered with.
var ErrUnsealable = errors.New("models: personal data cannot be decrypted")

// Sealer encrypts personal data at rest (AES-256-GCM) and computes keyed hashes for finding
// duplicates (HMAC-SHA256). Both keys are derived from PILU_SECRET with HKDF-SHA256 under different
// purpose labels, so neither reveals the other.
//
// A Sealer holds a ring of keys: the current one, which seals, and the former ones
// (PILU_SECRET_PREVIOUS), which only open what was sealed before a rotation. `pilu keys rotate`
// re-seals under the current key whatever Current reports as sealed under a former one, so the
// former secrets can then be dropped. Ciphertexts carry no key id: opening tries the current key
// first, and GCM's tag tells a wrong key from the right one.
type Sealer struct {
	keys []sealKey // keys[0] is the current key
}

// sealKey is the pair of keys derived from one secret.
type sealKey struct {
	aead cipher.AEAD
	mac  []byte
}

// NewSealer derives the encryption and hashing keys from secret (the current one) and from the
// former secrets in previous (read only); empty former secrets are ignored.
func NewSealer(secret string, previous ...string) *Sealer {
	s := &Sealer{keys: []sealKey{deriveSealKey(secret)}}
	for _, p := range previous {
		if p != "" && p != secret {
			s.keys = append(s.keys, deriveSealKey(p))
		}
	}
	return s
}

func deriveSealKey(secret string) sealKey {
	key, _ := hkdf.Key(sha256.New, []byte(secret), nil, "pilu personal data v1: aes-256-gcm", 32)
	mac, _ := hkdf.Key(sha256.New, []byte(secret), nil, "pilu personal data v1: hmac-sha256 lookup", 32)
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	return sealKey{aead: aead, mac: mac}
}

// Seal encrypts plain under the current key as "v1:" followed by base64 of a random nonce and the
// sealed bytes; purpose (the column name) is bound as additional data, so a value cannot be moved
// to another column.
func (s *Sealer) Seal(purpose, plain string) string {
	aead := s.keys[0].aead
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(purpose))
	return sealVersion + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts what Seal produced for the same purpose under any key of the ring.
func (s *Sealer) Open(purpose, sealed string) (string, error) {
	plain, _, err := s.open(purpose, sealed)
	return plain, err
}

// Current reports whether sealed opens under the current key; false means it needs re-sealing
// (or cannot be opened at all).
func (s *Sealer) Current(purpose, sealed string) bool {
	_, i, err := s.open(purpose, sealed)
	return err == nil && i == 0
}

// open decrypts sealed and says which key of the ring opened it.
func (s *Sealer) open(purpose, sealed string) (string, int, error) {
	raw, ok := strings.CutPrefix(sealed, sealVersion)
	if !ok {
		return "", -1, ErrUnsealable
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(b) < s.keys[0].aead.NonceSize() {
		return "", -1, ErrUnsealable
	}
	for i, k := range s.keys {
		n := k.aead.NonceSize()
		if plain, err := k.aead.Open(nil, b[:n], b[n:], []byte(purpose)); err == nil {
			return string(plain), i, nil
		}
	}
	return "", -1, ErrUnsealable
}

// Hash is the keyed hash of value for purpose under the current key, in hex: equal values give
// equal hashes, and without the secret nobody can test a guess against it.
func (s *Sealer) Hash(purpose, value string) string {
	return s.keys[0].hash(purpose, value)
}

// Hashes are the keyed hashes of value under every key of the ring, the current one first: a
// lookup during a rotation matches rows hashed under either.
func (s *Sealer) Hashes(purpose, value string) []string {
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.hash(purpose, value)
	}
	return out
}

func (k sealKey) hash(purpose, value string) string {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(purpose + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil))
}
