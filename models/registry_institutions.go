package models

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Limits of an institution's free-text fields and lists.
const (
	maxListEntries = 20
	maxEntryRunes  = 200
)

// SampleUSCC is the credit code of the import template's example row (and of the examples in the
// documentation). It is a valid code, so it is refused by name: an example is never imported or
// created as a real institution.
const SampleUSCC = "91350100M000100Y43"

// checkKeeper says why the office of province may not keep an institution with credit code uscc
// (属地管理: only the office of the division where it is registered, KeeperOf; a sample code by
// nobody), or "" when it may.
func checkKeeper(uscc, province string) FieldErrors {
	if uscc == SampleUSCC {
		return Invalid("uscc", CodeSampleRow)
	}
	keeper, ok := KeeperOf(uscc[2:8])
	if ok && keeper.Code != province {
		return Invalid("uscc", CodeKeptElsewhere, Args{"division": uscc[2:8], "keeper": keeper.Code})
	}
	return nil
}

// CheckInstitution validates and normalises an institution's fields as an office enters them: the
// USCC (with the warning of ParseUSCC), the legal name, a real province or plan city, that the
// institution is registered where that office keeps institutions (属地管理, KeeperOf) and is no
// template example (SampleUSCC), and the lengths of every other field. The errors are keyed by the
// form's field names.
func CheckInstitution(ni NewInstitution) (NewInstitution, string, FieldErrors) {
	fe := FieldErrors{}
	uscc, warning, err := ParseUSCC(ni.USCC)
	if err != nil {
		fe.Add("uscc", CodeUSCC, usccArgs(err))
	}
	ni.USCC = uscc
	ni.Name = strings.TrimSpace(ni.Name)
	if ni.Name == "" || utf8.RuneCountInString(ni.Name) > 200 {
		fe.Add("name", CodeRequiredMax, Args{"max": 200})
	}
	if !ValidProvince(ni.Province) {
		fe.Add("province", CodeNotProvince)
	}
	if !fe.Has("uscc") && !fe.Has("province") {
		fe.Merge("", checkKeeper(uscc, ni.Province))
	}
	for name, p := range map[string]*string{"district": &ni.District, "depository_bank": &ni.DepositoryBank, "registered_address": &ni.RegisteredAddress} {
		*p = strings.TrimSpace(*p)
		if limit := map[string]int{"district": 100, "depository_bank": 200, "registered_address": 300}[name]; utf8.RuneCountInString(*p) > limit {
			fe.Add(name, CodeTooLong, Args{"max": limit})
		}
	}
	for name, p := range map[string]*[]string{"brands": &ni.Brands, "former_names": &ni.FormerNames, "websites": &ni.Websites, "apps": &ni.Apps} {
		*p = clean(*p)
		if len(*p) > maxListEntries {
			fe.Add(name, CodeTooManyEntries, Args{"max": maxListEntries})
		}
		for _, v := range *p {
			if utf8.RuneCountInString(v) > maxEntryRunes || !utf8.ValidString(v) {
				fe.Add(name, CodeEntryTooLong, Args{"max": maxEntryRunes})
			}
		}
	}
	if len(fe) > 0 {
		return ni, warning, fe
	}
	return ni, warning, nil
}

// UpdateInstitution changes the facts of an institution (never its class or disposition) with an
// outbox row. When the legal name changes the old one joins the former names (曾用名), so that the
// public still finds it. A USCC taken by another institution is a conflict.
func (s *Store) UpdateInstitution(ctx context.Context, in Institution, ni NewInstitution, now time.Time) (Institution, error) {
	ni, _, fe := CheckInstitution(ni)
	if fe != nil {
		return in, fe
	}
	former := ni.FormerNames
	if ni.Name != in.Name && !slices.Contains(former, in.Name) {
		former = append(former, in.Name)
	}
	former = slices.DeleteFunc(former, func(n string) bool { return n == ni.Name })
	in.USCC, in.Name, in.Province, in.District = ni.USCC, ni.Name, ni.Province, ni.District
	in.DepositoryBank, in.RegisteredAddress = ni.DepositoryBank, ni.RegisteredAddress
	in.Brands, in.FormerNames, in.Websites, in.Apps = ni.Brands, former, ni.Websites, ni.Apps
	in.UpdatedAt = now
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Select("uscc", "name", "sort_key", "province", "district", "depository_bank", "registered_address",
			"brands", "former_names", "websites", "apps", "updated_at").Updates(&in).Error; err != nil {
			return err
		}
		return outbox(tx, "institution", in.ID)
	})
	return in, notFound(err, "update institution "+in.USCC)
}

// Classification is an office's class decision with its evidence files (already in the blob store).
type Classification struct {
	Class    string
	Reason   string
	Criteria []string
	Evidence []Attachment
}

