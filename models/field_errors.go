package models

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// FieldError is one reason why one input field is refused: a stable code (one of Codes) and the
// values the reason names (Args, by name). It carries no sentence: pages say it in the reader's
// language from the message catalogs (templates/i18n/{zh,en}/messages.json, key "problem.<code>",
// whose text names the arguments {name}, or {name:vocabulary} to show a value by its label), and
// the API gives the code, the arguments and the English text.
type FieldError struct {
	Field string `json:"field"`
	Code  string `json:"code"`
	Args  Args   `json:"args,omitempty"`
}

// Args are the values a FieldError names, by name: numbers, vocabulary values, codes the user typed.
type Args map[string]any

// FieldErrors holds, by field name, what is wrong with a rejected input; it is the error of a
// rejected input. A field may have several reasons (a figure that breaks several rules).
type FieldErrors map[string][]FieldError

// Invalid is the refusal of one field for one reason.
func Invalid(field, code string, args ...Args) FieldErrors {
	fe := FieldErrors{}
	fe.Add(field, code, args...)
	return fe
}

// Add records that field is refused for code, with its arguments (at most one Args); the same code
// twice on one field is recorded once.
func (f FieldErrors) Add(field, code string, args ...Args) {
	e := FieldError{Field: field, Code: code}
	if len(args) > 0 && len(args[0]) > 0 {
		e.Args = args[0]
	}
	for _, have := range f[field] {
		if have.Code == code {
			return
		}
	}
	f[field] = append(f[field], e)
}

// Has reports whether field is refused.
func (f FieldErrors) Has(field string) bool { return len(f[field]) > 0 }

// Code is the code of the first reason field is refused for, "" when it is not.
func (f FieldErrors) Code(field string) string {
	if len(f[field]) == 0 {
		return ""
	}
	return f[field][0].Code
}

// Merge adds every reason of other, field names prefixed by prefix.
func (f FieldErrors) Merge(prefix string, other FieldErrors) {
	for _, name := range slices.Sorted(maps.Keys(other)) {
		for _, e := range other[name] {
			f.Add(prefix+name, e.Code, e.Args)
		}
	}
}

// List is every reason, by field name and then in the order they were found.
func (f FieldErrors) List() []FieldError {
	var out []FieldError
	for _, name := range slices.Sorted(maps.Keys(f)) {
		for _, e := range f[name] {
			e.Field = name
			out = append(out, e)
		}
	}
	return out
}

// Error names the refused fields with their codes and arguments; it is for logs and commands, not
// for people (they read the catalogs' text).
func (f FieldErrors) Error() string {
	parts := make([]string, 0, len(f))
	for _, e := range f.List() {
		s := e.Field + ": " + e.Code
		if len(e.Args) > 0 {
			var args []string
			for _, k := range slices.Sorted(maps.Keys(e.Args)) {
				args = append(args, fmt.Sprintf("%s=%v", k, e.Args[k]))
			}
			s += " (" + strings.Join(args, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return "models: invalid input: " + strings.Join(parts, "; ")
}

// Refusal is a refused action that is not about one field (a published record that never changes,
// a move that came too late): a code and its arguments like a FieldError's, wrapping the error it is
// a kind of (ErrConflict), so that callers can both classify it and say it in the reader's language.
type Refusal struct {
	Code string
	Args Args
	Err  error
}

func (r *Refusal) Error() string {
	var args []string
	for _, k := range slices.Sorted(maps.Keys(r.Args)) {
		args = append(args, fmt.Sprintf("%s=%v", k, r.Args[k]))
	}
	s := "models: " + r.Code
	if len(args) > 0 {
		s += " (" + strings.Join(args, ", ") + ")"
	}
	return s + ": " + r.Err.Error()
}

func (r *Refusal) Unwrap() error { return r.Err }

// conflict is a Refusal of kind ErrConflict.
func conflict(code string, args ...Args) error {
	r := &Refusal{Code: code, Err: ErrConflict}
	if len(args) > 0 {
		r.Args = args[0]
	}
	return r
}
