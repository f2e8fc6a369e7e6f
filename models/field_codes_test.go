package models_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"pilu/models"
)

// TestCodesListed: every Code constant of field_codes.go is in models.Codes once, and no two codes
// (constants or figure rules) are the same unless they are meant to be (not_negative).
func TestCodesListed(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "field_codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var consts []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, name := range vs.Names {
				v, _ := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				if !strings.HasPrefix(name.Name, "Code") {
					t.Errorf("%s: a constant of field_codes.go is a code", name.Name)
				}
				consts = append(consts, v)
			}
		}
	}
	codes := models.Codes()
	for _, c := range consts {
		if n := countOf(codes, c); n != 1 {
			t.Errorf("code %q is %d times in Codes", c, n)
		}
	}
	if len(codes) < len(consts)+10 {
		t.Errorf("Codes has %d codes for %d constants: the figure rules' are missing", len(codes), len(consts))
	}
	for _, r := range models.FigureRules {
		if !slices.Contains(codes, r.Code) {
			t.Errorf("figure rule %s is not in Codes", r.Code)
		}
	}
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

// TestCodesAreConstants: every refusal in the models names its code by a constant (or a figure
// rule's Code), never by a string written where it is used, so Codes is the whole list.
func TestCodesAreConstants(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			var at int
			switch x := call.Fun.(type) {
			case *ast.Ident:
				fn = x.Name
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && id.Name == "q" {
					return true // url.Values.Add, in Open
				}
				fn = x.Sel.Name
			}
			switch fn {
			case "Add", "Invalid":
				at = 1
			case "conflict":
				at = 0
			default:
				return true
			}
			if len(call.Args) > at {
				if _, lit := call.Args[at].(*ast.BasicLit); lit {
					t.Errorf("%s: a code written as a string; use a Code constant", fset.Position(call.Pos()))
				}
			}
			return true
		})
	}
}
