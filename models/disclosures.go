package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// NewDisclosure is what a filer submits; attachments are already in the blob store.
type NewDisclosure struct {
	Kind, Title, Body, Period string
	EventType                 string
	EventAt                   *time.Time
	Figures                   *MonthlyFigures
	Tranches                  []Tranche
	BaseFen                   *int64  // a plan in shares: the amount in fen the shares apply to
	PlanID                    *uint64 // a progress report: the plan it reports on (any version's id); nil = the latest plan
	Attachments               []Attachment
	Demo                      bool
}

// FileDisclosure validates and publishes the first version of a disclosure of in, with an outbox row,
// in one transaction. A monthly_data filing for a period already filed is a conflict: amend it instead.
func (s *Store) FileDisclosure(ctx context.Context, in Institution, nd NewDisclosure, actor string, now time.Time) (Disclosure, error) {
	d, err := s.prepareDisclosure(ctx, in, nd, now)
	if err != nil {
		return Disclosure{}, err
	}
	d.FiledBy, d.Version = actor, 1
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if d.Kind == MonthlyKind {
			if s.dialect == "mysql" {
				// Serialise first filings of one institution: the second waits here and then sees
				// the first (SQLite's write transactions are one at a time already).
				var lock Institution
				if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Take(&lock, in.ID).Error; err != nil {
					return err
				}
			}
			var n int64
			if err := tx.Model(&Disclosure{}).Where("institution_id = ? AND kind = ? AND period = ?", in.ID, d.Kind, d.Period).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return conflict(CodeFiguresFiled, Args{"period": d.Period})
			}
		}
		if err := tx.Omit("Figures", "Tranches", "Attachments").Create(&d).Error; err != nil {
			return err
		}
		if err := tx.Model(&Disclosure{}).Where("id = ?", d.ID).Update("root_id", d.ID).Error; err != nil {
			return err
		}
		d.RootID = d.ID
		AuditRecordOf(ctx, "disclosure", strconv.FormatUint(d.ID, 10))
		if err := writeDisclosureParts(tx, &d); err != nil {
			return err
		}
		return ledgerDisclosure(tx, d, now)
	})
	if err != nil {
		return Disclosure{}, notFound(err, "file disclosure")
	}
	return d, nil
}

// prepareDisclosure checks the input and builds the row without writing it.
func (s *Store) prepareDisclosure(ctx context.Context, in Institution, nd NewDisclosure, now time.Time) (Disclosure, error) {
	fe := FieldErrors{}
	if !OneOf(nd.Kind, DisclosureKinds) {
		fe.Add("kind", CodeOneOf, Args{"values": DisclosureKinds, "vocabulary": "disclosure_kind"})
	}
	title := strings.TrimSpace(nd.Title)
	if nd.Kind == MonthlyKind && title == "" && nd.Period != "" {
		title = nd.Period + " 运营数据"
	}
	if title == "" || utf8.RuneCountInString(title) > 300 {
		fe.Add("title", CodeRequiredMax, Args{"max": 300})
	}
	if !utf8.ValidString(nd.Title) || !utf8.ValidString(nd.Body) {
		fe.Add("body", CodeNotUTF8)
	}
	d := Disclosure{InstitutionID: in.ID, USCC: in.USCC, Kind: nd.Kind, Title: title, Body: nd.Body,
		EventType: nd.EventType, EventAt: nd.EventAt, PublishedAt: now, Demo: nd.Demo,
		Figures: nd.Figures, Tranches: nd.Tranches, BaseFen: nd.BaseFen, Attachments: nd.Attachments}
	if nd.Kind == MonthlyKind {
		y, m, err := ParsePeriod(nd.Period)
		switch {
		case err != nil:
			fe.Add("period", CodeMonth)
		case !time.Date(y, m, 1, 0, 0, 0, 0, ChinaZone).Before(time.Date(DateOf(now).Year, DateOf(now).Month, 1, 0, 0, 0, 0, ChinaZone)):
			fe.Add("period", CodeMonthNotEnded)
		}
		var prev *MonthlyFigures
		if !fe.Has("period") {
			if prev, err = s.previousFigures(ctx, in.ID, nd.Period); err != nil {
				return d, err
			}
		}
		if nd.Figures == nil {
			fe.Add("figures", CodeFiguresRequired)
		} else {
			fe.Merge("figures.", nd.Figures.Check(prev))
		}
		if len(fe) == 0 {
			d.Period = nd.Period
			cal, err := s.Calendar(ctx)
			if err != nil {
				return d, err
			}
			due, err := cal.MonthlyReportDue(nd.Period)
			if err != nil {
				cfe := calendarFieldError("period", err)
				if cfe == nil {
					return d, err
				}
				fe.Merge("", cfe)
			} else {
				end := due.End()
				d.DueAt = &end
				d.LateDays = LateDays(due, now)
			}
		}
	}
	fe.Merge("", checkEventParts(&d, now))
	if err := s.linkPlan(ctx, &d, nd.PlanID, fe); err != nil {
		return d, err
	}
	if len(fe) > 0 {
		return d, fe
	}
	for i := range d.Tranches {
		d.Tranches[i].Seq = i + 1 // numbered before hashing, as they are stored
	}
	d.Version = 1
	d.SHA256 = d.ContentHash()
	return d, nil
}

