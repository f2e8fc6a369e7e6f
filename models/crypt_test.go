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
