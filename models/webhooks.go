package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Webhooks for data users: the holder of an account (and so of API tokens) registers a URL and a
// filter (province, institution, kind); each new ledger entry that matches is POSTed to it as the
// change stream carries it, signed with the webhook's secret, and retried with growing pauses for
// WebhookRetryFor. Each try is written to the webhook's delivery log (status, attempts, last error).
// The secret is shown once, when the webhook is made, and kept sealed (Sealer, WebhookSecretPurpose)
// since it must be read in clear to sign. Whether a URL's address may be reached at all (no
// loopback, private or link-local targets unless allowed) is the portal's network check, not this
// package's: models checks the URL's shape.

// WebhookSecretPurpose is the Sealer purpose of a webhook's signing secret.
const WebhookSecretPurpose = "webhook_secret"

// Webhook delivery rules.
const (
	// MaxWebhooksPerUser is how many webhooks one account may have.
	MaxWebhooksPerUser = 10
	// MaxWebhookURL is the longest webhook URL, in characters.
	MaxWebhookURL = 2000
	// WebhookRetryFor is how long a delivery is tried after its entry was queued; then it is failed.
	WebhookRetryFor = 24 * time.Hour
	// WebhookFirstBackoff is the pause after the first failed try; each further failure doubles it,
	// up to WebhookMaxBackoff.
	WebhookFirstBackoff = 30 * time.Second
	// WebhookMaxBackoff is the longest pause between two tries.
	WebhookMaxBackoff = time.Hour
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // not yet delivered; tried again at NextAt
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // given up after WebhookRetryFor
)

// WebhookKinds are the kinds a webhook's filter may name: the kinds of ledger entry, and the kinds of
// disclosure and of notice (an entry of that record kind).
func WebhookKinds() []string {
	out := []string{LedgerNotice, LedgerDisclosure, LedgerDecision, LedgerOutcome, LedgerCalendar}
	out = append(out, DisclosureKinds...)
	return append(out, Strings(NoticeKinds)...)
}

// Webhook is one registered receiver of the change stream, with its filter ("" matches anything).
type Webhook struct {
	ID           uint64    `gorm:"primaryKey"`
	UserID       uint64    `gorm:"index"`
	URL          string    `gorm:"column:url;size:2000"`
	SecretSealed string    `gorm:"type:text"`
	Province     string    `gorm:"size:6"`
	Institution  string    `gorm:"size:18"` // a USCC
	Kind         string    `gorm:"size:24"`
	AfterSeq     uint64    `gorm:""` // the ledger head when it was made: only later entries are sent
	CreatedAt    time.Time `gorm:""`
}

// WebhookDelivery is one ledger entry to send to one webhook, and how sending it went.
type WebhookDelivery struct {
	ID          uint64     `gorm:"primaryKey"`
	WebhookID   uint64     `gorm:"uniqueIndex:idx_webhook_deliveries_entry,priority:1"`
	Seq         uint64     `gorm:"uniqueIndex:idx_webhook_deliveries_entry,priority:2"`
	Kind        string     `gorm:"size:24"` // the entry's kind
	Status      string     `gorm:"size:12;index"`
	Attempts    int        `gorm:""`
	LastStatus  int        `gorm:""` // the receiver's last HTTP status (0: no answer)
	LastError   string     `gorm:"size:500"`
	NextAt      time.Time  `gorm:"index"`
	CreatedAt   time.Time  `gorm:""`
	DeliveredAt *time.Time `gorm:""`
}

// webhookCursor is the single row holding the last ledger seq turned into deliveries.
type webhookCursor struct {
	ID  int    `gorm:"primaryKey;autoIncrement:false"`
	Seq uint64 `gorm:""`
}

func (webhookCursor) TableName() string { return "webhook_cursor" }

// WebhookFilter is what a webhook asks for: entries about one province, one institution (USCC),
// one kind (WebhookKinds); "" is any.
type WebhookFilter struct {
	Province    string `json:"province"`
	Institution string `json:"institution"`
	Kind        string `json:"kind"`
}

// NewWebhook is a webhook to register.
type NewWebhook struct {
	URL string
	WebhookFilter
}

// EntrySubject is what a ledger entry is about, for matching filters: its kinds (the entry's and
// its record's), the provinces and the institutions (USCCs) of its record.
type EntrySubject struct {
	Kinds, Provinces, Institutions []string
}

// Matches reports whether an entry about sub passes w's filter.
func (w Webhook) Matches(sub EntrySubject) bool {
	return (w.Kind == "" || slices.Contains(sub.Kinds, w.Kind)) &&
		(w.Province == "" || slices.Contains(sub.Provinces, w.Province)) &&
		(w.Institution == "" || slices.Contains(sub.Institutions, w.Institution))
}

