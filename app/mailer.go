package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"pilu/models"
)

// mailsPerRun is the most mails one run of the mail job sends: with a run per scheduler tick (15
// s), at most 80 a minute leave the portal, whatever happens.
const mailsPerRun = 20

// runMail is the scheduler's mail job, run by the process holding the scheduler lease: it turns
// new ledger entries into alerts for the confirmed followers of the institutions they concern,
// enqueues the reminders of claim windows closing in 7 days and in 1 day, and sends what is due.
// Every alert and reminder is enqueued under a key of its own (what and for whom), so it is mailed
// once however often the job runs and whichever process runs it.
func (s *Server) runMail(ctx context.Context) error {
	if s.cfg.SMTPURL == "" {
		return nil
	}
	if err := s.enqueueAlerts(ctx); err != nil {
		return err
	}
	if err := s.enqueueReminders(ctx); err != nil {
		return err
	}
	return s.deliverMails(ctx)
}

// alert is one mail about a published record to the followers of the institutions it concerns.
type alert struct {
	key          string // the record, e.g. disclosure:12
	institutions []uint64
	subject      func(lang string) string
	body         func(lang string) []string
}

// enqueueAlerts reads the ledger from the mail cursor and enqueues an alert per new disclosure,
// class decision and notice for each confirmed follower of an institution concerned.
func (s *Server) enqueueAlerts(ctx context.Context) error {
	cursor, err := s.store.MailCursor(ctx)
	if err != nil {
		return err
	}
	for {
		entries, err := s.store.LedgerAfter(ctx, cursor, 200)
		if err != nil || len(entries) == 0 {
			return err
		}
		for _, e := range entries {
			a, ok, err := s.alertOf(ctx, e)
			if err != nil {
				return err
			}
			if ok {
				if err := s.enqueueAlert(ctx, a); err != nil {
					return err
				}
			}
			cursor = e.Seq
		}
		if err := s.store.SetMailCursor(ctx, cursor); err != nil {
			return err
		}
	}
}

// alertOf describes the alert of one ledger entry (ok false for kinds nobody follows).
func (s *Server) alertOf(ctx context.Context, e models.LedgerEntry) (alert, bool, error) {
	base := s.cfg.BaseURL
	switch e.Kind {
	case "disclosure":
		d, err := s.store.DisclosureByID(ctx, e.RecordID)
		if err != nil {
			return alert{}, false, err
		}
		in, err := s.store.InstitutionByID(ctx, d.InstitutionID)
		if err != nil {
			return alert{}, false, err
		}
		return alert{key: fmt.Sprintf("disclosure:%d", d.ID), institutions: []uint64{in.ID},
			subject: func(l string) string { return s.views.t(l, "mail.disclosure.subject", in.Name, d.Title) },
			body: func(l string) []string {
				return []string{s.views.t(l, "mail.disclosure.intro", in.Name, s.views.t(l, "disclosure_kind."+d.Kind)), d.Title,
					formatDate(l, d.PublishedAt), clip(d.Body, 600), fmt.Sprintf("%s/disclosures/%d", base, d.ID)}
			}}, true, nil
	case "decision":
		d, in, err := s.store.DecisionByID(ctx, e.RecordID)
		if err != nil {
			return alert{}, false, err
		}
		return alert{key: fmt.Sprintf("decision:%d", d.ID), institutions: []uint64{in.ID},
			subject: func(l string) string {
				return s.views.t(l, "mail.decision.subject", in.Name, s.views.t(l, "class."+d.ToClass))
			},
			body: func(l string) []string {
				return []string{s.views.t(l, "mail.decision.intro", in.Name, s.views.t(l, "class."+d.FromClass), s.views.t(l, "class."+d.ToClass)),
					d.Reason, formatDate(l, d.DecidedAt), base + "/institutions/" + in.USCC}
			}}, true, nil
	case "notice":
		n, err := s.store.NoticeByID(ctx, e.RecordID)
		if err != nil {
			return alert{}, false, err
		}
		ids := make([]uint64, 0, len(n.Institutions))
		names := map[uint64]string{}
		for _, li := range n.Institutions {
			ids = append(ids, li.InstitutionID)
			names[li.InstitutionID] = li.Name
		}
		return alert{key: fmt.Sprintf("notice:%d", n.ID), institutions: ids,
			subject: func(l string) string { return s.views.t(l, "mail.notice.subject", n.Title) },
			body: func(l string) []string {
				lines := []string{s.views.t(l, "mail.notice.intro", len(ids)), n.Title,
					deref(n.Number) + " · " + s.views.t(l, "notice_kind."+string(n.Kind)) + " · " + provinceName(l, n.Province)}
				if n.HasWindow() {
					lines = append(lines, s.views.t(l, "mail.claim_until", n.LastDay))
				}
				return append(lines, fmt.Sprintf("%s/notices/%d", base, n.ID))
			}}, true, nil
	}
	return alert{}, false, nil
}

