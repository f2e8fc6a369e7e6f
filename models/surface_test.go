package models_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestSurfaceHidesGORM: no exported function, method or field of models names a GORM type, so
// every query stays behind a Store method (models/dbtest reaches the handle through
// models/internal/handle, which no package outside models may import).
func TestSurfaceHidesGORM(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) < 20 {
		t.Fatalf("models' files: %d, %v", len(files), err)
	}
	fset := token.NewFileSet()
	namesGORM := func(n ast.Node) bool {
		found := false
		ast.Inspect(n, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "gorm" {
					found = true
				}
			}
			return !found
		})
		return found
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && (d.Recv == nil || exportedReceiver(d.Recv)) && namesGORM(d.Type) {
					t.Errorf("%s: %s takes or gives a GORM type", fset.Position(d.Pos()), d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok || !ts.Name.IsExported() {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						if namesGORM(ts.Type) {
							t.Errorf("%s: type %s is a GORM type", fset.Position(ts.Pos()), ts.Name.Name)
						}
						continue
					}
					for _, field := range st.Fields.List {
						exported := len(field.Names) == 0
						for _, n := range field.Names {
							exported = exported || n.IsExported()
						}
						if exported && namesGORM(field.Type) {
							t.Errorf("%s: a field of %s is a GORM type", fset.Position(field.Pos()), ts.Name.Name)
						}
					}
				}
			}
		}
	}
}

// exportedReceiver reports whether a method's receiver is an exported type.
func exportedReceiver(recv *ast.FieldList) bool {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}
