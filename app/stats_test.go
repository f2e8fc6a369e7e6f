package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

func TestStatsPageAPIAndFlags(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			today := ts.clock.t
			ts.clock.t = time.Date(2026, 8, 3, 9, 0, 0, 0, models.ChinaZone) // put on the list in August: it owes reports from August on
			a := ts.seedInstitution("440106", "TT0000001", "广州甲网贷有限公司", "440000", "甲贷")
			ts.seedInstitution("440106", "TT0000002", "广州乙网贷有限公司", "440000", "乙贷")
			ts.seedInstitution("110105", "TT0000003", "北京丙网贷有限公司", "110000", "丙贷")
			ts.clock.t = today
			if _, err := ts.store.Classify(ctx, a, "voluntary_exit", "发布退出公告", nil, "o", ts.now()); err != nil {
				t.Fatal(err)
			}
			// Monthly data: 2026-08 on time, 2026-09 missing, 2026-10 a day late with the balance up.
			file := func(period string, at time.Time, balance int64) {
				f := &models.MonthlyFigures{OutstandingAmount: balance, OutstandingCount: 5, LargestAmount: balance / 4, Top10Amount: balance,
					Lenders: 10, CumLendingAmount: 1e9, CumLendingCount: 50, CumLenders: 100, CumBorrowers: 20}
				if _, err := ts.store.FileDisclosure(ctx, a, models.NewDisclosure{Kind: "monthly_data", Period: period, Figures: f}, "f", at); err != nil {
					t.Fatal(err)
				}
			}
			file("2026-08", time.Date(2026, 9, 2, 10, 0, 0, 0, models.ChinaZone), 1000)
			due, _ := models.DefaultCalendar().MonthlyReportDue("2026-10")
			file("2026-10", due.End().Add(time.Hour), 2000)
			var st statsAnswer
			r := ts.get("/api/v1/stats")
			if err := json.Unmarshal([]byte(r.body), &st); err != nil || st.Total != 3 || len(st.Provinces) != 2 {
				t.Fatalf("stats: %v %s", err, r.body)
			}
			gd := st.Provinces[1]
			if gd.Province != "440000" || gd.Total != 2 || gd.Exposed != 1 || gd.Classes["voluntary_exit"] != 1 || gd.SJReporting != 1 || gd.SJHeld != 0 || gd.Reporting != 2 || gd.ReportingOK != 0 {
				t.Fatalf("Guangdong: %+v", gd)
			}
			if len(st.Trend) == 0 || st.Trend[len(st.Trend)-1].Reporting == 0 {
				t.Errorf("the 双降 trend is empty: %+v", st.Trend)
			}
			if r := ts.get("/api/v1/stats?province=99"); r.StatusCode != 400 {
				t.Errorf("a trend of province 99: %d", r.StatusCode)
			}
			if r := ts.get("/stats?province=440000"); r.StatusCode != 200 || !strings.Contains(r.body, "双降趋势") || !strings.Contains(r.body, `<option value="440000" selected>`) {
				t.Errorf("/stats?province=440000: %d, no trend of Guangdong", r.StatusCode)
			}
			page := ts.get("/stats")
			for _, want := range []string{`<svg class="riskmap"`, `href="/institutions?province=440000"`, "广东省：已出险 1 家，共 2 家", `class="chart classes-chart"`, "广东省 主动清退类: 1", "0 / 2 (0.0%)"} {
				if !strings.Contains(page.body, want) {
					t.Errorf("/stats lacks %q", want)
				}
			}
			if strings.Contains(page.body, "<script") && strings.Contains(page.body, "echarts") {
				t.Error("/stats loads a chart library: its chart is drawn on the server")
			}
			inst := ts.get("/institutions/" + a.USCC)
			for _, want := range []string{"2026年10月 未实现双降", "2026年9月 运营数据未披露", "2026年10月 运营数据逾期 1 天披露"} {
				if !strings.Contains(inst.body, want) {
					t.Errorf("the institution page lacks the flag %q", want)
				}
			}
			var one struct {
				Flags []flagJSON `json:"flags"`
			}
			json.Unmarshal([]byte(ts.get("/api/v1/institutions/"+a.USCC+"?lang=en").body), &one)
			if len(one.Flags) != 3 || one.Flags[0].Period != "2026-10" || !strings.Contains(one.Flags[len(one.Flags)-1].Text, "Sep 2026") {
				t.Fatalf("API flags: %+v", one.Flags)
			}
		})
	}
}
