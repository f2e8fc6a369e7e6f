package models_test

import (
	"fmt"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestListingQueriesUseIndexes checks the plans of the queries behind an institution's page and the
// newest-first lists on a table of a few thousand disclosures with amendment chains: an institution's
// disclosures and a chain's latest version are found through indexes, never by reading every
// disclosure (at a million documents the old GROUP BY root_id took 0.6 s a query).
func TestListingQueriesUseIndexes(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		const institutions, perInstitution = 40, 60
		db := dbtest.Handle(ctx, st)
		published := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		var ins []models.Institution
		for i := range institutions {
			ins = append(ins, models.Institution{USCC: fmt.Sprintf("PLAN%014d", i), Name: fmt.Sprintf("计划测试%d有限公司", i), Province: "440000"})
		}
		if err := db.Create(&ins).Error; err != nil {
			t.Fatal(err)
		}
		id := uint64(0)
		var ds []models.Disclosure
		for i, in := range ins {
			for j := range perInstitution {
				id++
				d := models.Disclosure{ID: id, InstitutionID: in.ID, USCC: in.USCC, Kind: models.DisclosureKinds[j%len(models.DisclosureKinds)],
					Title: "t", Version: 1, RootID: id, PublishedAt: published.Add(time.Duration(i*perInstitution+j) * time.Hour)}
				if j%5 == 4 { // every fifth amends the one before it
					prev := ds[len(ds)-1]
					d.RootID, d.Version, d.Amends, d.Kind = prev.RootID, prev.Version+1, &prev.ID, prev.Kind
				}
				ds = append(ds, d)
			}
		}
		if err := db.Omit("Figures", "Tranches", "Attachments").CreateInBatches(&ds, 500).Error; err != nil {
			t.Fatal(err)
		}
		analyze := "ANALYZE"
		if st.Dialect() == "mysql" {
			analyze = "ANALYZE TABLE disclosures, institutions"
		}
		if err := db.Exec(analyze).Error; err != nil {
			t.Fatal(err)
		}
		log := dbtest.RecordQueries(t, st)
		cases := []struct {
			name        string
			orderedWalk bool
			run         func() error
		}{
			{"an institution's disclosures", false, func() error {
				items, total, err := st.ListDisclosures(ctx, models.DisclosureFilter{InstitutionID: ins[7].ID, PerPage: 100})
				if err == nil && (total != perInstitution*4/5 || len(items) != int(total)) {
					err = fmt.Errorf("total %d, %d items, want %d current versions", total, len(items), perInstitution*4/5)
				}
				return err
			}},
			{"an institution's disclosures of some kinds", false, func() error {
				_, _, err := st.ListDisclosures(ctx, models.DisclosureFilter{InstitutionID: ins[3].ID, Kinds: []string{"repayment_progress"}, PerPage: 100})
				return err
			}},
			{"a chain's latest version", false, func() error {
				d, err := st.LatestVersion(ctx, ds[3].RootID)
				if err == nil && d.ID != ds[4].ID {
					err = fmt.Errorf("latest of chain %d is %d, want %d", ds[3].RootID, d.ID, ds[4].ID)
				}
				return err
			}},
			{"newest of all, no total", true, func() error {
				items, _, err := st.ListDisclosures(ctx, models.DisclosureFilter{PerPage: 20, NoTotal: true})
				if err == nil && (len(items) != 20 || items[0].ID != ds[len(ds)-1].ID) {
					err = fmt.Errorf("%d items, first %d", len(items), items[0].ID)
				}
				return err
			}},
		}
		for _, c := range cases {
			var err error
			queries := log.During(func() { err = c.run() })
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(queries) == 0 {
				t.Fatalf("%s: no query recorded", c.name)
			}
			for _, q := range queries {
				if bad := dbtest.FullScans(t, st, q, []string{"disclosures", "newer"}, c.orderedWalk); len(bad) > 0 {
					t.Errorf("%s: %s\nreads a whole table: %v", c.name, q.SQL, bad)
				}
			}
		}
	})
}
