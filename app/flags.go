package app

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// flagJSON is a flag as the API and the pages show it: a stable code, the month, and a sentence.
type flagJSON struct {
	models.Flag
	Text string `json:"text"`
}

// flagsOf reads the flags of institutions as of now, in the request's language.
func (s *Server) flagsOf(c *fiber.Ctx, ids []uint64) (map[uint64][]flagJSON, error) {
	return s.flagsIn(c.UserContext(), s.lang(c), ids)
}

// flagsIn reads the flags of institutions as of now, in language lang.
func (s *Server) flagsIn(ctx context.Context, lang string, ids []uint64) (map[uint64][]flagJSON, error) {
	flags, err := s.store.FlagsFor(ctx, ids, s.now())
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][]flagJSON, len(flags))
	for id, list := range flags {
		out[id] = make([]flagJSON, len(list))
		for i, f := range list {
			out[id][i] = flagJSON{Flag: f, Text: s.flagText(lang, f)}
		}
	}
	return out, nil
}

// flagText says a flag in a sentence: "2019年3月 未实现双降：借贷余额或出借人数较上月上升".
func (s *Server) flagText(lang string, f models.Flag) string {
	if f.Code == models.FlagReportLate {
		return s.views.t(lang, "registry.flag."+f.Code, monthName(lang, f.Period), f.LateDays)
	}
	return s.views.t(lang, "registry.flag."+f.Code, monthName(lang, f.Period))
}

// monthName writes a YYYY-MM period as 2019年3月 or Mar 2019.
func monthName(lang, period string) string {
	y, m, err := models.ParsePeriod(period)
	if err != nil {
		return period
	}
	if lang == "en" {
		return fmt.Sprintf("%s %d", m.String()[:3], y)
	}
	return fmt.Sprintf("%d年%d月", y, int(m))
}

// flagLines says the flags for a page, newest first, with a run of consecutive missing months in one
// line ("2020年1月至2020年6月 运营数据未披露（6 个月）") so that a long silence reads as one fact.
func (s *Server) flagLines(lang string, flags []flagJSON) []string {
	var out []string
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		if f.Code != models.FlagReportMissing {
			out = append(out, f.Text)
			continue
		}
		j := i // flags run newest first: extend over the months just before
		for j+1 < len(flags) && flags[j+1].Code == models.FlagReportMissing && flags[j+1].Period == previousPeriod(flags[j].Period) {
			j++
		}
		if j == i {
			out = append(out, f.Text)
			continue
		}
		out = append(out, s.views.t(lang, "registry.flag.report_missing_run", monthName(lang, flags[j].Period), monthName(lang, f.Period), j-i+1))
		i = j
	}
	return out
}

// previousPeriod is the month before a YYYY-MM period.
func previousPeriod(period string) string {
	y, m, err := models.ParsePeriod(period)
	if err != nil {
		return ""
	}
	if m == 1 {
		return fmt.Sprintf("%04d-12", y-1)
	}
	return fmt.Sprintf("%04d-%02d", y, int(m)-1)
}
