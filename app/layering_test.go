package app

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAppBuildsNoQueries: app is HTTP and wiring; every query is a named method of models.Store.
// No non-test file of app imports GORM or models/dbtest (the tests' handle on the database), or
// calls a .DB or .Tx.
func TestAppBuildsNoQueries(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) < 50 {
		t.Fatalf("app's files: %d, %v", len(files), err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(path, "gorm.io/") || path == "pilu/models/dbtest" {
				t.Errorf("%s imports %s: put the query behind a models.Store method", name, path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "DB" || sel.Sel.Name == "Tx") {
				t.Errorf("%s: %s calls .%s: put the query behind a models.Store method", name, fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}

// TestPackagesImportDownward: app imports demo, and cli imports both, never the other way; demo
// writes through models and knows no HTTP.
func TestPackagesImportDownward(t *testing.T) {
	cases := []struct {
		dir    string
		banned []string
	}{
		{".", []string{"pilu/app/cli"}},
		{"demo", []string{"pilu/app", "pilu/app/cli", "github.com/gofiber/"}},
	}
	fset := token.NewFileSet()
	for _, c := range cases {
		files, err := filepath.Glob(filepath.Join(c.dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %d files, %v", c.dir, len(files), err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, b := range c.banned {
					if path == b || strings.HasSuffix(b, "/") && strings.HasPrefix(path, b) {
						t.Errorf("%s imports %s", name, path)
					}
				}
			}
		}
	}
}
