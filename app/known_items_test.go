package app

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sync"
	"testing"

	"pilu/models"
	"pilu/search"
)

// firstHit searches the API for query and returns the first item's type and id ("" when none).
func (ts *testServer) firstHit(query string) (typ, id string) {
	ts.t.Helper()
	r := ts.get("/api/v1/search?q=" + url.QueryEscape(query))
	var res struct{ Items []struct{ Type, ID string } }
	if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.StatusCode != 200 {
		ts.t.Fatalf("%q: %d %s", query, r.StatusCode, r.body)
	}
	if len(res.Items) == 0 {
		return "", ""
	}
	return res.Items[0].Type, res.Items[0].ID
}

// TestKnownItemsFollowWrites (issue 19.6): known items come from memory, and a write is seen by the
// next search — a new institution is found first by its brand, legal name, credit code, website and
// pinyin before the indexer has run, and after its brand is renamed the old brand no longer names it
// and the new one does — on each database and with each search engine.
func TestKnownItemsFollowWrites(t *testing.T) {
	for _, b := range backends(t) {
		for _, engine := range search.Engines {
			t.Run(b.name+"/"+engine, func(t *testing.T) {
				env := maps.Clone(b.env)
				env["PILU_SEARCH_ENGINE"] = engine
				ts := newTestServer(t, env)
				ctx := context.Background()
				// One database serves both engines' subtests: each has names of its own.
				n := map[string]struct {
					org, brand, name, renamed, site string
					keys, newKeys                   []string
				}{
					search.EnginePilu: {"MA0019061", "甲乙贷", "福州甲乙网络科技有限公司", "丙丁贷", "www.ma0019061.example.cn",
						[]string{"jiayi", "jia yi dai", "jyd"}, []string{"bingding", "bdd"}},
					search.EngineBleve: {"MA0019062", "戊己贷", "福州戊己网络科技有限公司", "庚辛贷", "www.ma0019062.example.cn",
						[]string{"wuji", "wu ji dai", "wjd"}, []string{"gengxin", "gxd"}},
				}[engine]
				if typ, _ := ts.firstHit(n.brand); typ != "" {
					t.Fatalf("an empty portal finds %s for %s", typ, n.brand)
				}
				in := ts.seedInstitution("350100", n.org, n.name, "350000", n.brand)
				for _, q := range append([]string{n.brand, in.Name, in.USCC, n.site}, n.keys...) {
					if typ, id := ts.firstHit(q); typ != "institution" || id != in.USCC {
						t.Errorf("%q right after the institution was created: first hit %s %s, want institution %s", q, typ, id, in.USCC)
					}
				}
				ni := models.NewInstitution{USCC: in.USCC, Name: in.Name, Province: in.Province, Brands: []string{n.renamed}, Websites: in.Websites}
				if _, err := ts.store.UpdateInstitution(ctx, in, ni, ts.now()); err != nil {
					t.Fatal(err)
				}
				// The index is brought up to date by the indexer a moment later; the known items at once.
				for _, q := range append([]string{n.brand}, n.keys[2:]...) {
					if ins, _, err := ts.knownInstitutions(ctx, q); err != nil || len(ins) > 0 {
						t.Errorf("%q still names %d institutions right after the rename (%v)", q, len(ins), err)
					}
				}
				for _, q := range append([]string{n.renamed, in.USCC}, n.newKeys...) {
					if typ, id := ts.firstHit(q); typ != "institution" || id != in.USCC {
						t.Errorf("%q right after the rename: first hit %s %s, want institution %s", q, typ, id, in.USCC)
					}
				}
				ts.drain()
				if typ, id := ts.firstHit(n.brand); typ == "institution" && id == in.USCC {
					t.Errorf("%s still names %s after its brand was renamed", n.brand, in.USCC)
				}
			})
		}
	}
}

// TestKnownItemsAgreeWithStore: the lookup in memory answers what the database's queries answer for
// every name, brand and website of the demo's institutions, and lists the same published notices.
func TestKnownItemsAgreeWithStore(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := maps.Clone(b.env)
			env["PILU_DEMO"] = "1"
			ts := newTestServer(t, env)
			ctx := context.Background()
			tab, err := ts.known.current(ctx)
			if err != nil {
				t.Fatal(err)
			}
			usccs := func(ins []*models.Institution) []string {
				var out []string
				for _, in := range ins {
					out = append(out, in.USCC)
				}
				return out
			}
			listed := 0
			for _, in := range tab.byUSCC {
				for _, name := range append([]string{in.Name, " " + in.Name + " "}, in.Brands...) {
					want, err := ts.store.InstitutionsNamed(ctx, name)
					if err != nil {
						t.Fatal(err)
					}
					var wantUSCC []string
					for _, w := range want {
						wantUSCC = append(wantUSCC, w.USCC)
					}
					if got := usccs(tab.named(name)); !slices.Equal(got, wantUSCC) {
						t.Errorf("%q: in memory %v, in the database %v", name, got, wantUSCC)
					}
				}
				for _, site := range in.Websites {
					want, err := ts.store.InstitutionsWithWebsite(ctx, siteHost(site), siteHost)
					if err != nil {
						t.Fatal(err)
					}
					var wantUSCC []string
					for _, w := range want {
						wantUSCC = append(wantUSCC, w.USCC)
					}
					if got := usccs(tab.byHost[siteHost(site)]); !slices.Equal(got, wantUSCC) {
						t.Errorf("%q: in memory %v, in the database %v", site, got, wantUSCC)
					}
				}
				want, err := ts.store.NoticesListing(ctx, in.ID)
				if err != nil {
					t.Fatal(err)
				}
				var wantIDs, gotIDs []uint64
				for _, n := range want {
					wantIDs = append(wantIDs, n.ID)
				}
				for _, n := range tab.notices[in.ID] {
					gotIDs = append(gotIDs, n.ID)
				}
				slices.Sort(wantIDs)
				slices.Sort(gotIDs)
				if !slices.Equal(gotIDs, wantIDs) {
					t.Errorf("%s: notices listing it in memory %v, in the database %v", in.Name, gotIDs, wantIDs)
				}
				listed += len(gotIDs)
			}
			if len(tab.byUSCC) < 10 || listed == 0 || len(tab.brands) < 10 {
				t.Fatalf("the demo's lookup holds %d institutions, %d brands, %d listings", len(tab.byUSCC), len(tab.brands), listed)
			}
		})
	}
}

// TestKnownItemsConcurrent: searches naming institutions while others are created and renamed find
// each one as soon as its write has returned (run with -race).
func TestKnownItemsConcurrent(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.drain() // the first index is built
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := ts.runSearch(ctx, search.Query{Text: "甲乙贷", PerPage: 20}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 8 {
		brand := fmt.Sprintf("甲乙贷%d", i)
		in := ts.seedInstitution("350100", fmt.Sprintf("MA%07d", i), fmt.Sprintf("福州甲乙%d网络科技有限公司", i), "350000", brand)
		res, err := ts.runSearch(ctx, search.Query{Text: brand, PerPage: 20})
		if err != nil || len(res.Hits) == 0 || res.Hits[0].ID != in.USCC {
			t.Errorf("%s right after it was created: %+v, %v", brand, res, err)
		}
	}
	close(stop)
	wg.Wait()
}
