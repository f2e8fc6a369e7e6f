package models

import (
	"context"
	"fmt"
	"time"
)

// chain is a disclosure chain by its root (first version) and when that was filed: chains are in
// filing order by (Filed, Root), the order their institution published them.
type chain struct {
	Root  uint64
	Filed time.Time
}

func (c chain) before(o chain) bool {
	return c.Filed.Before(o.Filed) || (c.Filed.Equal(o.Filed) && c.Root < o.Root)
}

// filedFirst joins each disclosure's first version as "root", whose publication is the chain's.
const filedFirst = "JOIN disclosures AS root ON root.id = disclosures.root_id"

// planRoots returns the institution's plans (chains whose current version is a plan kind with
// tranches) in filing order.
func (s *Store) planRoots(ctx context.Context, institutionID uint64) ([]chain, error) {
	var out []chain
	// The institution's announcements and plans come from the index of (institution, kind, …) alone;
	// most have no tranches, so that test comes before the one for a newer version.
	q := s.db.WithContext(ctx).Model(&Disclosure{}).Joins(filedFirst).
		Select("disclosures.root_id AS root, root.published_at AS filed").
		Where("disclosures.institution_id = ? AND disclosures.kind IN ?", institutionID, PlanKinds).
		Where("EXISTS (SELECT 1 FROM tranches t WHERE t.disclosure_id = disclosures.id)")
	err := latestVersions(q).Order("root.published_at, root.id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: plans of institution %d: %w", institutionID, err)
	}
	return out, nil
}

// planBefore returns the institution's latest plan filed before chain c (nil c: the latest of
// all), or nil when there is none. A progress report filed without naming its plan reports on this
// one: the latest plan when it was filed.
func planBefore(plans []chain, c *chain) *uint64 {
	for i := len(plans) - 1; i >= 0; i-- {
		if c == nil || plans[i].before(*c) {
			return &plans[i].Root
		}
	}
	return nil
}

// chainOf returns the chain whose root is root, with when it was filed.
func (s *Store) chainOf(ctx context.Context, root uint64) (chain, error) {
	var c chain
	err := s.db.WithContext(ctx).Model(&Disclosure{}).Select("id AS root, published_at AS filed").
		Where("id = ?", root).Limit(1).Scan(&c).Error
	if err != nil {
		return c, fmt.Errorf("models: disclosure chain %d: %w", root, err)
	}
	return c, nil
}

// linkPlan sets the plan a progress report refers to: the plan named (any version's id, stored as
// the plan's root id), which must be one of the same institution's plans, or else the institution's
// latest plan (none when it has filed no plan). Other kinds refer to no plan.
func (s *Store) linkPlan(ctx context.Context, d *Disclosure, named *uint64, fe FieldErrors) error {
	d.PlanID = nil
	if d.Kind != ProgressKind {
		if named != nil {
			fe.Add("plan", CodePlanOnlyProgress)
		}
		return nil
	}
	plans, err := s.planRoots(ctx, d.InstitutionID)
	if err != nil {
		return err
	}
	if named == nil {
		d.PlanID = planBefore(plans, nil)
		return nil
	}
	var root uint64
	err = s.db.WithContext(ctx).Model(&Disclosure{}).Select("root_id").
		Where("id = ? AND institution_id = ?", *named, d.InstitutionID).Limit(1).Scan(&root).Error
	if err != nil {
		return fmt.Errorf("models: plan %d: %w", *named, err)
	}
	for i := range plans {
		if root != 0 && plans[i].Root == root {
			d.PlanID = &plans[i].Root
			return nil
		}
	}
	fe.Add("plan", CodeNotOwnPlan)
	return nil
}

// planOfAmended is the plan an amendment of progress report prev refers to unless it names another:
// the one prev names, or for a report filed before progress named plans, the plan it reported on.
func (s *Store) planOfAmended(ctx context.Context, prev Disclosure) (*uint64, error) {
	if prev.Kind != ProgressKind || prev.PlanID != nil {
		return prev.PlanID, nil
	}
	plans, err := s.planRoots(ctx, prev.InstitutionID)
	if err != nil {
		return nil, err
	}
	c, err := s.chainOf(ctx, prev.RootID)
	if err != nil {
		return nil, err
	}
	return planBefore(plans, &c), nil
}

// PlanOf returns plan version d with the latest progress report that refers to it: the current
// version of the last progress chain naming d's plan, or, of the reports filed before progress named
// plans, the last one filed between this plan and the institution's next.
func (s *Store) PlanOf(ctx context.Context, d Disclosure) (Plan, error) {
	p := Plan{Disclosure: d}
	if !d.IsPlan() {
		return p, fmt.Errorf("models: disclosure %d is not a repayment plan: %w", d.ID, ErrNotFound)
	}
	plans, err := s.planRoots(ctx, d.InstitutionID)
	if err != nil {
		return p, err
	}
	this, err := s.chainOf(ctx, d.RootID)
	if err != nil {
		return p, err
	}
	var next *chain // the institution's next plan
	for i := range plans {
		if this.before(plans[i]) {
			next = &plans[i]
			break
		}
	}
	// Two lookups, each on its own index: the reports naming the plan, and those filed before
	// reports named plans (after this plan and before the institution's next; few, picked here).
	var named uint64
	err = latestVersions(s.db.WithContext(ctx).Model(&Disclosure{})).Joins(filedFirst).Select("disclosures.id").
		Where("disclosures.plan_id = ? AND disclosures.kind = ?", d.RootID, ProgressKind).
		Order("root.published_at DESC, root.id DESC").Limit(1).Scan(&named).Error
	var unnamed []struct {
		ID, Root uint64
		Filed    time.Time
	}
	if err == nil {
		err = latestVersions(s.db.WithContext(ctx).Model(&Disclosure{})).Joins(filedFirst).
			Select("disclosures.id AS id, root.id AS root, root.published_at AS filed").
			Where("disclosures.institution_id = ? AND disclosures.kind = ? AND disclosures.plan_id IS NULL", d.InstitutionID, ProgressKind).
			Scan(&unnamed).Error
	}
	if err != nil {
		return p, fmt.Errorf("models: progress of plan %d: %w", d.RootID, err)
	}
	var earlier uint64
	var latest chain
	for _, u := range unnamed {
		c := chain{u.Root, u.Filed}
		if this.before(c) && (next == nil || c.before(*next)) && (earlier == 0 || latest.before(c)) {
			earlier, latest = u.ID, c
		}
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
	plans, err := s.planRoots(ctx, institutionID)
	if err != nil {
		return Plan{}, err
	}
	root := planBefore(plans, nil)
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
		Order("institution_id, published_at, id").Pluck("id", &ids).Error
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
		Order("published_at DESC, id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: plans of institution %d: %w", institutionID, err)
	}
	return out, nil
}
