package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Audited actions: what a member of staff (or the system) did that changed or revealed something.
// Each is a stable identifier; the pages show its label from the catalogs (audit.action_…).
const (
	AuditLogin            = "login"                  // a login that succeeded
	AuditLoginFailed      = "login.failed"           // a wrong password, an unknown or disabled account
	AuditLogout           = "logout"                 // a session ended by its user
	AuditInstitutionNew   = "institution.create"     // an institution added to the registry
	AuditInstitutionEdit  = "institution.update"     // an institution's names, brands or websites changed
	AuditClassify         = "institution.classify"   // a class decision
	AuditDispose          = "institution.dispose"    // a disposition move
	AuditSuggestionAccept = "suggestion.accept"      // a rule's suggestion taken
	AuditSuggestionReject = "suggestion.dismiss"     // a rule's suggestion set aside
	AuditThresholds       = "thresholds.set"         // a province's small-institution thresholds
	AuditImport           = "institutions.import"    // a bulk import of institutions
	AuditNoticeNew        = "notice.create"          // a notice drafted
	AuditNoticeEdit       = "notice.update"          // a draft changed
	AuditPublish          = "notice.publish"         // a notice published
	AuditCorrect          = "notice.correct"         // a correction published
	AuditOutcome          = "notice.outcome"         // the outcome recorded for a listed institution
	AuditClaimDecide      = "claim.decide"           // a claim verified, rejected or marked duplicate
	AuditClaimReveal      = "claim.reveal"           // one claim's personal data shown in full, with a reason
	AuditClaimEvidence    = "claim.evidence"         // an evidence file of a claim downloaded
	AuditClaimsExport     = "claims.export"          // the masked claims CSV of a notice
	AuditClaimsTransfer   = "claims.transfer"        // the full export of a notice's claims for the police (移送), with a reason
	AuditClaimsPurge      = "claims.purge"           // claimants' personal data deleted after the retention period
	AuditDisclosureFile   = "disclosure.file"        // a disclosure filed
	AuditDisclosureAmend  = "disclosure.amend"       // a disclosure amended
	AuditUserNew          = "user.create"            // an account made
	AuditUserDisable      = "user.disable"           // an account disabled
	AuditUserEnable       = "user.enable"            // an account enabled again
	AuditTokenNew         = "token.create"           // an API token made
	AuditTokenRevoke      = "token.revoke"           // an API token revoked
	AuditTokenRotate      = "token.rotate"           // an API token replaced by a new one
	AuditCalendarImport   = "calendar.import"        // a year of the official calendar loaded
	AuditExport           = "audit.export"           // the audit trail exported
	AuditFactorEnrol      = "second_factor.enrol"    // a second factor confirmed by its user
	AuditFactorFailed     = "second_factor.failed"   // a wrong second-factor code
	AuditFactorRecovery   = "second_factor.recovery" // a one-time recovery code used to log in
	AuditFactorCodes      = "second_factor.codes"    // new recovery codes made, the old ones void
	AuditFactorReset      = "second_factor.reset"    // a user's second factor removed by an admin
	AuditFactorPolicy     = "second_factor.policy"   // a role's second-factor requirement changed
	AuditWebhookNew       = "webhook.create"         // a receiver of the change stream registered
	AuditWebhookDelete    = "webhook.delete"         // a receiver of the change stream removed
)

// AuditActions lists every audited action, for the filter of the audit pages.
var AuditActions = []string{AuditLogin, AuditLoginFailed, AuditLogout, AuditInstitutionNew, AuditInstitutionEdit,
	AuditClassify, AuditDispose, AuditSuggestionAccept, AuditSuggestionReject, AuditThresholds, AuditImport,
	AuditNoticeNew, AuditNoticeEdit, AuditPublish, AuditCorrect, AuditOutcome, AuditClaimDecide, AuditClaimReveal,
	AuditClaimEvidence, AuditClaimsExport, AuditClaimsTransfer, AuditClaimsPurge, AuditDisclosureFile,
	AuditDisclosureAmend, AuditUserNew, AuditUserDisable, AuditUserEnable, AuditTokenNew, AuditTokenRevoke,
	AuditTokenRotate, AuditCalendarImport, AuditExport, AuditFactorEnrol, AuditFactorFailed, AuditFactorRecovery,
	AuditFactorCodes, AuditFactorReset, AuditFactorPolicy, AuditWebhookNew, AuditWebhookDelete}

