package app

import (
	"time"

	"pilu/models"
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
