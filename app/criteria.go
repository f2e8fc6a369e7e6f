package app

import "pilu/models"

// criterionText says a class decision's criterion in lang: a rule citation (models.RuleCriterion,
// stored as a code such as zombie_new_business_zero:2026-06..2026-10) in words with its months,
// anything else (what the office wrote) as it is.
func (s *Server) criterionText(lang, criterion string) string {
	rc, ok := models.ParseRuleCriterion(criterion)
	if !ok {
		return criterion
	}
	rule := s.views.t(lang, "registry.rule."+rc.Rule)
	switch {
	case rc.From == "":
		return rule
	case rc.From == rc.To:
		return s.views.t(lang, "registry.criterion.month", rule, monthName(lang, rc.From))
	}
	return s.views.t(lang, "registry.criterion.months", rule, monthName(lang, rc.From), monthName(lang, rc.To))
}

// decisionsInWords returns copies of class decisions with their criteria in words (criterionText),
// as pages, API answers and the dump show them; the stored decisions keep their codes.
func (s *Server) decisionsInWords(lang string, ds []models.Decision) []models.Decision {
	out := make([]models.Decision, len(ds))
	for i, d := range ds {
		out[i] = d
		out[i].Criteria = make([]string, len(d.Criteria))
		for j, c := range d.Criteria {
			out[i].Criteria[j] = s.criterionText(lang, c)
		}
	}
	return out
}
