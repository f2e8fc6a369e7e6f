package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// OutcomeNoClaim is the outcome of a listed institution nobody claimed against: it goes to the
// market regulator (abnormal-operations list, licence revocation, website and app closed).
const OutcomeNoClaim = "no_claim"

// Outcomes are what an office records for a listed institution after the window; every one but
// OutcomeNoClaim needs claims.
var Outcomes = []string{OutcomeNoClaim, "claims_received", "exit_supervised", "reclassified"}

// RecordOutcome records what follows for one listed institution (NoticeInstitution.ID listedID) of
// an expired notice. "no_claim" is allowed only when no claim stands, and moves the institution's
// disposition to to_market_regulator in the same transaction; the other outcomes need claims. An
// outcome is recorded once (409 after). When every listed institution has one, the notice is
// concluded.
func (s *Store) RecordOutcome(ctx context.Context, noticeID, listedID uint64, outcome, note, actor string, now time.Time) (Notice, error) {
	note = strings.TrimSpace(note)
	if !OneOf(outcome, Outcomes) {
		return Notice{}, Invalid("outcome", CodeOneOf, Args{"values": Outcomes, "vocabulary": "outcome"})
	}
	if utf8.RuneCountInString(note) > 2000 {
		return Notice{}, Invalid("note", CodeTooLong, Args{"max": 2000})
	}
	n, err := s.NoticeByID(ctx, noticeID)
	if err != nil {
		return Notice{}, err
	}
	if st := n.Status(now); st != NoticeExpired {
		return Notice{}, conflict(CodeOutcomeTooEarly, Args{"notice": noticeID, "status": string(st)})
	}
	counts, err := s.ClaimCounts(ctx, noticeID)
	if err != nil {
		return Notice{}, err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		var li NoticeInstitution
		if err := tx.Where("id = ? AND notice_id = ?", listedID, noticeID).Take(&li).Error; err != nil {
			return err
		}
		if li.Outcome != "" {
			return conflict(CodeOutcomeRecorded, Args{"uscc": li.USCC})
		}
		switch {
		case outcome == OutcomeNoClaim && counts[li.ID] > 0:
			return Invalid("outcome", CodeClaimsStand, Args{"claims": counts[li.ID], "uscc": li.USCC})
		case outcome != OutcomeNoClaim && counts[li.ID] == 0:
			return Invalid("outcome", CodeNoClaimStands, Args{"uscc": li.USCC})
		}
		res := tx.Model(&NoticeInstitution{}).Where("id = ? AND outcome = ?", li.ID, "").
			Updates(map[string]any{"outcome": outcome, "outcome_note": note, "outcome_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return conflict(CodeOutcomeRecorded, Args{"uscc": li.USCC})
		}
		if err := ledgerOutcome(tx, li.ID, now); err != nil {
			return err
		}
		if outcome == OutcomeNoClaim {
			var in Institution
			if err := tx.Take(&in, li.InstitutionID).Error; err != nil {
				return err
			}
			reason := fmt.Sprintf("%s: no claim within the notice period", deref(n.Number))
			if err := s.setDisposition(ctx, tx, in, "to_market_regulator", reason, actor, now); err != nil {
				return err
			}
		}
		var pending int64
		if err := tx.Model(&NoticeInstitution{}).Where("notice_id = ? AND outcome = ?", noticeID, "").Count(&pending).Error; err != nil {
			return err
		}
		if pending == 0 {
			if err := tx.Model(&Notice{}).Where("id = ? AND concluded_at IS NULL", noticeID).
				Updates(map[string]any{"status": NoticeConcluded, "concluded_at": now}).Error; err != nil {
				return err
			}
		}
		return outbox(tx, "notice", noticeID)
	})
	if err != nil {
		var fe FieldErrors
		if errors.As(err, &fe) {
			return Notice{}, fe
		}
		return Notice{}, notFound(err, fmt.Sprintf("record outcome on notice %d", noticeID))
	}
	return s.NoticeByID(ctx, noticeID)
}

// TransferList returns the institutions of a notice that go to the market regulator (outcome
// no_claim), in the notice's order.
func (s *Store) TransferList(ctx context.Context, noticeID uint64) ([]NoticeInstitution, error) {
	var out []NoticeInstitution
	err := s.db.WithContext(ctx).Where("notice_id = ? AND outcome = ?", noticeID, OutcomeNoClaim).Order("id").Find(&out).Error
	return out, notFound(err, "transfer list")
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