// ParseWebhookURL checks the shape of a webhook URL: absolute http or https, a host, no user
// name or password, no fragment, at most MaxWebhookURL characters. It returns the URL.
func ParseWebhookURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, Invalid("url", CodeRequired)
	}
	if utf8.RuneCountInString(raw) > MaxWebhookURL {
		return nil, Invalid("url", CodeTooLong, Args{"max": MaxWebhookURL})
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return nil, Invalid("url", CodeWebhookURL)
	}
	return u, nil
}

// checkNewWebhook validates nw: the URL's shape and the filter (a province code, a registered
// institution's USCC, a kind of WebhookKinds). It returns nw in canonical form.
func checkNewWebhook(tx *gorm.DB, nw NewWebhook) (NewWebhook, error) {
	fe := FieldErrors{}
	if u, err := ParseWebhookURL(nw.URL); err != nil {
		fe.Merge("", err.(FieldErrors))
	} else {
		nw.URL = u.String()
	}
	nw.Province, nw.Institution, nw.Kind = strings.TrimSpace(nw.Province), strings.TrimSpace(nw.Institution), strings.TrimSpace(nw.Kind)
	if nw.Province != "" && !ValidProvince(nw.Province) {
		fe.Add("province", CodeNotProvince)
	}
	if nw.Institution != "" {
		uscc, _, err := ParseUSCC(nw.Institution)
		if err != nil {
			fe.Add("institution", CodeUSCC, usccArgs(err))
		} else {
			nw.Institution = uscc
			var n int64
			if err := tx.Model(&Institution{}).Where("uscc = ?", uscc).Count(&n).Error; err != nil {
				return nw, err
			}
			if n == 0 {
				fe.Add("institution", CodeUnknownInstitution, Args{"uscc": uscc})
			}
		}
	}
	if nw.Kind != "" && !OneOf(nw.Kind, WebhookKinds()) {
		fe.Add("kind", CodeOneOf, Args{"values": WebhookKinds()})
	}
	if len(fe) > 0 {
		return nw, fe
	}
	return nw, nil
}

// CheckWebhook validates nw as CreateWebhook does, without registering it: nil or FieldErrors.
func (s *Store) CheckWebhook(ctx context.Context, nw NewWebhook) error {
	_, err := checkNewWebhook(s.db.WithContext(ctx), nw)
	return notFoundKeep(err, "check webhook")
}

// CreateWebhook registers nw for account userID and returns it with its signing secret in clear,
// shown once. Invalid input is FieldErrors; past MaxWebhooksPerUser, or for a disabled account, a
// Refusal.
func (s *Store) CreateWebhook(ctx context.Context, sl *Sealer, userID uint64, nw NewWebhook, now time.Time) (Webhook, string, error) {
	var w Webhook
	secret := "whsec_" + randomToken(24)
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Take(&u, userID).Error; err != nil {
			return notFound(err, fmt.Sprintf("user %d", userID))
		}
		if u.DisabledAt != nil {
			return conflict(CodeAccountDisabled)
		}
		nw, err := checkNewWebhook(tx, nw)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Webhook{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
			return err
		}
		if n >= MaxWebhooksPerUser {
			return conflict(CodeWebhookLimit, Args{"max": MaxWebhooksPerUser})
		}
		head, _, err := ledgerHeadOf(tx)
		if err != nil {
			return err
		}
		w = Webhook{UserID: userID, URL: nw.URL, SecretSealed: sl.Seal(WebhookSecretPurpose, secret), Province: nw.Province,
			Institution: nw.Institution, Kind: nw.Kind, AfterSeq: head, CreatedAt: now.UTC().Truncate(time.Second)}
		if err := tx.Create(&w).Error; err != nil {
			return err
		}
		AuditRecordOf(ctx, "webhook", strconv.FormatUint(w.ID, 10))
		AuditDetailOf(ctx, originOf(w.URL))
		return nil
	})
	if err != nil {
		return Webhook{}, "", notFoundKeep(err, "create webhook")
	}
	return w, secret, nil
}

