package app

import (
	"fmt"
	"testing"

	"pilu/models"
)

// TestConflictRefusal: a coded refusal of the models, wrapped or not, is a 409 carrying its code;
// a bare conflict carries none (the catalog's general text is shown then).
func TestConflictRefusal(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("app: notice 3: %w", errPublished), models.CodeNoticeNeverChanges},
		{&models.Refusal{Code: models.CodeFiguresFiled, Args: models.Args{"period": "2026-10"}, Err: models.ErrConflict}, models.CodeFiguresFiled},
		{models.ErrConflict, ""},
		{fmt.Errorf("app: save: %w", models.ErrConflict), ""},
	}
	for _, c := range cases {
		e := classify(c.err)
		got := ""
		if e.Refusal != nil {
			got = e.Refusal.Code
		}
		if e.Status != 409 || got != c.want {
			t.Errorf("classify(%q) = %d %q, want 409 %q", c.err, e.Status, got, c.want)
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
