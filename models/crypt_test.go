package models_test

import (
	"strings"
	"testing"

	"pilu/models"
)

func TestSealerSealsAndRefusesTampering(t *testing.T) {
	a, b := models.NewSealer(strings.Repeat("a", 32)), models.NewSealer(strings.Repeat("b", 32))
	id := "110105194912310021"
	sealed := a.Seal("claim.id_number", id)
	cases := []struct {
		name          string
		sealer        *models.Sealer
		purpose, text string
		ok            bool
	}{
		{"round trip", a, "claim.id_number", sealed, true},
		{"another key", b, "claim.id_number", sealed, false},
		{"another column", a, "claim.name", sealed, false},
		{"tampered", a, "claim.id_number", sealed[:len(sealed)-2] + "AA", false},
		{"no version", a, "claim.id_number", strings.TrimPrefix(sealed, "v1:"), false},
		{"plain text", a, "claim.id_number", id, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.sealer.Open(c.purpose, c.text)
			if c.ok != (err == nil) || (c.ok && got != id) {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, id) || a.Seal("claim.id_number", id) == sealed {
		t.Fatal("ciphertexts carry the version, hide the value and differ each time")
	}
	if a.Hash("claim.id_number", id) != a.Hash("claim.id_number", id) || a.Hash("claim.id_number", id) == b.Hash("claim.id_number", id) {
		t.Fatal("the lookup hash is stable under one key and differs under another")
	}
}

// TestSealerRing: a Sealer with former secrets opens what any of them sealed, seals under the
// current one only, tells which values still need re-sealing, and looks duplicates up under every
// key; a ring without the old secret opens nothing sealed under it.
func TestSealerRing(t *testing.T) {
	oldS, newS := strings.Repeat("o", 32), strings.Repeat("n", 32)
	old, ring, fresh := models.NewSealer(oldS), models.NewSealer(newS, oldS, ""), models.NewSealer(newS)
	id := "110105194912310021"
	before := old.Seal("claim.id_number", id)
	after := ring.Seal("claim.id_number", id)
	cases := []struct {
		name           string
		sealer         *models.Sealer
		sealed         string
		opens, current bool
	}{
		{"the ring opens the old key's value", ring, before, true, false},
		{"the ring opens its own", ring, after, true, true},
		{"the new key alone opens the ring's", fresh, after, true, true},
		{"the new key alone cannot open the old key's", fresh, before, false, false},
		{"the old key cannot open the ring's", old, after, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.sealer.Open("claim.id_number", c.sealed)
			if c.opens != (err == nil) || (c.opens && got != id) || c.sealer.Current("claim.id_number", c.sealed) != c.current {
				t.Fatalf("Open = %q, %v; Current = %v", got, err, c.sealer.Current("claim.id_number", c.sealed))
			}
		})
	}
	hashes := ring.Hashes("claim.id_number", id)
	if len(hashes) != 2 || hashes[0] != fresh.Hash("claim.id_number", id) || hashes[1] != old.Hash("claim.id_number", id) || ring.Hash("claim.id_number", id) != hashes[0] {
		t.Fatalf("Hashes = %v: want the current key's hash first, then the old key's", hashes)
	}
}
