package models

import (
	"fmt"
	"strings"
	"time"
)

// MajorEventTypes are the seven kinds of major event (重大事项) an institution must disclose within
// 48 hours of their occurrence.
var MajorEventTypes = []string{
	"dissolution",            // 减资、合并、分立、解散或申请破产
	"bankruptcy",             // 依法进入破产程序
	"suspension",             // 被责令停业、整顿、关闭
	"litigation",             // 涉及重大诉讼、仲裁，或被调查、处罚
	"executive_investigated", // 实际控制人、高级管理人员被调查或被采取强制措施
	"business_halted",        // 主要或全部业务陷入停顿
	"lender_harm",            // 欺诈、损害出借人利益等其他重大事件
}

// MajorEventWindow is how long after a major event its disclosure is due (calendar hours).
const MajorEventWindow = 48 * time.Hour

// trancheKinds are the kinds of disclosure that carry tranches: planned instalments, or the payments
// reported as progress.
var trancheKinds = []string{"exit_announcement", "repayment_plan", "repayment_progress"}

// MaxTranches bounds the tranches of one disclosure.
const MaxTranches = 120

// checkEventParts checks the event type and time and the tranches of d against its kind, and sets the
// due time and the days late of a major event.
func checkEventParts(d *Disclosure, now time.Time) FieldErrors {
	fe := FieldErrors{}
	if d.Kind == "major_event" {
		if !OneOf(d.EventType, MajorEventTypes) {
			fe["event_type"] = "one of " + strings.Join(MajorEventTypes, ", ")
		}
		switch {
		case d.EventAt == nil:
			fe["event_at"] = "required for a major event: when it happened (RFC 3339)"
		case d.EventAt.After(now):
			fe["event_at"] = "must not be in the future"
		default:
			due := d.EventAt.Add(MajorEventWindow)
			d.DueAt = &due
			d.LateDays = HoursLateDays(due, now)
		}
	} else if d.EventType != "" {
		fe["event_type"] = "only a major_event has an event type"
	}
	if len(d.Tranches) > 0 && !OneOf(d.Kind, trancheKinds) {
		fe["tranches"] = "only exit announcements, repayment plans and progress reports have tranches"
	}
	if d.Kind == "repayment_plan" && len(d.Tranches) == 0 {
		fe["tranches"] = "a repayment plan needs at least one tranche"
	}
	if len(d.Tranches) > MaxTranches {
		fe["tranches"] = fmt.Sprintf("at most %d tranches", MaxTranches)
	}
	share := 0
	for i, t := range d.Tranches {
		key := fmt.Sprintf("tranches.%d", i)
		if _, err := ParseDate(t.Date); err != nil {
			fe[key+".date"] = "a day as YYYY-MM-DD"
		} else if d.Kind == "repayment_progress" && DateOf(now).Before(mustDate(t.Date)) {
			fe[key+".date"] = "a payment reported as made must not be in the future"
		}
		switch {
		case t.AmountFen < 0:
			fe[key+".amount"] = "must not be negative"
		case t.ShareBP < 0 || t.ShareBP > 10000:
			fe[key+".share_bp"] = "between 0 and 10000 (basis points of the principal)"
		case (t.AmountFen > 0) == (t.ShareBP > 0):
			fe[key+".amount"] = "give either an amount or a share of the principal"
		}
		share += t.ShareBP
	}
	if share > 10000 && d.Kind != "repayment_progress" {
		fe["tranches"] = "the shares add up to more than 100%"
	}
	checkBase(d, fe)
	return fe
}

func mustDate(s string) Date {
	d, _ := ParseDate(s)
	return d
}

// HoursLateDays returns the whole days, rounded up, by which filed came after due (0 when on time).
func HoursLateDays(due, filed time.Time) int {
	if !filed.After(due) {
		return 0
	}
	return int((filed.Sub(due) + 24*time.Hour - 1) / (24 * time.Hour))
}

// checkBase checks the base amount of a plan: a plan with tranches in shares states the amount in
// fen they apply to (so that plan against actual can be said in yuan), and nothing else has one.
func checkBase(d *Disclosure, fe FieldErrors) {
	inShares := OneOf(d.Kind, PlanKinds) && d.InShares()
	switch {
	case inShares && (d.BaseFen == nil || *d.BaseFen <= 0):
		fe["base_amount"] = "required for a plan in shares: the amount in fen the shares apply to"
	case !inShares && d.BaseFen != nil:
		fe["base_amount"] = "only a plan stated in shares has a base amount"
	case inShares:
		if _, total, _ := (Plan{Disclosure: *d}).Planned(); total > *d.BaseFen {
			fe["tranches"] = "the tranches add up to more than the base amount"
		}
	}
}
