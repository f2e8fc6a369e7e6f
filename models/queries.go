package models

import (
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// The reads and writes the portal's pages, feeds, exports, indexer and tools make that are not
// about one record: each a named method, so that no caller outside models builds a query.

// byID orders a preloaded association by id.
func byID(db *gorm.DB) *gorm.DB { return db.Order("id") }

// NewestOutboxEntry is the newest outbox row (its id and time), the zero row when there is none:
// every write of public data writes one, so it dates the public data.
func (s *Store) NewestOutboxEntry(ctx context.Context) (OutboxEntry, error) {
	var row OutboxEntry
	err := s.db.WithContext(ctx).Select("id", "created_at").Order("id DESC").Limit(1).Find(&row).Error
	return row, err
}

// OutboxAfter is at most limit outbox rows after id cursor, in id order.
func (s *Store) OutboxAfter(ctx context.Context, cursor uint64, limit int) ([]OutboxEntry, error) {
	var rows []OutboxEntry
	err := s.db.WithContext(ctx).Where("id > ?", cursor).Order("id").Limit(limit).Find(&rows).Error
	return rows, err
}

// OutboxLag counts the outbox rows after id cursor.
func (s *Store) OutboxLag(ctx context.Context, cursor uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&OutboxEntry{}).Where("id > ?", cursor).Count(&n).Error
	return n, err
}

// OnWrite calls fn after every write this process makes through the store (inserts, updates,
// deletes, raw statements) and again when a transaction (Tx) commits; it is for caches of answers
// that a write makes stale. A cache that read the database between a write and its commit (and so
// did not see it) hears of it again once it can. Each call adds one more fn.
func (s *Store) OnWrite(fn func()) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	var hooks []func()
	if h := s.writeHooks.Load(); h != nil {
		hooks = slices.Clone(*h)
	} else {
		bump := func(*gorm.DB) { s.wrote() }
		cb := s.db.Callback()
		cb.Create().After("gorm:create").Register("pilu:on_write", bump)
		cb.Update().After("gorm:update").Register("pilu:on_write", bump)
		cb.Delete().After("gorm:delete").Register("pilu:on_write", bump)
		cb.Raw().After("gorm:raw").Register("pilu:on_write", bump)
	}
	hooks = append(hooks, fn)
	s.writeHooks.Store(&hooks)
}

// wrote calls the functions OnWrite was given.
func (s *Store) wrote() {
	if h := s.writeHooks.Load(); h != nil {
		for _, fn := range *h {
			fn()
		}
	}
}

// IsEmpty reports whether the database holds no institution and no account (a fresh portal).
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	db := s.db.WithContext(ctx)
	var institutions, users int64
	if err := db.Model(&Institution{}).Count(&institutions).Error; err != nil {
		return false, fmt.Errorf("models: count institutions: %w", err)
	}
	if err := db.Model(&User{}).Count(&users).Error; err != nil {
		return false, fmt.Errorf("models: count users: %w", err)
	}
	return institutions == 0 && users == 0, nil
}

// AttachmentByID reads one attachment row.
func (s *Store) AttachmentByID(ctx context.Context, id uint64) (Attachment, error) {
	var a Attachment
	err := s.db.WithContext(ctx).Take(&a, id).Error
	return a, notFound(err, fmt.Sprintf("attachment %d", id))
}

// DecisionAttachmentProvince is the province of the institution whose class decision holds
// attachment id ("" when no decision holds it).
func (s *Store) DecisionAttachmentProvince(ctx context.Context, id uint64) (string, error) {
	var province string
	err := s.db.WithContext(ctx).Model(&Institution{}).Select("institutions.province").
		Joins("JOIN decisions ON decisions.institution_id = institutions.id").
		Joins("JOIN decision_attachments ON decision_attachments.decision_id = decisions.id").
		Where("decision_attachments.attachment_id = ?", id).Limit(1).Scan(&province).Error
	return province, err
}

// NamedBlobKeys returns those of keys that an attachment row names.
func (s *Store) NamedBlobKeys(ctx context.Context, keys []string) ([]string, error) {
	var named []string
	err := s.db.WithContext(ctx).Model(&Attachment{}).Where("blob_key IN ?", keys).Pluck("blob_key", &named).Error
	return named, err
}

// InstitutionBrands is every institution with only its id and brands.
func (s *Store) InstitutionBrands(ctx context.Context) ([]Institution, error) {
	var ins []Institution
	err := s.db.WithContext(ctx).Select("id", "brands").Find(&ins).Error
	return ins, err
}

// OfficeNotices is the latest limit notices of an office's province, drafts first.
func (s *Store) OfficeNotices(ctx context.Context, province string, limit int) ([]Notice, error) {
	var items []Notice
	err := s.db.WithContext(ctx).Where("province = ?", province).
		Order("CASE WHEN published_at IS NULL THEN 0 ELSE 1 END, id DESC").Limit(limit).Find(&items).Error
	return items, err
}

// DecisionUSCC is the credit code of the institution a class decision is about.
func (s *Store) DecisionUSCC(ctx context.Context, decisionID uint64) (string, error) {
	var uscc string
	err := s.db.WithContext(ctx).Table("decisions").Joins("JOIN institutions ON institutions.id = decisions.institution_id").
		Where("decisions.id = ?", decisionID).Limit(1).Pluck("institutions.uscc", &uscc).Error
	return uscc, err
}

// ListedNoticeID is the notice of a listed institution (NoticeInstitution id), 0 when there is none.
func (s *Store) ListedNoticeID(ctx context.Context, listedID uint64) (uint64, error) {
	var notice uint64
	err := s.db.WithContext(ctx).Model(&NoticeInstitution{}).Where("id = ?", listedID).Limit(1).Pluck("notice_id", &notice).Error
	return notice, err
}

