package app

import (
	"fmt"
	"html/template"
	"strings"

	"pilu/models"
)

// riskTiles places every office's division on a tile grid shaped like China (column, row).
var riskTiles = map[string][2]int{
	"230000": {8, 0}, "150000": {6, 1}, "220000": {8, 1},
	"650000": {1, 2}, "620000": {3, 2}, "640000": {4, 2}, "140000": {5, 2}, "110000": {6, 2}, "210000": {7, 2}, "210200": {8, 2},
	"540000": {1, 3}, "630000": {2, 3}, "610000": {4, 3}, "130000": {5, 3}, "120000": {6, 3}, "370000": {7, 3}, "370200": {8, 3},
	"510000": {2, 4}, "500000": {3, 4}, "420000": {4, 4}, "410000": {5, 4}, "340000": {6, 4}, "320000": {7, 4}, "310000": {8, 4},
	"530000": {2, 5}, "520000": {3, 5}, "430000": {4, 5}, "360000": {5, 5}, "330000": {6, 5}, "330200": {7, 5},
	"450000": {3, 6}, "440000": {4, 6}, "440300": {5, 6}, "350000": {6, 6}, "350200": {7, 6}, "710000": {8, 6},
	"460000": {3, 7}, "820000": {4, 7}, "810000": {5, 7},
}

// riskColours are the fills of the map's buckets: no institutions, then the share of exposed
// institutions (已出险) under 10%, 25%, 50% and from 50%.
var riskColours = []string{"#eef0f3", "#fde9d9", "#f9b98c", "#ec7d45", "#b53a1a"}

// riskBucket returns the colour bucket of a province: 0 without institutions, 1–4 by exposed share.
func riskBucket(p models.ProvinceStats) int {
	switch {
	case p.Total == 0:
		return 0
	case p.Exposed*10 < p.Total:
		return 1
	case p.Exposed*4 < p.Total:
		return 2
	case p.Exposed*2 < p.Total:
		return 3
	}
	return 4
}

// riskMap draws the risk map (风险图谱) as an SVG tile grid: each division a square linking to its
// institutions, coloured by the share of exposed institutions, with its name and share as text and
// a legend; it needs no script.
func (s *Server) riskMap(lang string, st statsAnswer) template.HTML {
	byCode := map[string]models.ProvinceStats{}
	for _, p := range st.Provinces {
		byCode[p.Province] = p.ProvinceStats
	}
	const size, gap = 64, 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="riskmap" viewBox="0 0 %d %d" role="group" aria-labelledby="riskmap-title"><title id="riskmap-title">%s</title>`,
		10*(size+gap), 9*(size+gap)+76, template.HTMLEscapeString(s.views.t(lang, "stats.map_label")))
	for _, d := range models.Divisions() {
		pos := riskTiles[d.Code]
		p := byCode[d.Code]
		x, y := pos[0]*(size+gap), pos[1]*(size+gap)
		share := "—"
		if p.Total > 0 {
			share = fmt.Sprintf("%d%%", p.Exposed*100/p.Total)
		}
		name := provinceName(lang, d.Code)
		// Type sizes are in map units: the map is drawn at about half its size on a 360 px phone, so
		// a two-character name of 22 units reads at 11 px or more.
		short, fontSize := plainName(d.Name), 22
		if len([]rune(short)) > 2 {
			fontSize = 19
		}
		if lang == "en" { // Latin names are longer than the one-character abbreviations: smaller type
			short, fontSize = d.NameEN, 15
			if len(short) > 7 {
				short = short[:6] + "."
			}
		}
		bucket := riskBucket(p)
		text := "#1a1a1a"
		if bucket >= 3 {
			text = "#fff"
		}
		fmt.Fprintf(&b, `<a href="/institutions?province=%s"><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" rx="6" fill="%s" stroke="#9aa3ad"/>`+
			`<text x="%d" y="%d" text-anchor="middle" fill="%s" font-size="%d">%s</text><text x="%d" y="%d" text-anchor="middle" fill="%s" font-size="17">%s</text></a>`,
			d.Code, template.HTMLEscapeString(s.views.t(lang, "stats.map_tile", name, p.Exposed, p.Total)), x, y, size, size, riskColours[bucket],
			x+size/2, y+30, text, fontSize, template.HTMLEscapeString(short), x+size/2, y+54, text, share)
	}
	ly := 9*(size+gap) + 8
	for i, key := range []string{"stats.legend_none", "stats.legend_10", "stats.legend_25", "stats.legend_50", "stats.legend_high"} {
		lx, lyi := (i%3)*226, ly+(i/3)*34 // three a row, in type a phone can read
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="22" height="22" fill="%s" stroke="#9aa3ad"/><text x="%d" y="%d" font-size="19">%s</text>`,
			lx, lyi, riskColours[i], lx+30, lyi+18, template.HTMLEscapeString(s.views.t(lang, key)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// plainName is a division's name as people say it on a map: 广西壮族自治区 → 广西, 青岛市 → 青岛.
func plainName(name string) string {
	for _, suffix := range []string{"特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"} {
		if n, ok := strings.CutSuffix(name, suffix); ok {
			return n
		}
	}
	return name
}