// ClassifyWithEvidence appends a class decision with its evidence files and moves the institution to
// the class, in one transaction with an outbox row. Moving to the class it already has is refused.
func (s *Store) ClassifyWithEvidence(ctx context.Context, in Institution, c Classification, actor string, now time.Time) (Decision, error) {
	var d Decision
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var err error
		d, err = classifyTx(tx, in, c, actor, now)
		return err
	})
	return d, err
}

// classifyTx writes a class decision, its evidence and the institution's new class inside tx.
func classifyTx(tx *gorm.DB, in Institution, c Classification, actor string, now time.Time) (Decision, error) {
	fe := FieldErrors{}
	switch {
	case c.Class == "":
		fe.Add("class", CodeRequired)
	case !OneOf(c.Class, Classes) || c.Class == "unclassified":
		fe.Add("class", CodeOneOf, Args{"values": assignableClasses(), "vocabulary": "class"})
	case c.Class == in.Class:
		fe.Add("class", CodeSameClass)
	}
	reason := strings.TrimSpace(c.Reason)
	if reason == "" || utf8.RuneCountInString(reason) > 2000 {
		fe.Add("reason", CodeRequiredMax, Args{"max": 2000})
	}
	criteria := clean(c.Criteria)
	if len(criteria) > maxListEntries {
		fe.Add("criteria", CodeTooManyEntries, Args{"max": maxListEntries})
	}
	if len(fe) > 0 {
		return Decision{}, fe
	}
	d := Decision{InstitutionID: in.ID, FromClass: in.Class, ToClass: c.Class, Reason: reason, Criteria: criteria, Office: DecidingOffice(in), DecidedBy: actor, DecidedAt: now}
	if err := tx.Create(&d).Error; err != nil {
		return d, notFound(err, "classify "+in.USCC)
	}
	for _, a := range c.Evidence {
		a.CreatedAt = now
		if err := tx.Create(&a).Error; err != nil {
			return d, notFound(err, "store evidence")
		}
		if err := tx.Create(&DecisionAttachment{DecisionID: d.ID, AttachmentID: a.ID}).Error; err != nil {
			return d, notFound(err, "link evidence")
		}
	}
	if err := tx.Model(&Institution{}).Where("id = ?", in.ID).Updates(map[string]any{"class": c.Class, "class_since": now}).Error; err != nil {
		return d, notFound(err, "classify "+in.USCC)
	}
	if err := appendLedger(tx, LedgerDecision, d.ID, DecisionHash(in.USCC, d), attachmentHashes(c.Evidence), now); err != nil {
		return d, err
	}
	return d, outbox(tx, "institution", in.ID)
}

// DecisionEvidence returns the evidence files of the given decisions, by decision id.
func (s *Store) DecisionEvidence(ctx context.Context, decisionIDs []uint64) (map[uint64][]Attachment, error) {
	out := map[uint64][]Attachment{}
	if len(decisionIDs) == 0 {
		return out, nil
	}
	var links []DecisionAttachment
	if err := s.db.WithContext(ctx).Where("decision_id IN ?", decisionIDs).Find(&links).Error; err != nil || len(links) == 0 {
		return out, notFound(err, "decision evidence")
	}
	ids := make([]uint64, len(links))
	for i, l := range links {
		ids[i] = l.AttachmentID
	}
	var atts []Attachment
	if err := s.db.WithContext(ctx).Omit("text").Where("id IN ?", ids).Order("id").Find(&atts).Error; err != nil {
		return out, notFound(err, "decision evidence")
	}
	byID := map[uint64]Attachment{}
	for _, a := range atts {
		byID[a.ID] = a
	}
	for _, l := range links {
		out[l.DecisionID] = append(out[l.DecisionID], byID[l.AttachmentID])
	}
	return out, nil
}

// Dispose moves an institution's disposition along the allowed graph, in its own transaction.
func (s *Store) Dispose(ctx context.Context, in Institution, to, reason, actor string, now time.Time) error {
	if strings.TrimSpace(reason) == "" {
		return Invalid("reason", CodeRequired)
	}
	return notFound(s.transact(ctx, func(tx *gorm.DB) error {
		return s.setDisposition(ctx, tx, in, to, strings.TrimSpace(reason), actor, now)
	}), "dispose "+in.USCC)
}

// DispositionHistory returns an institution's disposition moves, oldest first.
func (s *Store) DispositionHistory(ctx context.Context, institutionID uint64) ([]DispositionChange, error) {
	var out []DispositionChange
	err := s.db.WithContext(ctx).Where("institution_id = ?", institutionID).Order("decided_at, id").Find(&out).Error
	return out, notFound(err, "disposition history")
}

// InstitutionsOf returns every institution of a province, by name.
func (s *Store) InstitutionsOf(ctx context.Context, province string) ([]Institution, error) {
	var out []Institution
	err := s.db.WithContext(ctx).Where("province = ?", province).Order("sort_key, id").Find(&out).Error
	return out, notFound(err, "institutions of "+province)
}
