package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"pilu/models"
)

// TestKnownItemSearch (issue 16): a query that names an institution outright — its USCC, its website
// as pasted, its brand, the brand's pinyin (spaced or not) or initials — puts the institution first,
// then its open notice, before its own reports; a query naming nothing known changes nothing.
func TestKnownItemSearch(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := map[string]string{"PILU_DEMO": "1"}
			for k, v := range b.env {
				env[k] = v
			}
			ts := newTestServer(t, env)
			ts.drain()
			ctx := context.Background()
			named := func(brand string) models.Institution {
				ins, err := ts.store.InstitutionsNamed(ctx, brand)
				if err != nil || len(ins) != 1 {
					t.Fatalf("brand %s: %d institutions, %v", brand, len(ins), err)
				}
				return ins[0]
			}
			luting := named("鹭汀创投")
			open, _, err := ts.store.ListNotices(ctx, models.NoticeFilter{Kind: models.NoticeZombieList, Status: models.NoticeOpen, Now: ts.now(), PerPage: 1})
			if err != nil || len(open) == 0 {
				t.Fatalf("no open zombie list in the demo: %v", err)
			}
			zn, _ := ts.store.NoticeByID(ctx, open[0].ID)
			listed, _ := ts.store.InstitutionByUSCC(ctx, zn.Institutions[0].USCC)
			site := siteHost(luting.Websites[0])

			type item struct{ Type, ID, Title string }
			search := func(query string) []item {
				r := ts.get("/api/v1/search?q=" + url.QueryEscape(query))
				var res struct{ Items []item }
				if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.StatusCode != 200 {
					t.Fatalf("%q: %d %s", query, r.StatusCode, r.body)
				}
				return res.Items
			}
			for _, q := range []string{luting.USCC, " " + luting.USCC + " ", "https://www." + site + "/", "http://" + site, site, "www." + site,
				"WWW." + site + "/about", "鹭汀创投", "luting", "lu ting", "lu ting chuang tou", "LuTing ChuangTou", "ltct", luting.Name} {
				items := search(q)
				if len(items) == 0 || items[0].Type != "institution" || items[0].ID != luting.USCC {
					t.Errorf("%q: first hit %+v, want institution %s", q, items[:min(len(items), 1)], luting.USCC)
				}
				seen := map[string]bool{}
				for _, it := range items {
					if seen[it.Type+it.ID] {
						t.Errorf("%q: %s %s twice", q, it.Type, it.ID)
					}
					seen[it.Type+it.ID] = true
				}
			}
			for _, brand := range listed.Brands[:1] {
				items := search(brand)
				if len(items) < 2 || items[0].ID != listed.USCC || items[1].Type != "notice" || items[1].ID != fmt.Sprint(zn.ID) {
					t.Errorf("%q: first hits %+v, want institution %s then open notice %d", brand, items[:min(len(items), 2)], listed.USCC, zn.ID)
				}
			}
			// Refused: other sites, pinyin of nothing, and searches narrowed past the known item.
			for _, q := range []string{"other-" + site, site + ".evil.example", "qqqqzz", "lu tingx"} {
				if items := search(q); len(items) > 0 && items[0].ID == luting.USCC {
					t.Errorf("%q found %s first", q, luting.Name)
				}
			}
			r := ts.get("/api/v1/search?q=" + url.QueryEscape(luting.USCC) + "&type=disclosure")
			var res struct{ Items []item }
			json.Unmarshal([]byte(r.body), &res)
			for _, it := range res.Items {
				if it.Type != "disclosure" {
					t.Errorf("type=disclosure answers a %s", it.Type)
				}
			}
			if page := ts.get("/search?q=ltct"); page.StatusCode != 200 || !strings.Contains(page.body, luting.Name) {
				t.Errorf("the search page for ltct: %d", page.StatusCode)
			}
		})
	}
}
