package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"pilu/models"
)

func TestExitsPage(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			ctx := context.Background()
			gd := ts.seedInstitution("440106", "MA5D0AMD1", "深圳甲网贷信息服务有限公司", "440000", "甲贷")
			bj := ts.seedInstitution("110105", "MA5D0AMD2", "北京乙网贷信息服务有限公司", "110000", "乙贷")
			base := int64(1_000_000_00)
			file := func(in models.Institution, nd models.NewDisclosure) {
				if _, err := ts.store.FileDisclosure(ctx, in, nd, "t", ts.now()); err != nil {
					t.Fatal(err)
				}
				ts.clock.t = ts.clock.t.Add(time.Minute)
			}
			file(gd, models.NewDisclosure{Kind: "repayment_plan", Title: "甲贷兑付方案", BaseFen: &base, Tranches: []models.Tranche{{Date: "2026-10-31", ShareBP: 3000}, {Date: "2027-03-31", ShareBP: 7000}}})
			file(gd, models.NewDisclosure{Kind: "repayment_progress", Title: "甲贷兑付进展", Tranches: []models.Tranche{{Date: "2026-10-30", ShareBP: 2500}}})
			file(bj, models.NewDisclosure{Kind: "exit_announcement", Title: "乙贷退出公告"})
			cases := []struct {
				path   string
				status int
				want   []string
				not    []string
			}{
				{"/exits", 200, []string{"甲贷兑付方案", "乙贷退出公告", "<svg", "300,000.00 (30.00%)", "250,000.00", "83.33%", "25.00%", "1,000,000.00", "依据"}, []string{"甲贷兑付进展</a></h2>"}},
				{"/exits?province=110000", 200, []string{"乙贷退出公告"}, []string{"甲贷兑付方案"}},
				{"/exits?province=990000", 400, nil, nil},
				{"/exits?lang=en", 200, []string{"Planned", "Repaid"}, nil},
			}
			for _, c := range cases {
				r := ts.get(c.path)
				if r.StatusCode != c.status {
					t.Fatalf("%s: %d", c.path, r.StatusCode)
				}
				for _, w := range c.want {
					if !strings.Contains(r.body, w) {
						t.Errorf("%s lacks %q", c.path, w)
					}
				}
				for _, w := range c.not {
					if strings.Contains(r.body, w) {
						t.Errorf("%s shows %q", c.path, w)
					}
				}
			}
			if r := ts.get("/exits"); strings.Index(r.body, "乙贷退出公告") > strings.Index(r.body, "甲贷兑付方案") {
				t.Error("newest first")
			}
		})
	}
}