// InstitutionsAfter is at most limit institutions after id after, in id order.
func (s *Store) InstitutionsAfter(ctx context.Context, after uint64, limit int) ([]Institution, error) {
	var rows []Institution
	err := s.db.WithContext(ctx).Where("id > ?", after).Order("id").Limit(limit).Find(&rows).Error
	return rows, err
}

// ClassHistory is every class decision about an institution, oldest first.
func (s *Store) ClassHistory(ctx context.Context, institutionID uint64) ([]Decision, error) {
	var history []Decision
	err := s.db.WithContext(ctx).Where("institution_id = ?", institutionID).Order("decided_at, id").Find(&history).Error
	return history, err
}

// DisclosureIDsAfter is the ids of at most limit disclosure versions after id after, in order.
func (s *Store) DisclosureIDsAfter(ctx context.Context, after uint64, limit int) ([]uint64, error) {
	var ids []uint64
	err := s.db.WithContext(ctx).Model(&Disclosure{}).Where("id > ?", after).Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// PublishedNoticeIDsAfter is the ids of at most limit published notices after id after, in order.
func (s *Store) PublishedNoticeIDsAfter(ctx context.Context, after uint64, limit int) ([]uint64, error) {
	var ids []uint64
	err := publishedQuery(s.db.WithContext(ctx).Model(&Notice{})).Where("id > ?", after).Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// LedgerRange is at most limit ledger entries with after < seq <= upTo, oldest first.
func (s *Store) LedgerRange(ctx context.Context, after, upTo uint64, limit int) ([]LedgerEntry, error) {
	var rows []LedgerEntry
	err := s.db.WithContext(ctx).Where("seq > ? AND seq <= ?", after, upTo).Order("seq").Limit(limit).Find(&rows).Error
	return rows, err
}

// AllInstitutions is every institution on the lists, by province and name.
func (s *Store) AllInstitutions(ctx context.Context) ([]Institution, error) {
	var all []Institution
	err := s.db.WithContext(ctx).Order("province, name, id").Find(&all).Error
	return all, err
}

// PublishedZombieLists is every published zombie list with its institutions, oldest first.
func (s *Store) PublishedZombieLists(ctx context.Context) ([]Notice, error) {
	var notices []Notice
	err := s.db.WithContext(ctx).Preload("Institutions", byID).Scopes(publishedQuery).
		Where("kind = ?", NoticeZombieList).Order("published_at, id").Find(&notices).Error
	return notices, err
}

// SearchCounts are how many records a full feed of the search index sends: institutions,
// disclosures (one per chain of versions) and published notices.
func (s *Store) SearchCounts(ctx context.Context) (institutions, disclosures, notices int64, err error) {
	db := s.db.WithContext(ctx)
	if err = db.Model(&Institution{}).Count(&institutions).Error; err != nil {
		return
	}
	if err = db.Model(&Disclosure{}).Distinct("root_id").Count(&disclosures).Error; err != nil {
		return
	}
	err = publishedQuery(db.Model(&Notice{})).Count(&notices).Error
	return
}

// LatestDisclosuresAfter is the latest version of each of at most limit chains whose root id is
// above afterRoot, in root order, with their attachments; it also returns the last root read (0
// when there are none). Roots are paged on the root_id index, so each page reads only its rows.
func (s *Store) LatestDisclosuresAfter(ctx context.Context, afterRoot uint64, limit int) ([]Disclosure, uint64, error) {
	db := s.db.WithContext(ctx)
	var latest []struct{ RootID, ID uint64 }
	q := db.Model(&Disclosure{}).Select("root_id, MAX(id) AS id").Where("root_id > ?", afterRoot).
		Group("root_id").Order("root_id").Limit(limit)
	if err := q.Scan(&latest).Error; err != nil || len(latest) == 0 {
		return nil, 0, err
	}
	ids := make([]uint64, len(latest))
	for i, l := range latest {
		ids[i] = l.ID
	}
	var batch []Disclosure
	err := db.Where("id IN ?", ids).Order("id").Preload("Attachments", byID).Find(&batch).Error
	return batch, latest[len(latest)-1].RootID, err
}

// PublishedNoticesAfter is at most limit published notices after id after, in id order, with their
// institutions.
func (s *Store) PublishedNoticesAfter(ctx context.Context, after uint64, limit int) ([]Notice, error) {
	var batch []Notice
	err := publishedQuery(s.db.WithContext(ctx)).Where("id > ?", after).Order("id").Limit(limit).
		Preload("Institutions", byID).Find(&batch).Error
	return batch, err
}

// InsertGeneratedDisclosures writes generated disclosures (the corpus generator's, first versions
// without figures, tranches or attachments) with their outbox rows in one transaction.
func (s *Store) InsertGeneratedDisclosures(ctx context.Context, batch []Disclosure) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Omit("Figures", "Tranches", "Attachments").CreateInBatches(&batch, 100).Error; err != nil {
			return err
		}
		entries := make([]OutboxEntry, len(batch))
		ids := make([]uint64, len(batch))
		for j, d := range batch {
			ids[j] = d.ID
			entries[j] = OutboxEntry{Entity: "disclosure", EntityID: d.ID}
		}
		if err := tx.Model(&Disclosure{}).Where("id IN ?", ids).Update("root_id", gorm.Expr("id")).Error; err != nil {
			return err
		}
		return tx.CreateInBatches(&entries, 250).Error
	})
}
