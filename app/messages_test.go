package app

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// modelMessage is a message the models can put into a FieldErrors: its pattern (a catalog key
// without modelMessageKey) and where it is written.
type modelMessage struct {
	Pattern string
	Format  bool // the pattern has fmt verbs for values
	Where   string
}

// modelMessagesInSource parses models/*.go and collects every message assigned into a FieldErrors
// and every conflict explained with fmt.Errorf("models: …: %w", …, ErrConflict):
// fe[…] = "…", FieldErrors{…: "…"}, fmt.Sprintf formats and concatenations ("one of " + list, where
// the value becomes %s) in those places. Messages copied from other errors (err.Error(), a
// USCCError's Reason) are not literals and are translated by their own errors.
func modelMessagesInSource(t *testing.T) []modelMessage {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("../models/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no model sources: %v", err)
	}
	seen := map[string]bool{}
	var out []modelMessage
	add := func(e ast.Expr) {
		pattern, format, ok := messageOf(e)
		if !ok || seen[pattern] {
			return
		}
		seen[pattern] = true
		out = append(out, modelMessage{Pattern: pattern, Format: format, Where: fset.Position(e.Pos()).String()})
	}
	var parsed []*ast.File
	checks := map[string]bool{} // functions whose first result is a FieldErrors
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Type.Results != nil && isFieldErrorsType(fd.Type.Results.List[0].Type) {
				checks[fd.Name.Name] = true
			}
		}
	}
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					if ix, ok := lhs.(*ast.IndexExpr); ok && isFieldErrors(ix.X, checks) && i < len(n.Rhs) {
						add(n.Rhs[i])
					}
				}
			case *ast.CallExpr:
				// fmt.Errorf("models: …: %w", …, ErrConflict): a conflict a page explains.
				sel, isSel := n.Fun.(*ast.SelectorExpr)
				if !isSel || sel.Sel.Name != "Errorf" || len(n.Args) < 2 {
					break
				}
				if last, ok := n.Args[len(n.Args)-1].(*ast.Ident); !ok || last.Name != "ErrConflict" {
					break
				}
				format, _, ok := messageOf(n.Args[0])
				pattern := strings.TrimSuffix(strings.TrimPrefix(format, "models: "), ": %w")
				if ok && strings.TrimSpace(messageVerb.ReplaceAllString(pattern, "")) != "" && !seen[pattern] {
					seen[pattern] = true
					out = append(out, modelMessage{Pattern: pattern, Format: messageVerb.MatchString(pattern), Where: fset.Position(n.Pos()).String()})
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "FieldErrors" {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							add(kv.Value)
						}
					}
				}
			}
			return true
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pattern < out[j].Pattern })
	return out
}

// isFieldErrorsType reports whether e names the type FieldErrors or is a literal of it.
func isFieldErrorsType(e ast.Expr) bool {
	if cl, ok := e.(*ast.CompositeLit); ok {
		e = cl.Type
	}
	t, ok := e.(*ast.Ident)
	return ok && t.Name == "FieldErrors"
}

// isFieldErrors reports whether x is a variable declared as a FieldErrors: fe := FieldErrors{},
// var fe FieldErrors, or fe, … := check(…) where check is one of checks.
func isFieldErrors(x ast.Expr, checks map[string]bool) bool {
	id, ok := x.(*ast.Ident)
	if !ok || id.Obj == nil {
		return false
	}
	switch d := id.Obj.Decl.(type) {
	case *ast.AssignStmt:
		if call, ok := d.Rhs[0].(*ast.CallExpr); ok && len(d.Rhs) == 1 {
			fn, ok := call.Fun.(*ast.Ident)
			return ok && checks[fn.Name] && d.Lhs[0].(*ast.Ident).Name == id.Name
		}
		for i, l := range d.Lhs {
			if l.(*ast.Ident).Name == id.Name && i < len(d.Rhs) {
				return isFieldErrorsType(d.Rhs[i])
			}
		}
	case *ast.ValueSpec:
		return d.Type != nil && isFieldErrorsType(d.Type)
	}
	return false
}

// messageOf reads the message of e: a string literal, a fmt.Sprintf format, or a concatenation
// whose non-literal parts become %s; anything else (a copied error text) is not a message.
func messageOf(e ast.Expr) (pattern string, format bool, ok bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false, false
		}
		s, err := strconv.Unquote(e.Value)
		return s, false, err == nil
	case *ast.CallExpr:
		sel, isSel := e.Fun.(*ast.SelectorExpr)
		if !isSel || sel.Sel.Name != "Sprintf" || len(e.Args) == 0 {
			return "", false, false
		}
		s, _, ok := messageOf(e.Args[0])
		return s, true, ok
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false, false
		}
		left, lf, lok := messageOf(e.X)
		if !lok {
			left, lf = "%s", true
		}
		right, rf, rok := messageOf(e.Y)
		if !rok {
			right, rf = "%s", true
		}
		return left + right, lf || rf, lok || rok
	}
	return "", false, false
}

// sampleOf fills the values of a pattern with examples.
func sampleOf(m modelMessage) string {
	if !m.Format {
		return m.Pattern
	}
	var args []any
	for _, v := range messageVerb.FindAllString(m.Pattern, -1) {
		switch v {
		case "%d":
			args = append(args, 7)
		case "%c":
			args = append(args, 'X')
		default:
			args = append(args, "sample")
		}
	}
	return fmt.Sprintf(m.Pattern, args...)
}

