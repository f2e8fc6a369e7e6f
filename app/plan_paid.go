package app

import (
	"context"
	"strconv"

	"pilu/models"
)

// Plan against actual is one rule, models.Plan (Paid, TranchesPaid); this file only shows it: on
// pages (planView), in the API (paidJSON on a plan's detail), in the feed and in the exits export.

// amountView is an amount in fen that the filings may not state (shown as 未披露).
type amountView struct {
	Fen   int64
	Known bool
}

// paidView is a models.Paid for templates.
type paidView struct {
	Amount     amountView
	ShareBP    int
	ShareKnown bool
}

func paidViewOf(p models.Paid) paidView {
	var v paidView
	if p.AmountFen != nil {
		v.Amount = amountView{*p.AmountFen, true}
	}
	if p.ShareBP != nil {
		v.ShareBP, v.ShareKnown = *p.ShareBP, true
	}
	return v
}

// planRow is one tranche of a plan against what was paid against it, with its bars in the chart.
type planRow struct {
	Seq          int
	Date         string
	ShareBP      int // as planned, for a plan in shares
	Planned      amountView
	Paid         paidView
	PlanW, PaidW int64 // bar widths in SVG units (0–200)
	Y            int
}

// planView is a plan against actual as pages show it; every figure comes from models.Plan.
type planView struct {
	models.Plan
	Base    amountView // what a plan in shares applies to
	Planned amountView
	Paid    paidView
	Rows    []planRow
	AsOf    string // the last payment the plan's latest progress report states
	Chart   bool   // amounts are known, so the bars can be drawn
	Height  int    // of the chart, in SVG units
}

func planViewOf(p models.Plan) planView {
	v := planView{Plan: p, Paid: paidViewOf(p.Paid())}
	if p.BaseFen != nil {
		v.Base = amountView{*p.BaseFen, true}
	}
	planned, total, known := p.Planned()
	if known {
		v.Planned = amountView{total, true}
	}
	if p.Progress != nil {
		for _, t := range p.Progress.Tranches {
			v.AsOf = max(v.AsOf, t.Date)
		}
	}
	scale := int64(1)
	for i, paid := range p.TranchesPaid() {
		t := p.Tranches[i]
		row := planRow{Seq: i + 1, Date: t.Date, ShareBP: t.ShareBP, Paid: paidViewOf(paid), Y: i * 28}
		if known {
			row.Planned = amountView{planned[i], true}
			scale = max(scale, planned[i], row.Paid.Amount.Fen)
		}
		v.Rows = append(v.Rows, row)
	}
	v.Chart = known && v.Paid.Amount.Known
	for i := range v.Rows {
		r := &v.Rows[i]
		r.PlanW, r.PaidW = scaled(r.Planned.Fen, scale), scaled(r.Paid.Amount.Fen, scale)
	}
	v.Height = len(v.Rows)*28 + 4
	return v
}

// scaled is n of scale as a bar of at most 200 units.
func scaled(n, scale int64) int64 {
	return int64(float64(n) / float64(scale) * 200)
}

// planOf loads the plan of disclosure version d; ok is false when d states no plan.
func (s *Server) planOf(ctx context.Context, d models.Disclosure) (models.Plan, bool, error) {
	if !d.IsPlan() {
		return models.Plan{}, false, nil
	}
	p, err := s.store.PlanOf(ctx, d)
	return p, err == nil, err
}

// addPaid puts plan against actual into a plan's API answer: paid for the plan and each tranche.
func addPaid(out *disclosureJSON, p models.Plan) {
	paid := p.Paid()
	out.Paid = &paid
	for i, tp := range p.TranchesPaid() {
		out.Tranches[i].Paid = &tp
	}
}

// paidText says what was paid against a plan in one line of Chinese, for the feed and exports.
func paidText(p models.Plan) string {
	paid := p.Paid()
	amount, share := "未披露", "未披露"
	if paid.AmountFen != nil {
		amount = yuan(*paid.AmountFen) + " 元"
	}
	if paid.ShareBP != nil {
		share = bpText(*paid.ShareBP)
	}
	return "实际兑付 " + amount + "（" + share + "）"
}

// bpText shows basis points as a percentage with two decimals, rounded down as shares are.
func bpText(bp int) string {
	return strconv.Itoa(bp/100) + "." + strconv.Itoa(bp%100/10) + strconv.Itoa(bp%10) + "%"
}

// exitRecords is every current plan with what was paid against it, tranche by tranche
// (exits.csv, exits.xlsx): the same figures as /exits, the plan's page and its API detail.
func (s *Server) exitRecords(ctx context.Context) ([][]string, error) {
	out := [][]string{{"统一社会信用代码 uscc", "机构名称 name", "方案 plan", "标题 title", "期次 tranche", "兑付日期 date",
		"计划比例(基点) planned_share_bp", "计划金额(分) planned_amount", "实际兑付(分) paid_amount", "完成比例(基点) paid_share_bp", "进展 progress", "演示数据 demo"}}
	ids, err := s.store.PlanIDs(ctx)
	if err != nil {
		return nil, err
	}
	names := map[uint64]string{}
	for _, id := range ids {
		d, err := s.store.DisclosureByID(ctx, id)
		if err != nil {
			return nil, err
		}
		p, err := s.store.PlanOf(ctx, d)
		if err != nil {
			return nil, err
		}
		if _, ok := names[d.InstitutionID]; !ok {
			in, err := s.store.InstitutionByID(ctx, d.InstitutionID)
			if err != nil {
				return nil, err
			}
			names[d.InstitutionID] = in.Name
		}
		progress := ""
		if p.Progress != nil {
			progress = strconv.FormatUint(p.Progress.ID, 10)
		}
		row := func(seq, date string, shareBP int, planned amountView, paid models.Paid) []string {
			return []string{d.USCC, names[d.InstitutionID], strconv.FormatUint(d.RootID, 10), d.Title, seq, date,
				optInt(shareBP > 0, int64(shareBP)), optInt(planned.Known, planned.Fen), optPtr(paid.AmountFen), optPtr(paid.ShareBP),
				progress, strconv.FormatBool(d.Demo)}
		}
		v := planViewOf(p)
		for i, tp := range p.TranchesPaid() {
			out = append(out, row(strconv.Itoa(i+1), d.Tranches[i].Date, d.Tranches[i].ShareBP, v.Rows[i].Planned, tp))
		}
		out = append(out, row("合计 total", "", 0, v.Planned, p.Paid()))
	}
	return out, nil
}

func optInt(ok bool, n int64) string {
	if !ok {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func optPtr[T int | int64](p *T) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(int64(*p), 10)
}
