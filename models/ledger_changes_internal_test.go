package models

import (
	"testing"
	"time"
)

// TestDecisionLedgerHashAcceptsOnlyWhatWasRecorded: a decision's ledger hash is DecisionHash; the
// legacy hash (over the deciding account) only when that is what the entry recorded; any other
// recorded hash gets DecisionHash, which then does not match (the decision changed).
func TestDecisionLedgerHashAcceptsOnlyWhatWasRecorded(t *testing.T) {
	d := Decision{FromClass: "normal", ToClass: "zombie", Reason: "无新增业务", Criteria: []string{"z1"}, Office: "440000",
		DecidedBy: "gd@example.cn", DecidedAt: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)}
	const uscc = "91440300MA5CH0001X"
	current, legacy := DecisionHash(uscc, d), legacyDecisionHash(uscc, d)
	if current == legacy {
		t.Fatal("the legacy hash is the current one")
	}
	for _, tc := range []struct{ recorded, want string }{
		{current, current},
		{legacy, legacy},
		{"", current},
		{DecisionHash(uscc, Decision{ToClass: "zombie"}), current},
	} {
		if got := DecisionLedgerHash(uscc, d, tc.recorded); got != tc.want {
			t.Fatalf("recorded %q: %s, want %s", tc.recorded, got, tc.want)
		}
	}
	other := d
	other.DecidedBy = "someone@else.cn" // the legacy hash of another account is not accepted
	if got := DecisionLedgerHash(uscc, other, legacy); got != current {
		t.Fatalf("another account's legacy hash accepted: %s", got)
	}
}
