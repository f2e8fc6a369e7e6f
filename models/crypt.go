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
type Sealer struct {
	aead cipher.AEAD
	mac  []byte
}

// NewSealer derives the encryption and hashing keys from secret.
func NewSealer(secret string) *Sealer {
	key, _ := hkdf.Key(sha256.New, []byte(secret), nil, "pilu personal data v1: aes-256-gcm", 32)
	mac, _ := hkdf.Key(sha256.New, []byte(secret), nil, "pilu personal data v1: hmac-sha256 lookup", 32)
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	return &Sealer{aead: aead, mac: mac}
}

// Seal encrypts plain as "v1:" followed by base64 of a random nonce and the sealed bytes; purpose
// (the column name) is bound as additional data, so a value cannot be moved to another column.
func (s *Sealer) Seal(purpose, plain string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(purpose))
	return sealVersion + base64.RawStdEncoding.EncodeToString(out)
}

// Open decrypts what Seal produced for the same purpose.
func (s *Sealer) Open(purpose, sealed string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, sealVersion)
	if !ok {
		return "", ErrUnsealable
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", ErrUnsealable
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(purpose))
	if err != nil {
		return "", ErrUnsealable
	}
	return string(plain), nil
}

// Hash is the keyed hash of value for purpose, in hex: equal values give equal hashes, and without
// the secret nobody can test a guess against it.
func (s *Sealer) Hash(purpose, value string) string {
	m := hmac.New(sha256.New, s.mac)
	m.Write([]byte(purpose + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil))
}
