package app

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode"

	"pilu/models"
	"pilu/search"
)

// knownInstitutions returns the institutions a query names outright, the known item a reader looks
// for: its credit code (USCC), a website as pasted (https://www.example.com/, example.com), a brand
// or legal name, or a brand's pinyin, run together or spaced ("hong ling") or its initials.
func (s *Server) knownInstitutions(ctx context.Context, text string) ([]models.Institution, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	if uscc, _, err := models.ParseUSCC(text); err == nil {
		in, err := s.store.InstitutionByUSCC(ctx, uscc)
		if err != nil {
			return nil, ignoreNotFound(err)
		}
		return []models.Institution{in}, nil
	}
	if strings.Contains(text, ".") && !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Han, r) }) {
		return s.store.InstitutionsWithWebsite(ctx, siteHost(text), siteHost)
	}
	if key := pinyinKey(text); key != "" {
		var out []models.Institution
		for _, brand := range s.indexer.brands.load(ctx, s.store) {
			if pinyinNames(brand, key) {
				ins, err := s.store.InstitutionsNamed(ctx, brand)
				if err != nil {
					return nil, err
				}
				out = append(out, ins...)
			}
		}
		return out, nil
	}
	return s.store.InstitutionsNamed(ctx, text)
}

// pinyinKey reads text as pinyin typed in Latin letters, spaces between syllables allowed ("hong
// ling" → "hongling"): lower-case, without spaces; "" when it holds anything else or under 2 letters.
func pinyinKey(text string) string {
	key := strings.ToLower(strings.Join(strings.Fields(text), ""))
	if len(key) < 2 {
		return ""
	}
	for _, r := range key {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return key
}

// pinyinNames reports whether key is the pinyin of brand or of its first two or more characters
// ("luting" and "lutingchuangtou" for 鹭汀创投), or the initials of the whole brand ("ltct").
func pinyinNames(brand, key string) bool {
	if search.Initials(brand) == key && len(key) >= 2 {
		return true
	}
	han := []rune{}
	for _, r := range brand {
		if unicode.Is(unicode.Han, r) {
			han = append(han, r)
		}
	}
	for k := len(han); k >= 2; k-- {
		if search.Reading(string(han[:k])) == key {
			return true
		}
	}
	return false
}

// ignoreNotFound turns models.ErrNotFound into no error.
func ignoreNotFound(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	return err
}

// withKnownItems puts first on the first page of a relevance search the institutions the query
// names outright and their open notices (claims accepted now), then the full-text hits without
// those: a reader who types a platform's code, website or name sees it and its open claim window
// before its routine reports. Searches narrowed by class, kind, date or a later page are left alone.
func (s *Server) withKnownItems(ctx context.Context, q search.Query, res *search.Result) error {
	if q.After != "" || q.Page > 1 || q.Sort == search.SortDate || q.Class != "" || q.Kind != "" || !q.From.IsZero() || !q.To.IsZero() {
		return nil
	}
	wants := func(typ string) bool { return len(q.Types) == 0 || models.OneOf(typ, q.Types) }
	ins, err := s.knownInstitutions(ctx, q.Text)
	if err != nil || len(ins) == 0 {
		return err
	}
	now := s.now()
	var first []search.Hit
	var notices []search.Hit
	for _, in := range ins {
		if q.Province != "" && in.Province != q.Province {
			continue
		}
		if wants("institution") {
			first = append(first, search.Hit{Type: "institution", ID: in.USCC, Title: in.Name, URL: "/institutions/" + in.USCC, Date: in.UpdatedAt})
		}
		if !wants("notice") {
			continue
		}
		listing, err := s.store.NoticesListing(ctx, in.ID)
		if ignoreNotFound(err) != nil {
			return err
		}
		for _, n := range listing {
			if n.AcceptsClaims(now) {
				notices = append(notices, search.Hit{Type: "notice", ID: strconv.FormatUint(n.ID, 10), Title: n.Title, URL: "/notices/" + strconv.FormatUint(n.ID, 10), Date: *n.PublishedAt})
			}
		}
	}
	first = append(first, notices...)
	seen := map[string]bool{}
	var top float64
	if len(res.Hits) > 0 {
		top = res.Hits[0].Score
	}
	var hits []search.Hit
	for _, h := range first {
		if !seen[h.Type+"/"+h.ID] {
			seen[h.Type+"/"+h.ID] = true
			h.Score = top
			hits = append(hits, h)
		}
	}
	for _, h := range res.Hits {
		if !seen[h.Type+"/"+h.ID] {
			hits = append(hits, h)
		}
	}
	res.Hits = hits
	res.Total = max(res.Total, uint64(len(hits)))
	return nil
}
