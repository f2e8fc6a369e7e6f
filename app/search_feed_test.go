package app

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"pilu/app/demo"
	"pilu/models"
	"pilu/models/dbtest"
	"pilu/search"
)

// TestFeedAllMatchesLoadDoc checks that the bulk feed of a rebuild gives, for every public record,
// the same document as the outbox path (loadDoc): latest versions of disclosures with their
// attachments' text and institution, notices with their listed institutions, no drafts.
func TestFeedAllMatchesLoadDoc(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := map[string]string{"PILU_DEMO": "1"}
			for k, v := range b.env {
				env[k] = v
			}
			ts := newTestServer(t, env)
			ctx := context.Background()
			if err := demo.Generate(ctx, ts.store, demo.Corpus{Institutions: 5, Disclosures: 60, Seed: 3}); err != nil {
				t.Fatal(err)
			}
			// Corrections: the feed must send each disclosure's latest version once, also
			// when a root's versions fall on different pages.
			var firsts []models.Disclosure
			if err := dbtest.Handle(ctx, ts.store).Where("kind IN ? AND version = 1", []string{"exit_announcement", "other"}).
				Order("id").Limit(4).Find(&firsts).Error; err != nil || len(firsts) < 2 {
				t.Fatalf("disclosures to amend: %d, %v", len(firsts), err)
			}
			for i, d := range firsts {
				for v := 0; v <= i%2; v++ {
					var err error
					nd := models.NewDisclosure{Kind: d.Kind, Title: d.Title, Body: d.Body + fmt.Sprintf("（更正%d）", v)}
					if d, err = ts.store.AmendDisclosure(ctx, d, nd, "更正", "test", time.Now()); err != nil {
						t.Fatal(err)
					}
				}
			}

			want := map[string]search.Doc{}
			db := dbtest.Handle(ctx, ts.store)
			for _, src := range []struct {
				entity, col string
				q           *gorm.DB
			}{
				{"institution", "id", db.Model(&models.Institution{})},
				{"disclosure", "root_id", db.Model(&models.Disclosure{}).Distinct("root_id")},
				{"notice", "id", db.Model(&models.Notice{})},
			} {
				var ids []uint64
				if err := src.q.Pluck(src.col, &ids).Error; err != nil {
					t.Fatal(err)
				}
				for _, id := range ids {
					doc, ok, err := loadDoc(ctx, ts.store, src.entity, id)
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						want[doc.Type+"/"+doc.ID] = doc
					}
				}
			}

			for _, page := range []int{7, feedBatch} {
				got := map[string]search.Doc{}
				var last, total int64
				err := feedPaged(ctx, ts.store, page, func(d search.Doc) error {
					key := d.Type + "/" + d.ID
					if _, dup := got[key]; dup {
						t.Errorf("pages of %d: %s fed twice", page, key)
					}
					got[key] = d
					return nil
				}, func(done, all int64) { last, total = done, all })
				if err != nil {
					t.Fatal(err)
				}
				if last != total || total == 0 {
					t.Errorf("pages of %d: progress ended at %d of %d", page, last, total)
				}
				for key, w := range want {
					if !reflect.DeepEqual(got[key], w) {
						t.Errorf("pages of %d: %s:\n fed    %+v\n loaded %+v", page, key, got[key], w)
					}
				}
				if len(got) != len(want) {
					t.Errorf("pages of %d: fed %d documents, loaded %d", page, len(got), len(want))
				}
			}
			kinds := map[string]int{}
			for _, w := range want {
				kinds[w.Type]++
			}
			for _, typ := range search.Types {
				if kinds[typ] == 0 {
					t.Errorf("no %s in the data: the test proves nothing for it", typ)
				}
			}
		})
	}
}
