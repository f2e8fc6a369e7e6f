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

// TestFieldLabel names error fields as the forms label them, in both languages; unknown keys stay.
func TestFieldLabel(t *testing.T) {
	v, err := newViews()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ lang, key, want string }{
		{"zh", "title", "标题"},
		{"en", "period", "Month"},
		{"zh", "figures.lenders", v.t("zh", "fig.lenders")},
		{"zh", "institutions[2]", "名单中的机构 3"},
		{"zh", "institutions[x]", "名单中的机构"},
		{"en", "no_such_field", "no_such_field"},
	}
	for _, c := range cases {
		if got := v.fieldLabel(c.lang, c.key); got != c.want {
			t.Errorf("fieldLabel(%s, %q) = %q, want %q", c.lang, c.key, got, c.want)
		}
	}
}
