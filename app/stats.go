package app

import (
	"html/template"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// provinceStatsJSON is one province's numbers with its name.
type provinceStatsJSON struct {
	models.ProvinceStats
	Name string `json:"name"`
}

// statsAnswer is GET /api/v1/stats and the data of /stats: the same numbers.
type statsAnswer struct {
	Classes   []string            `json:"classes"`
	Provinces []provinceStatsJSON `json:"provinces"`
	Total     int64               `json:"total"`
	// Trend is the 双降 trend month by month, nationally or of the province asked (?province=).
	Trend         []models.TrendPoint `json:"trend"`
	TrendProvince string              `json:"trend_province,omitempty"`
}

// stats computes the numbers of every province as of now.
func (s *Server) stats(c *fiber.Ctx) (statsAnswer, error) {
	list, err := s.store.RegistryStats(c.UserContext(), "", s.now())
	if err != nil {
		return statsAnswer{}, err
	}
	out := statsAnswer{Classes: models.Classes, Provinces: []provinceStatsJSON{}, TrendProvince: c.Query("province")}
	if out.TrendProvince != "" && !models.ValidProvince(out.TrendProvince) {
		return out, &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid("province", models.CodeNotProvince)}
	}
	if out.Trend, err = s.store.ShuangjiangTrend(c.UserContext(), out.TrendProvince); err != nil {
		return out, err
	}
	if out.Trend == nil {
		out.Trend = []models.TrendPoint{}
	}
	lang := s.lang(c)
	for _, p := range list {
		out.Provinces = append(out.Provinces, provinceStatsJSON{ProvinceStats: p, Name: provinceName(lang, p.Province)})
		out.Total += p.Total
	}
	return out, nil
}

func (s *Server) apiStats(c *fiber.Ctx) error {
	st, err := s.stats(c)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// statsPage is the data of /stats.
type statsPage struct {
	statsAnswer
	Chart      template.HTML // the classes by province, an inline SVG
	TrendChart template.HTML // the 双降 trend, an inline SVG
	Map        template.HTML
}

// showStats shows classes by province as a chart (inline SVG, no script) and as a table with the
// same numbers, 双降 and reporting compliance by province, and the risk map as server-side SVG.
func (s *Server) showStats(c *fiber.Ctx) error {
	st, err := s.stats(c)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	return s.render(c, "stats", pageData{Title: "stats.title", Data: statsPage{statsAnswer: st,
		Chart: s.views.classesChart(lang, st), TrendChart: s.views.figuresChart(lang, trendFigures(st.Trend)), Map: s.riskMap(lang, st)}})
}

// trendFigures reads the 双降 trend as a series of monthly figures, so that it is drawn and judged
// (which months broke 双降) as an institution's own series is.
func trendFigures(trend []models.TrendPoint) []figuresJSON {
	figs := make([]models.MonthlyFigures, len(trend))
	for i, p := range trend {
		figs[i] = models.MonthlyFigures{Period: p.Period, OutstandingAmount: p.OutstandingAmount, Lenders: p.Lenders}
	}
	return readFigures(figs)
}