// AuditRecordTypes are the kinds of record an entry can be on (AuditEntry.RecordType), each with a
// label on the audit pages.
var AuditRecordTypes = []string{"calendar", "claim", "disclosure", "institution", "notice", "province", "suggestion",
	"token", "user", "webhook"}

// AuditSystem is the actor of what the portal does by itself (the retention purge).
const AuditSystem = "system"

// AuditEntry is one link of the staff audit trail: who (account and role), when, from which client
// address, what, on which record, in which province, and why (a stated reason or a short detail).
// The trail is append-only and hash-chained like the public ledger, but it is never public:
// admins read all of it, an office its own province's.
type AuditEntry struct {
	Seq        uint64    `gorm:"primaryKey;autoIncrement:false" json:"seq"`
	At         time.Time `gorm:"index" json:"at"`
	ActorID    uint64    `json:"actor_id"`
	Actor      string    `gorm:"size:254;index" json:"actor"` // the account's e-mail, as typed for a failed login, or "system"
	Role       string    `gorm:"size:16" json:"role"`
	Client     string    `gorm:"size:64" json:"client"`
	Action     string    `gorm:"size:40;index" json:"action"`
	RecordType string    `gorm:"size:24" json:"record_type"`
	RecordID   string    `gorm:"size:64" json:"record_id"`
	Province   string    `gorm:"size:6;index" json:"province"`
	Detail     string    `gorm:"type:text" json:"detail"`
	PrevHash   string    `gorm:"size:64" json:"prev_hash"`
	Hash       string    `gorm:"size:64" json:"hash"`
}

// TableName names the audit trail's table.
func (AuditEntry) TableName() string { return "audit_entries" }

// auditHead is the single row that names the last entry of the audit trail; appenders lock it.
type auditHead struct {
	ID   int `gorm:"primaryKey;autoIncrement:false"`
	Seq  uint64
	Hash string `gorm:"size:64"`
}

func (auditHead) TableName() string { return "audit_head" }

// ChainHash is the SHA-256 of the entry's fields and the previous entry's hash (chainLink).
func (e AuditEntry) ChainHash() string {
	return chainLink("pilu-audit-v1", fmt.Sprint(e.Seq), e.At.UTC().Format(time.RFC3339), fmt.Sprint(e.ActorID),
		e.Actor, e.Role, e.Client, e.Action, e.RecordType, e.RecordID, e.Province, e.Detail, e.PrevHash)
}

// migrateAudit creates the audit trail with its head, and marks purged claims.
func migrateAudit(tx *gorm.DB) error {
	type auditEntry struct {
		Seq        uint64    `gorm:"primaryKey;autoIncrement:false"`
		At         time.Time `gorm:"index"`
		ActorID    uint64
		Actor      string `gorm:"size:254;index"`
		Role       string `gorm:"size:16"`
		Client     string `gorm:"size:64"`
		Action     string `gorm:"size:40;index"`
		RecordType string `gorm:"size:24"`
		RecordID   string `gorm:"size:64"`
		Province   string `gorm:"size:6;index"`
		Detail     string `gorm:"type:text"`
		PrevHash   string `gorm:"size:64"`
		Hash       string `gorm:"size:64"`
	}
	type auditHead struct {
		ID   int `gorm:"primaryKey;autoIncrement:false"`
		Seq  uint64
		Hash string `gorm:"size:64"`
	}
	if err := tx.Table("audit_entries").Migrator().CreateTable(&auditEntry{}); err != nil {
		return err
	}
	if err := tx.Table("audit_head").Migrator().CreateTable(&auditHead{}); err != nil {
		return err
	}
	if err := tx.Table("audit_head").Create(&auditHead{ID: 1}).Error; err != nil {
		return err
	}
	type claim struct {
		PurgedAt *time.Time
	}
	return tx.Table("claims").Migrator().AddColumn(&claim{}, "PurgedAt")
}

