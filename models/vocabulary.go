package models

import "strings"

// Role names a user's role; see CONTRACT.md "Roles".
const (
	RoleAdmin       = "admin"
	RoleOffice      = "office"
	RoleInstitution = "institution"
)

// Roles lists every role a user may have.
var Roles = []string{RoleAdmin, RoleOffice, RoleInstitution}

// Classes are the risk classes of document 175 §2, in the order the public reads them.
var Classes = []string{
	"case_filed", "malicious_exit", "voluntary_exit",
	"zombie", "small", "high_risk", "normal", "unclassified",
}

// Dispositions are the states of an institution's exit, apart from its class.
var Dispositions = []string{
	"operating", "winding_down", "no_business", "listed", "deregistered",
	"scope_changed", "to_market_regulator", "to_police", "transformed",
}

// DisclosureKinds are the kinds of disclosure an institution files, in the order forms and filters
// list them (see the package documentation for how to add one).
var DisclosureKinds = []string{
	MonthlyKind, "exit_announcement", "repayment_plan",
	ProgressKind, "major_event", "other",
}

// MonthlyKind is the kind of the monthly figures (MonthlyFigures, checked by FigureRules), filed on
// a form of its own; every other kind is a document (DocumentKinds).
const MonthlyKind = "monthly_data"

// DocumentKinds are the kinds filed as a document (a title, a body, attachments, and the parts
// the kind takes: an event, tranches), in the order of DisclosureKinds: every kind but MonthlyKind.
func DocumentKinds() []string {
	var out []string
	for _, k := range DisclosureKinds {
		if k != MonthlyKind {
			out = append(out, k)
		}
	}
	return out
}

// Notice kinds and statuses are typed: see notice_status.go.

// ClassGroup tells whether a class is 已出险 (risk exposed), 未出险 or unclassified.
func ClassGroup(class string) string {
	switch class {
	case "case_filed", "malicious_exit", "voluntary_exit":
		return "exposed"
	case "zombie", "small", "high_risk", "normal":
		return "unexposed"
	}
	return "unclassified"
}

// OneOf reports whether v is one of the allowed values.
func OneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if a == v {
			return true
		}
	}
	return false
}

// joinStrings lists the values of a vocabulary, separated by ", ".
func joinStrings[T ~string](values []T) string { return strings.Join(Strings(values), ", ") }

// Strings is a typed vocabulary as plain strings (for filters and templates).
func Strings[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
