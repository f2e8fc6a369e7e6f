package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Thresholds returns a province's small-institution thresholds, or nil when the office set none.
func (s *Store) Thresholds(ctx context.Context, province string) (*Thresholds, error) {
	var row SmallThreshold
	err := s.db.WithContext(ctx).Where("province = ?", province).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, notFound(err, "thresholds of "+province)
	}
	return &Thresholds{OutstandingFen: row.OutstandingFen, Lenders: row.Lenders}, nil
}

// SetThresholds stores a province's small-institution thresholds; both must be positive.
func (s *Store) SetThresholds(ctx context.Context, province string, th Thresholds, actor string, now time.Time) error {
	fe := FieldErrors{}
	if th.OutstandingFen <= 0 {
		fe.Add("outstanding", CodePositive)
	}
	if th.Lenders <= 0 {
		fe.Add("lenders", CodePositiveInt)
	}
	if !ValidProvince(province) {
		fe.Add("province", CodeNotProvince)
	}
	if len(fe) > 0 {
		return fe
	}
	row := SmallThreshold{Province: province, OutstandingFen: th.OutstandingFen, Lenders: th.Lenders, SetBy: actor, UpdatedAt: now}
	return notFound(s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("province = ?", province).Delete(&SmallThreshold{}).Error; err != nil {
			return err
		}
		return tx.Create(&row).Error
	}), "set thresholds of "+province)
}

// RefreshSuggestions applies the rules to every institution of a province and keeps the pending
// suggestions in step: a new hit becomes a pending suggestion, a pending one follows its months, and
// a pending one whose rule no longer holds (or whose class the institution now has) goes away. A hit
// the office already accepted or dismissed is not suggested again until a later month shows it.
// Only the strongest class is suggested (zombie, then small, then high risk); institutions already
// exposed (已出险) get no suggestions. It reports how many are pending.
func (s *Store) RefreshSuggestions(ctx context.Context, province string, now time.Time) (int, error) {
	db := s.db.WithContext(ctx)
	var ins []Institution
	if err := db.Select("id", "class", "province").Where("province = ?", province).Find(&ins).Error; err != nil {
		return 0, notFound(err, "institutions of "+province)
	}
	th, err := s.Thresholds(ctx, province)
	if err != nil {
		return 0, err
	}
	ids := make([]uint64, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	facts, err := s.factsFor(ctx, ids)
	if err != nil {
		return 0, err
	}
	var existing []Suggestion
	if err := db.Where("province = ?", province).Find(&existing).Error; err != nil {
		return 0, notFound(err, "suggestions of "+province)
	}
	type key struct {
		id   uint64
		rule string
	}
	pending, decided := map[key]*Suggestion{}, map[key][]string{}
	for i := range existing {
		sg := &existing[i]
		k := key{sg.InstitutionID, sg.Rule}
		if sg.Status == SuggestionPending {
			pending[k] = sg
		} else {
			decided[k] = append(decided[k], sg.LastMonth)
		}
	}
	var creates []Suggestion
	var updates []*Suggestion
	keep := map[uint64]bool{}
	for _, in := range ins {
		if ClassGroup(in.Class) == "exposed" {
			continue
		}
		for _, h := range strongestHits(EvaluateRules(facts[in.ID].Figures, th)) {
			k := key{in.ID, h.Rule}
			last := h.Months[len(h.Months)-1]
			if in.Class == h.Class || slices.Contains(decided[k], last) {
				continue
			}
			if sg, ok := pending[k]; ok {
				keep[sg.ID] = true
				if sg.LastMonth != last || len(sg.Months) != len(h.Months) {
					sg.Months, sg.LastMonth = h.Months, last
					updates = append(updates, sg)
				}
				continue
			}
			creates = append(creates, Suggestion{InstitutionID: in.ID, Province: province, Rule: h.Rule, Class: h.Class,
				Months: h.Months, LastMonth: last, Status: SuggestionPending, CreatedAt: now})
		}
	}
	var stale []uint64
	for _, sg := range pending {
		if !keep[sg.ID] {
			stale = append(stale, sg.ID)
		}
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if len(stale) > 0 {
			if err := tx.Where("id IN ? AND status = ?", stale, SuggestionPending).Delete(&Suggestion{}).Error; err != nil {
				return err
			}
		}
		for _, sg := range updates {
			if err := tx.Model(sg).Select("months", "last_month").Updates(sg).Error; err != nil {
				return err
			}
		}
		if len(creates) > 0 {
			return tx.CreateInBatches(creates, 200).Error
		}
		return nil
	})
	if err != nil {
		return 0, notFound(err, "refresh suggestions of "+province)
	}
	return len(pending) - len(stale) + len(creates), nil
}

