package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"pilu/models"
	"pilu/search"
)

// loadDoc turns the current state of a record into its search document; ok is false when the record
// is gone (or not public) and its document must be deleted. A disclosure is indexed once per chain
// of versions, under its first version's id, with the latest version's content.
func loadDoc(ctx context.Context, st *models.Store, entity string, id uint64) (search.Doc, bool, error) {
	var doc search.Doc
	var err error
	switch entity {
	case "institution":
		var in models.Institution
		if in, err = st.InstitutionByID(ctx, id); err == nil {
			doc = institutionDoc(in)
		}
	case "disclosure":
		var d models.Disclosure
		if d, err = st.DisclosureByID(ctx, id); err == nil {
			var latest models.Disclosure
			if latest, err = st.LatestVersion(ctx, d.RootID); err == nil {
				var in models.Institution
				if in, err = st.InstitutionByID(ctx, latest.InstitutionID); err == nil {
					doc = disclosureDoc(latest, in)
				}
			}
		}
	case "notice":
		var n models.Notice
		if n, err = st.NoticeByID(ctx, id); err == nil {
			if n.IsDraft() {
				return doc, false, nil
			}
			doc = noticeDoc(n)
		}
	default:
		return doc, false, fmt.Errorf("app: unknown outbox entity %q", entity)
	}
	if errors.Is(err, models.ErrNotFound) {
		return doc, false, nil
	}
	return doc, err == nil, err
}

func institutionDoc(in models.Institution) search.Doc {
	names := append(append([]string{}, in.Brands...), in.FormerNames...)
	codes := []string{in.USCC}
	for _, w := range in.Websites {
		codes = append(codes, siteHost(w))
	}
	body := strings.Join(append([]string{in.District, in.RegisteredAddress, in.DepositoryBank}, in.Apps...), " ")
	return search.Doc{Type: "institution", ID: in.USCC, Title: in.Name, Body: body, Names: names, Codes: codes,
		Province: in.Province, Class: in.Class, Date: in.UpdatedAt, URL: "/institutions/" + in.USCC, Demo: in.Demo}
}

func disclosureDoc(d models.Disclosure, in models.Institution) search.Doc {
	var b strings.Builder
	b.WriteString(d.Body)
	for _, a := range d.Attachments {
		if a.Text != "" {
			b.WriteString("\n")
			b.WriteString(a.Text)
		}
	}
	return search.Doc{Type: "disclosure", ID: strconv.FormatUint(d.RootID, 10), Title: d.Title, Body: b.String(),
		Names: append([]string{in.Name}, in.Brands...), Codes: []string{in.USCC}, Province: in.Province, Class: in.Class,
		Kind: d.Kind, Date: d.PublishedAt, URL: "/disclosures/" + strconv.FormatUint(d.ID, 10), Demo: d.Demo}
}

func noticeDoc(n models.Notice) search.Doc {
	var names, codes []string
	if n.Number != nil {
		codes = append(codes, *n.Number)
	}
	for _, li := range n.Institutions {
		names = append(names, li.Name)
		if li.Brand != "" {
			names = append(names, li.Brand)
		}
		codes = append(codes, li.USCC)
	}
	doc := search.Doc{Type: "notice", ID: strconv.FormatUint(n.ID, 10), Title: n.Title, Body: n.Body, Names: names, Codes: codes,
		Province: n.Province, Kind: string(n.Kind), URL: "/notices/" + strconv.FormatUint(n.ID, 10), Demo: n.Demo}
	if n.PublishedAt != nil {
		doc.Date = *n.PublishedAt
	}
	return doc
}

// siteHost reduces a website as typed ("https://www.luting.example.cn/") to its host name.
func siteHost(site string) string {
	s := strings.TrimSpace(strings.ToLower(site))
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	if u, err := url.Parse(s); err == nil && u.Hostname() != "" {
		return strings.TrimPrefix(u.Hostname(), "www.")
	}
	return site
}

// feedBatch is the number of records feedAll loads with one set of queries.
const feedBatch = 500

// feedAll sends the search document of every public record to add, reporting progress. It loads
// records in batches of feedBatch, each with a few queries (records, then their attachments or
// listed institutions), never several queries per record.
func feedAll(ctx context.Context, st *models.Store, add func(search.Doc) error, progress func(done, total int64)) error {
	return feedPaged(ctx, st, feedBatch, add, progress)
}

// feedPaged is feedAll with pages of page records (tests use small pages).
func feedPaged(ctx context.Context, st *models.Store, page int, add func(search.Doc) error, progress func(done, total int64)) error {
	nIn, nDi, nNo, err := st.SearchCounts(ctx)
	if err != nil {
		return err
	}
	total, done := nIn+nDi+nNo, int64(0)
	send := func(doc search.Doc) error {
		if err := add(doc); err != nil {
			return err
		}
		done++
		if done%int64(page) == 0 || done == total {
			progress(done, total)
		}
		return nil
	}

	institutions := map[uint64]models.Institution{}
	var lastID uint64
	for {
		batch, err := st.InstitutionsAfter(ctx, lastID, page)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, in := range batch {
			institutions[in.ID] = in
			if err := send(institutionDoc(in)); err != nil {
				return err
			}
		}
		lastID = batch[len(batch)-1].ID
	}

	// A disclosure's search document is its latest version: the highest id of its root.
	var lastRoot uint64
	for {
		batch, last, err := st.LatestDisclosuresAfter(ctx, lastRoot, page)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, d := range batch {
			in, ok := institutions[d.InstitutionID]
			if !ok {
				continue // an institution added during the rebuild: the outbox brings it
			}
			if err := send(disclosureDoc(d, in)); err != nil {
				return err
			}
		}
		lastRoot = last
	}

	lastID = 0
	for {
		batch, err := st.PublishedNoticesAfter(ctx, lastID, page)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, n := range batch {
			if err := send(noticeDoc(n)); err != nil {
				return err
			}
		}
		lastID = batch[len(batch)-1].ID
	}
	progress(total, total)
	return nil
}
