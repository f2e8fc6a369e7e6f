package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestAuditTrailChainsAndDetectsTampering appends entries (on their own and with a change through
// WithAudit), filters them, and then edits, re-hashes and removes rows as someone with database
// access could: VerifyAudit names the entry each time.
func TestAuditTrailChainsAndDetectsTampering(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		add := func(e models.AuditEntry) {
			t.Helper()
			if err := st.Audit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		add(models.AuditEntry{At: now, Actor: "gd@example.cn", Role: "office", Client: "10.0.0.1", Action: models.AuditLogin, Province: "440000"})
		add(models.AuditEntry{At: now.Add(time.Minute), Actor: "gd@example.cn", Role: "office", Action: models.AuditClaimReveal,
			RecordType: "claim", RecordID: "7", Province: "440000", Detail: "核对身份"})
		add(models.AuditEntry{At: now.Add(48 * time.Hour), Actor: "bj@example.cn", Role: "office", Action: models.AuditLoginFailed, Province: "110000"})

		// A change and its entry commit together; a change that fails leaves no entry.
		actx := models.WithAudit(ctx, models.AuditEntry{At: now, Actor: "admin@example.cn", Role: "admin", Action: models.AuditUserDisable, RecordType: "user", RecordID: "1"})
		if err := dbtest.Transact(actx, st, func(tx *gorm.DB) error { return nil }); err != nil || !models.Audited(actx) {
			t.Fatalf("audited with the change: %v %v", err, models.Audited(actx))
		}
		if err := dbtest.Transact(actx, st, func(tx *gorm.DB) error { return nil }); err != nil {
			t.Fatal(err) // a second transaction of the request does not record it again
		}
		failed := models.WithAudit(ctx, models.AuditEntry{At: now, Actor: "admin@example.cn", Action: models.AuditUserEnable})
		if err := dbtest.Transact(failed, st, func(tx *gorm.DB) error { return errors.New("refused") }); err == nil || models.Audited(failed) {
			t.Fatal("a refused change was audited")
		}

		for _, c := range []struct {
			f    models.AuditFilter
			want int64
		}{
			{models.AuditFilter{}, 4},
			{models.AuditFilter{Province: "440000"}, 2},
			{models.AuditFilter{Action: "login"}, 2}, // the family: login and login.failed
			{models.AuditFilter{Action: models.AuditLoginFailed}, 1},
			{models.AuditFilter{Actor: "bj@"}, 1},
			{models.AuditFilter{Actor: "%"}, 0}, // a wildcard is a character
			{models.AuditFilter{From: now.Add(time.Hour)}, 1},
			{models.AuditFilter{To: now.Add(time.Hour), Province: "440000"}, 2},
		} {
			_, total, err := st.AuditPage(ctx, c.f)
			if err != nil || total != c.want {
				t.Errorf("%+v: %d entries (%v), want %d", c.f, total, err, c.want)
			}
		}
		if n, fault, err := st.VerifyAudit(ctx); err != nil || fault != nil || n != 4 {
			t.Fatalf("clean trail: %d %v %v", n, fault, err)
		}

		db := dbtest.Handle(ctx, st)
		tamper := []struct {
			name    string
			do      func()
			undo    func()
			wantSeq uint64
		}{
			{"a reason edited", func() {
				db.Exec("UPDATE audit_entries SET detail = ? WHERE seq = 2", "随便看看")
			}, func() { db.Exec("UPDATE audit_entries SET detail = ? WHERE seq = 2", "核对身份") }, 2},
			{"an entry edited and re-hashed", func() {
				var e models.AuditEntry
				db.Take(&e, 2)
				e.Actor = "someone@example.cn"
				db.Exec("UPDATE audit_entries SET actor = ?, hash = ? WHERE seq = 2", e.Actor, e.ChainHash())
			}, nil, 3},
		}
		for _, c := range tamper {
			c.do()
			_, fault, err := st.VerifyAudit(ctx)
			if err != nil || fault == nil || fault.Seq != c.wantSeq || !strings.Contains(fault.Error(), "audit entry") {
				t.Fatalf("%s: fault %v (%v), want entry %d", c.name, fault, err, c.wantSeq)
			}
			if c.undo != nil {
				c.undo()
			}
		}
	})
}

// TestAuditTrailDetectsRemovedRows removes the middle and the last entry.
func TestAuditTrailDetectsRemovedRows(t *testing.T) {
	ctx := context.Background()
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		for i := 0; i < 4; i++ {
			if err := st.Audit(ctx, models.AuditEntry{Actor: "a@example.cn", Action: models.AuditLogin}); err != nil {
				t.Fatal(err)
			}
		}
		db := dbtest.Handle(ctx, st)
		db.Exec("DELETE FROM audit_entries WHERE seq = 4")
		if _, fault, _ := st.VerifyAudit(ctx); fault == nil || fault.Seq != 4 {
			t.Fatalf("the last entry removed: %v", fault)
		}
		db.Exec("DELETE FROM audit_entries WHERE seq = 2")
		if _, fault, _ := st.VerifyAudit(ctx); fault == nil || fault.Seq != 2 || !strings.Contains(fault.Reason, "missing") {
			t.Fatalf("a middle entry removed: %v", fault)
		}
	})
}