// originOf is a webhook's target as the audit trail records it: scheme and host only, since a
// receiver's path or query may carry a credential of its own.
func originOf(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// notFoundKeep is notFound for an error that may already be a FieldErrors or a Refusal, which it
// returns as they are.
func notFoundKeep(err error, what string) error {
	var fe FieldErrors
	var r *Refusal
	if errors.As(err, &fe) || errors.As(err, &r) || errors.Is(err, ErrNotFound) {
		return err
	}
	return notFound(err, what)
}

// UserWebhooks lists the webhooks of account userID, oldest first.
func (s *Store) UserWebhooks(ctx context.Context, userID uint64) ([]Webhook, error) {
	var out []Webhook
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error
	return out, notFound(err, "list webhooks")
}

// UserWebhook loads webhook id of account userID (ErrNotFound for another account's).
func (s *Store) UserWebhook(ctx context.Context, userID, id uint64) (Webhook, error) {
	var w Webhook
	err := s.db.WithContext(ctx).Where("id = ? AND user_id = ?", id, userID).Take(&w).Error
	return w, notFound(err, fmt.Sprintf("webhook %d", id))
}

// DeleteWebhook deletes webhook id of account userID with its delivery log.
func (s *Store) DeleteWebhook(ctx context.Context, userID, id uint64) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ? AND user_id = ?", id, userID).Delete(&Webhook{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("models: webhook %d: %w", id, ErrNotFound)
		}
		return tx.Where("webhook_id = ?", id).Delete(&WebhookDelivery{}).Error
	})
}

// LiveWebhooks returns the webhooks of enabled accounts (a disabled account's receive nothing).
func (s *Store) LiveWebhooks(ctx context.Context) ([]Webhook, error) {
	var out []Webhook
	err := s.db.WithContext(ctx).Where("user_id IN (?)", s.db.Model(&User{}).Select("id").Where("disabled_at IS NULL")).
		Order("id").Find(&out).Error
	return out, notFound(err, "live webhooks")
}

// Takes reports whether w is sent entry e about sub: an entry appended after w was made, that
// passes its filter.
func (w Webhook) Takes(e LedgerEntry, sub EntrySubject) bool {
	return e.Seq > w.AfterSeq && w.Matches(sub)
}

// EntrySubjectOf says what ledger entry e is about: its kind and its record's kind, the provinces
// and institutions of the record (a notice: its province and every institution it lists).
func (s *Store) EntrySubjectOf(ctx context.Context, e LedgerEntry) (EntrySubject, error) {
	sub := EntrySubject{Kinds: []string{e.Kind}}
	db := s.db.WithContext(ctx)
	addInstitution := func(id uint64) error {
		var in Institution
		if err := db.Select("uscc", "province").Take(&in, id).Error; err != nil {
			return notFound(err, fmt.Sprintf("institution %d", id))
		}
		sub.Institutions = append(sub.Institutions, in.USCC)
		if !slices.Contains(sub.Provinces, in.Province) {
			sub.Provinces = append(sub.Provinces, in.Province)
		}
		return nil
	}
	addNotice := func(id uint64) error {
		var n Notice
		if err := db.Preload("Institutions").Take(&n, id).Error; err != nil {
			return notFound(err, fmt.Sprintf("notice %d", id))
		}
		sub.Kinds = append(sub.Kinds, string(n.Kind))
		sub.Provinces = append(sub.Provinces, n.Province)
		for _, li := range n.Institutions {
			sub.Institutions = append(sub.Institutions, li.USCC)
		}
		return nil
	}
	var err error
	switch e.Kind {
	case LedgerDisclosure:
		var d Disclosure
		if err = db.Select("id", "institution_id", "kind").Take(&d, e.RecordID).Error; err != nil {
			return sub, notFound(err, fmt.Sprintf("disclosure %d", e.RecordID))
		}
		sub.Kinds = append(sub.Kinds, d.Kind)
		err = addInstitution(d.InstitutionID)
	case LedgerDecision:
		var d Decision
		if err = db.Take(&d, e.RecordID).Error; err != nil {
			return sub, notFound(err, fmt.Sprintf("decision %d", e.RecordID))
		}
		err = addInstitution(d.InstitutionID)
	case LedgerNotice:
		err = addNotice(e.RecordID)
	case LedgerOutcome:
		var li NoticeInstitution
		if err = db.Take(&li, e.RecordID).Error; err != nil {
			return sub, notFound(err, fmt.Sprintf("listed institution %d", e.RecordID))
		}
		if err = addInstitution(li.InstitutionID); err == nil {
			var n Notice
			if err = db.Select("id", "province").Take(&n, li.NoticeID).Error; err == nil && !slices.Contains(sub.Provinces, n.Province) {
				sub.Provinces = append(sub.Provinces, n.Province)
			}
			err = notFound(err, fmt.Sprintf("notice %d", li.NoticeID))
		}
	}
	return sub, err
}

