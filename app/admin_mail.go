package app

import (
	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// adminMailPage is the admin's view of the follow mail: whether a mail server is configured, the
// outbox's state and the mails that failed (no address shown).
type adminMailPage struct {
	Configured bool
	Overview   models.MailOverview
	Troubles   []models.Mail
}

// showAdminMail shows the state of the mail outbox to admins: what waits, what went out or was given
// up in the last day, and the latest mails that failed, with their errors' addresses masked.
func (s *Server) showAdminMail(c *fiber.Ctx) error {
	ctx := c.UserContext()
	o, err := s.store.MailOverviewAt(ctx, s.now())
	if err != nil {
		return err
	}
	troubles, err := s.store.MailTroubles(ctx, 50)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return s.render(c, "admin_mail", pageData{Title: "admin_mail.title", Data: adminMailPage{Configured: s.cfg.SMTPURL != "", Overview: o, Troubles: troubles}})
}
