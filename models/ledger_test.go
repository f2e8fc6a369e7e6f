package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestLedgerEntriesShareTheRecordsTransaction: each publication (a filing with tranches, its
// amendment) appends exactly one entry that verifies; a refused write (a second filing of the same
// month, an amendment of an old version, a class the institution already has) appends none. The
// lookup by hash finds a record by its content hash and by the hash stored on the record.
func TestLedgerEntriesShareTheRecordsTransaction(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	noBlobs := func(context.Context, models.Attachment) (string, error) {
		return "", errors.New("no blobs in this test")
	}
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		count := func() int64 {
			_, total, err := st.LedgerPage(ctx, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		plan := models.NewDisclosure{Kind: "repayment_plan", Title: "兑付方案", Body: "分两期兑付。",
			Tranches: []models.Tranche{{Date: "2027-01-31", AmountFen: 100_00}, {Date: "2027-06-30", AmountFen: 200_00}}}
		v1, err := st.FileDisclosure(ctx, in, plan, "a@x.cn", now)
		if err != nil {
			t.Fatal(err)
		}
		f := figures(100_000_00, 50)
		if _, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: "2026-10", Figures: f}, "a@x.cn", now); err != nil {
			t.Fatal(err)
		}
		v2, err := st.AmendDisclosure(ctx, v1, plan, "日期有误", "a@x.cn", now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d entries after three publications", n)
		}
		refused := []struct {
			name string
			do   func() error
		}{
			{"the same month twice", func() error {
				_, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "monthly_data", Period: "2026-10", Figures: f}, "a@x.cn", now)
				return err
			}},
			{"an old version amended", func() error {
				_, err := st.AmendDisclosure(ctx, v1, plan, "再改", "a@x.cn", now)
				return err
			}},
			{"the class it has", func() error {
				_, err := st.ClassifyWithEvidence(ctx, in, models.Classification{Class: in.Class, Reason: "x"}, "o", now)
				return err
			}},
		}
		for _, r := range refused {
			if err := r.do(); err == nil {
				t.Fatalf("%s: accepted", r.name)
			}
			if n := count(); n != 3 {
				t.Fatalf("%s: %d entries", r.name, n)
			}
		}
		n, fault, err := st.VerifyLedger(ctx, noBlobs)
		if n != 3 || fault != nil || err != nil {
			t.Fatalf("verify: %d %v %v", n, fault, err)
		}
		got, err := st.PublishedWith(ctx, v2.SHA256)
		if err != nil || len(got) != 1 || got[0].RecordID != v2.ID || got[0].Kind != models.LedgerDisclosure {
			t.Fatalf("by the record's hash: %+v %v", got, err)
		}
		if got, _ := st.PublishedWith(ctx, got[0].ContentHash); len(got) != 1 {
			t.Fatalf("by the ledger's content hash: %+v", got)
		}
	})
}