// EnqueueDeliveries queues the deliveries, each once per webhook and entry (a second enqueue of
// the same pair does nothing).
func (s *Store) EnqueueDeliveries(ctx context.Context, ds []WebhookDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	for i := range ds {
		ds[i].Status = DeliveryPending
		ds[i].CreatedAt = ds[i].CreatedAt.UTC()
		if ds[i].NextAt.IsZero() {
			ds[i].NextAt = ds[i].CreatedAt
		}
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&ds).Error
	return notFound(err, "enqueue deliveries")
}

// WebhookCursor is the last ledger seq whose entries were turned into deliveries.
func (s *Store) WebhookCursor(ctx context.Context) (uint64, error) {
	var c webhookCursor
	err := s.db.WithContext(ctx).Where("id = 1").Limit(1).Find(&c).Error
	return c.Seq, notFound(err, "webhook cursor")
}

// SetWebhookCursor moves the webhook cursor to seq.
func (s *Store) SetWebhookCursor(ctx context.Context, seq uint64) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns([]string{"seq"})}).
		Create(&webhookCursor{ID: 1, Seq: seq}).Error
	return notFound(err, "set webhook cursor")
}

// DueDeliveries returns up to limit pending deliveries due at now, oldest first; a disabled
// account's wait (they go on if it is enabled again, within WebhookRetryFor).
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]WebhookDelivery, error) {
	var out []WebhookDelivery
	db := s.db.WithContext(ctx)
	live := db.Model(&Webhook{}).Select("id").Where("user_id IN (?)", db.Model(&User{}).Select("id").Where("disabled_at IS NULL"))
	err := db.Where("status = ? AND next_at <= ? AND webhook_id IN (?)", DeliveryPending, now.UTC(), live).
		Order("next_at, id").Limit(limit).Find(&out).Error
	return out, notFound(err, "due deliveries")
}

// deliveryClaim is how long a process that claimed a delivery has to make its try before another
// may.
const deliveryClaim = 5 * time.Minute

// ClaimDelivery takes due delivery d for a try by this process: a conditional UPDATE moves its next
// try ahead, so of several processes (or two runs) that read it as due, exactly one tries it.
func (s *Store) ClaimDelivery(ctx context.Context, d WebhookDelivery, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&WebhookDelivery{}).
		Where("id = ? AND status = ? AND next_at <= ?", d.ID, DeliveryPending, now.UTC()).
		Update("next_at", now.Add(deliveryClaim).UTC())
	return res.RowsAffected == 1, notFound(res.Error, "claim delivery")
}

// WebhookBackoff is the pause after attempts failed tries: WebhookFirstBackoff doubling, at most
// WebhookMaxBackoff (30 s, 1 min, 2 min, … 1 h).
func WebhookBackoff(attempts int) time.Duration {
	d := WebhookFirstBackoff
	for i := 1; i < attempts && d < WebhookMaxBackoff; i++ {
		d *= 2
	}
	return min(d, WebhookMaxBackoff)
}

// DeliveryDone records a try of d: delivered (the receiver answered 2xx with status) or failed with
// reason, then tried again after WebhookBackoff, or given up (DeliveryFailed) when that would fall
// past WebhookRetryFor after the delivery was queued. After a failure, the webhook's other pending
// deliveries wait as long (its receiver is down: they are tried after d, in order, and a receiver
// with many waiting never keeps the others' out of a run). It returns the delivery as recorded.
func (s *Store) DeliveryDone(ctx context.Context, d WebhookDelivery, delivered bool, status int, reason string, now time.Time) (WebhookDelivery, error) {
	now = now.UTC()
	d.Attempts++
	d.LastStatus = status
	if delivered {
		d.Status, d.LastError, d.DeliveredAt = DeliveryDelivered, "", &now
	} else {
		if len(reason) > 500 {
			reason = reason[:500]
		}
		d.LastError = reason
		d.NextAt = now.Add(WebhookBackoff(d.Attempts))
		if d.NextAt.After(d.CreatedAt.Add(WebhookRetryFor)) {
			d.Status = DeliveryFailed
		}
	}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&WebhookDelivery{}).Where("id = ?", d.ID).Updates(map[string]any{
			"status": d.Status, "attempts": d.Attempts, "last_status": d.LastStatus, "last_error": d.LastError,
			"next_at": d.NextAt, "delivered_at": d.DeliveredAt}).Error; err != nil {
			return err
		}
		if delivered {
			return nil
		}
		return tx.Model(&WebhookDelivery{}).Where("webhook_id = ? AND status = ? AND id <> ? AND next_at < ?", d.WebhookID, DeliveryPending, d.ID, d.NextAt).
			Update("next_at", d.NextAt).Error
	})
	return d, notFound(err, "record delivery")
}

