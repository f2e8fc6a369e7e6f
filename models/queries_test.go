package models_test

import (
	"context"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestPagedQueries: the store's paged reads (generated disclosures, their latest versions by root,
// the outbox after a cursor, the emptiness of a fresh portal) agree with what was written, on
// every database.
func TestPagedQueries(t *testing.T) {
	ctx := context.Background()
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		if empty, err := st.IsEmpty(ctx); err != nil || !empty {
			t.Fatalf("a fresh store: empty %v, %v", empty, err)
		}
		in := seedFiler(t, st)
		if empty, err := st.IsEmpty(ctx); err != nil || empty {
			t.Fatalf("a store with an institution: empty %v, %v", empty, err)
		}
		newest, err := st.NewestOutboxEntry(ctx)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 3, 1, 10, 0, 0, 0, models.ChinaZone)
		batch := make([]models.Disclosure, 7)
		for i := range batch {
			batch[i] = models.Disclosure{InstitutionID: in.ID, USCC: in.USCC, Kind: "other", Title: "生成的披露", Body: "正文",
				Version: 1, PublishedAt: at, FiledBy: "gen", Demo: true}
		}
		if err := st.InsertGeneratedDisclosures(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if lag, err := st.OutboxLag(ctx, newest.ID); err != nil || lag != 7 {
			t.Fatalf("outbox after the generated disclosures: %d, %v", lag, err)
		}
		rows, err := st.OutboxAfter(ctx, newest.ID, 5)
		if err != nil || len(rows) != 5 || rows[0].Entity != "disclosure" || rows[0].ID <= newest.ID {
			t.Fatalf("the first page of the outbox: %+v, %v", rows, err)
		}
		var seen []uint64
		for root := uint64(0); ; {
			page, last, err := st.LatestDisclosuresAfter(ctx, root, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, d := range page {
				if d.RootID != d.ID {
					t.Errorf("generated disclosure %d has root %d", d.ID, d.RootID)
				}
				seen = append(seen, d.ID)
			}
			root = last
		}
		if len(seen) != 7 {
			t.Fatalf("paged by root: %v", seen)
		}
		ins, dis, nos, err := st.SearchCounts(ctx)
		if err != nil || ins != 1 || dis != 7 || nos != 0 {
			t.Fatalf("search counts: %d %d %d, %v", ins, dis, nos, err)
		}
	})
}
