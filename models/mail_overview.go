package models

import (
	"context"
	"regexp"
	"time"
)

// MailOverview is the state of the follow mail for the admin's page: how much waits, how much went
// out or was given up in the last day, and how many follow. It names no address.
type MailOverview struct {
	Waiting       int64      // neither sent nor given up
	Due           int64      // waiting, and its next try is now or past
	Retrying      int64      // waiting after at least one failed try
	OldestWaiting *time.Time // when the oldest waiting mail was enqueued
	SentDay       int64      // sent in the 24 hours before now
	GaveUpDay     int64      // given up in the 24 hours before now
	Followers     int64      // follows, confirmed or not
	Confirmed     int64      // follows confirmed by their address
}

// MailOverviewAt reads the outbox's state at now.
func (s *Store) MailOverviewAt(ctx context.Context, now time.Time) (MailOverview, error) {
	var o MailOverview
	now = now.UTC()
	day := now.Add(-24 * time.Hour)
	db := s.db.WithContext(ctx)
	steps := []func() error{
		func() error {
			return db.Model(&Mail{}).Where("sent_at IS NULL AND gave_up_at IS NULL").Count(&o.Waiting).Error
		},
		func() error {
			return db.Model(&Mail{}).Where("sent_at IS NULL AND gave_up_at IS NULL AND next_at <= ?", now).Count(&o.Due).Error
		},
		func() error {
			return db.Model(&Mail{}).Where("sent_at IS NULL AND gave_up_at IS NULL AND attempts > 0").Count(&o.Retrying).Error
		},
		func() error { return db.Model(&Mail{}).Where("sent_at >= ?", day).Count(&o.SentDay).Error },
		func() error { return db.Model(&Mail{}).Where("gave_up_at >= ?", day).Count(&o.GaveUpDay).Error },
		func() error { return db.Model(&Follower{}).Count(&o.Followers).Error },
		func() error { return db.Model(&Follower{}).Where("confirmed_at IS NOT NULL").Count(&o.Confirmed).Error },
		func() error {
			var oldest []Mail
			err := db.Where("sent_at IS NULL AND gave_up_at IS NULL").Order("created_at, id").Limit(1).Find(&oldest).Error
			if err == nil && len(oldest) == 1 {
				o.OldestWaiting = &oldest[0].CreatedAt
			}
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return o, notFound(err, "mail overview")
		}
	}
	return o, nil
}

// MailTroubles returns up to limit mails that failed at least once (waiting for a retry or given
// up), the newest first, each with the addresses in its last error masked.
func (s *Store) MailTroubles(ctx context.Context, limit int) ([]Mail, error) {
	var out []Mail
	err := s.db.WithContext(ctx).Where("attempts > 0 AND sent_at IS NULL").
		Order("id DESC").Limit(limit).Find(&out).Error
	for i := range out {
		out[i].LastError = MaskAddresses(out[i].LastError)
		out[i].Body = ""
	}
	return out, notFound(err, "mail troubles")
}

// emailLike finds what looks like an e-mail address in a mail server's answer.
var emailLike = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@([A-Za-z0-9.-]+)`)

// MaskAddresses replaces every e-mail address in text by its domain behind "***@": mail servers
// name the refused recipient in their errors, and followers' addresses are never shown.
func MaskAddresses(text string) string {
	return emailLike.ReplaceAllString(text, "***@$1")
}
