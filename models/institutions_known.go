package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// knownLimit bounds the institutions a known-item lookup returns: a name or website shared by more
// is not a known item.
const knownLimit = 10

// InstitutionsNamed returns the institutions whose legal name or one of whose brands is name exactly
// (surrounding spaces ignored), by name: what a reader who types a platform's name means.
func (s *Store) InstitutionsNamed(ctx context.Context, name string) ([]Institution, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil
	}
	quoted, _ := json.Marshal(name) // brands are stored as a JSON array
	var cands []Institution
	err := s.db.WithContext(ctx).Where("name = ? OR brands LIKE ?", name, "%"+string(quoted)+"%").Order("name, id").Limit(knownLimit * 5).Find(&cands).Error
	if err != nil {
		return nil, notFound(err, "institutions named")
	}
	var out []Institution
	for _, in := range cands {
		if in.Name == name || OneOf(name, in.Brands) {
			out = append(out, in)
		}
	}
	return out[:min(len(out), knownLimit)], nil
}

// InstitutionsWithWebsite returns the institutions one of whose websites, as same(website) reduces
// it, is host; same is how the caller reduces a typed website (scheme, www. and path dropped).
func (s *Store) InstitutionsWithWebsite(ctx context.Context, host string, same func(string) string) ([]Institution, error) {
	if host == "" {
		return nil, nil
	}
	var cands []Institution
	err := s.db.WithContext(ctx).Where("websites LIKE ?", "%"+host+"%").Order("name, id").Limit(knownLimit * 5).Find(&cands).Error
	if err != nil {
		return nil, notFound(err, "institutions with website")
	}
	var out []Institution
	for _, in := range cands {
		for _, w := range in.Websites {
			if same(w) == host {
				out = append(out, in)
				break
			}
		}
	}
	return out[:min(len(out), knownLimit)], nil
}

// PublishedNoticesByInstitution returns every published notice under the ids of the institutions it
// lists, newest first for each (NoticesListing's order): NoticesListing for all institutions at once,
// for a lookup kept in memory (the app's known items).
func (s *Store) PublishedNoticesByInstitution(ctx context.Context) (map[uint64][]Notice, error) {
	db := s.db.WithContext(ctx)
	var notices []Notice
	if err := publishedQuery(db).Order("published_at DESC").Find(&notices).Error; err != nil {
		return nil, fmt.Errorf("models: published notices: %w", err)
	}
	var listed []NoticeInstitution
	sub := publishedQuery(s.db.Model(&Notice{})).Select("id")
	if err := db.Select("notice_id", "institution_id").Where("notice_id IN (?)", sub).Find(&listed).Error; err != nil {
		return nil, fmt.Errorf("models: institutions of published notices: %w", err)
	}
	lists := map[uint64][]uint64{} // notice → the institutions it lists
	for _, li := range listed {
		lists[li.NoticeID] = append(lists[li.NoticeID], li.InstitutionID)
	}
	out := map[uint64][]Notice{}
	for _, n := range notices {
		for _, in := range lists[n.ID] {
			if k := len(out[in]); k == 0 || out[in][k-1].ID != n.ID { // listed twice: once
				out[in] = append(out[in], n)
			}
		}
	}
	return out, nil
}

// OutboxTouched reports the newest outbox row, and whether a row after id after is about one of
// entities ("institution", "notice"): whether a lookup loaded at after must be loaded again.
func (s *Store) OutboxTouched(ctx context.Context, after uint64, entities ...string) (last uint64, touched bool, err error) {
	if last, err = s.LastOutboxID(ctx); err != nil || last <= after {
		return last, false, err
	}
	var ids []uint64
	err = s.db.WithContext(ctx).Model(&OutboxEntry{}).Where("id > ? AND entity IN ?", after, entities).Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return last, false, fmt.Errorf("models: outbox rows after %d: %w", after, err)
	}
	return last, len(ids) > 0, nil
}