var hanText = regexp.MustCompile(`\p{Han}`)

// TestModelMessagesAreTranslated fails when a message the models can give has no translation in
// either language, or when a translation leaves a value's place unfilled.
func TestModelMessagesAreTranslated(t *testing.T) {
	msgs := modelMessagesInSource(t)
	if len(msgs) < 60 {
		t.Fatalf("only %d model messages found: the parser misses some", len(msgs))
	}
	s := &Server{}
	var err error
	if s.views, err = newViews(); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		for _, lang := range Languages {
			if _, ok := s.views.catalogs[lang][modelMessageKey+m.Pattern]; !ok {
				t.Errorf("%s: %q has no translation in templates/i18n/%s/messages.json", m.Where, m.Pattern, lang)
				continue
			}
			sample := sampleOf(m)
			got := s.fieldMessage(lang, "field", sample)
			switch {
			case messageParam.MatchString(got) || strings.Contains(got, "%!"):
				t.Errorf("%s: %q in %s leaves a value unfilled: %q", m.Where, sample, lang, got)
			case lang == "zh" && !hanText.MatchString(got):
				t.Errorf("%s: %q is not Chinese: %q", m.Where, sample, got)
			case lang == "en" && hanText.MatchString(got):
				t.Errorf("%s: %q is not English: %q", m.Where, sample, got)
			}
		}
	}
}

// TestFieldMessage says typical model messages in both languages: exact messages, values kept
// (a period, a number of days, a code), values shown by their labels (dispositions, kinds), credit
// codes and ID numbers read again for their reason, and an unknown message left as it is.
func TestFieldMessage(t *testing.T) {
	s := &Server{}
	var err error
	if s.views, err = newViews(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		lang, field, msg, typed, want string
	}{
		{"zh", "overdue_amount", "the overdue amount must not exceed the outstanding balance (rule overdue_within_outstanding)", "", "逾期金额不能超过借贷余额"},
		{"en", "overdue_amount", "the overdue amount must not exceed the outstanding balance (rule overdue_within_outstanding)", "", "The overdue amount must not exceed the outstanding balance"},
		{"zh", "cum_lenders", "a cumulative figure must not fall below that of the previous filing (rule cum_lenders_never_falls)", "", "累计数不能低于上次报送的数"},
		{"zh", "overdue_amount", "must not be negative (rule not_negative)\nthe overdue amount must not exceed the outstanding balance (rule overdue_within_outstanding)", "", "不能为负数；逾期金额不能超过借贷余额"},
		{"en", "overdue_amount", "must not be negative (rule not_negative)\nthe overdue amount must not exceed the outstanding balance (rule overdue_within_outstanding)", "", "Must not be negative; The overdue amount must not exceed the outstanding balance"},
		{"zh", "window", "between 1 and 3650 days", "", "公告期应为1至3650天"},
		{"zh", "files", "at most 12 entries", "", "最多12项"},
		{"zh", "disposition", "winding_down cannot move to deregistered; allowed: to_police, transformed", "",
			"处置状态不能这样变更：“清退中”不能改为“已注销”，可选：已移送公安机关、已转型"},
		{"en", "disposition", "deregistered is final: no move is allowed from it", "", "Deregistered is final: the disposition can no longer change"},
		{"zh", "kind", "one of zombie_list, general", "", "请从以下选项中选择：僵尸类机构名单公告、一般公告"},
		{"zh", "kind", "an amendment keeps the kind monthly_data", "", "更正不能改变披露类型（运营数据）"},
		{"zh", "institutions[0]", "91440300MA5HL0001X is registered as 某公司", "", "91440300MA5HL0001X 在名单中登记的名称是“某公司”，与填写的名称不符"},
		{"zh", "uscc", "it must be 18 characters long, not 3", "914", "统一社会信用代码应为18位，当前为3位"},
		{"zh", "institutions[2]", "models: invalid USCC: it must be 18 characters long, not 3", "914", "统一社会信用代码应为18位，当前为3位"},
		{"en", "uscc", "it must be 18 characters long, not 3", "914", "it must be 18 characters long, not 3"},
		{"zh", "id_number", "it must be 18 characters long, not 3", "110", "身份证号码应为18位，当前为3位"},
		{"zh", "id_number", "the first 17 characters must be digits", "1101051949123100A2", "身份证号码前17位应为数字"},
		{"zh", "window", "models: the official holiday calendar for 2031 is not loaded yet; an administrator loads it (pilu calendar import, or /admin) once the State Council publishes it", "", "2031年的法定节假日安排尚未载入本站，无法计算截止日期（本站从不推测法定期限）。国务院办公厅公布后，由系统管理员载入（命令 pilu calendar import 或管理页面 /admin）。"},
		{"zh", "uscc", "registered in 350100, on the list of the office of 350000", "", "该机构登记在福建省（行政区划代码 350100），按属地管理应列入福建省网贷整治办的名单"},
		{"en", "uscc", "registered in 440305, on the list of the office of 440300", "", "Registered in Shenzhen (division 440305): kept where it is registered, it belongs on the list of the Shenzhen office"},
		{"zh", "name", "a message no model writes", "", "a message no model writes"},
		{"zh", "name", "required", "914", "必填"},
	}
	for _, c := range cases {
		t.Run(c.lang+" "+c.msg, func(t *testing.T) {
			if got := s.typedFieldMessage(c.lang, c.field, c.msg, c.typed); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