// enqueueAlert enqueues a for every confirmed follower of its institutions, once per address and
// record (an address following two listed institutions gets one mail).
func (s *Server) enqueueAlert(ctx context.Context, a alert) error {
	followers, err := s.store.ConfirmedFollowers(ctx, a.institutions...)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, f := range followers {
		if seen[f.EmailHash] {
			continue
		}
		seen[f.EmailHash] = true
		m := models.Mail{Key: a.key + ":" + f.EmailHash[:32], FollowerID: f.ID, Subject: a.subject(f.Lang),
			Body: strings.Join(a.body(f.Lang), "\n\n"), CreatedAt: s.now()}
		if _, err := s.store.EnqueueMail(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// enqueueReminders enqueues, for each open claim window, a reminder 7 days before it closes (its
// last day 2 to 7 days ahead) and one the day before (the last day tomorrow or today), to the
// confirmed followers of the institutions it lists.
func (s *Server) enqueueReminders(ctx context.Context) error {
	now := s.now()
	today := now.In(models.ChinaZone)
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
	for _, r := range []struct {
		name     string
		from, to int
	}{{"remind7", 2, 7}, {"remind1", 0, 1}} {
		notices, err := s.store.ClosingWindows(ctx, day(r.from), day(r.to), now)
		if err != nil {
			return err
		}
		for _, n := range notices {
			ids := make([]uint64, 0, len(n.Institutions))
			for _, li := range n.Institutions {
				ids = append(ids, li.InstitutionID)
			}
			last, _ := time.ParseInLocation("2006-01-02", n.LastDay, models.ChinaZone)
			left := int(last.Sub(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, models.ChinaZone)).Hours()/24) + 1
			a := alert{key: fmt.Sprintf("%s:%d", r.name, n.ID), institutions: ids,
				subject: func(l string) string { return s.views.t(l, "mail.reminder.subject", left, n.Title) },
				body: func(l string) []string {
					return []string{s.views.t(l, "mail.reminder.intro", n.LastDay, left), n.Title,
						fmt.Sprintf("%s/notices/%d", s.cfg.BaseURL, n.ID)}
				}}
			if err := s.enqueueAlert(ctx, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// deliverMails sends up to mailsPerRun due mails, each to its follower's address with the
// unsubscribe link in its text and in List-Unsubscribe / List-Unsubscribe-Post (RFC 8058).
func (s *Server) deliverMails(ctx context.Context) error {
	due, err := s.store.DueMails(ctx, s.now(), mailsPerRun)
	if err != nil {
		return err
	}
	sl := s.sealer()
	for _, m := range due {
		if mine, err := s.store.ClaimMail(ctx, m, s.now()); err != nil || !mine {
			if err != nil {
				return err
			}
			continue // another process sends it
		}
		f, err := s.store.FollowerByID(ctx, m.FollowerID)
		if errors.Is(err, models.ErrNotFound) {
			if _, err := s.store.MailFailed(ctx, m, "follow ended", true, s.now()); err != nil {
				return err
			}
			continue
		} else if err != nil {
			return err
		}
		to, err := sl.Open(models.FollowerEmailPurpose, f.EmailSealed)
		if err != nil {
			return fmt.Errorf("app: follower %d: %w", f.ID, err)
		}
		err = s.sendMail(ctx, to, m.Subject, m.Body+"\n\n--\n"+s.views.t(f.Lang, "mail.footer", s.unsubscribeURL(f)), s.unsubscribeURL(f))
		if err == nil {
			if err := s.store.MailSent(ctx, m, s.now()); err != nil {
				return err
			}
			continue
		}
		var se *gomail.SendError
		permanent := errors.As(err, &se) && !se.IsTemp() && se.Reason == gomail.ErrSMTPRcptTo
		reason := strings.ReplaceAll(err.Error(), to, "[address]") // the address is never logged or stored in clear
		s.log.Warn("mail not sent", "mail", m.ID, "follower", f.ID, "attempt", m.Attempts+1, "permanent", permanent, "err", reason)
		ended, ferr := s.store.MailFailed(ctx, m, reason, permanent, s.now())
		if ferr != nil {
			return ferr
		}
		if ended {
			s.log.Info("follow ended after failed deliveries", "follower", f.ID)
		}
	}
	return nil
}

// sendMail sends one plain-text mail through PILU_SMTP_URL, with STARTTLS when the server offers it.
func (s *Server) sendMail(ctx context.Context, to, subject, body, unsubscribe string) error {
	u, err := url.Parse(s.cfg.SMTPURL)
	if err != nil {
		return err
	}
	port, _ := strconv.Atoi(u.Port())
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTLSPolicy(gomail.TLSOpportunistic), gomail.WithTimeout(20 * time.Second)}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	client, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return err
	}
	m := gomail.NewMsg()
	if err := m.From(s.mailFrom()); err != nil {
		return err
	}
	if err := m.To(to); err != nil {
		return err
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+unsubscribe+">")
	m.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	m.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated") // RFC 3834: no auto-replies
	m.SetBodyString(gomail.TypeTextPlain, body)
	return client.DialAndSendWithContext(ctx, m)
}

// mailFrom is PILU_MAIL_FROM, or noreply@ the host of the portal's base URL.
func (s *Server) mailFrom() string {
	if s.cfg.MailFrom != "" {
		return s.cfg.MailFrom
	}
	host := "localhost"
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "noreply@" + host
}

// clip shortens text to at most n characters, marking the cut.
func clip(text string, n int) string {
	r := []rune(strings.TrimSpace(text))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
