package models_test

import (
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestMailOverview counts the outbox as the admin sees it — waiting, due, retrying, sent and given
// up in the last day, follows — and lists the mails in trouble with no follower's address in them.
func TestMailOverview(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		ctx := t.Context()
		now := at("2026-11-02 10:00")
		in, err := st.CreateInstitution(ctx, models.NewInstitution{USCC: mustUSCC(t, "440106", "MA5ML0001"), Name: "广州某网贷有限公司", Province: "440000"}, "x", at("2018-01-01 09:00"))
		if err != nil {
			t.Fatal(err)
		}
		sl := models.NewSealer(strings.Repeat("k", 32))
		a, _, err := st.Follow(ctx, sl, "alice@example.cn", in.ID, "zh", now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.ConfirmFollower(ctx, a.ID, now); err != nil {
			t.Fatal(err)
		}
		b, _, err := st.Follow(ctx, sl, "bob@example.cn", in.ID, "zh", now)
		if err != nil {
			t.Fatal(err)
		}
		enqueue := func(key string, f models.Follower, created time.Time) models.Mail {
			t.Helper()
			if ok, err := st.EnqueueMail(ctx, models.Mail{Key: key, FollowerID: f.ID, Subject: "s " + key, Body: "secret body", CreatedAt: created}); err != nil || !ok {
				t.Fatalf("enqueue %s: %v %v", key, ok, err)
			}
			due, err := st.DueMails(ctx, now.Add(time.Hour), 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range due {
				if m.Key == key {
					return m
				}
			}
			t.Fatalf("mail %s is not due", key)
			return models.Mail{}
		}
		sent := enqueue("sent", a, now.Add(-3*time.Hour))
		if err := st.MailSent(ctx, sent, now.Add(-2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		enqueue("fresh", a, now.Add(-time.Hour))
		retry := enqueue("retry", a, now.Add(-2*time.Hour))
		if _, err := st.MailFailed(ctx, retry, "451 try later for <alice@example.cn>", false, now.Add(-30*time.Second)); err != nil {
			t.Fatal(err)
		}
		refused := enqueue("refused", b, now.Add(-90*time.Minute))
		if _, err := st.MailFailed(ctx, refused, "550 5.1.1 bob@example.cn: mailbox unavailable", true, now.Add(-10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		o, err := st.MailOverviewAt(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		// bob's confirmation was refused for good: his follow ended, so one follow is left.
		want := models.MailOverview{Waiting: 2, Due: 1, Retrying: 1, SentDay: 1, GaveUpDay: 1, Followers: 1, Confirmed: 1}
		if o.OldestWaiting == nil || !o.OldestWaiting.Equal(now.Add(-2*time.Hour)) {
			t.Errorf("oldest waiting %v, want %v", o.OldestWaiting, now.Add(-2*time.Hour))
		}
		o.OldestWaiting = nil
		if o != want {
			t.Errorf("overview %+v, want %+v", o, want)
		}
		if o, _ := st.MailOverviewAt(ctx, now.Add(48*time.Hour)); o.SentDay != 0 || o.GaveUpDay != 0 || o.Due != 2 {
			t.Errorf("two days later: %+v", o)
		}
		troubles, err := st.MailTroubles(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(troubles) != 2 || troubles[0].Key != "refused" || troubles[1].Key != "retry" || troubles[0].GaveUpAt == nil || troubles[1].GaveUpAt != nil {
			t.Fatalf("troubles: %+v", troubles)
		}
		for _, m := range troubles {
			if strings.Contains(m.LastError, "alice") || strings.Contains(m.LastError, "bob") || m.Body != "" || !strings.Contains(m.LastError, "***@example.cn") {
				t.Errorf("a mail in trouble shows personal data: %q %q", m.LastError, m.Body)
			}
		}
	})
}

// TestMaskAddresses hides every address in a mail server's answer and leaves the rest alone.
func TestMaskAddresses(t *testing.T) {
	for in, want := range map[string]string{
		"550 <a.b+c@mx.example.cn> unknown": "550 <***@mx.example.cn> unknown",
		"to=x@y.cn, cc=z@w.cn":              "***@y.cn, ***@w.cn",
		"421 timeout":                       "421 timeout",
		"":                                  "",
	} {
		if got := models.MaskAddresses(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
