package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestLedgerAfterReadsInOrderAndResumes: entries come oldest first after the cursor, a page holds at
// most limit (kept within 1..MaxChangesPage: 0 and -5 read one), reading on from the last seq
// continues without gap, and a cursor at or beyond the head reads nothing.
func TestLedgerAfterReadsInOrderAndResumes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		for i := range 5 {
			if _, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "other", Title: fmt.Sprintf("公告%d", i), Body: "正文。"}, "a@x.cn", now); err != nil {
				t.Fatal(err)
			}
		}
		head, _, err := st.LedgerHead(ctx)
		if err != nil || head != 5 {
			t.Fatalf("head %d, %v", head, err)
		}
		var read []uint64
		for after := uint64(0); ; {
			page, err := st.LedgerAfter(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 2 {
				t.Fatalf("%d entries on a page of 2", len(page))
			}
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				read = append(read, e.Seq)
			}
			after = page[len(page)-1].Seq
		}
		if fmt.Sprint(read) != "[1 2 3 4 5]" {
			t.Fatalf("read %v", read)
		}
		for _, limit := range []int{0, -5} {
			if page, err := st.LedgerAfter(ctx, 0, limit); err != nil || len(page) != 1 || page[0].Seq != 1 {
				t.Fatalf("limit %d: %v, %v", limit, page, err)
			}
		}
		for _, after := range []uint64{5, 6, 1 << 62} {
			if page, err := st.LedgerAfter(ctx, after, 100); err != nil || len(page) != 0 {
				t.Fatalf("after %d: %v, %v", after, page, err)
			}
		}
	})
}
