package models

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// planRoots returns the root ids of the institution's plans (chains whose current version is a plan
// kind with tranches), oldest first.
func (s *Store) planRoots(ctx context.Context, institutionID uint64) ([]uint64, error) {
	var roots []uint64
	err := latestVersions(s.db.WithContext(ctx).Model(&Disclosure{})).
		Where("institution_id = ? AND kind IN ?", institutionID, PlanKinds).
		Where("EXISTS (SELECT 1 FROM tranches t WHERE t.disclosure_id = disclosures.id)").
		Order("root_id").Pluck("root_id", &roots).Error
	if err != nil {
		return nil, fmt.Errorf("models: plans of institution %d: %w", institutionID, err)
	}
	return roots, nil
}

// planBefore returns the institution's latest plan filed before the chain with root id before
// (0: the latest of all), or nil when there is none. A progress report filed without naming its
// plan reports on this one: the latest plan when it was filed.
func planBefore(roots []uint64, before uint64) *uint64 {
	for i := len(roots) - 1; i >= 0; i-- {
		if before == 0 || roots[i] < before {
			return &roots[i]
		}
	}
	return nil
}

// linkPlan sets the plan a progress report refers to: the plan named (any version's id, stored as
// the plan's root id), which must be one of the same institution's plans, or else the institution's
// latest plan (none when it has filed no plan). Other kinds refer to no plan.
func (s *Store) linkPlan(ctx context.Context, d *Disclosure, named *uint64, fe FieldErrors) error {
	d.PlanID = nil
	if d.Kind != ProgressKind {
		if named != nil {
			fe["plan"] = "only a repayment progress report refers to a plan"
		}
		return nil
	}
	roots, err := s.planRoots(ctx, d.InstitutionID)
	if err != nil {
		return err
	}
	if named == nil {
		d.PlanID = planBefore(roots, 0)
		return nil
	}
	var root uint64
	err = s.db.WithContext(ctx).Model(&Disclosure{}).Select("root_id").
		Where("id = ? AND institution_id = ?", *named, d.InstitutionID).Limit(1).Scan(&root).Error
	if err != nil {
		return fmt.Errorf("models: plan %d: %w", *named, err)
	}
	i := sort.Search(len(roots), func(i int) bool { return roots[i] >= root })
	if root == 0 || i == len(roots) || roots[i] != root {
		fe["plan"] = "not a repayment plan of this institution"
		return nil
	}
	d.PlanID = &roots[i]
	return nil
}

// planOfAmended is the plan an amendment of progress report prev refers to unless it names another:
// the one prev names, or for a report filed before progress named plans, the plan it reported on.
func (s *Store) planOfAmended(ctx context.Context, prev Disclosure) (*uint64, error) {
	if prev.Kind != ProgressKind || prev.PlanID != nil {
		return prev.PlanID, nil
	}
	roots, err := s.planRoots(ctx, prev.InstitutionID)
	if err != nil {
		return nil, err
	}
	return planBefore(roots, prev.RootID), nil
}

// PlanOf returns plan version d with the latest progress report that refers to it: the current
// version of the last progress chain naming d's plan, or, of the reports filed before progress named
// plans, the last one filed between this plan and the institution's next.
func (s *Store) PlanOf(ctx context.Context, d Disclosure) (Plan, error) {
	p := Plan{Disclosure: d}
	if !d.IsPlan() {
		return p, fmt.Errorf("models: disclosure %d is not a repayment plan: %w", d.ID, ErrNotFound)
	}
	roots, err := s.planRoots(ctx, d.InstitutionID)
	if err != nil {
		return p, err
	}
	next := uint64(math.MaxInt64)
	if i := sort.Search(len(roots), func(i int) bool { return roots[i] > d.RootID }); i < len(roots) {
		next = roots[i]
	}
	// Two lookups, each on its own index: the reports naming the plan, and those filed before
	// reports named plans (between this plan and the next).
	var named, earlier uint64
	err = latestVersions(s.db.WithContext(ctx).Model(&Disclosure{})).Select("id").
		Where("plan_id = ? AND kind = ?", d.RootID, ProgressKind).Order("root_id DESC").Limit(1).Scan(&named).Error
	if err == nil {
		err = latestVersions(s.db.WithContext(ctx).Model(&Disclosure{})).Select("id").
			Where("institution_id = ? AND kind = ? AND plan_id IS NULL AND root_id > ? AND root_id < ?", d.InstitutionID, ProgressKind, d.RootID, next).
			Order("root_id DESC").Limit(1).Scan(&earlier).Error
	}
	if err != nil {
		return p, fmt.Errorf("models: progress of plan %d: %w", d.RootID, err)
	}
	id := named
	if named == 0 { // a report naming the plan is always filed after every report that names none
		id = earlier
	}
	if id == 0 {
		return p, nil
	}
	progress, err := s.DisclosureByID(ctx, id)
	if err != nil {
		return p, err
	}
	p.Progress = &progress
	return p, nil
}

// LatestPlan returns the current version of the institution's latest plan with its progress;
// ErrNotFound when it has filed none.
func (s *Store) LatestPlan(ctx context.Context, institutionID uint64) (Plan, error) {
	roots, err := s.planRoots(ctx, institutionID)
	if err != nil {
		return Plan{}, err
	}
	root := planBefore(roots, 0)
	if root == nil {
		return Plan{}, fmt.Errorf("models: plan of institution %d: %w", institutionID, ErrNotFound)
	}
	d, err := s.LatestVersion(ctx, *root)
	if err != nil {
		return Plan{}, err
	}
	return s.PlanOf(ctx, d)
}

// PlanIDs returns the ids of the current versions of every plan, by institution and filing order.
func (s *Store) PlanIDs(ctx context.Context) ([]uint64, error) {
	var ids []uint64
	err := latestVersions(s.db.WithContext(ctx).Model(&Disclosure{})).Where("kind IN ?", PlanKinds).
		Where("EXISTS (SELECT 1 FROM tranches t WHERE t.disclosure_id = disclosures.id)").
		Order("institution_id, root_id").Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("models: plans: %w", err)
	}
	return ids, nil
}

// InstitutionPlans returns the current versions of the institution's plans, newest first (without
// their tranches).
func (s *Store) InstitutionPlans(ctx context.Context, institutionID uint64) ([]Disclosure, error) {
	var out []Disclosure
	err := latestVersions(s.db.WithContext(ctx)).Where("institution_id = ? AND kind IN ?", institutionID, PlanKinds).
		Where("EXISTS (SELECT 1 FROM tranches t WHERE t.disclosure_id = disclosures.id)").
		Order("root_id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: plans of institution %d: %w", institutionID, err)
	}
	return out, nil
}