// WebhookByID loads a webhook whatever its account (for the delivery job).
func (s *Store) WebhookByID(ctx context.Context, id uint64) (Webhook, error) {
	var w Webhook
	err := s.db.WithContext(ctx).Take(&w, id).Error
	return w, notFound(err, fmt.Sprintf("webhook %d", id))
}

// WebhookDeliveries returns page (from 1) of webhook id's delivery log, newest entry first, with
// the total.
func (s *Store) WebhookDeliveries(ctx context.Context, id uint64, page, perPage int) ([]WebhookDelivery, int64, error) {
	var out []WebhookDelivery
	var total int64
	q := s.db.WithContext(ctx).Model(&WebhookDelivery{}).Where("webhook_id = ?", id)
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, notFound(err, "count deliveries")
	}
	err := q.Order("seq DESC, id DESC").Offset((page - 1) * perPage).Limit(perPage).Find(&out).Error
	return out, total, notFound(err, "list deliveries")
}

// rotateWebhookSecrets re-seals webhooks' signing secrets sealed under a former key.
func (s *Store) rotateWebhookSecrets(ctx context.Context, sl *Sealer, progress func(RotationStep) error) error {
	step := RotationStep{Table: "webhooks"}
	var rows []Webhook
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("models: rotate keys: read webhooks: %w", err)
	}
	step.Total = int64(len(rows))
	for _, w := range rows {
		step.Seen++
		if sl.Current(WebhookSecretPurpose, w.SecretSealed) {
			step.AlreadyRotated++
			continue
		}
		plain, err := sl.Open(WebhookSecretPurpose, w.SecretSealed)
		if err != nil {
			return fmt.Errorf("models: rotate keys: webhook %d: opens under no key given (PILU_SECRET, PILU_SECRET_PREVIOUS): %w", w.ID, err)
		}
		res := s.db.WithContext(ctx).Model(&Webhook{}).Where("id = ? AND secret_sealed = ?", w.ID, w.SecretSealed).
			Update("secret_sealed", sl.Seal(WebhookSecretPurpose, plain))
		if res.Error != nil {
			return fmt.Errorf("models: rotate keys: webhook %d: %w", w.ID, res.Error)
		}
		step.Resealed += res.RowsAffected
	}
	if err := progress(step); err != nil {
		return fmt.Errorf("%w: %w", ErrRotationStopped, err)
	}
	return nil
}

// migrateWebhooks adds webhooks, their delivery log and the ledger cursor of the delivery job.
func migrateWebhooks(tx *gorm.DB) error {
	type webhook struct {
		ID           uint64 `gorm:"primaryKey"`
		UserID       uint64 `gorm:"index:idx_webhooks_user_id"`
		URL          string `gorm:"column:url;size:2000"`
		SecretSealed string `gorm:"type:text"`
		Province     string `gorm:"size:6"`
		Institution  string `gorm:"size:18"`
		Kind         string `gorm:"size:24"`
		AfterSeq     uint64
		CreatedAt    time.Time
	}
	type delivery struct {
		ID          uint64 `gorm:"primaryKey"`
		WebhookID   uint64 `gorm:"uniqueIndex:idx_webhook_deliveries_entry,priority:1"`
		Seq         uint64 `gorm:"uniqueIndex:idx_webhook_deliveries_entry,priority:2"`
		Kind        string `gorm:"size:24"`
		Status      string `gorm:"size:12;index:idx_webhook_deliveries_status"`
		Attempts    int
		LastStatus  int
		LastError   string    `gorm:"size:500"`
		NextAt      time.Time `gorm:"index:idx_webhook_deliveries_next_at"`
		CreatedAt   time.Time
		DeliveredAt *time.Time
	}
	type cursor struct {
		ID  int `gorm:"primaryKey;autoIncrement:false"`
		Seq uint64
	}
	if err := tx.Table("webhooks").Migrator().CreateTable(&webhook{}); err != nil {
		return err
	}
	if err := tx.Table("webhook_deliveries").Migrator().CreateTable(&delivery{}); err != nil {
		return err
	}
	if err := tx.Table("webhook_cursor").Migrator().CreateTable(&cursor{}); err != nil {
		return err
	}
	seq, _, err := ledgerHeadOf(tx)
	if err != nil {
		return err
	}
	return tx.Table("webhook_cursor").Create(&cursor{ID: 1, Seq: seq}).Error
}
