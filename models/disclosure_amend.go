package models

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AmendDisclosure publishes a correction of the disclosure version prev as version n+1 of the same
// chain, with a required reason; prev itself never changes. Only the latest version can be amended
// (ErrConflict otherwise); the kind and, for monthly data, the period stay those of prev. Lateness is
// that of the chain's first filing: a correction does not make a timely filing late.
func (s *Store) AmendDisclosure(ctx context.Context, prev Disclosure, nd NewDisclosure, reason, actor string, now time.Time) (Disclosure, error) {
	reason = strings.TrimSpace(reason)
	fe := FieldErrors{}
	if reason == "" || utf8.RuneCountInString(reason) > 2000 || !utf8.ValidString(reason) {
		fe.Add("reason", CodeAmendReason, Args{"max": 2000})
	}
	if nd.Kind == "" {
		nd.Kind = prev.Kind
	}
	if nd.Kind != prev.Kind {
		fe.Add("kind", CodeAmendKeepsKind, Args{"kind": prev.Kind})
	}
	if prev.Kind == MonthlyKind {
		if nd.Period == "" {
			nd.Period = prev.Period
		}
		if nd.Period != prev.Period {
			fe.Add("period", CodeAmendKeepsPeriod, Args{"period": prev.Period})
		}
	}
	in, err := s.InstitutionByID(ctx, prev.InstitutionID)
	if err != nil {
		return Disclosure{}, err
	}
	root, err := s.DisclosureByID(ctx, prev.RootID)
	if err != nil {
		return Disclosure{}, err
	}
	if nd.PlanID == nil {
		if nd.PlanID, err = s.planOfAmended(ctx, prev); err != nil {
			return Disclosure{}, err
		}
	}
	d, perr := s.prepareDisclosure(ctx, in, nd, now)
	if pfe, ok := perr.(FieldErrors); ok {
		fe.Merge("", pfe)
	} else if perr != nil {
		return Disclosure{}, perr
	}
	if len(fe) > 0 {
		return Disclosure{}, fe
	}
	switch {
	case d.Kind == MonthlyKind && root.DueAt != nil:
		d.DueAt, d.LateDays = root.DueAt, root.LateDays
	case d.DueAt != nil:
		d.LateDays = HoursLateDays(*d.DueAt, root.PublishedAt)
	}
	d.FiledBy, d.Version, d.RootID, d.Amends, d.AmendReason = actor, prev.Version+1, prev.RootID, &prev.ID, reason
	d.SHA256 = d.ContentHash()
	err = s.transact(ctx, func(tx *gorm.DB) error {
		q := tx.Model(&Disclosure{})
		if s.dialect == "mysql" {
			// Serialise amendments of one chain: the second waits here and then sees the first.
			var lock Disclosure
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Take(&lock, prev.RootID).Error; err != nil {
				return err
			}
		}
		var newer int64
		if err := q.Where("root_id = ? AND version > ?", prev.RootID, prev.Version).Count(&newer).Error; err != nil {
			return err
		}
		if newer > 0 {
			return conflict(CodeAlreadyAmended, Args{"version": prev.Version})
		}
		if err := tx.Omit("Figures", "Tranches", "Attachments").Create(&d).Error; err != nil {
			return err
		}
		if err := writeDisclosureParts(tx, &d); err != nil {
			return err
		}
		return ledgerDisclosure(tx, d, now)
	})
	if err != nil {
		return Disclosure{}, notFound(err, "amend disclosure")
	}
	return d, nil
}