// clip cuts s to at most n characters (not bytes), so that a long reason fits its column.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// appendAudit appends e to the audit trail inside tx, after the head row is locked.
func appendAudit(tx *gorm.DB, e AuditEntry) error {
	var head auditHead
	if err := lockHead(tx, &head); err != nil {
		return fmt.Errorf("models: audit head: %w", err)
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.Seq, e.PrevHash, e.At = head.Seq+1, head.Hash, e.At.UTC().Truncate(time.Second)
	e.Actor, e.Client, e.RecordID, e.Detail = clip(e.Actor, 254), clip(e.Client, 64), clip(e.RecordID, 64), clip(e.Detail, 2000)
	e.Hash = e.ChainHash()
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("models: append audit entry %d: %w", e.Seq, err)
	}
	res := tx.Model(&auditHead{}).Where("id = ? AND seq = ?", 1, head.Seq).Updates(map[string]any{"seq": e.Seq, "hash": e.Hash})
	if res.Error != nil || res.RowsAffected != 1 {
		return conflict(CodeAuditMoved, Args{"seq": e.Seq})
	}
	return nil
}

// Audit records one entry of the audit trail in a transaction of its own: for what changes nothing
// in the database (a reveal, an export, a failed login). A change that is a database write records
// its entry in the same transaction through WithAudit.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	ctx = context.WithoutCancel(withoutAudit(ctx)) // a record of a reveal is written even when the client left
	return notFound(s.transact(ctx, func(tx *gorm.DB) error { return appendAudit(tx, e) }), "audit "+e.Action)
}

// pendingAudit is an entry that the next committed transaction of a request appends.
type pendingAudit struct {
	entry AuditEntry
	done  bool
}

type auditKey struct{}

// WithAudit returns a context whose first committed transaction (of any Store write) also appends e to the
// audit trail, so that a change and its record are written together or not at all.
func WithAudit(ctx context.Context, e AuditEntry) context.Context {
	return context.WithValue(ctx, auditKey{}, &pendingAudit{entry: e})
}

// AuditRecordOf names the record of the entry that ctx carries (set through WithAudit), for a change
// whose record gets its identity only when it is written (a new notice).
func AuditRecordOf(ctx context.Context, recordType, id string) {
	if p, ok := ctx.Value(auditKey{}).(*pendingAudit); ok && p != nil && !p.done {
		p.entry.RecordType, p.entry.RecordID = recordType, id
	}
}

// AuditDetailOf sets the detail of the entry that ctx carries (a count, a summary).
func AuditDetailOf(ctx context.Context, detail string) {
	if p, ok := ctx.Value(auditKey{}).(*pendingAudit); ok && p != nil && !p.done {
		p.entry.Detail = detail
	}
}

// Audited reports whether the entry ctx carries was written.
func Audited(ctx context.Context) bool {
	p, ok := ctx.Value(auditKey{}).(*pendingAudit)
	return ok && p.done
}

func withoutAudit(ctx context.Context) context.Context {
	if ctx.Value(auditKey{}) == nil {
		return ctx
	}
	return context.WithValue(ctx, auditKey{}, (*pendingAudit)(nil))
}

// auditInTx appends the pending entry of ctx in tx, once per request; it reports whether it did.
func auditInTx(ctx context.Context, tx *gorm.DB) (bool, error) {
	p, ok := ctx.Value(auditKey{}).(*pendingAudit)
	if !ok || p == nil || p.done {
		return false, nil
	}
	return true, appendAudit(tx, p.entry)
}

// markAudited records that the pending entry of ctx was committed.
func markAudited(ctx context.Context) {
	if p, ok := ctx.Value(auditKey{}).(*pendingAudit); ok && p != nil {
		p.done = true
	}
}

