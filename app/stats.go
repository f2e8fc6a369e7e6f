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
}

// stats computes the numbers of every province as of now.
func (s *Server) stats(c *fiber.Ctx) (statsAnswer, error) {
	list, err := s.store.RegistryStats(c.UserContext(), "", s.now())
	if err != nil {
		return statsAnswer{}, err
	}
	out := statsAnswer{Classes: models.Classes, Provinces: []provinceStatsJSON{}}
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
	Chart template.HTML // the classes by province, an inline SVG
	Map   template.HTML
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
		Chart: s.views.classesChart(lang, st), Map: s.riskMap(lang, st)}})
}
