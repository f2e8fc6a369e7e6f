package models

import (
	"context"
	"encoding/json"
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
