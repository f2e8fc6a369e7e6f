package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Retention says how long claimants' personal data (name, ID number, phone, statement, evidence
// files) is kept once the outcome of their listed institution is recorded, per notice kind. What the
// public sees of claims (their counts, the outcome) stays.
type Retention struct {
	ByKind  map[NoticeKind]time.Duration
	Default time.Duration
}

// Day is the unit of retention periods.
const Day = 24 * time.Hour

// DefaultRetention keeps personal data three years after the outcome (1095 days: the general
// limitation period of civil claims, 民法典 第一百八十八条), for every notice kind.
var DefaultRetention = Retention{ByKind: map[NoticeKind]time.Duration{}, Default: 1095 * Day}

// ParseRetention reads PILU_CLAIM_RETENTION: comma-separated kind=period pairs, where kind is a
// notice kind or "default" and a period is a whole number of days ("1095d") or years ("3y", 365
// days each), for example "zombie_list=1095d,default=5y". Kinds not named keep DefaultRetention's
// period unless "default" is given. Empty is DefaultRetention.
func ParseRetention(s string) (Retention, error) {
	r := Retention{ByKind: map[NoticeKind]time.Duration{}, Default: DefaultRetention.Default}
	if strings.TrimSpace(s) == "" {
		return r, nil
	}
	for _, part := range strings.Split(s, ",") {
		kind, period, ok := strings.Cut(strings.TrimSpace(part), "=")
		kind, period = strings.TrimSpace(kind), strings.TrimSpace(period)
		if !ok {
			return r, fmt.Errorf("%q is not kind=period (such as zombie_list=1095d)", part)
		}
		d, err := parsePeriod(period)
		if err != nil {
			return r, fmt.Errorf("%s: %w", kind, err)
		}
		switch {
		case kind == "default":
			r.Default = d
		case slices.Contains(NoticeKinds, NoticeKind(kind)):
			if _, dup := r.ByKind[NoticeKind(kind)]; dup {
				return r, fmt.Errorf("%s is given twice", kind)
			}
			r.ByKind[NoticeKind(kind)] = d
		default:
			return r, fmt.Errorf("%q is not a notice kind (%s) or default", kind, joinKinds())
		}
	}
	return r, nil
}

func joinKinds() string {
	out := make([]string, len(NoticeKinds))
	for i, k := range NoticeKinds {
		out[i] = string(k)
	}
	return strings.Join(out, ", ")
}

// parsePeriod reads "1095d" or "3y": at least a day, at most 100 years.
func parsePeriod(p string) (time.Duration, error) {
	unit := Day
	switch {
	case strings.HasSuffix(p, "d"):
	case strings.HasSuffix(p, "y"):
		unit = 365 * Day
	default:
		return 0, fmt.Errorf("%q is not a period such as 1095d or 3y", p)
	}
	n, err := strconv.Atoi(p[:len(p)-1])
	if err != nil || n < 1 || time.Duration(n)*unit > 36500*Day {
		return 0, fmt.Errorf("%q is not a period from 1d to 100y", p)
	}
	return time.Duration(n) * unit, nil
}

// For is the retention period of claims on notices of kind k.
func (r Retention) For(k NoticeKind) time.Duration {
	if d, ok := r.ByKind[k]; ok {
		return d
	}
	return r.Default
}

// String writes r back in the form ParseRetention reads, kinds in the public order.
func (r Retention) String() string {
	var parts []string
	for _, k := range NoticeKinds {
		if d, ok := r.ByKind[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%dd", k, d/Day))
		}
	}
	return strings.Join(append(parts, fmt.Sprintf("default=%dd", r.Default/Day)), ",")
}

// PurgeCandidate is one listed institution of a notice whose claimants' personal data is due for
// deletion: the claims not yet purged and their evidence files.
type PurgeCandidate struct {
	NoticeID            uint64
	NoticeInstitutionID uint64
	Number              string
	Kind                NoticeKind
	Province            string
	USCC                string
	OutcomeAt           time.Time
	DueAt               time.Time
	Claims              int64
	Files               int64
}

