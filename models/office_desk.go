package models

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
)

// ClosingSoon is how far ahead an office's desk looks for claim windows about to end: a week.
const ClosingSoon = 7 * 24 * time.Hour

// Desk is what an office must act on in its province, as its dashboard lists it: drafts to finish
// and publish, rule suggestions to decide, open claim windows ending within ClosingSoon (outcomes
// follow), and institutions with a monthly report missing past its due date.
type Desk struct {
	Drafts      []Notice         // unpublished notices, newest first
	Suggestions []DeskSuggestion // pending rule suggestions, oldest first
	Closing     []Notice         // open notices whose window ends within ClosingSoon, soonest first
	Late        []LateReporter   // institutions with missing reports, most months missing first

	Institutions []Institution     // the province's institutions, as InstitutionsOf lists them
	Flags        map[uint64][]Flag // their open flags at now by institution id (FlagsFor)
}

// DeskSuggestion is a pending rule suggestion with the institution it is about.
type DeskSuggestion struct {
	Suggestion
	USCC, Name string
}

// LateReporter is an institution whose monthly reports of Missing (newest first) are past their due
// date and not filed (未正常报数).
type LateReporter struct {
	Institution
	Missing []string
}

// DeskOf returns the desk of the office of province at now. Only the province's own records are
// read: another province's drafts, suggestions, notices and institutions never appear.
func (s *Store) DeskOf(ctx context.Context, province string, now time.Time) (Desk, error) {
	var d Desk
	db := s.db.WithContext(ctx)
	if err := statusQuery(db.Where("province = ?", province), NoticeDraft, now).
		Order("created_at DESC, id DESC").Find(&d.Drafts).Error; err != nil {
		return d, notFound(err, "draft notices of "+province)
	}
	if err := statusQuery(publishedQuery(db.Where("province = ?", province)), NoticeOpen, now).Where("deadline <= ?", now.Add(ClosingSoon)).
		Preload("Institutions", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Order("deadline, id").Find(&d.Closing).Error; err != nil {
		return d, notFound(err, "notices closing in "+province)
	}
	if err := db.Model(&Suggestion{}).Select("suggestions.*, institutions.uscc AS uscc, institutions.name AS name").
		Joins("JOIN institutions ON institutions.id = suggestions.institution_id").
		Where("suggestions.province = ? AND suggestions.status = ?", province, SuggestionPending).
		Order("suggestions.id").Scan(&d.Suggestions).Error; err != nil {
		return d, notFound(err, "pending suggestions of "+province)
	}
	ins, err := s.InstitutionsOf(ctx, province)
	if err != nil || len(ins) == 0 {
		return d, err
	}
	ids := make([]uint64, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	flags, err := s.FlagsFor(ctx, ids, now)
	if err != nil {
		return d, err
	}
	d.Institutions, d.Flags = ins, flags
	for _, in := range ins {
		var missing []string
		for _, f := range flags[in.ID] {
			if f.Code == FlagReportMissing {
				missing = append(missing, f.Period)
			}
		}
		if len(missing) > 0 {
			d.Late = append(d.Late, LateReporter{Institution: in, Missing: missing})
		}
	}
	slices.SortStableFunc(d.Late, func(a, b LateReporter) int { return len(b.Missing) - len(a.Missing) })
	return d, nil
}
