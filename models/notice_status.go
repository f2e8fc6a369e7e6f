package models

import (
	"time"

	"gorm.io/gorm"
)

// NoticeKind is the kind of statutory notice an office publishes (CONTRACT.md "Notice kinds").
type NoticeKind string

// The notice kinds.
const (
	NoticeZombieList      NoticeKind = "zombie_list"      // 僵尸类机构名单公告: lists institutions, claim window
	NoticeExitSupervision NoticeKind = "exit_supervision" // 退出监督公告: lists institutions, claim window
	NoticeTransfer        NoticeKind = "transfer"         // 移送公告
	NoticeGeneral         NoticeKind = "general"          // 一般公告
	NoticeCorrection      NoticeKind = "correction"       // 更正公告: always names the notice it corrects
)

// NoticeKinds are the notice kinds in the order the public reads them.
var NoticeKinds = []NoticeKind{NoticeZombieList, NoticeExitSupervision, NoticeTransfer, NoticeGeneral, NoticeCorrection}

// windowKinds are the kinds whose notices carry a claim window; the others never do.
var windowKinds = []NoticeKind{NoticeZombieList, NoticeExitSupervision}

// HasWindow reports whether notices of kind k carry a claim window (公告期): such a notice must
// state one and the others must not.
func (k NoticeKind) HasWindow() bool {
	for _, w := range windowKinds {
		if w == k {
			return true
		}
	}
	return false
}

// ListsInstitutions reports whether a notice of kind k is a list of institutions and is void
// without one (a zombie list naming nobody would take a document number and publish 名单 0 家).
func (k NoticeKind) ListsInstitutions() bool { return k == NoticeZombieList }

// Valid reports whether k is one of NoticeKinds.
func (k NoticeKind) Valid() bool {
	for _, x := range NoticeKinds {
		if x == k {
			return true
		}
	}
	return false
}

// NoticeStatus is where a notice stands at a moment (CONTRACT.md "Notice status"), computed by
// Notice.Status from the notice's facts and the time; it is never read back from storage.
type NoticeStatus string

// The notice statuses.
const (
	NoticeDraft     NoticeStatus = "draft"     // not published; only its office sees it
	NoticePublished NoticeStatus = "published" // published, of a kind without a claim window
	NoticeOpen      NoticeStatus = "open"      // published, claim window running: claims accepted
	NoticeExpired   NoticeStatus = "expired"   // window over, outcomes pending
	NoticeConcluded NoticeStatus = "concluded" // an outcome recorded for every listed institution
)

// NoticeStatuses are the statuses in the order a notice moves through them; PublicNoticeStatuses
// leave out drafts, which the public never sees.
var (
	NoticeStatuses       = []NoticeStatus{NoticeDraft, NoticePublished, NoticeOpen, NoticeExpired, NoticeConcluded}
	PublicNoticeStatuses = NoticeStatuses[1:]
)

// Valid reports whether st is one of NoticeStatuses.
func (st NoticeStatus) Valid() bool {
	for _, x := range NoticeStatuses {
		if x == st {
			return true
		}
	}
	return false
}

// Status is the notice's status at time now, the one definition every page, answer, feed, export
// and filter uses: a draft until published; concluded once every listed institution has an outcome;
// published for ever when the notice has no claim window; otherwise open until the deadline (24:00
// of the last day) and expired from then on. statusQuery is the same rule as a query.
func (n Notice) Status(now time.Time) NoticeStatus {
	switch {
	case n.PublishedAt == nil:
		return NoticeDraft
	case n.ConcludedAt != nil:
		return NoticeConcluded
	case !n.HasWindow():
		return NoticePublished
	case now.Before(*n.Deadline):
		return NoticeOpen
	}
	return NoticeExpired
}

// IsDraft reports whether the notice is still a draft (never published).
func (n Notice) IsDraft() bool { return n.PublishedAt == nil }

// HasWindow reports whether the notice carries a claim window: its kind has one and publication
// fixed its deadline.
func (n Notice) HasWindow() bool { return n.Kind.HasWindow() && n.Deadline != nil }

// AcceptsClaims reports whether investors may claim against the notice at time now: only while its
// claim window is open.
func (n Notice) AcceptsClaims(now time.Time) bool { return n.Status(now) == NoticeOpen }

// statusQuery narrows q (a query on notices) to those whose Status(now) is st; it is Status written
// as SQL, and a test checks on every database that both agree on random notices.
func statusQuery(q *gorm.DB, st NoticeStatus, now time.Time) *gorm.DB {
	const windowed = "kind IN ? AND deadline IS NOT NULL"
	live := func() *gorm.DB { return q.Where("published_at IS NOT NULL AND concluded_at IS NULL") }
	switch st {
	case NoticeDraft:
		return q.Where("published_at IS NULL")
	case NoticeConcluded:
		return q.Where("published_at IS NOT NULL AND concluded_at IS NOT NULL")
	case NoticePublished:
		return live().Where("NOT ("+windowed+")", windowKinds)
	case NoticeOpen:
		return live().Where(windowed+" AND deadline > ?", windowKinds, now)
	case NoticeExpired:
		return live().Where(windowed+" AND deadline <= ?", windowKinds, now)
	}
	return q.Where("1 = 0")
}

// publishedQuery narrows q (a query on notices) to published ones, whatever their status.
func publishedQuery(q *gorm.DB) *gorm.DB { return q.Where("published_at IS NOT NULL") }