// AuditFilter selects entries of the audit trail; empty fields select everything.
type AuditFilter struct {
	Actor    string    // part of the account's e-mail
	Action   string    // an action, or its family ("claim" selects claim.reveal, claim.decide…)
	Province string    // a 6-digit division code
	From, To time.Time // entries at or after From and before To
	Page     int
	PerPage  int
}

func (f AuditFilter) apply(q *gorm.DB) *gorm.DB {
	if f.Actor != "" {
		q = q.Where("actor LIKE ? ESCAPE '!'", "%"+likeEscape(f.Actor)+"%")
	}
	if f.Action != "" {
		q = q.Where("action = ? OR action LIKE ? ESCAPE '!'", f.Action, likeEscape(f.Action)+".%")
	}
	if f.Province != "" {
		q = q.Where("province = ?", f.Province)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	return q
}

// likeEscape escapes the wildcards of a LIKE pattern with '!'.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// AuditPage returns one page of the entries that f selects, newest first, with their total.
func (s *Store) AuditPage(ctx context.Context, f AuditFilter) ([]AuditEntry, int64, error) {
	page, perPage := Paging(f.Page, f.PerPage)
	db := s.db.WithContext(ctx)
	var total int64
	if err := f.apply(db.Model(&AuditEntry{})).Count(&total).Error; err != nil {
		return nil, 0, notFound(err, "count audit entries")
	}
	var out []AuditEntry
	err := f.apply(db).Order("seq DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&out).Error
	return out, total, notFound(err, "audit page")
}

// EachAudit calls fn with every entry that f selects, oldest first, in batches (paging is ignored).
func (s *Store) EachAudit(ctx context.Context, f AuditFilter, fn func(AuditEntry) error) error {
	for after := uint64(0); ; {
		var batch []AuditEntry
		if err := f.apply(s.db.WithContext(ctx)).Where("seq > ?", after).Order("seq").Limit(500).Find(&batch).Error; err != nil {
			return notFound(err, "read audit trail")
		}
		if len(batch) == 0 {
			return nil
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
			after = e.Seq
		}
	}
}

// AuditFault names the first entry of the audit trail that does not match what is stored.
type AuditFault struct {
	Seq    uint64
	Action string
	Reason string
}

func (f *AuditFault) Error() string {
	return fmt.Sprintf("audit entry %d (%s): %s", f.Seq, f.Action, f.Reason)
}

// VerifyAudit walks the audit trail in order and recomputes each entry's hash and its link to the
// entry before; the head must name the last entry. A removed, inserted or edited row is a fault that
// names the entry. It returns how many entries matched.
func (s *Store) VerifyAudit(ctx context.Context) (int, *AuditFault, error) {
	prev, checked := "", 0
	var prevSeq uint64
	for {
		var batch []AuditEntry
		if err := s.db.WithContext(ctx).Where("seq > ?", prevSeq).Order("seq").Limit(500).Find(&batch).Error; err != nil {
			return checked, nil, notFound(err, "read audit trail")
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			switch {
			case e.Seq != prevSeq+1:
				return checked, &AuditFault{Seq: prevSeq + 1, Reason: "the entry is missing"}, nil
			case e.PrevHash != prev:
				return checked, &AuditFault{Seq: e.Seq, Action: e.Action, Reason: "does not link to the entry before it"}, nil
			case e.ChainHash() != e.Hash:
				return checked, &AuditFault{Seq: e.Seq, Action: e.Action, Reason: "the entry itself was changed"}, nil
			}
			prev, prevSeq = e.Hash, e.Seq
			checked++
		}
	}
	var head auditHead
	if err := s.db.WithContext(ctx).Take(&head, 1).Error; err != nil {
		return checked, nil, notFound(err, "audit head")
	}
	if head.Seq != prevSeq || head.Hash != prev {
		return checked, &AuditFault{Seq: head.Seq, Reason: "the head does not name the last entry (an entry is missing)"}, nil
	}
	return checked, nil, nil
}
