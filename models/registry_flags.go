package models

import (
	"context"
	"slices"
	"strings"
	"time"
)

// registryFacts are the monthly figures and first filing times of one institution, what the rules
// and the flags are computed from.
type registryFacts struct {
	Figures []MonthlyFigures     // latest filed version per period, oldest first
	Filed   map[string]time.Time // period → when its monthly data were first published
	Left    time.Time            // when it left business (a final disposition); zero while it has not
}

// FinalDispositions end an institution's duty to report monthly data: it is deregistered, out of
// online lending, or in the hands of the market regulator or the police.
var FinalDispositions = []string{"deregistered", "scope_changed", "to_market_regulator", "to_police", "transformed"}

// factsChunk bounds the IN lists of the batch queries.
const factsChunk = 500

// factsFor loads the figures and filing times of many institutions in a few queries.
func (s *Store) factsFor(ctx context.Context, ids []uint64) (map[uint64]*registryFacts, error) {
	out := make(map[uint64]*registryFacts, len(ids))
	for _, id := range ids {
		out[id] = &registryFacts{Filed: map[string]time.Time{}}
	}
	db := s.db.WithContext(ctx)
	for start := 0; start < len(ids); start += factsChunk {
		chunk := ids[start:min(start+factsChunk, len(ids))]
		var figs []MonthlyFigures
		latest := db.Model(&MonthlyFigures{}).Select("MAX(disclosure_id)").Where("institution_id IN ?", chunk).Group("institution_id, period")
		if err := db.Where("disclosure_id IN (?)", latest).Order("institution_id, period").Find(&figs).Error; err != nil {
			return nil, notFound(err, "monthly figures")
		}
		for _, f := range figs {
			out[f.InstitutionID].Figures = append(out[f.InstitutionID].Figures, f)
		}
		var firsts []struct {
			InstitutionID uint64
			Period        string
			PublishedAt   time.Time
		}
		if err := db.Model(&Disclosure{}).Select("institution_id, period, published_at").
			Where("institution_id IN ? AND kind = ? AND version = 1", chunk, "monthly_data").Scan(&firsts).Error; err != nil {
			return nil, notFound(err, "monthly filings")
		}
		for _, f := range firsts {
			if at, ok := out[f.InstitutionID].Filed[f.Period]; !ok || f.PublishedAt.Before(at) {
				out[f.InstitutionID].Filed[f.Period] = f.PublishedAt
			}
		}
		var left []struct {
			InstitutionID uint64
			DecidedAt     time.Time
		}
		if err := db.Model(&DispositionChange{}).Select("institution_id, decided_at").
			Where("institution_id IN ? AND to_state IN ?", chunk, FinalDispositions).Order("decided_at").Scan(&left).Error; err != nil {
			return nil, notFound(err, "final dispositions")
		}
		for _, l := range left {
			if f := out[l.InstitutionID]; f.Left.IsZero() {
				f.Left = l.DecidedAt
			}
		}
	}
	return out, nil
}

// flags are the 双降 breaks and the reporting gaps of one institution, by period.
func (f *registryFacts) flags(cal *Calendar, now time.Time) []Flag {
	until := now // an institution that left business owes no reports after it left
	if !f.Left.IsZero() && f.Left.Before(now) {
		until = f.Left
	}
	out := slices.Concat(ShuangjiangBreaks(f.Figures), ReportingGaps(f.Filed, cal, until))
	slices.SortStableFunc(out, func(a, b Flag) int {
		if a.Period != b.Period {
			return strings.Compare(b.Period, a.Period)
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out
}

// FlagsFor returns the flags of each institution, newest month first: every month where 双降 broke
// and every monthly report not filed by its due date as of now (未正常报数).
func (s *Store) FlagsFor(ctx context.Context, ids []uint64, now time.Time) (map[uint64][]Flag, error) {
	facts, err := s.factsFor(ctx, ids)
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][]Flag, len(ids))
	for id, f := range facts {
		out[id] = f.flags(cal, now)
	}
	return out, nil
}
