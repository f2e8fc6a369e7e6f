package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Following by e-mail: a person without an account follows an institution with an address, confirms
// it through a link (double opt-in), and is then mailed what the institution files, its class
// changes, the notices that list it and reminders before their claim windows close. The address is
// personal data: sealed at rest (Sealer, purpose FollowerEmailPurpose), found by its keyed hash, never
// shown, and deleted with the follow on unsubscribe.

// FollowerEmailPurpose is the Sealer purpose of a follower's address.
const FollowerEmailPurpose = "follower_email"

// Mail delivery rules: a mail is tried MaxMailAttempts times with growing pauses (MailBackoff); a
// follower whose mails were given up MaxFollowerFailures times stops being mailed (the follow is
// deleted), as does one whose server refuses the address for good.
const (
	MaxMailAttempts     = 5
	MaxFollowerFailures = 3
)

// ErrAlreadyUsed is returned for a confirmation link that was used before.
var ErrAlreadyUsed = errors.New("models: the link was already used")

// ErrBadEmail is returned for a string that is not one plain e-mail address.
var ErrBadEmail = errors.New("models: not an e-mail address")

// Follower is one address following one institution.
type Follower struct {
	ID            uint64     `gorm:"primaryKey"`
	InstitutionID uint64     `gorm:"uniqueIndex:idx_followers_address,priority:2;index"`
	EmailHash     string     `gorm:"size:64;uniqueIndex:idx_followers_address,priority:1"`
	EmailSealed   string     `gorm:"type:text"`
	Lang          string     `gorm:"size:2"`
	ConfirmedAt   *time.Time `gorm:""`
	Failures      int        `gorm:""` // mails given up; at MaxFollowerFailures the follow ends
	CreatedAt     time.Time  `gorm:""`
}

// Mail is one message in the mail outbox, enqueued once per Key.
type Mail struct {
	ID         uint64     `gorm:"primaryKey"`
	Key        string     `gorm:"column:mail_key;size:150;uniqueIndex:idx_mail_outbox_key"` // what the mail is about and for whom
	FollowerID uint64     `gorm:"index"`
	Subject    string     `gorm:"size:300"`
	Body       string     `gorm:"type:text"`
	Attempts   int        `gorm:""`
	NextAt     time.Time  `gorm:"index"`
	SentAt     *time.Time `gorm:"index"`
	GaveUpAt   *time.Time `gorm:""`
	LastError  string     `gorm:"size:500"`
	CreatedAt  time.Time  `gorm:""`
}

// TableName names the mail outbox.
func (Mail) TableName() string { return "mail_outbox" }

// mailCursor is the single row holding the last ledger seq turned into mails.
type mailCursor struct {
	ID  int    `gorm:"primaryKey;autoIncrement:false"`
	Seq uint64 `gorm:""`
}

func (mailCursor) TableName() string { return "mail_cursor" }

// NormalizeEmail checks that raw is one plain address (no name, no list, at most 254 characters,
// a dot in the domain) and returns it with its domain in lower case.
func NormalizeEmail(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 254 || strings.ContainsAny(raw, " <>,;\"\r\n") {
		return "", ErrBadEmail
	}
	a, err := mail.ParseAddress(raw)
	if err != nil || a.Name != "" || a.Address != raw {
		return "", ErrBadEmail
	}
	local, domain, ok := strings.Cut(a.Address, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", ErrBadEmail
	}
	return local + "@" + strings.ToLower(domain), nil
}

// Follow records that email follows the institution (not yet confirmed) and returns the follow; an
// address that already follows it gets its existing follow back (created false).
func (s *Store) Follow(ctx context.Context, sl *Sealer, email string, institutionID uint64, lang string, now time.Time) (Follower, bool, error) {
	hash := sl.Hash(FollowerEmailPurpose, strings.ToLower(email))
	var f Follower
	err := s.db.WithContext(ctx).Where("email_hash = ? AND institution_id = ?", hash, institutionID).Take(&f).Error
	if err == nil {
		return f, false, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return f, false, notFound(err, "follower")
	}
	f = Follower{InstitutionID: institutionID, EmailHash: hash, EmailSealed: sl.Seal(FollowerEmailPurpose, email), Lang: lang, CreatedAt: now.UTC()}
	if err := s.db.WithContext(ctx).Create(&f).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) { // the same address at the same moment
			err = s.db.WithContext(ctx).Where("email_hash = ? AND institution_id = ?", hash, institutionID).Take(&f).Error
			return f, false, notFound(err, "follower")
		}
		return f, false, notFound(err, "follow")
	}
	return f, true, nil
}

