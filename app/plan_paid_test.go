package app

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"pilu/app/demo"
	"pilu/models"
	"pilu/models/dbtest"
)

// TestPlanAgainstActualEverywhere: /exits, the plan's page, the institution page, the API detail, the
// disclosure feed and exits.csv show the same plan against actual (models.Plan): per plan and per
// tranche, from the plan's latest progress report only, in yuan and in percent.
func TestPlanAgainstActualEverywhere(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			in := ts.seedInstitution("440106", "MA5D0AMD1", "广州甲网贷信息服务有限公司", "440000", "甲贷")
			file := func(nd models.NewDisclosure) models.Disclosure {
				t.Helper()
				d, err := ts.store.FileDisclosure(ctx, in, nd, "t", ts.now())
				if err != nil {
					t.Fatal(err)
				}
				ts.clock.t = ts.clock.t.Add(time.Minute)
				return d
			}
			day := models.DateOf(ts.now()).AddDays(-3).String()
			pay := func(fen ...int64) []models.Tranche {
				var out []models.Tranche
				for _, f := range fen {
					out = append(out, models.Tranche{Date: day, AmountFen: f})
				}
				return out
			}
			const wan = 10000_00
			old := file(models.NewDisclosure{Kind: "repayment_plan", Title: "甲贷旧兑付方案", Tranches: []models.Tranche{{Date: "2027-01-31", AmountFen: 500 * wan}}})
			file(models.NewDisclosure{Kind: "repayment_progress", Title: "旧方案进展", Tranches: pay(100*wan, 100*wan, 100*wan)})
			plan := file(models.NewDisclosure{Kind: "repayment_plan", Title: "甲贷兑付方案", Tranches: []models.Tranche{
				{Date: "2027-01-31", AmountFen: 2000 * wan}, {Date: "2027-06-30", AmountFen: 3000 * wan}, {Date: "2027-12-31", AmountFen: 4800 * wan}}})
			file(models.NewDisclosure{Kind: "repayment_progress", Title: "甲贷第1期兑付进展", Tranches: pay(1850 * wan)})
			base := int64(10000 * wan)
			shares := file(models.NewDisclosure{Kind: "exit_announcement", Title: "甲贷按比例兑付公告", BaseFen: &base,
				Tranches: []models.Tranche{{Date: "2027-01-31", ShareBP: 4000}, {Date: "2027-06-30", ShareBP: 6000}}})
			file(models.NewDisclosure{Kind: "repayment_progress", Title: "按比例方案进展1", Tranches: pay(2000 * wan)})
			file(models.NewDisclosure{Kind: "repayment_progress", Title: "按比例方案进展2", Tranches: pay(2000*wan, 2700*wan), PlanID: &shares.ID})

			// The API's detail: paid for the plan and each tranche.
			type paidJSON struct{ Amount, ShareBP *int64 }
			detail := func(id uint64) (paid paidJSON, tranches []paidJSON) {
				t.Helper()
				var out struct {
					Paid     *struct{ Amount, Share_BP *int64 } `json:"paid"`
					Tranches []struct {
						Paid *struct{ Amount, Share_BP *int64 } `json:"paid"`
					} `json:"tranches"`
				}
				r := ts.get(fmt.Sprintf("/api/v1/disclosures/%d", id))
				if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.Paid == nil {
					t.Fatalf("%d: %v %s", r.StatusCode, err, r.body)
				}
				for _, tr := range out.Tranches {
					tranches = append(tranches, paidJSON{tr.Paid.Amount, tr.Paid.Share_BP})
				}
				return paidJSON{out.Paid.Amount, out.Paid.Share_BP}, tranches
			}
			num := func(p paidJSON) string { return fmt.Sprintf("%d/%d", *p.Amount, *p.ShareBP) }
			cases := []struct {
				plan     models.Disclosure
				paid     string
				tranches []string
			}{
				{old, fmt.Sprint(300*wan, "/6000"), []string{fmt.Sprint(300*wan, "/6000")}},
				{plan, fmt.Sprint(1850*wan, "/1887"), []string{fmt.Sprint(1850*wan, "/9250"), "0/0", "0/0"}},
				{shares, fmt.Sprint(4700*wan, "/4700"), []string{fmt.Sprint(4000*wan, "/10000"), fmt.Sprint(700*wan, "/1166")}},
			}
			for _, c := range cases {
				paid, tranches := detail(c.plan.ID)
				if num(paid) != c.paid {
					t.Errorf("%s: API paid %s, want %s", c.plan.Title, num(paid), c.paid)
				}
				for i, tp := range tranches {
					if num(tp) != c.tranches[i] {
						t.Errorf("%s tranche %d: API paid %s, want %s", c.plan.Title, i+1, num(tp), c.tranches[i])
					}
				}
			}

			// Pages: /exits, the plan's page and the institution page (its latest plan).
			for path, want := range map[string][]string{
				"/exits":                                  {"18,500,000.00", "18.87%", "92.50%", "47.00%", "11.66%", "40,000,000.00 (40.00%)", "3,000,000.00", "60.00%"},
				fmt.Sprintf("/disclosures/%d", plan.ID):   {"18,500,000.00", "18.87%", "92.50%", "98,000,000.00"},
				fmt.Sprintf("/disclosures/%d", shares.ID): {"47,000,000.00", "47.00%", "100,000,000.00"},
				"/institutions/" + in.USCC:                {"甲贷按比例兑付公告", "47,000,000.00", "47.00%"},
			} {
				body := ts.get(path).body
				for _, w := range want {
					if !strings.Contains(body, w) {
						t.Errorf("%s lacks %q", path, w)
					}
				}
				if strings.Contains(body, "143,500,000.00") || strings.Contains(body, "—%") {
					t.Errorf("%s shows a sum of every progress report", path)
				}
			}

			// The feed and the export say the same.
			feed := ts.get("/feeds/disclosures.atom").body
			for _, w := range []string{"实际兑付 18,500,000.00 元（18.87%）", "实际兑付 47,000,000.00 元（47.00%）", "实际兑付 3,000,000.00 元（60.00%）"} {
				if !strings.Contains(feed, w) {
					t.Errorf("the feed lacks %q", w)
				}
			}
			dump := ts.get("/exports/dump/disclosures.ndjson.gz")
			zr, err := gzip.NewReader(strings.NewReader(dump.body))
			if err != nil {
				t.Fatalf("dump: %d %v", dump.StatusCode, err)
			}
			inDump := ""
			sc := bufio.NewScanner(zr)
			sc.Buffer(nil, 1<<24)
			for sc.Scan() {
				var rec struct {
					ID   uint64                             `json:"id"`
					Paid *struct{ Amount, Share_BP *int64 } `json:"paid"`
				}
				if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.ID == plan.ID && rec.Paid != nil {
					inDump = num(paidJSON{rec.Paid.Amount, rec.Paid.Share_BP})
				}
			}
			if inDump != cases[1].paid {
				t.Errorf("the dump says %q paid against %s, want %s", inDump, plan.Title, cases[1].paid)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(ts.get("/exports/exits.csv").body, "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range rows[1:] {
				got[r[2]+"#"+r[4]] = r[7] + "/" + r[8] + "/" + r[9]
			}
			for key, want := range map[string]string{
				fmt.Sprintf("%d#1", plan.ID):          fmt.Sprint(2000*wan, "/", 1850*wan, "/9250"),
				fmt.Sprintf("%d#合计 total", plan.ID):   fmt.Sprint(9800*wan, "/", 1850*wan, "/1887"),
				fmt.Sprintf("%d#2", shares.ID):        fmt.Sprint(6000*wan, "/", 700*wan, "/1166"),
				fmt.Sprintf("%d#合计 total", shares.ID): fmt.Sprint(10000*wan, "/", 4700*wan, "/4700"),
			} {
				if got[key] != want {
					t.Errorf("exits.csv %s: %q, want %q", key, got[key], want)
				}
			}
		})
	}
}

