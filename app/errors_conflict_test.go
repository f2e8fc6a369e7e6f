package app

import (
	"fmt"
	"testing"

	"pilu/models"
)

// TestConflictMessage keeps the models' explanation, wrapped or not, and gives none for a bare
// conflict (the catalog's general text is shown then).
func TestConflictMessage(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("models: figures for %s are already filed; file an amendment: %w", "2026-10", models.ErrConflict), "figures for 2026-10 are already filed; file an amendment"},
		{fmt.Errorf("app: notice 3: %w", errPublished), "a published notice never changes; publish a correction"},
		{models.ErrConflict, ""},
		{fmt.Errorf("app: save: %w", models.ErrConflict), ""},
	}
	for _, c := range cases {
		if got := conflictMessage(c.err); got != c.want {
			t.Errorf("conflictMessage(%q) = %q, want %q", c.err, got, c.want)
		}
	}
}
