package models_test

import (
	"errors"
	"testing"

	"pilu/models"
)

// TestNormalizeEmail accepts one plain address (its domain in lower case) and refuses everything a
// form could be sent instead: names, lists, header injection, missing parts, overlong addresses.
func TestNormalizeEmail(t *testing.T) {
	good := map[string]string{
		"alice@example.cn":         "alice@example.cn",
		" Alice@Example.CN ":       "Alice@example.cn",
		"a.b+tag@mail.example.com": "a.b+tag@mail.example.com",
	}
	for in, want := range good {
		if got, err := models.NormalizeEmail(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	long := ""
	for len(long) < 250 {
		long += "a"
	}
	for _, bad := range []string{"", "alice", "alice@", "@example.cn", "alice@example", "alice@.cn", "alice@example.",
		"Alice <alice@example.cn>", "a@example.cn, b@example.cn", "a b@example.cn", "a@example.cn\r\nBcc: x@example.cn",
		"a@example.cn;b@example.cn", long + "@example.cn", `"a"@example.cn`} {
		if got, err := models.NormalizeEmail(bad); !errors.Is(err, models.ErrBadEmail) {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}
