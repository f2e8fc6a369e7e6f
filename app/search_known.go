package app

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"pilu/models"
	"pilu/search"
)

// knownInstitutions returns the institutions a query names outright, the known item a reader looks
// for: its credit code (USCC), a website as pasted (https://www.example.com/, example.com), a brand
// or legal name, or a brand's pinyin, run together or spaced ("hong ling") or its initials. They come
// from the known items kept in memory (knownItems), with the table they were found in.
func (s *Server) knownInstitutions(ctx context.Context, text string) ([]*models.Institution, *knownTable, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil, nil
	}
	t, err := s.known.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	// A USCC is 18 ASCII characters: other text is not parsed (a failed parse formats its
	// messages, which was a twentieth of a brand search's time).
	if len(text) == 18 {
		if uscc, _, err := models.ParseUSCC(text); err == nil {
			if in := t.byUSCC[uscc]; in != nil {
				return []*models.Institution{in}, t, nil
			}
			return nil, t, nil
		}
	}
	if strings.Contains(text, ".") && !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Han, r) }) {
		ins := t.byHost[siteHost(text)]
		return ins[:min(len(ins), knownLimit)], t, nil
	}
	if key := pinyinKey(text); key != "" {
		var out []*models.Institution
		for _, brand := range t.byKey[key] {
			out = append(out, t.named(brand)...)
		}
		return out, t, nil
	}
	return t.named(text), t, nil
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

// withKnownItems puts first on the first page of a relevance search the institutions the query
// names outright and their open notices (claims accepted now), then the full-text hits without
// those: a reader who types a platform's code, website or name sees it and its open claim window
// before its routine reports. Searches narrowed by class, kind, date or a later page are left alone.
func (s *Server) withKnownItems(ctx context.Context, q search.Query, res *search.Result) error {
	if q.After != "" || q.Page > 1 || q.Sort == search.SortDate || q.Class != "" || q.Kind != "" || !q.From.IsZero() || !q.To.IsZero() {
		return nil
	}
	wants := func(typ string) bool { return len(q.Types) == 0 || models.OneOf(typ, q.Types) }
	ins, t, err := s.knownInstitutions(ctx, q.Text)
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
		for _, n := range t.notices[in.ID] {
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
