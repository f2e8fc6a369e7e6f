package app

import (
	"context"
	"slices"
	"time"

	"pilu/models"
	"pilu/search"
)

// openNotice is a notice whose claim window is open (models.Notice.AcceptsClaims), as the banner at
// the top of the institution, notice and search pages shows it: the notice, its last day, the
// countdown as of AsOf (countdown.js keeps it live) and a 申报债权 button per institution.
type openNotice struct {
	models.Notice
	DaysLeft, HoursLeft int
	AsOf                time.Time
	Claims              []claimTarget // the institutions one may claim against, in the notice's order
	OnNotice            bool          // shown on the notice's own page, which needs no link to itself
	Named               bool          // names the institution even when it is the only one (search results)
}

// claimTarget is an institution a banner offers to claim against.
type claimTarget struct{ USCC, Name string }

// openNoticesOf returns the notices of ns that accept claims at now, each offering a claim against
// the institution in (the notices listing it).
func openNoticesOf(ns []models.Notice, in models.Institution, now time.Time) []openNotice {
	var out []openNotice
	for _, n := range ns {
		if n.AcceptsClaims(now) {
			out = append(out, openNoticeOf(n, now, []claimTarget{{USCC: in.USCC, Name: in.Name}}))
		}
	}
	return out
}

// openNoticeOf is n's banner at now, offering claims against targets.
func openNoticeOf(n models.Notice, now time.Time, targets []claimTarget) openNotice {
	return openNotice{Notice: n, DaysLeft: n.DaysLeft(now), HoursLeft: n.HoursLeft(now), AsOf: now, Claims: targets}
}

// maxSearchBanners bounds the open-notice banners above one page of search results.
const maxSearchBanners = 3

// openNoticesOfHits returns the banners of the open notices listing an institution among hits, each
// offering claims against those institutions only, the windows closing soonest first.
func (s *Server) openNoticesOfHits(ctx context.Context, hits []search.Hit) ([]openNotice, error) {
	var usccs []string
	for _, h := range hits {
		if h.Type == "institution" {
			usccs = append(usccs, h.ID)
		}
	}
	ns, err := s.store.OpenNoticesListing(ctx, usccs, s.now())
	if err != nil {
		return nil, err
	}
	var out []openNotice
	for _, n := range ns {
		var targets []claimTarget
		for _, li := range n.Institutions {
			if slices.Contains(usccs, li.USCC) {
				targets = append(targets, claimTarget{USCC: li.USCC, Name: li.Name})
			}
		}
		b := openNoticeOf(n, s.now(), targets)
		b.Named = true
		out = append(out, b)
		if len(out) == maxSearchBanners {
			break
		}
	}
	return out, nil
}