// FollowerByID loads one follow.
func (s *Store) FollowerByID(ctx context.Context, id uint64) (Follower, error) {
	var f Follower
	err := s.db.WithContext(ctx).Take(&f, id).Error
	return f, notFound(err, fmt.Sprintf("follower %d", id))
}

// ConfirmFollower confirms follow id once: a second confirmation answers ErrAlreadyUsed.
func (s *Store) ConfirmFollower(ctx context.Context, id uint64, now time.Time) (Follower, error) {
	res := s.db.WithContext(ctx).Model(&Follower{}).Where("id = ? AND confirmed_at IS NULL", id).Update("confirmed_at", now.UTC())
	if res.Error != nil {
		return Follower{}, notFound(res.Error, "confirm follower")
	}
	f, err := s.FollowerByID(ctx, id)
	if err == nil && res.RowsAffected == 0 {
		err = ErrAlreadyUsed
	}
	return f, err
}

// Unfollow deletes follow id with its address and every mail not yet sent to it.
func (s *Store) Unfollow(ctx context.Context, id uint64) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("follower_id = ? AND sent_at IS NULL", id).Delete(&Mail{}).Error; err != nil {
			return err
		}
		res := tx.Delete(&Follower{}, id)
		if res.Error == nil && res.RowsAffected == 0 {
			return fmt.Errorf("models: follower %d: %w", id, ErrNotFound)
		}
		return res.Error
	})
}

// ConfirmedFollowers returns the confirmed follows of the institutions.
func (s *Store) ConfirmedFollowers(ctx context.Context, institutionIDs ...uint64) ([]Follower, error) {
	var out []Follower
	if len(institutionIDs) == 0 {
		return out, nil
	}
	err := s.db.WithContext(ctx).Where("institution_id IN ? AND confirmed_at IS NOT NULL", institutionIDs).Order("id").Find(&out).Error
	return out, notFound(err, "followers")
}

// EnqueueMail puts m into the outbox unless a mail with its Key is there already, and reports
// whether it did: each alert and reminder is enqueued once, however often it is asked for.
func (s *Store) EnqueueMail(ctx context.Context, m Mail) (bool, error) {
	m.CreatedAt = m.CreatedAt.UTC()
	if m.NextAt.IsZero() {
		m.NextAt = m.CreatedAt
	}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&m)
	if res.Error != nil {
		return false, notFound(res.Error, "enqueue mail")
	}
	return res.RowsAffected == 1, nil
}

// DueMails returns up to limit mails due at now, oldest first.
func (s *Store) DueMails(ctx context.Context, now time.Time, limit int) ([]Mail, error) {
	var out []Mail
	err := s.db.WithContext(ctx).Where("sent_at IS NULL AND gave_up_at IS NULL AND next_at <= ?", now.UTC()).
		Order("next_at, id").Limit(limit).Find(&out).Error
	return out, notFound(err, "due mails")
}

// mailClaim is how long a process that claimed a mail has to send it before another may.
const mailClaim = 10 * time.Minute

// ClaimMail takes due mail m for sending by this process: a conditional UPDATE moves its next try
// ahead, so of several processes (or two runs) that read it as due, exactly one sends it.
func (s *Store) ClaimMail(ctx context.Context, m Mail, now time.Time) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Mail{}).Where("id = ? AND sent_at IS NULL AND gave_up_at IS NULL AND next_at <= ?", m.ID, now.UTC()).
		Update("next_at", now.Add(mailClaim).UTC())
	return res.RowsAffected == 1, notFound(res.Error, "claim mail")
}

// MailSent records that mail id was handed to the mail server, and that its follower's address works.
func (s *Store) MailSent(ctx context.Context, m Mail, now time.Time) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Mail{}).Where("id = ?", m.ID).Updates(map[string]any{"sent_at": now.UTC(), "attempts": m.Attempts + 1, "last_error": ""}).Error; err != nil {
			return err
		}
		return tx.Model(&Follower{}).Where("id = ?", m.FollowerID).Update("failures", 0).Error
	})
}

// MailBackoff is the pause before the next try of a mail that failed attempts times: 1, 4, 16, 64
// minutes.
func MailBackoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts; i++ {
		d *= 4
	}
	return d
}

