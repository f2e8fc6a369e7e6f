package models

import (
	"fmt"
	"strings"
	"time"
)

// FigureNames lists the monthly figures in the order forms and diffs show them.
var FigureNames = []string{
	"cum_lending_amount", "cum_lending_count", "outstanding_amount", "outstanding_count",
	"outstanding_interest", "cum_lenders", "cum_borrowers", "lenders", "borrowers",
	"new_business_amount", "top10_amount", "largest_amount", "related_amount", "related_count",
	"overdue_amount", "overdue_count", "overdue90_amount", "overdue90_count",
	"cum_compensation_amount", "cum_compensation_count",
}

// IsMoneyFigure reports whether the figure name is an amount of money (fen) rather than a count.
func IsMoneyFigure(name string) bool {
	return strings.HasSuffix(name, "_amount") || name == "outstanding_interest"
}

// Values returns the figures by their JSON names.
func (f *MonthlyFigures) Values() map[string]int64 { return f.values() }

// SetValue sets the figure called name; it reports false for an unknown name.
func (f *MonthlyFigures) SetValue(name string, v int64) bool {
	ptr := map[string]*int64{
		"cum_lending_amount": &f.CumLendingAmount, "cum_lending_count": &f.CumLendingCount,
		"outstanding_amount": &f.OutstandingAmount, "outstanding_count": &f.OutstandingCount,
		"outstanding_interest": &f.OutstandingInterest, "cum_lenders": &f.CumLenders,
		"cum_borrowers": &f.CumBorrowers, "lenders": &f.Lenders, "borrowers": &f.Borrowers,
		"new_business_amount": &f.NewBusinessAmount, "top10_amount": &f.Top10Amount,
		"largest_amount": &f.LargestAmount, "related_amount": &f.RelatedAmount, "related_count": &f.RelatedCount,
		"overdue_amount": &f.OverdueAmount, "overdue_count": &f.OverdueCount,
		"overdue90_amount": &f.Overdue90Amount, "overdue90_count": &f.Overdue90Count,
		"cum_compensation_amount": &f.CumCompensationAmount, "cum_compensation_count": &f.CumCompensationCount,
	}[name]
	if ptr == nil {
		return false
	}
	*ptr = v
	return true
}

// FieldChange is one changed field of a version: its name and the old and new values as shown.
type FieldChange struct {
	Field    string
	Old, New string
}

// FigureChange is one changed figure, in fen for money and as a count otherwise.
type FigureChange struct {
	Name     string
	Money    bool
	Old, New int64
}

// DiffOp is one piece of a text diff: Op is '=' (kept), '-' (removed) or '+' (added). A changed line
// carries Parts, the same diff over its characters.
type DiffOp struct {
	Op    byte
	Text  string
	Parts []DiffOp
}

// TrancheChange is one tranche an amendment changed, added or removed, by its place in the plan
// (Seq, from 1): Old is nil for a tranche added, New for one removed; Date, Amount and Share say which
// of its parts changed.
type TrancheChange struct {
	Seq                 int
	Old, New            *Tranche
	Date, Amount, Share bool
}

// VersionDiff is what changed from one version of a disclosure to the next.
type VersionDiff struct {
	From, To  Disclosure
	Fields    []FieldChange
	Figures   []FigureChange
	Body      []DiffOp
	Base      *FigureChange // the base amount of a plan in shares, in fen (0: not stated)
	Tranches  []TrancheChange
	Added     []Attachment
	Removed   []Attachment
	Unchanged bool
}

// DiffVersions compares version to with the version from it amends, field by field.
func DiffVersions(from, to Disclosure) VersionDiff {
	v := VersionDiff{From: from, To: to}
	add := func(field, a, b string) {
		if a != b {
			v.Fields = append(v.Fields, FieldChange{field, a, b})
		}
	}
	add("title", from.Title, to.Title)
	add("period", from.Period, to.Period)
	add("event_type", from.EventType, to.EventType)
	add("event_at", timeText(from.EventAt), timeText(to.EventAt))
	add("plan", idText(from.PlanID), idText(to.PlanID))
	if a, b := fenOrZero(from.BaseFen), fenOrZero(to.BaseFen); a != b {
		v.Base = &FigureChange{Name: "base_amount", Money: true, Old: a, New: b}
	}
	if from.Figures != nil || to.Figures != nil {
		a, b := (&MonthlyFigures{}).values(), (&MonthlyFigures{}).values()
		if from.Figures != nil {
			a = from.Figures.values()
		}
		if to.Figures != nil {
			b = to.Figures.values()
		}
		for _, name := range FigureNames {
			if a[name] != b[name] {
				v.Figures = append(v.Figures, FigureChange{name, IsMoneyFigure(name), a[name], b[name]})
			}
		}
	}
	if from.Body != to.Body {
		v.Body = DiffText(from.Body, to.Body)
	}
	v.Tranches = DiffTranches(from.Tranches, to.Tranches)
	old := map[string]bool{}
	for _, a := range from.Attachments {
		old[a.SHA256+a.Name] = true
	}
	kept := map[string]bool{}
	for _, a := range to.Attachments {
		if old[a.SHA256+a.Name] {
			kept[a.SHA256+a.Name] = true
		} else {
			v.Added = append(v.Added, a)
		}
	}
	for _, a := range from.Attachments {
		if !kept[a.SHA256+a.Name] {
			v.Removed = append(v.Removed, a)
		}
	}
	v.Unchanged = len(v.Fields) == 0 && len(v.Figures) == 0 && len(v.Body) == 0 && v.Base == nil && len(v.Tranches) == 0 && len(v.Added) == 0 && len(v.Removed) == 0
	return v
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(ChinaZone).Format(time.RFC3339)
}