// ClaimsDueForPurge lists the listed institutions whose outcome was recorded longer ago than the
// retention period of their notice's kind and that still have claims with personal data, oldest
// outcome first.
func (s *Store) ClaimsDueForPurge(ctx context.Context, r Retention, now time.Time) ([]PurgeCandidate, error) {
	var rows []struct {
		NoticeID, NoticeInstitutionID uint64
		Number                        *string
		Kind                          string
		Province, USCC                string
		OutcomeAt                     time.Time
		Claims                        int64
	}
	err := s.db.WithContext(ctx).Table("claims AS c").
		Select("c.notice_id, c.notice_institution_id, n.number, n.kind, n.province, li.uscc, li.outcome_at, COUNT(*) AS claims").
		Joins("JOIN notice_institutions li ON li.id = c.notice_institution_id").
		Joins("JOIN notices n ON n.id = c.notice_id").
		Where("c.purged_at IS NULL AND li.outcome_at IS NOT NULL AND li.outcome_at < ?", now.UTC()).
		Group("c.notice_id, c.notice_institution_id, n.number, n.kind, n.province, li.uscc, li.outcome_at").
		Order("li.outcome_at, c.notice_institution_id").Scan(&rows).Error
	if err != nil {
		return nil, notFound(err, "claims due for purge")
	}
	var out []PurgeCandidate
	for _, row := range rows {
		due := row.OutcomeAt.Add(r.For(NoticeKind(row.Kind)))
		if due.After(now) {
			continue
		}
		pc := PurgeCandidate{NoticeID: row.NoticeID, NoticeInstitutionID: row.NoticeInstitutionID, Kind: NoticeKind(row.Kind),
			Province: row.Province, USCC: row.USCC, OutcomeAt: row.OutcomeAt, DueAt: due, Claims: row.Claims}
		if row.Number != nil {
			pc.Number = *row.Number
		}
		err := s.db.WithContext(ctx).Model(&Attachment{}).Where("claim_id IN (?)",
			s.db.Model(&Claim{}).Select("id").Where("notice_institution_id = ? AND purged_at IS NULL", row.NoticeInstitutionID)).Count(&pc.Files).Error
		if err != nil {
			return nil, notFound(err, "evidence due for purge")
		}
		out = append(out, pc)
	}
	return out, nil
}

// PurgeClaims deletes the personal data of every claim due under r (ClaimsDueForPurge): the sealed
// name, ID number, phone and statement and the ID hash are emptied, the claim is marked purged, and
// its evidence rows are deleted; status, amounts and the outcome stay, so the counts the public sees
// do not change. Each listed institution is purged in one transaction with its audit entry (actor
// "system"). It returns what was purged and the blob keys of the deleted evidence, which the caller
// deletes from the blob store (the orphan sweeper deletes any it misses).
func (s *Store) PurgeClaims(ctx context.Context, r Retention, now time.Time) ([]PurgeCandidate, []string, error) {
	due, err := s.ClaimsDueForPurge(ctx, r, now)
	if err != nil {
		return nil, nil, err
	}
	var done []PurgeCandidate
	var keys []string
	for _, pc := range due {
		var blobKeys []string
		err := s.transact(withoutAudit(ctx), func(tx *gorm.DB) error {
			ids := tx.Model(&Claim{}).Select("id").Where("notice_institution_id = ? AND purged_at IS NULL", pc.NoticeInstitutionID)
			if err := tx.Model(&Attachment{}).Where("claim_id IN (?)", ids).Pluck("blob_key", &blobKeys).Error; err != nil {
				return err
			}
			if err := tx.Where("claim_id IN (?)", ids).Delete(&Attachment{}).Error; err != nil {
				return err
			}
			res := tx.Model(&Claim{}).Where("notice_institution_id = ? AND purged_at IS NULL", pc.NoticeInstitutionID).
				Updates(map[string]any{"name_sealed": "", "id_number_sealed": "", "phone_sealed": "", "statement_sealed": "",
					"id_hash": "", "purged_at": now.UTC()})
			if res.Error != nil {
				return res.Error
			}
			pc.Claims, pc.Files = res.RowsAffected, int64(len(blobKeys))
			return appendAudit(tx, AuditEntry{At: now, Actor: AuditSystem, Action: AuditClaimsPurge, RecordType: "notice",
				RecordID: strconv.FormatUint(pc.NoticeID, 10), Province: pc.Province,
				Detail: fmt.Sprintf("%s: %d claims and %d evidence files of %s; outcome recorded %s, kept %d days",
					pc.Number, pc.Claims, pc.Files, pc.USCC, pc.OutcomeAt.In(ChinaZone).Format("2006-01-02"), r.For(pc.Kind)/Day)})
		})
		if err != nil {
			return done, keys, fmt.Errorf("models: purge claims of notice %d (%s): %w", pc.NoticeID, pc.USCC, err)
		}
		done, keys = append(done, pc), append(keys, blobKeys...)
	}
	return done, keys, nil
}