// previousFigures returns the latest figures filed for the month before period, or nil.
func (s *Store) previousFigures(ctx context.Context, institutionID uint64, period string) (*MonthlyFigures, error) {
	var f MonthlyFigures
	err := s.db.WithContext(ctx).Where("institution_id = ? AND period < ?", institutionID, period).
		Order("period DESC, disclosure_id DESC").Limit(1).Find(&f).Error
	if err != nil || f.DisclosureID == 0 {
		return nil, err
	}
	return &f, nil
}

// writeDisclosureParts writes figures, tranches, attachments and the outbox row of a new version.
func writeDisclosureParts(tx *gorm.DB, d *Disclosure) error {
	if d.Figures != nil {
		d.Figures.DisclosureID, d.Figures.InstitutionID, d.Figures.Period = d.ID, d.InstitutionID, d.Period
		if err := tx.Create(d.Figures).Error; err != nil {
			return err
		}
	}
	for i := range d.Tranches {
		d.Tranches[i].ID, d.Tranches[i].DisclosureID, d.Tranches[i].Seq = 0, d.ID, i+1
		if err := tx.Create(&d.Tranches[i]).Error; err != nil {
			return err
		}
	}
	for i := range d.Attachments {
		d.Attachments[i].DisclosureID = &d.ID
		if err := tx.Create(&d.Attachments[i]).Error; err != nil {
			return err
		}
	}
	return outbox(tx, "disclosure", d.ID)
}

