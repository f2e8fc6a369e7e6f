package models_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestLedgerRecordLookups: the entry that published a record, the current version of a disclosure
// chain, and the content hashes that a short address's prefix names, on SQLite and MariaDB; records
// never published and prefixes nothing starts with find nothing.
func TestLedgerRecordLookups(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		if _, err := st.LedgerEntryOf(ctx, models.LedgerDisclosure, 1); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("nothing published yet: %v", err)
		}
		v1, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "other", Title: "清退公告", Body: "清退。"}, "a@x.cn", now)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := st.AmendDisclosure(ctx, v1, models.NewDisclosure{Title: "清退公告", Body: "清退，另行公告兑付。"}, "补充", "a@x.cn", now)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []models.Disclosure{v1, v2} {
			e, err := st.LedgerEntryOf(ctx, models.LedgerDisclosure, d.ID)
			if err != nil || e.RecordID != d.ID || e.ContentHash != d.SHA256 {
				t.Fatalf("entry of version %d: %+v %v", d.Version, e, err)
			}
			if latest, err := st.LatestVersionID(ctx, d.ID); err != nil || latest != v2.ID {
				t.Fatalf("current version of %d: %d %v", d.ID, latest, err)
			}
			got, err := st.ContentHashesWithPrefix(ctx, d.SHA256[:models.ShortHashLen])
			if err != nil || !slices.Equal(got, []string{d.SHA256}) {
				t.Fatalf("prefix of %s: %q %v", d.SHA256, got, err)
			}
		}
		if _, err := st.LatestVersionID(ctx, 99999); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown disclosure: %v", err)
		}
		if _, err := st.LedgerEntryOf(ctx, models.LedgerNotice, v1.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a notice of a disclosure's id: %v", err)
		}
		all, err := st.ContentHashesWithPrefix(ctx, "")
		if err != nil || len(all) != 2 || !slices.IsSorted(all) {
			t.Fatalf("every content hash: %q %v", all, err)
		}
		for _, prefix := range []string{"g", "zz", v1.SHA256 + "0"} {
			if got, err := st.ContentHashesWithPrefix(ctx, prefix); err != nil || len(got) != 0 {
				t.Fatalf("prefix %q: %q %v", prefix, got, err)
			}
		}
	})
}
