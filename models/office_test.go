package models_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

func TestOfficeNamesAndJSON(t *testing.T) {
	cases := []struct {
		office     models.Office
		name, json string
	}{
		{"440000", "广东省网贷整治办", `{"code":"440000","name":"广东省网贷整治办","name_en":"Guangdong P2P clean-up office"}`},
		{"440300", "深圳市网贷整治办", `{"code":"440300","name":"深圳市网贷整治办","name_en":"Shenzhen P2P clean-up office"}`},
		{"", "", `null`},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.office)
		if err != nil || string(b) != c.json || c.office.Name() != c.name {
			t.Errorf("%q: name %q, JSON %s (%v); want %q, %s", c.office, c.office.Name(), b, err, c.name, c.json)
		}
		var back models.Office
		if err := json.Unmarshal(b, &back); err != nil || back != c.office {
			t.Errorf("%s read back as %q (%v)", b, back, err)
		}
	}
	if n := models.Office("449900").Name(); n != "" {
		t.Errorf("a code of no office is named %q", n)
	}
}

// TestDecisionsPublishTheOffice: class decisions and disposition moves record the office that keeps
// the institution; their JSON names it and never the account, and the ledger's hash of a decision
// covers the office and not the account.
func TestDecisionsPublishTheOffice(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		uscc, _ := models.MakeUSCC("440106", "MA5D0FFC1")
		in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: uscc, Name: "广州示例网贷信息服务有限公司", Province: "440000",
			Class: "normal", Reason: "列入名单"}, "clerk@office.example", now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Classify(ctx, in, "zombie", "连续四个月无新增业务", nil, "clerk@office.example", now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.Dispose(ctx, in, "winding_down", "停止新增业务", "clerk@office.example", now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		ds, err := st.Decisions(ctx, in.ID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("%d decisions (%v)", len(ds), err)
		}
		moves, err := st.DispositionHistory(ctx, in.ID)
		if err != nil || len(moves) != 1 {
			t.Fatalf("%d disposition moves (%v)", len(moves), err)
		}
		for _, v := range []any{ds[0], ds[1], moves[0]} {
			b, _ := json.Marshal(v)
			if strings.Contains(string(b), "clerk@") || !strings.Contains(string(b), `"decided_by":{"code":"440000","name":"广东省网贷整治办"`) {
				t.Errorf("published as %s", b)
			}
		}
		if ds[1].DecidedBy != "clerk@office.example" {
			t.Errorf("the account is not kept for internal use: %q", ds[1].DecidedBy)
		}
		d := ds[1]
		other := d
		other.DecidedBy = "someone@else.example"
		if models.DecisionHash(uscc, d) != models.DecisionHash(uscc, other) {
			t.Error("the decision's hash covers the account")
		}
		other.Office = "440300"
		if models.DecisionHash(uscc, d) == models.DecisionHash(uscc, other) {
			t.Error("the decision's hash does not cover the office")
		}
		if n, fault, err := st.VerifyLedger(ctx, nil); err != nil || fault != nil || n == 0 {
			t.Errorf("ledger: %d entries, fault %v, %v", n, fault, err)
		}
	})
}
