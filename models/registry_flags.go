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
	Duty    ReportingDuty        // which months it owes a report
}

// FinalDispositions are the dispositions from which an institution does not come back to online
// lending: it is deregistered, out of online lending, or in the hands of the market regulator or the
// police. It owes no monthly reports in them (ReportingDuty).
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
			Where("institution_id IN ? AND kind = ? AND version = 1", chunk, MonthlyKind).Scan(&firsts).Error; err != nil {
			return nil, notFound(err, "monthly filings")
		}
		for _, f := range firsts {
			if at, ok := out[f.InstitutionID].Filed[f.Period]; !ok || f.PublishedAt.Before(at) {
				out[f.InstitutionID].Filed[f.Period] = f.PublishedAt
			}
		}
		if err := s.loadDuties(ctx, chunk, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ReportingDutyOf returns which months an institution owes a monthly report (ReportingDuty), for
// anything that shows a month as owed or late.
func (s *Store) ReportingDutyOf(ctx context.Context, institutionID uint64) (ReportingDuty, error) {
	facts := map[uint64]*registryFacts{institutionID: {}}
	if err := s.loadDuties(ctx, []uint64{institutionID}, facts); err != nil {
		return ReportingDuty{}, err
	}
	return facts[institutionID].Duty, nil
}

// statusRow is a class decision or a disposition move as loadDuties reads it.
type statusRow struct {
	InstitutionID uint64
	ToValue       string
	DecidedAt     time.Time
	Disposition   bool
}

// loadDuties fills the reporting duty of each institution of ids: when it was put on the list and
// every change of its class and disposition since, in time order.
func (s *Store) loadDuties(ctx context.Context, ids []uint64, out map[uint64]*registryFacts) error {
	db := s.db.WithContext(ctx)
	var listed []struct {
		ID        uint64
		CreatedAt time.Time
	}
	if err := db.Model(&Institution{}).Select("id, created_at").Where("id IN ?", ids).Scan(&listed).Error; err != nil {
		return notFound(err, "listing dates")
	}
	for _, l := range listed {
		out[l.ID].Duty.Listed = l.CreatedAt
	}
	var changes []statusRow
	if err := db.Model(&Decision{}).Select("institution_id, to_class AS to_value, decided_at, 0 AS disposition").
		Where("institution_id IN ?", ids).Scan(&changes).Error; err != nil {
		return notFound(err, "class history")
	}
	var moves []statusRow
	if err := db.Model(&DispositionChange{}).Select("institution_id, to_state AS to_value, decided_at, 1 AS disposition").
		Where("institution_id IN ?", ids).Scan(&moves).Error; err != nil {
		return notFound(err, "disposition history")
	}
	changes = append(changes, moves...)
	slices.SortStableFunc(changes, func(a, b statusRow) int { return a.DecidedAt.Compare(b.DecidedAt) })
	for _, c := range changes {
		sc := StatusChange{At: c.DecidedAt, Class: c.ToValue}
		if c.Disposition {
			sc = StatusChange{At: c.DecidedAt, Disposition: c.ToValue}
		}
		out[c.InstitutionID].Duty.Changes = append(out[c.InstitutionID].Duty.Changes, sc)
	}
	return nil
}

// owedAny reports whether the institution owed a report whose month has ended by now.
func (f *registryFacts) owedAny(now time.Time) bool {
	current := DateOf(now).String()[:7]
	y, m, err := ParsePeriod(f.Duty.FirstPeriod())
	for ; err == nil && periodOf(y, m) < current; y, m = nextMonth(y, m) {
		if f.Duty.Owes(periodOf(y, m)) {
			return true
		}
	}
	return false
}

// flags are the 双降 breaks and the reporting gaps of one institution, by period.
func (f *registryFacts) flags(cal *Calendar, now time.Time) []Flag {
	out := slices.Concat(ShuangjiangBreaks(f.Figures), ReportingGaps(f.Duty, f.Filed, cal, now))
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
