package app

import (
	"io/fs"
	"regexp"
	"sort"
	"testing"

	"pilu/models"
	"pilu/templates"
)

// TestCatalogsAreComplete fails when a message key is missing in either language, or when a template
// uses a literal key that no catalog defines.
func TestCatalogsAreComplete(t *testing.T) {
	cats := map[string]map[string]string{}
	for _, lang := range Languages {
		c, err := loadCatalog(lang)
		if err != nil {
			t.Fatal(err)
		}
		cats[lang] = c
	}
	for _, a := range Languages {
		for _, b := range Languages {
			var missing []string
			for k := range cats[a] {
				if _, ok := cats[b][k]; !ok {
					missing = append(missing, k)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("keys in %s missing in %s: %v", a, b, missing)
			}
		}
	}
	vocab := map[string][]string{"class.": models.Classes, "disposition.": models.Dispositions,
		"disclosure_kind.": models.DisclosureKinds, "notice_kind.": models.Strings(models.NoticeKinds), "status.": models.Strings(models.NoticeStatuses),
		"audit.action_": models.AuditActions, "audit.family_": auditFamilies(), "audit.record_": models.AuditRecordTypes}
	for prefix, values := range vocab {
		for _, v := range values {
			if _, ok := cats["zh"][prefix+v]; !ok {
				t.Errorf("no label for %s%s", prefix, v)
			}
		}
	}
	for _, code := range []int{400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 503} {
		if _, ok := cats["zh"]["error."+codeFor(code)]; !ok {
			t.Errorf("no message for error %d", code)
		}
	}
	used := regexp.MustCompile(`\{\{-?\s*t "([a-z0-9_.]+)"`)
	fs.WalkDir(templates.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(templates.FS, path)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := cats["zh"][m[1]]; !ok {
				t.Errorf("%s uses %q, which no catalog defines", path, m[1])
			}
		}
		return nil
	})
}