// DiffTranches compares two versions' tranches place by place: the nth tranche of one with the nth
// of the other; the longer list's extra tranches are added or removed. Unchanged tranches are left out.
func DiffTranches(a, b []Tranche) []TrancheChange {
	var out []TrancheChange
	for i := range max(len(a), len(b)) {
		c := TrancheChange{Seq: i + 1}
		if i < len(a) {
			c.Old = &a[i]
		}
		if i < len(b) {
			c.New = &b[i]
		}
		if c.Old != nil && c.New != nil {
			c.Date, c.Amount, c.Share = c.Old.Date != c.New.Date, c.Old.AmountFen != c.New.AmountFen, c.Old.ShareBP != c.New.ShareBP
			if !c.Date && !c.Amount && !c.Share {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func idText(id *uint64) string {
	if id == nil {
		return ""
	}
	return fmt.Sprintf("%d", *id)
}

func fenOrZero(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// maxDiffCells bounds the LCS table of a diff; larger texts are shown as removed and added whole.
const maxDiffCells = 4_000_000

// DiffText is a readable diff of two texts: lines kept, removed and added, and for a removed line
// followed by an added one, the characters that changed within them.
func DiffText(a, b string) []DiffOp {
	ops := lcsDiff(strings.Split(a, "\n"), strings.Split(b, "\n"))
	out := make([]DiffOp, 0, len(ops))
	for i := 0; i < len(ops); i++ {
		if ops[i].Op == '-' && i+1 < len(ops) && ops[i+1].Op == '+' {
			parts := lcsDiff(splitRunes(ops[i].Text), splitRunes(ops[i+1].Text))
			out = append(out, DiffOp{Op: '~', Text: ops[i+1].Text, Parts: merge(parts)})
			i++
			continue
		}
		out = append(out, ops[i])
	}
	return out
}

func splitRunes(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// merge joins neighbouring pieces with the same operation.
func merge(ops []DiffOp) []DiffOp {
	var out []DiffOp
	for _, o := range ops {
		if n := len(out); n > 0 && out[n-1].Op == o.Op {
			out[n-1].Text += o.Text
			continue
		}
		out = append(out, o)
	}
	return out
}

// lcsDiff diffs two token lists by their longest common subsequence, after trimming the common
// prefix and suffix.
func lcsDiff(a, b []string) []DiffOp {
	var head, tail []DiffOp
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		head = append(head, DiffOp{Op: '=', Text: a[0]})
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		tail = append([]DiffOp{{Op: '=', Text: a[len(a)-1]}}, tail...)
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	mid := make([]DiffOp, 0, len(a)+len(b))
	if len(a)*len(b) > maxDiffCells {
		for _, t := range a {
			mid = append(mid, DiffOp{Op: '-', Text: t})
		}
		for _, t := range b {
			mid = append(mid, DiffOp{Op: '+', Text: t})
		}
		return append(append(head, mid...), tail...)
	}
	// l[i][j] is the LCS length of a[i:] and b[j:].
	w := len(b) + 1
	l := make([]int32, (len(a)+1)*w)
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				l[i*w+j] = l[(i+1)*w+j+1] + 1
			} else {
				l[i*w+j] = max(l[(i+1)*w+j], l[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			mid = append(mid, DiffOp{Op: '=', Text: a[i]})
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || l[i*w+j+1] >= l[(i+1)*w+j]):
			mid = append(mid, DiffOp{Op: '+', Text: b[j]})
			j++
		default:
			mid = append(mid, DiffOp{Op: '-', Text: a[i]})
			i++
		}
	}
	// Removals before additions reads better: reorder each run of changes.
	var ordered []DiffOp
	for k := 0; k < len(mid); {
		if mid[k].Op == '=' {
			ordered = append(ordered, mid[k])
			k++
			continue
		}
		var minus, plus []DiffOp
		for ; k < len(mid) && mid[k].Op != '='; k++ {
			if mid[k].Op == '-' {
				minus = append(minus, mid[k])
			} else {
				plus = append(plus, mid[k])
			}
		}
		ordered = append(append(ordered, minus...), plus...)
	}
	return append(append(head, ordered...), tail...)
}

// Kind names the operation for templates: "same", "del", "ins" or "changed".
func (o DiffOp) Kind() string {
	return map[byte]string{'=': "same", '-': "del", '+': "ins", '~': "changed"}[o.Op]
}
