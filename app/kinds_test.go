package app

import (
	"encoding/json"
	"slices"
	"testing"

	"pilu/models"
)

// TestDisclosureKindsAreOneList: every place that lists the disclosure kinds reads them from
// models.DisclosureKinds or agrees with it: the OpenAPI document's enums (the search's adds the
// notice kinds), both catalogs' labels, and the filer's form (every kind but the monthly figures).
func TestDisclosureKindsAreOneList(t *testing.T) {
	var doc any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	withNotices := append(append([]string{}, models.DisclosureKinds...), models.Strings(models.NoticeKinds)...)
	found := 0
	var walk func(x any, path string)
	walk = func(x any, path string) {
		switch v := x.(type) {
		case map[string]any:
			for k, y := range v {
				if k == "enum" {
					var enum []string
					for _, e := range y.([]any) {
						if s, ok := e.(string); ok {
							enum = append(enum, s)
						}
					}
					if slices.Contains(enum, "other") && slices.Contains(enum, models.MonthlyKind) {
						found++
						if !slices.Equal(enum, models.DisclosureKinds) && !slices.Equal(enum, withNotices) {
							t.Errorf("openapi.json %s: the kinds %v are not models.DisclosureKinds %v", path, enum, models.DisclosureKinds)
						}
					}
				}
				walk(y, path+"/"+k)
			}
		case []any:
			for _, y := range v {
				walk(y, path)
			}
		}
	}
	walk(doc, "")
	if found < 4 {
		t.Errorf("only %d enums of disclosure kinds in openapi.json", found)
	}
	v, err := newViews()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range models.DisclosureKinds {
		for _, lang := range Languages {
			if _, ok := v.catalogs[lang]["disclosure_kind."+k]; !ok {
				t.Errorf("kind %s has no %s label (disclosure_kind.%s)", k, lang, k)
			}
		}
	}
	if doc := models.DocumentKinds(); slices.Contains(doc, models.MonthlyKind) || len(doc) != len(models.DisclosureKinds)-1 {
		t.Errorf("document kinds %v", doc)
	}
}
