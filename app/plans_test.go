package app

import (
	"strings"
	"testing"

	"pilu/app/demo"
	"pilu/models/dbtest"
)

// TestPagesReadDisclosuresThroughIndexes renders the pages that list disclosures over a generated
// corpus of a few thousand and asks SQLite and MariaDB how they run every query behind them: none may
// read the whole disclosures table (a cold institution page once did, twice, 1.1 s at 100k). Newest-
// first lists may walk the date index, which their LIMIT stops.
func TestPagesReadDisclosuresThroughIndexes(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ts := newTestServer(t, b.env)
			set := ts.publishAll("MA5PL0001")
			if err := demo.Generate(t.Context(), ts.store, demo.Corpus{Institutions: 60, Disclosures: 4000, Seed: 7}); err != nil {
				t.Fatal(err)
			}
			analyze := "ANALYZE"
			if ts.store.Dialect() == "mysql" {
				analyze = "ANALYZE TABLE disclosures, institutions"
			}
			if err := dbtest.Handle(t.Context(), ts.store).Exec(analyze).Error; err != nil {
				t.Fatal(err)
			}
			log := dbtest.RecordQueries(t, ts.store)
			uscc := set.in.USCC
			for _, path := range []string{"/", "/institutions/" + uscc, "/api/v1/institutions/" + uscc,
				"/api/v1/institutions/" + uscc + "/disclosures", "/exits", "/feeds/disclosures.atom", "/feeds/disclosures.atom?institution=" + uscc} {
				var status int
				queries := log.During(func() { status = ts.get(path).StatusCode })
				if status != 200 || len(queries) == 0 {
					t.Fatalf("%s: %d after %d queries", path, status, len(queries))
				}
				for _, q := range queries {
					if bad := dbtest.FullScans(t, ts.store, q, []string{"disclosures", "newer"}, true); len(bad) > 0 {
						t.Errorf("%s: %.300s\nreads every disclosure: %v", path, q.SQL, bad)
					}
					if strings.Contains(q.SQL, "LIMIT") {
						continue // the rows read stop at the page's
					}
					if bad := dbtest.RowReads(t, ts.store, q, []string{"disclosures"}); len(bad) > 0 {
						t.Errorf("%s: %.300s\nreads a row for every index entry it selects: %v", path, q.SQL, bad)
					}
				}
			}
		})
	}
}