// ContentHash is the SHA-256 of the disclosure's canonical published content (JSON of its fields,
// figures, tranches and the attachments' hashes), recorded at publication.
func (d Disclosure) ContentHash() string {
	if d.Tranches == nil { // a record read back has an empty list where a new one had none
		d.Tranches = []Tranche{}
	}
	type att struct{ Name, SHA256 string }
	atts := make([]att, len(d.Attachments))
	for i, a := range d.Attachments {
		atts[i] = att{a.Name, a.SHA256}
	}
	b, _ := json.Marshal(struct {
		USCC, Kind, Title, Period, Body, EventType string
		Version                                    int
		Amends                                     *uint64
		AmendReason                                string
		PublishedAt                                string
		Figures                                    *MonthlyFigures
		Tranches                                   []Tranche
		Attachments                                []att
		BaseFen                                    *int64  `json:",omitempty"` // absent before base amounts, so
		PlanID                                     *uint64 `json:",omitempty"` // earlier hashes stay as recorded
	}{d.USCC, d.Kind, d.Title, d.Period, d.Body, d.EventType, d.Version, d.Amends, d.AmendReason,
		d.PublishedAt.UTC().Format(time.RFC3339), d.Figures, d.Tranches, atts, d.BaseFen, d.PlanID})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// DueDay is the last day to file a disclosure due by the end of a day (monthly data: by 24:00 of
// the 5th working day, stored as DueAt, the instant that ends it, which is the next day's 00:00), as
// YYYY-MM-DD in China time; "" when the disclosure has no due time. Show this, never DueAt's date.
func (d Disclosure) DueDay() string {
	if d.DueAt == nil {
		return ""
	}
	return DateOf(d.DueAt.Add(-time.Nanosecond)).String()
}

// DisclosureByID loads a disclosure version with its figures, tranches and attachments.
func (s *Store) DisclosureByID(ctx context.Context, id uint64) (Disclosure, error) {
	var d Disclosure
	err := s.db.WithContext(ctx).Preload("Figures").Preload("Tranches", func(db *gorm.DB) *gorm.DB { return db.Order("seq") }).
		Preload("Attachments", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Take(&d, id).Error
	return d, notFound(err, fmt.Sprintf("disclosure %d", id))
}

// Versions returns every version of the disclosure with root id root, oldest first.
func (s *Store) Versions(ctx context.Context, root uint64) ([]Disclosure, error) {
	var out []Disclosure
	err := s.db.WithContext(ctx).Where("root_id = ?", root).Order("version").Find(&out).Error
	return out, notFound(err, "disclosure versions")
}

// DisclosureFilter selects the latest versions of disclosures.
type DisclosureFilter struct {
	InstitutionID uint64
	Kinds         []string
	Province      string
	Page, PerPage int
	NoTotal       bool // the caller shows no total (feeds, the home page): it is not counted
}

// latestVersions restricts q to disclosures that no amendment has replaced: a chain is amended only
// at its latest version, so a version is current exactly when no row amends it (an anti-join on the
// index of amends, reading only the rows the rest of the query selects; order never comes from ids).
func latestVersions(q *gorm.DB) *gorm.DB {
	return q.Where("NOT EXISTS (SELECT 1 FROM disclosures AS newer WHERE newer.amends = disclosures.id)")
}

// ListDisclosures returns one page of latest versions, newest first, with the total (0 with NoTotal).
// Its cost follows the rows it selects (an institution's, a kind's), never the whole table.
func (s *Store) ListDisclosures(ctx context.Context, f DisclosureFilter) ([]Disclosure, int64, error) {
	filter := func(q *gorm.DB) *gorm.DB {
		if f.InstitutionID != 0 {
			q = q.Where("institution_id = ?", f.InstitutionID)
		}
		if len(f.Kinds) > 0 {
			q = q.Where("kind IN ?", f.Kinds)
		}
		if f.Province != "" {
			q = q.Where("institution_id IN (?)", s.db.Model(&Institution{}).Select("id").Where("province = ?", f.Province))
		}
		return q
	}
	var total int64
	if !f.NoTotal {
		// A chain has one current version and one first, of the same institution and kind (an
		// amendment keeps both): counting first versions counts the current ones from the index of
		// (institution, kind, version) alone, without the anti-join for every row.
		if err := filter(s.db.WithContext(ctx).Model(&Disclosure{})).Where("version = 1").Count(&total).Error; err != nil {
			return nil, 0, notFound(err, "count disclosures")
		}
	}
	q := filter(latestVersions(s.db.WithContext(ctx).Model(&Disclosure{})))
	page, per := Paging(f.Page, f.PerPage)
	var out []Disclosure
	err := q.Preload("Attachments").Order("published_at DESC, id DESC").Offset((page - 1) * per).Limit(per).Find(&out).Error
	return out, total, notFound(err, "list disclosures")
}

// LatestVersion returns the newest version of the disclosure chain with root id root.
func (s *Store) LatestVersion(ctx context.Context, root uint64) (Disclosure, error) {
	var ids []uint64
	if err := s.db.WithContext(ctx).Model(&Disclosure{}).Where("root_id = ?", root).Order("version DESC").Limit(1).Pluck("id", &ids).Error; err != nil {
		return Disclosure{}, notFound(err, "latest version")
	}
	if len(ids) == 0 {
		return Disclosure{}, fmt.Errorf("models: disclosure chain %d: %w", root, ErrNotFound)
	}
	return s.DisclosureByID(ctx, ids[0])
}