// TestPlanAgainstActualReadsThroughIndexes: finding a plan's latest progress report reads the
// disclosures through their indexes (plan, institution, amends), never the whole table.
func TestPlanAgainstActualReadsThroughIndexes(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			if err := demo.Generate(t.Context(), ts.store, demo.Corpus{Institutions: 60, Disclosures: 4000, Seed: 7}); err != nil {
				t.Fatal(err)
			}
			in := ts.seedInstitution("440106", "MA5D0AMD1", "广州甲网贷信息服务有限公司", "440000", "甲贷")
			day := models.DateOf(ts.now()).AddDays(-3).String()
			plan, err := ts.store.FileDisclosure(t.Context(), in, models.NewDisclosure{Kind: "repayment_plan", Title: "甲贷兑付方案",
				Tranches: []models.Tranche{{Date: "2027-01-31", AmountFen: 100_00}}}, "t", ts.now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.store.FileDisclosure(t.Context(), in, models.NewDisclosure{Kind: "repayment_progress", Title: "甲贷兑付进展",
				Tranches: []models.Tranche{{Date: day, AmountFen: 50_00}}}, "t", ts.now()); err != nil {
				t.Fatal(err)
			}
			analyze := "ANALYZE"
			if ts.store.Dialect() == "mysql" {
				analyze = "ANALYZE TABLE disclosures, institutions, tranches"
			}
			if err := dbtest.Handle(t.Context(), ts.store).Exec(analyze).Error; err != nil {
				t.Fatal(err)
			}
			log := dbtest.RecordQueries(t, ts.store)
			for _, path := range []string{"/exits", "/institutions/" + in.USCC, fmt.Sprintf("/disclosures/%d", plan.ID), fmt.Sprintf("/api/v1/disclosures/%d", plan.ID)} {
				var r response
				queries := log.During(func() { r = ts.get(path) })
				if r.StatusCode != 200 || !strings.Contains(r.body, "50") {
					t.Fatalf("%s: %d", path, r.StatusCode)
				}
				for _, q := range queries {
					if bad := dbtest.FullScans(t, ts.store, q, []string{"disclosures", "newer"}, true); len(bad) > 0 {
						t.Errorf("%s: %.300s\nreads every disclosure: %v", path, q.SQL, bad)
					}
				}
			}
		})
	}
}
