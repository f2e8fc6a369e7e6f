package models

import (
	"math"
	"math/bits"
)

// PlanKinds are the kinds of disclosure that may state a repayment plan: planned tranches, each a
// date and an amount, or a share of the amount the plan applies to (its base amount).
var PlanKinds = []string{"exit_announcement", "repayment_plan"}

// ProgressKind is the kind of a repayment progress report (兑付进展): a statement of every payment
// made under one plan so far.
const ProgressKind = "repayment_progress"

// IsPlan reports whether d states a repayment plan: a plan kind with at least one tranche.
func (d Disclosure) IsPlan() bool {
	return OneOf(d.Kind, PlanKinds) && len(d.Tranches) > 0
}

// InShares reports whether any tranche of d is stated as a share (basis points) rather than an
// amount; such a plan must state its base amount.
func (d Disclosure) InShares() bool {
	for _, t := range d.Tranches {
		if t.ShareBP > 0 {
			return true
		}
	}
	return false
}

// Paid is what was paid against a plan or one of its tranches: the amount in fen and the share of
// what was planned in basis points (0–10000). Either is nil where the filings do not say it: a plan
// in shares filed before base amounts were required has no amount of its own (shown as 未披露).
type Paid struct {
	AmountFen *int64 `json:"amount"`
	ShareBP   *int   `json:"share_bp"`
}

// Plan is a repayment plan (the current version of a plan disclosure) with the latest progress
// report that refers to it.
//
// The rule of plan against actual: a progress report is a cumulative statement of every payment
// made under its plan so far, not an increment, so what was paid is what the latest progress report
// of the plan states (the current version of the chain filed last that names the plan; a progress
// report of another plan, or an earlier one of this plan, does not count). Payments are applied to
// the tranches in their order, each filled up to its planned amount before the next (the earliest due
// instalment first); whatever is reported beyond the whole plan stays on the last tranche, so the
// tranches' paid amounts always add up to the plan's. Paid amounts are never capped: they are what
// the progress states. Shares are paid/planned in basis points, rounded down (100% means paid in
// full) and capped at 10000 where the progress states more than was planned.
type Plan struct {
	Disclosure
	Progress *Disclosure // the latest progress report of the plan; nil when none was filed
}

// Planned returns the planned amount of each tranche in fen and the total; ok is false when a plan
// in shares does not state the amount they apply to. Shares are turned into fen cumulatively
// (rounded down), so shares adding up to 100% plan exactly the base amount.
func (p Plan) Planned() (tranches []int64, total int64, ok bool) {
	base := int64(0)
	if p.BaseFen != nil {
		base = *p.BaseFen
	}
	tranches = make([]int64, len(p.Tranches))
	var shares, sharesFen int64 // shares so far and their amount, so that rounding never adds up
	for i, t := range p.Tranches {
		switch {
		case t.AmountFen > 0:
			tranches[i] = t.AmountFen
		case base > 0:
			shares += int64(t.ShareBP)
			upTo := mulDiv(base, shares, 10000)
			tranches[i], sharesFen = upTo-sharesFen, upTo
		default:
			return nil, 0, false
		}
		total = addSat(total, tranches[i])
	}
	return tranches, total, true
}

// Reported returns what the plan's latest progress report states was paid in all, in fen; ok is
// false when the report states shares of a plan without a base amount. No progress is zero paid.
func (p Plan) Reported() (fen int64, ok bool) {
	if p.Progress == nil {
		return 0, true
	}
	base := int64(0)
	if p.BaseFen != nil {
		base = *p.BaseFen
	}
	for _, t := range p.Progress.Tranches {
		switch {
		case t.AmountFen > 0:
			fen = addSat(fen, t.AmountFen)
		case t.ShareBP > 0 && base > 0:
			fen = addSat(fen, mulDiv(base, int64(t.ShareBP), 10000))
		case t.ShareBP > 0:
			return 0, false
		}
	}
	return fen, true
}