// MailFailed records a failed try of m. A temporary failure is tried again after MailBackoff until
// MaxMailAttempts; a permanent one (the server refused the address) or the last try gives the mail
// up and counts against its follower, whose follow is deleted at MaxFollowerFailures (a permanent
// refusal of a confirmation mail at once). It reports whether the follow was ended.
func (s *Store) MailFailed(ctx context.Context, m Mail, reason string, permanent bool, now time.Time) (bool, error) {
	ended := false
	attempts := m.Attempts + 1
	if len(reason) > 500 {
		reason = reason[:500]
	}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		up := map[string]any{"attempts": attempts, "last_error": reason, "next_at": now.Add(MailBackoff(attempts)).UTC()}
		giveUp := permanent || attempts >= MaxMailAttempts
		if giveUp {
			up["gave_up_at"] = now.UTC()
		}
		if err := tx.Model(&Mail{}).Where("id = ?", m.ID).Updates(up).Error; err != nil {
			return err
		}
		if !giveUp {
			return nil
		}
		var f Follower
		if err := tx.Take(&f, m.FollowerID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if f.Failures+1 < MaxFollowerFailures && !(permanent && f.ConfirmedAt == nil) {
			return tx.Model(&Follower{}).Where("id = ?", f.ID).Update("failures", f.Failures+1).Error
		}
		ended = true
		if err := tx.Where("follower_id = ? AND sent_at IS NULL AND gave_up_at IS NULL", f.ID).Delete(&Mail{}).Error; err != nil {
			return err
		}
		return tx.Delete(&Follower{}, f.ID).Error
	})
	return ended, notFound(err, "mail failed")
}

// MailCursor is the last ledger seq whose entries were turned into mails (0 at first).
func (s *Store) MailCursor(ctx context.Context) (uint64, error) {
	var c mailCursor
	err := s.db.WithContext(ctx).Where("id = 1").Limit(1).Find(&c).Error
	return c.Seq, notFound(err, "mail cursor")
}

// SetMailCursor moves the mail cursor to seq.
func (s *Store) SetMailCursor(ctx context.Context, seq uint64) error {
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoUpdates: clause.AssignmentColumns([]string{"seq"})}).
		Create(&mailCursor{ID: 1, Seq: seq}).Error
	return notFound(err, "set mail cursor")
}

// ClosingWindows returns the published notices with a claim window whose last day lies from day
// from to day to (YYYY-MM-DD, China time) and that are still open at now, with their listed
// institutions.
func (s *Store) ClosingWindows(ctx context.Context, from, to string, now time.Time) ([]Notice, error) {
	var out []Notice
	q := publishedQuery(s.db.WithContext(ctx)).Where("last_day >= ? AND last_day <= ? AND deadline > ?", from, to, now)
	err := q.Preload("Institutions").Order("id").Find(&out).Error
	return out, notFound(err, "closing windows")
}

// migrateFollowers adds follows by e-mail, the mail outbox and the mail cursor.
func migrateFollowers(tx *gorm.DB) error {
	type follower struct {
		ID            uint64 `gorm:"primaryKey"`
		InstitutionID uint64 `gorm:"uniqueIndex:idx_followers_address,priority:2;index:idx_followers_institution_id"`
		EmailHash     string `gorm:"size:64;uniqueIndex:idx_followers_address,priority:1"`
		EmailSealed   string `gorm:"type:text"`
		Lang          string `gorm:"size:2"`
		ConfirmedAt   *time.Time
		Failures      int
		CreatedAt     time.Time
	}
	type mailRow struct {
		ID         uint64 `gorm:"primaryKey"`
		Key        string `gorm:"column:mail_key;size:150;uniqueIndex:idx_mail_outbox_key"`
		FollowerID uint64 `gorm:"index:idx_mail_outbox_follower_id"`
		Subject    string `gorm:"size:300"`
		Body       string `gorm:"type:text"`
		Attempts   int
		NextAt     time.Time  `gorm:"index:idx_mail_outbox_next_at"`
		SentAt     *time.Time `gorm:"index:idx_mail_outbox_sent_at"`
		GaveUpAt   *time.Time
		LastError  string `gorm:"size:500"`
		CreatedAt  time.Time
	}
	type cursor struct {
		ID  int `gorm:"primaryKey;autoIncrement:false"`
		Seq uint64
	}
	if err := tx.Table("followers").Migrator().CreateTable(&follower{}); err != nil {
		return err
	}
	if err := tx.Table("mail_outbox").Migrator().CreateTable(&mailRow{}); err != nil {
		return err
	}
	if err := tx.Table("mail_cursor").Migrator().CreateTable(&cursor{}); err != nil {
		return err
	}
	// Mails start with what is published from now on, not with the whole history.
	seq, _, err := ledgerHeadOf(tx)
	if err != nil {
		return err
	}
	return tx.Table("mail_cursor").Create(&cursor{ID: 1, Seq: seq}).Error
}
