package models

import (
	"context"
	"time"
)

// ProvinceStats are the numbers of one province for the dashboard and /stats.
type ProvinceStats struct {
	Province      string           `json:"province"`
	Total         int64            `json:"total"`
	Classes       map[string]int64 `json:"classes"`
	Dispositions  map[string]int64 `json:"dispositions"`
	Exposed       int64            `json:"exposed"`        // 已出险: case_filed, malicious_exit, voluntary_exit
	SJReporting   int64            `json:"sj_reporting"`   // institutions with two or more months of figures
	SJHeld        int64            `json:"sj_held"`        // of those, 双降 held in the latest month
	Reporting     int64            `json:"reporting"`      // institutions that owed the report of at least one month ended by now (ReportingDuty)
	ReportingOK   int64            `json:"reporting_ok"`   // of those, every owed report filed by its due date
	FlaggedReport int64            `json:"flagged_report"` // of those, with at least one 未正常报数 month
}

// RegistryStats computes the numbers of every province with institutions (province "" for all) as
// of now: counts by class and disposition, 双降 compliance in the latest month, reporting compliance
// counted over the institutions that owed a report (ReportingDuty): one that was never owed a report,
// or whose duty ended, is judged on the months it owed and no others.
func (s *Store) RegistryStats(ctx context.Context, province string, now time.Time) ([]ProvinceStats, error) {
	q := s.db.WithContext(ctx).Model(&Institution{}).Select("id", "province", "class", "disposition")
	if province != "" {
		q = q.Where("province = ?", province)
	}
	var ins []Institution
	if err := q.Order("province, id").Find(&ins).Error; err != nil {
		return nil, notFound(err, "institutions for stats")
	}
	ids := make([]uint64, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	facts, err := s.factsFor(ctx, ids)
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	var out []ProvinceStats
	byProvince := map[string]int{}
	for _, in := range ins {
		i, ok := byProvince[in.Province]
		if !ok {
			i = len(out)
			byProvince[in.Province] = i
			out = append(out, ProvinceStats{Province: in.Province, Classes: map[string]int64{}, Dispositions: map[string]int64{}})
		}
		p := &out[i]
		p.Total++
		p.Classes[in.Class]++
		p.Dispositions[in.Disposition]++
		if ClassGroup(in.Class) == "exposed" {
			p.Exposed++
		}
		f := facts[in.ID]
		if n := len(f.Figures); n >= 2 {
			p.SJReporting++
			if len(ShuangjiangBreaks(f.Figures[n-2:])) == 0 {
				p.SJHeld++
			}
		}
		if f.owedAny(now) {
			p.Reporting++
			if len(ReportingGaps(f.Duty, f.Filed, cal, now)) == 0 {
				p.ReportingOK++
			} else {
				p.FlaggedReport++
			}
		}
	}
	return out, nil
}
