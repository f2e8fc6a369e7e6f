package app

import (
	"fmt"
	"html/template"
	"strings"
)

// figuresChart draws the outstanding balance and the lender count over the months as an inline SVG
// (no JavaScript needed), each line scaled to its own maximum; months where either rose — a break of
// 双降 — are marked in red. The table beside it carries the same numbers for screen readers.
func (v *views) figuresChart(lang string, figs []figuresJSON) template.HTML {
	if len(figs) < 2 {
		return ""
	}
	// 400 units wide: on a 360 px phone the chart is drawn near its own size, so its text stays legible.
	const w, h, left, right, top, bottom = 400.0, 200.0, 8.0, 8.0, 28.0, 24.0
	var maxBal, maxLen int64 = 1, 1
	for _, f := range figs {
		maxBal, maxLen = max(maxBal, f.OutstandingAmount), max(maxLen, f.Lenders)
	}
	x := func(i int) float64 { return left + float64(i)*(w-left-right)/float64(len(figs)-1) }
	y := func(val, top0 int64) float64 { return top + (h-top-bottom)*(1-float64(val)/float64(top0)) }
	var bal, lenders, marks, labels strings.Builder
	for i, f := range figs {
		fmt.Fprintf(&bal, "%.1f,%.1f ", x(i), y(f.OutstandingAmount, maxBal))
		fmt.Fprintf(&lenders, "%.1f,%.1f ", x(i), y(f.Lenders, maxLen))
		if i > 0 && (f.OutstandingAmount > figs[i-1].OutstandingAmount || f.Lenders > figs[i-1].Lenders) {
			fmt.Fprintf(&marks, `<circle cx="%.1f" cy="%.1f" r="5" fill="#b00020"><title>%s %s</title></circle>`,
				x(i), y(f.OutstandingAmount, maxBal), template.HTMLEscapeString(f.Period), template.HTMLEscapeString(v.t(lang, "figures.sj_broken")))
		}
		if every := max(1, (len(figs)+7)/8); i == 0 || i == len(figs)-1 && i%every > every/2 || i%every == 0 {
			anchor := "middle" // the first and last labels stay inside the chart
			if i == 0 {
				anchor = "start"
			} else if i == len(figs)-1 {
				anchor = "end"
			}
			fmt.Fprintf(&labels, `<text x="%.1f" y="%.1f" text-anchor="%s">%s</text>`, x(i), h-8, anchor, template.HTMLEscapeString(f.Period[2:]))
		}
	}
	label := template.HTMLEscapeString(v.t(lang, "chart.figures_label"))
	return template.HTML(fmt.Sprintf(`<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`+
		`<rect x="0" y="0" width="%.0f" height="%.0f" fill="#fff"/>`+
		`<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#d8dde4"/>`+
		`<polyline points="%s" fill="none" stroke="#9b1c1c" stroke-width="2.5"/>`+
		`<polyline points="%s" fill="none" stroke="#0b57a4" stroke-width="2" stroke-dasharray="6 4"/>%s%s`+
		`<rect x="%.0f" y="6" width="14" height="4" fill="#9b1c1c"/><text x="%.0f" y="13">%s</text>`+
		`<rect x="%.0f" y="6" width="14" height="4" fill="#0b57a4"/><text x="%.0f" y="13">%s</text>`+
		`<circle cx="%.0f" cy="8" r="5" fill="#b00020"/><text x="%.0f" y="13">%s</text></svg>`,
		w, h, label, w, h, left, h-bottom, w-right, h-bottom, bal.String(), lenders.String(), marks.String(), labels.String(),
		left, left+18, template.HTMLEscapeString(v.t(lang, "figures.outstanding_amount")),
		left+150, left+168, template.HTMLEscapeString(v.t(lang, "figures.lenders")),
		left+272, left+282, template.HTMLEscapeString(v.t(lang, "figures.sj_broken"))))
}

// classColours are the colours of the classes in charts, from the gravest (dark red) to normal (green).
var classColours = map[string]string{"case_filed": "#8b0000", "malicious_exit": "#c0392b", "voluntary_exit": "#d35400",
	"zombie": "#6c757d", "small": "#16a085", "high_risk": "#b7950b", "normal": "#27ae60", "unclassified": "#aab2bd"}

// classesChart draws the institutions of each province by class as horizontal stacked bars in an
// inline SVG (no script, a few kilobytes; 400 units wide, so its text keeps its size on a phone);
// each segment has a title with its number. The table under it carries the same numbers.
func (v *views) classesChart(lang string, st statsAnswer) template.HTML {
	if len(st.Provinces) == 0 {
		return ""
	}
	const w, rowH, nameW, right, legendRowH, perLegendRow = 400.0, 22.0, 84.0, 30.0, 18.0, 3
	legendRows := (len(st.Classes) + perLegendRow - 1) / perLegendRow
	top := float64(legendRows)*legendRowH + 8
	h := top + float64(len(st.Provinces))*rowH + 4
	var maxTotal int64 = 1
	for _, p := range st.Provinces {
		maxTotal = max(maxTotal, p.Total)
	}
	var b strings.Builder
	label := template.HTMLEscapeString(v.t(lang, "stats.chart_title"))
	fmt.Fprintf(&b, `<svg class="chart classes-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, label)
	for i, c := range st.Classes {
		x, y := float64(i%perLegendRow)*(w/perLegendRow), float64(i/perLegendRow)*legendRowH+4
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/><text x="%.0f" y="%.0f">%s</text>`,
			x, y, classColours[c], x+16, y+11, template.HTMLEscapeString(v.t(lang, "class."+c)))
	}
	scale := (w - nameW - right) / float64(maxTotal)
	for i, p := range st.Provinces {
		y := top + float64(i)*rowH
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`, nameW-6, y+15, template.HTMLEscapeString(p.Name))
		x := nameW
		for _, c := range st.Classes {
			n := p.Classes[c]
			if n == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="%s"><title>%s %s: %d</title></rect>`,
				x, y+3, float64(n)*scale, rowH-6, classColours[c], template.HTMLEscapeString(p.Name), template.HTMLEscapeString(v.t(lang, "class."+c)), n)
			x += float64(n) * scale
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%d</text>`, x+4, y+15, p.Total)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
