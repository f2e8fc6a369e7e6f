package models

import (
	"fmt"
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
			fe.Add("event_type", CodeOneOf, Args{"values": MajorEventTypes, "vocabulary": "event_type"})
		}
		switch {
		case d.EventAt == nil:
			fe.Add("event_at", CodeEventAtRequired)
		case d.EventAt.After(now):
			fe.Add("event_at", CodeInFuture)
		default:
			due := d.EventAt.Add(MajorEventWindow)
			d.DueAt = &due
			d.LateDays = HoursLateDays(due, now)
		}
	} else if d.EventType != "" {
		fe.Add("event_type", CodeEventTypeOnlyMajor)
	}
	if len(d.Tranches) > 0 && !OneOf(d.Kind, trancheKinds) {
		fe.Add("tranches", CodeTranchesNotAllowed, Args{"kinds": trancheKinds})
	}
	if d.Kind == "repayment_plan" && len(d.Tranches) == 0 {
		fe.Add("tranches", CodeTranchesRequired)
	}
	if len(d.Tranches) > MaxTranches {
		fe.Add("tranches", CodeTooManyTranches, Args{"max": MaxTranches})
	}
	share := 0
	for i, t := range d.Tranches {
		key := fmt.Sprintf("tranches.%d", i)
		if _, err := ParseDate(t.Date); err != nil {
			fe.Add(key+".date", CodeDate)
		} else if d.Kind == "repayment_progress" && DateOf(now).Before(mustDate(t.Date)) {
			fe.Add(key+".date", CodePaymentInFuture)
		}
		switch {
		case t.AmountFen < 0:
			fe.Add(key+".amount", CodeNotNegative)
		case t.ShareBP < 0 || t.ShareBP > 10000:
			fe.Add(key+".share_bp", CodeShareBP)
		case (t.AmountFen > 0) == (t.ShareBP > 0):
			fe.Add(key+".amount", CodeAmountOrShare)
		}
		share += t.ShareBP
	}
	if share > 10000 && d.Kind != "repayment_progress" {
		fe.Add("tranches", CodeSharesOver100)
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
		fe.Add("base_amount", CodeBaseRequired)
	case !inShares && d.BaseFen != nil:
		fe.Add("base_amount", CodeBaseNotAllowed)
	case inShares:
		if _, total, _ := (Plan{Disclosure: *d}).Planned(); total > *d.BaseFen {
			fe.Add("tranches", CodeTranchesOverBase)
		}
	}
}
