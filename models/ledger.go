package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Kinds of published record the ledger chains.
const (
	LedgerNotice     = "notice"     // a notice's publication
	LedgerDisclosure = "disclosure" // one version of a disclosure
	LedgerDecision   = "decision"   // a class decision
	LedgerOutcome    = "outcome"    // the outcome recorded for one institution listed on a notice
	// LedgerCalendar (calendar_import.go) is a year of the official calendar loaded after the build.
)

// LedgerEntry is one link of the append-only ledger: which record was published, the SHA-256 of its
// canonical content and of each attachment, and the hash of the entry before it. Hash chains them.
type LedgerEntry struct {
	Seq         uint64    `gorm:"primaryKey;autoIncrement:false" json:"seq"`
	Kind        string    `gorm:"size:24" json:"kind"`
	RecordID    uint64    `json:"record_id"`
	ContentHash string    `gorm:"size:64" json:"content_sha256"`
	Attachments []string  `gorm:"serializer:json;type:text" json:"attachments"`
	PrevHash    string    `gorm:"size:64" json:"prev_hash"`
	Hash        string    `gorm:"size:64" json:"hash"`
	At          time.Time `json:"at"`
}

// TableName names the ledger's table.
func (LedgerEntry) TableName() string { return "ledger_entries" }

// ledgerHead is the single row that names the last entry; appenders lock it.
type ledgerHead struct {
	ID   int `gorm:"primaryKey;autoIncrement:false"`
	Seq  uint64
	Hash string `gorm:"size:64"`
}

func (ledgerHead) TableName() string { return "ledger_head" }

// ledgerAttachment indexes the attachment hashes of an entry, to find a file's record.
type ledgerAttachment struct {
	Seq    uint64 `gorm:"primaryKey;autoIncrement:false"`
	SHA256 string `gorm:"column:sha256;primaryKey;size:64"`
}

func (ledgerAttachment) TableName() string { return "ledger_attachments" }

// ChainHash is the SHA-256 of the entry's fields and the previous entry's hash.
func (e LedgerEntry) ChainHash() string {
	return chainLink("pilu-ledger-v1", fmt.Sprint(e.Seq), e.Kind, fmt.Sprint(e.RecordID), e.ContentHash,
		strings.Join(e.Attachments, ","), e.PrevHash, e.At.UTC().Format(time.RFC3339))
}

// chainLink is the one definition of a link of Pilu's hash chains (the public ledger, the staff
// audit trail): the SHA-256 of the chain's name and the entry's fields, each on its own line, the
// previous entry's hash among them.
func chainLink(chain string, fields ...string) string {
	h := sha256.Sum256([]byte(chain + "\n" + strings.Join(fields, "\n")))
	return hex.EncodeToString(h[:])
}

// appendLedger appends the entry of a published record inside the transaction that publishes it.
// The head row is locked (SELECT … FOR UPDATE on MySQL; SQLite transactions are immediate and
// therefore already one at a time), so concurrent appends never fork the chain.
func appendLedger(tx *gorm.DB, kind string, id uint64, contentHash string, attachmentHashes []string, now time.Time) error {
	var head ledgerHead
	if err := lockHead(tx, &head); err != nil {
		return fmt.Errorf("models: ledger head: %w", err)
	}
	if attachmentHashes == nil {
		attachmentHashes = []string{}
	}
	e := LedgerEntry{Seq: head.Seq + 1, Kind: kind, RecordID: id, ContentHash: contentHash,
		Attachments: attachmentHashes, PrevHash: head.Hash, At: now.UTC().Truncate(time.Second)}
	e.Hash = e.ChainHash()
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("models: append ledger entry %d: %w", e.Seq, err)
	}
	seen := map[string]bool{}
	for _, h := range attachmentHashes {
		if !seen[h] {
			seen[h] = true
			if err := tx.Create(&ledgerAttachment{Seq: e.Seq, SHA256: h}).Error; err != nil {
				return fmt.Errorf("models: ledger attachment: %w", err)
			}
		}
	}
	res := tx.Model(&ledgerHead{}).Where("id = ? AND seq = ?", 1, head.Seq).Updates(map[string]any{"seq": e.Seq, "hash": e.Hash})
	if res.Error != nil || res.RowsAffected != 1 {
		return conflict(CodeLedgerMoved, Args{"seq": e.Seq})
	}
	return nil
}

