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

// TestSearchOpenNoticeBanner (issue 16): a search whose results name an institution on an open
// zombie list shows that list's banner — the notice, the last day, the days left as of the page's
// date and 申报债权 for that institution — above the results, whose first hits are the institution
// and then the notice; a search naming no listed institution shows none.
func TestSearchOpenNoticeBanner(t *testing.T) {
	ts := newTestServer(t, map[string]string{"PILU_DEMO": "1"})
	ts.drain()
	ctx := context.Background()
	open, _, err := ts.store.ListNotices(ctx, models.NoticeFilter{Kind: models.NoticeZombieList, Status: models.NoticeOpen, Now: ts.now(), PerPage: 1})
	if err != nil || len(open) == 0 {
		t.Fatalf("no open zombie list in the demo: %v", err)
	}
	zn, _ := ts.store.NoticeByID(ctx, open[0].ID)
	listed, _ := ts.store.InstitutionByUSCC(ctx, zn.Institutions[0].USCC)
	claim := fmt.Sprintf(`href="/notices/%d/claims/new?institution=%s"`, zn.ID, listed.USCC)
	for _, c := range []struct{ q, lang, left string }{
		{listed.Brands[0], "zh", "距截止还有"}, {listed.USCC, "zh", "距截止还有"}, {listed.Brands[0], "en", "left"}} {
		r := ts.get("/search?q=" + url.QueryEscape(c.q) + "&lang=" + c.lang)
		banner, results := strings.Index(r.body, `class="banner open-notice"`), strings.Index(r.body, `<ul class="plain results">`)
		if r.StatusCode != 200 || banner < 0 || results < banner {
			t.Fatalf("%q: %d, banner at %d, results at %d", c.q, r.StatusCode, banner, results)
		}
		b := r.body[banner:results]
		for _, want := range []string{claim, fmt.Sprintf(`href="/notices/%d"`, zn.ID), `href="/institutions/` + listed.USCC + `"`, c.left, "countdown-asof", zn.LastDay[:4]} {
			if !strings.Contains(b, want) {
				t.Errorf("%q (%s): the banner has no %s: %s", c.q, c.lang, want, trimTo(b, 600))
			}
		}
		first := r.body[results:]
		inst, notice := strings.Index(first, `href="/institutions/`+listed.USCC+`"`), strings.Index(first, fmt.Sprintf(`href="/notices/%d"`, zn.ID))
		if inst < 0 || notice < inst || strings.Index(first, `href="/disclosures/`) >= 0 && strings.Index(first, `href="/disclosures/`) < notice {
			t.Errorf("%q: the institution (%d) and its open notice (%d) are not the first results", c.q, inst, notice)
		}
	}
	for _, q := range []string{"鹭汀创投", "本金兑付"} {
		if r := ts.get("/search?q=" + url.QueryEscape(q)); r.StatusCode != 200 || strings.Contains(r.body, "open-notice") {
			t.Errorf("%q: %d, banner shown: %v", q, r.StatusCode, strings.Contains(r.body, "open-notice"))
		}
	}
}