// reportedShare is what the latest progress states in shares of the plan's base, for a plan in
// shares without a base amount whose progress is stated in shares too.
func (p Plan) reportedShare() (bp int64, ok bool) {
	if p.Progress == nil {
		return 0, true
	}
	for _, t := range p.Progress.Tranches {
		if t.AmountFen > 0 {
			return 0, false
		}
		bp = addSat(bp, int64(t.ShareBP))
	}
	return bp, true
}

// Paid returns what was paid against the whole plan (see Plan for the rule).
func (p Plan) Paid() Paid {
	paid, _ := p.paid()
	return paid
}

// TranchesPaid returns what was paid against each tranche, in the plan's order (see Plan).
func (p Plan) TranchesPaid() []Paid {
	_, tranches := p.paid()
	return tranches
}

// paid computes the plan's paid and its tranches' in the one unit the filings allow: fen when the
// plan's amounts are known; basis points of the base when plan and progress are both in shares;
// otherwise only the reported amount of the whole plan, or nothing, is known.
func (p Plan) paid() (Paid, []Paid) {
	tranches := make([]Paid, len(p.Tranches))
	if p.Progress == nil { // nothing reported: nothing paid, in any unit
		for i := range tranches {
			tranches[i] = Paid{AmountFen: ptr(int64(0)), ShareBP: ptr(0)}
		}
		return Paid{AmountFen: ptr(int64(0)), ShareBP: ptr(0)}, tranches
	}
	planned, total, known := p.Planned()
	reported, reportedKnown := p.Reported()
	switch {
	case known && reportedKnown:
		alloc := Allocate(reported, planned)
		for i := range tranches {
			tranches[i] = Paid{AmountFen: ptr(alloc[i]), ShareBP: ptr(ShareBP(alloc[i], planned[i]))}
		}
		return Paid{AmountFen: ptr(reported), ShareBP: ptr(ShareBP(reported, total))}, tranches
	case known:
		return Paid{}, tranches
	}
	// A plan in shares without its base amount.
	bp, inShares := p.reportedShare()
	shares := make([]int64, len(p.Tranches))
	var sum int64
	for i, t := range p.Tranches {
		shares[i] = int64(t.ShareBP)
		sum += shares[i]
		inShares = inShares && t.ShareBP > 0
	}
	if !inShares {
		if reportedKnown { // amounts paid against shares of an unknown base: no share can be said
			return Paid{AmountFen: ptr(reported)}, tranches
		}
		return Paid{}, tranches
	}
	alloc := Allocate(bp, shares)
	for i := range tranches {
		tranches[i] = Paid{ShareBP: ptr(ShareBP(alloc[i], shares[i]))}
	}
	return Paid{ShareBP: ptr(ShareBP(bp, sum))}, tranches
}

// Allocate lines up an amount paid against planned instalments: each is filled up to its planned
// amount in order, and whatever is left after the last stays on the last. The parts add up to paid
// (a negative paid counts as none); with no instalments nothing is allocated.
func Allocate(paid int64, planned []int64) []int64 {
	out := make([]int64, len(planned))
	left := max(paid, 0)
	for i, p := range planned {
		take := min(left, max(p, 0))
		if i == len(planned)-1 {
			take = left
		}
		out[i], left = take, left-take
	}
	return out
}

// ShareBP is paid as a share of planned in basis points, rounded down and capped at 10000; nothing
// planned is 0 (nothing paid) or 10000 (something paid).
func ShareBP(paid, planned int64) int {
	switch {
	case paid <= 0:
		return 0
	case paid >= planned:
		return 10000
	}
	return int(mulDiv(paid, 10000, planned))
}

// mulDiv is a·b/c rounded down for non-negative a, b and positive c whose result fits an int64,
// without overflowing on the way.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// addSat adds two non-negative amounts, stopping at the largest int64 instead of wrapping.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func ptr[T any](v T) *T { return &v }