// lockHead reads the single head row of a hash chain (id 1) for the transaction that appends to it:
// SELECT … FOR UPDATE on MySQL; SQLite transactions are immediate and already one at a time.
func lockHead(tx *gorm.DB, head any) error {
	q := tx
	if tx.Dialector.Name() == "mysql" {
		q = tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q.Take(head, 1).Error
}

// attachmentHashes lists the SHA-256 of attachments in order.
func attachmentHashes(atts []Attachment) []string {
	out := make([]string, len(atts))
	for i, a := range atts {
		out[i] = a.SHA256
	}
	return out
}

// ledgerNotice appends the publication of notice n (its content hash already set) with its files.
func ledgerNotice(tx *gorm.DB, n Notice, now time.Time) error {
	var atts []Attachment
	if err := tx.Select("id", "sha256").Where("notice_id = ?", n.ID).Order("id").Find(&atts).Error; err != nil {
		return err
	}
	return appendLedger(tx, LedgerNotice, n.ID, n.SHA256, attachmentHashes(atts), now)
}

// ledgerDisclosure appends a disclosure version once its parts are written.
func ledgerDisclosure(tx *gorm.DB, d Disclosure, now time.Time) error {
	return appendLedger(tx, LedgerDisclosure, d.ID, d.ContentHash(), attachmentHashes(d.Attachments), now)
}

// DecisionHash is the SHA-256 of a class decision's canonical content: what is published of it,
// the deciding office included and the account that recorded it not (a hash of an e-mail would let
// anyone confirm a guess of who decided).
func DecisionHash(uscc string, d Decision) string {
	return canonicalHash(struct {
		USCC, From, To, Reason, Office, DecidedAt string
		Criteria                                  []string
	}{uscc, d.FromClass, d.ToClass, d.Reason, string(d.Office), d.DecidedAt.UTC().Format(time.RFC3339), d.Criteria})
}

// legacyDecisionHash is the content hash that ledger entries of decisions written before the
// deciding office was recorded (migration 9) carry: it covered the deciding account instead.
// VerifyLedger accepts it for those entries; nothing new is hashed this way.
func legacyDecisionHash(uscc string, d Decision) string {
	return canonicalHash(struct {
		USCC, From, To, Reason, DecidedBy, DecidedAt string
		Criteria                                     []string
	}{uscc, d.FromClass, d.ToClass, d.Reason, d.DecidedBy, d.DecidedAt.UTC().Format(time.RFC3339), d.Criteria})
}

// OutcomeHash is the SHA-256 of the outcome recorded for one listed institution.
func OutcomeHash(li NoticeInstitution) string {
	at := ""
	if li.OutcomeAt != nil {
		at = li.OutcomeAt.UTC().Format(time.RFC3339)
	}
	return canonicalHash(struct {
		NoticeID                          uint64
		USCC, Name, Outcome, Note, Posted string
	}{li.NoticeID, li.USCC, li.Name, li.Outcome, li.OutcomeNote, at})
}

func canonicalHash(v any) string {
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ledgerOutcome appends the outcome of listed institution id, read back as stored.
func ledgerOutcome(tx *gorm.DB, id uint64, now time.Time) error {
	var li NoticeInstitution
	if err := tx.Take(&li, id).Error; err != nil {
		return err
	}
	return appendLedger(tx, LedgerOutcome, li.ID, OutcomeHash(li), nil, now)
}

// LedgerPage returns one page of entries, newest first, with the total.
func (s *Store) LedgerPage(ctx context.Context, page, perPage int) ([]LedgerEntry, int64, error) {
	page, perPage = Paging(page, perPage)
	var head ledgerHead
	if err := s.db.WithContext(ctx).Take(&head, 1).Error; err != nil {
		return nil, 0, notFound(err, "ledger head")
	}
	var out []LedgerEntry
	err := s.db.WithContext(ctx).Order("seq DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&out).Error
	return out, int64(head.Seq), notFound(err, "ledger page")
}

// LedgerRootBefore returns the last entry appended before t (the root of the day that ends at t);
// a zero entry when there is none.
func (s *Store) LedgerRootBefore(ctx context.Context, t time.Time) (LedgerEntry, error) {
	var e LedgerEntry
	err := s.db.WithContext(ctx).Where("at < ?", t.UTC()).Order("seq DESC").Limit(1).Find(&e).Error
	return e, notFound(err, "ledger root")
}

// PublishedWith returns the ledger entries whose record has content or an attachment with SHA-256
// sum (lower-case hex), oldest first.
func (s *Store) PublishedWith(ctx context.Context, sum string) ([]LedgerEntry, error) {
	db := s.db.WithContext(ctx)
	var out []LedgerEntry
	err := db.Where("content_hash = ?", sum).
		Or("seq IN (?)", db.Model(&ledgerAttachment{}).Select("seq").Where("sha256 = ?", sum)).
		Or("kind = ? AND record_id IN (?)", LedgerDisclosure, db.Model(&Disclosure{}).Select("id").Where("sha256 = ?", sum)).
		Or("kind = ? AND record_id IN (?)", LedgerNotice, db.Model(&Notice{}).Select("id").Where("sha256 = ?", sum)).
		Order("seq").Limit(50).Find(&out).Error
	return out, notFound(err, "published with "+sum)
}
