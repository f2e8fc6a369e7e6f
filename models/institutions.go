package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// InstitutionFilter selects institutions for a list page or API call.
type InstitutionFilter struct {
	Province, Class, Disposition string
	Sort                         string // "name" (default), "uscc", "class_since", "updated"
	Page, PerPage                int
}

// Paging normalises a page number and page size: page ≥ 1, 1 ≤ per_page ≤ 100 (default 20).
func Paging(page, perPage int) (int, int) {
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 20
	}
	if perPage > 100 {
		perPage = 100
	}
	return page, perPage
}

// ListInstitutions returns one page of institutions and the total matching the filter.
func (s *Store) ListInstitutions(ctx context.Context, f InstitutionFilter) ([]Institution, int64, error) {
	q := s.db.WithContext(ctx).Model(&Institution{})
	if f.Province != "" {
		q = q.Where("province = ?", f.Province)
	}
	if f.Class != "" {
		q = q.Where("class = ?", f.Class)
	}
	if f.Disposition != "" {
		q = q.Where("disposition = ?", f.Disposition)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, notFound(err, "count institutions")
	}
	order := map[string]string{"uscc": "uscc", "class_since": "class_since DESC, id", "updated": "updated_at DESC, id"}[f.Sort]
	if order == "" {
		order = "sort_key, id"
	}
	page, per := Paging(f.Page, f.PerPage)
	var out []Institution
	err := q.Order(order).Offset((page - 1) * per).Limit(per).Find(&out).Error
	return out, total, notFound(err, "list institutions")
}

// InstitutionByUSCC loads one institution.
func (s *Store) InstitutionByUSCC(ctx context.Context, uscc string) (Institution, error) {
	var in Institution
	err := s.db.WithContext(ctx).Where("uscc = ?", strings.ToUpper(uscc)).Take(&in).Error
	return in, notFound(err, "institution "+uscc)
}

// InstitutionByID loads one institution by its row id.
func (s *Store) InstitutionByID(ctx context.Context, id uint64) (Institution, error) {
	var in Institution
	return in, notFound(s.db.WithContext(ctx).Take(&in, id).Error, fmt.Sprintf("institution %d", id))
}

// Decisions returns an institution's class decisions, oldest first.
func (s *Store) Decisions(ctx context.Context, institutionID uint64) ([]Decision, error) {
	var out []Decision
	err := s.db.WithContext(ctx).Where("institution_id = ?", institutionID).Order("decided_at, id").Find(&out).Error
	return out, notFound(err, "decisions")
}

// DecisionsOf returns the class decisions of each of the institutions ids, oldest first (as
// Decisions does for one).
func (s *Store) DecisionsOf(ctx context.Context, ids ...uint64) (map[uint64][]Decision, error) {
	out := map[uint64][]Decision{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Decision
	err := s.db.WithContext(ctx).Where("institution_id IN ?", ids).Order("decided_at, id").Find(&rows).Error
	for _, d := range rows {
		out[d.InstitutionID] = append(out[d.InstitutionID], d)
	}
	return out, notFound(err, "decisions of institutions")
}

// FiguresOf returns the latest filed monthly figures of an institution per period, oldest first.
func (s *Store) FiguresOf(ctx context.Context, institutionID uint64) ([]MonthlyFigures, error) {
	var out []MonthlyFigures
	latest := s.db.Model(&MonthlyFigures{}).Select("MAX(disclosure_id)").Where("institution_id = ?", institutionID).Group("period")
	err := s.db.WithContext(ctx).Where("disclosure_id IN (?)", latest).Order("period").Find(&out).Error
	return out, notFound(err, "monthly figures")
}

// NewInstitution is the input for creating an institution.
type NewInstitution struct {
	USCC, Name, Province, District, DepositoryBank, RegisteredAddress string
	Brands, FormerNames, Websites, Apps                               []string
	Class, Reason                                                     string // the first class and why; default unclassified
	Demo                                                              bool
}

// CreateInstitution validates (CheckInstitution) and stores an institution with its first class
// decision, by actor.
func (s *Store) CreateInstitution(ctx context.Context, ni NewInstitution, actor string, now time.Time) (Institution, error) {
	ni, _, fe := CheckInstitution(ni)
	if fe == nil {
		fe = FieldErrors{}
	}
	class := ni.Class
	if class == "" {
		class = "unclassified"
	}
	if !OneOf(class, Classes) {
		fe.Add("class", CodeOneOf, Args{"values": Classes, "vocabulary": "class"})
	}
	if len(fe) > 0 {
		return Institution{}, fe
	}
	uscc := ni.USCC
	in := Institution{
		USCC: uscc, Name: ni.Name, Province: ni.Province, District: ni.District,
		DepositoryBank: ni.DepositoryBank, RegisteredAddress: ni.RegisteredAddress,
		Brands: ni.Brands, FormerNames: ni.FormerNames, Websites: ni.Websites, Apps: ni.Apps,
		Class: class, ClassSince: now, Disposition: "operating", Demo: ni.Demo, CreatedAt: now, UpdatedAt: now,
	}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&in).Error; err != nil {
			return notFound(err, "create institution "+uscc)
		}
		AuditRecordOf(ctx, "institution", uscc)
		if class != "unclassified" {
			d := Decision{InstitutionID: in.ID, FromClass: "unclassified", ToClass: class, Reason: ni.Reason, Criteria: []string{}, Office: DecidingOffice(in), DecidedBy: actor, DecidedAt: now}
			if err := tx.Create(&d).Error; err != nil {
				return err
			}
		}
		return outbox(tx, "institution", in.ID)
	})
	return in, err
}

// Classify appends a class decision without evidence files; see ClassifyWithEvidence.
func (s *Store) Classify(ctx context.Context, in Institution, to, reason string, criteria []string, actor string, now time.Time) (Decision, error) {
	return s.ClassifyWithEvidence(ctx, in, Classification{Class: to, Reason: reason, Criteria: criteria}, actor, now)
}

// setDisposition records a move of the institution's disposition; a move outside the allowed graph
// (CheckDispositionMove) is refused with the reason.
func (s *Store) setDisposition(ctx context.Context, tx *gorm.DB, in Institution, to, reason, actor string, now time.Time) error {
	if err := CheckDispositionMove(in.Disposition, to); err != nil {
		return err
	}
	c := DispositionChange{InstitutionID: in.ID, FromState: in.Disposition, ToState: to, Reason: reason, Office: DecidingOffice(in), DecidedBy: actor, DecidedAt: now}
	if err := tx.Create(&c).Error; err != nil {
		return err
	}
	if err := tx.Model(&Institution{}).Where("id = ?", in.ID).Update("disposition", to).Error; err != nil {
		return err
	}
	return outbox(tx, "institution", in.ID)
}

// clean trims entries and drops empty ones and duplicates, keeping order.
func clean(list []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, v := range list {
		v = strings.TrimSpace(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Count is one value of a column with the number of institutions that have it.
type Count struct {
	Value string
	N     int64
}

// CountBy counts institutions by class, disposition or province.
func (s *Store) CountBy(ctx context.Context, column string) ([]Count, error) {
	if !OneOf(column, []string{"class", "disposition", "province"}) {
		return nil, fmt.Errorf("models: cannot count by %q", column)
	}
	var out []Count
	err := s.db.WithContext(ctx).Model(&Institution{}).Select(column + " AS value, COUNT(*) AS n").Group(column).Order(column).Scan(&out).Error
	return out, notFound(err, "count institutions by "+column)
}