// strongestHits keeps the hits of the first class that any rule suggests, in the order of §2: a
// zombie is not also suggested small, and high risk applies only to institutions of some scale.
func strongestHits(hits []RuleHit) []RuleHit {
	for _, class := range []string{"zombie", "small", "high_risk"} {
		var out []RuleHit
		for _, h := range hits {
			if h.Class == class {
				out = append(out, h)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// SuggestionFilter selects suggestions.
type SuggestionFilter struct {
	Province      string
	InstitutionID uint64
	Status        string
}

// Suggestions lists suggestions, newest first.
func (s *Store) Suggestions(ctx context.Context, f SuggestionFilter) ([]Suggestion, error) {
	q := s.db.WithContext(ctx).Model(&Suggestion{})
	if f.Province != "" {
		q = q.Where("province = ?", f.Province)
	}
	if f.InstitutionID != 0 {
		q = q.Where("institution_id = ?", f.InstitutionID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var out []Suggestion
	return out, notFound(q.Order("created_at DESC, id DESC").Find(&out).Error, "suggestions")
}

// SuggestionByID loads one suggestion.
func (s *Store) SuggestionByID(ctx context.Context, id uint64) (Suggestion, error) {
	var sg Suggestion
	return sg, notFound(s.db.WithContext(ctx).Take(&sg, id).Error, fmt.Sprintf("suggestion %d", id))
}

// SuggestionCriterion is how an accepted suggestion is cited in its decision: the rule and its months.
func SuggestionCriterion(sg Suggestion) string {
	c := RuleCriterion{Rule: sg.Rule}
	if len(sg.Months) > 0 {
		c.From, c.To = sg.Months[0], sg.Months[len(sg.Months)-1]
	}
	return c.String()
}

// RuleCriterion is a rule of §2 cited as the criterion of a class decision, with the months that
// show it: stored as a code (zombie_new_business_zero:2026-06..2026-10), shown in words
// (新业务发生额连续超过三个月为零（2026年6月至2026年10月）) by the pages and the API.
type RuleCriterion struct {
	Rule     string // one of Rules
	From, To string // YYYY-MM; both "" when no months are cited, equal for one month
}

// String is the stored code: rule, rule:YYYY-MM or rule:YYYY-MM..YYYY-MM.
func (c RuleCriterion) String() string {
	switch {
	case c.From == "":
		return c.Rule
	case c.From == c.To:
		return c.Rule + ":" + c.From
	}
	return c.Rule + ":" + c.From + ".." + c.To
}

// ParseRuleCriterion reads a stored criterion as a rule citation; ok is false for anything else
// (the free text an office writes).
func ParseRuleCriterion(s string) (RuleCriterion, bool) {
	rule, months, hasMonths := strings.Cut(s, ":")
	if !OneOf(rule, Rules) {
		return RuleCriterion{}, false
	}
	c := RuleCriterion{Rule: rule}
	if !hasMonths {
		return c, true
	}
	from, to, isRange := strings.Cut(months, "..")
	if !isRange {
		to = from
	}
	if _, _, err := ParsePeriod(from); err != nil {
		return RuleCriterion{}, false
	}
	if _, _, err := ParsePeriod(to); err != nil || to < from {
		return RuleCriterion{}, false
	}
	c.From, c.To = from, to
	return c, true
}

// AcceptSuggestion classifies the institution as the suggestion says, with a decision citing the rule
// and its months, and marks the suggestion accepted — in one transaction. Only a pending suggestion
// can be accepted (a conflict otherwise).
func (s *Store) AcceptSuggestion(ctx context.Context, sg Suggestion, reason, actor string, now time.Time) (Decision, error) {
	var d Decision
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var cur Suggestion
		if err := tx.Take(&cur, sg.ID).Error; err != nil {
			return err
		}
		if cur.Status != SuggestionPending {
			return conflict(CodeSuggestionDecided, Args{"suggestion": sg.ID, "status": cur.Status})
		}
		var in Institution
		if err := tx.Take(&in, cur.InstitutionID).Error; err != nil {
			return err
		}
		var err error
		d, err = classifyTx(tx, in, Classification{Class: cur.Class, Reason: reason, Criteria: []string{SuggestionCriterion(cur)}}, actor, now)
		if err != nil {
			return err
		}
		return tx.Model(&cur).Updates(map[string]any{"status": SuggestionAccepted, "reason": strings.TrimSpace(reason),
			"decided_by": actor, "decided_at": now, "decision_id": d.ID}).Error
	})
	return d, notFound(err, fmt.Sprintf("accept suggestion %d", sg.ID))
}

// DismissSuggestion records that the office does not follow a pending suggestion, and why.
func (s *Store) DismissSuggestion(ctx context.Context, sg Suggestion, reason, actor string, now time.Time) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 2000 {
		return Invalid("reason", CodeRequiredMax, Args{"max": 2000})
	}
	res := s.db.WithContext(ctx).Model(&Suggestion{}).Where("id = ? AND status = ?", sg.ID, SuggestionPending).
		Updates(map[string]any{"status": SuggestionDismissed, "reason": reason, "decided_by": actor, "decided_at": now})
	if res.Error != nil {
		return notFound(res.Error, fmt.Sprintf("dismiss suggestion %d", sg.ID))
	}
	if res.RowsAffected == 0 {
		return conflict(CodeSuggestionDecided, Args{"suggestion": sg.ID})
	}
	return nil
}
