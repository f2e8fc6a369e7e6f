package app

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"

	"pilu/models"
)

// accountPage is the data of /account: one's own account, its second factor, its API tokens and its
// webhooks.
type accountPage struct {
	Account models.User
	// MustEnrol: the role requires a second factor and the account has none (nothing else opens).
	MustEnrol bool
	// Enrol is an enrolment in progress: the QR code and the secret for typing by hand.
	Enrol *totpEnrolment
	// Recovery are new recovery codes, shown once.
	Recovery     []string
	RecoveryLeft int64
	// UsedRecovery: the login just used a recovery code.
	UsedRecovery bool
	CodeError    string
	Tokens       []models.APIToken
	TokenForm    tokenForm
	Secret       *adminSecret
	// Webhooks are the account's receivers of the change stream; WebhookSecret a webhook just made,
	// with its secret shown once; WebhookForm the form that registers one; WebhookKinds the kinds its
	// filter offers.
	Webhooks      []models.Webhook
	WebhookSecret *webhookSecret
	WebhookForm   webhookForm
	WebhookKinds  []string
}

// totpEnrolment is what the enrolment form shows: the QR code as a PNG data URL (no script, no
// request the secret could leak through) and the secret in groups of four.
type totpEnrolment struct {
	QR     template.URL
	Secret string
	URL    string
}

// tokenForm is the form that makes an API token with limits, shown again after a refusal.
type tokenForm struct {
	Action            string // where the form posts
	ReadOnly          bool
	Province, Expires string
	Errors            map[string]string
}

// showAccount is one's own account page.
func (s *Server) showAccount(c *fiber.Ctx) error {
	return s.renderAccount(c, accountPage{UsedRecovery: c.Query("recovery") == "used"})
}

// renderAccount fills in the account, its tokens and the state of its second factor around p.
func (s *Server) renderAccount(c *fiber.Ctx, p accountPage) error {
	ctx := c.UserContext()
	u, err := s.store.UserByID(ctx, currentUser(c).ID)
	if err != nil {
		return err
	}
	p.Account = u
	p.TokenForm.Action = "/account/tokens"
	if p.MustEnrol, err = s.store.MustEnrolTOTP(ctx, u); err != nil {
		return err
	}
	if p.RecoveryLeft, err = s.store.RemainingRecoveryCodes(ctx, u.ID); err != nil {
		return err
	}
	if p.Tokens, err = s.store.UserTokens(ctx, u.ID); err != nil {
		return err
	}
	if p.Webhooks, err = s.store.UserWebhooks(ctx, u.ID); err != nil {
		return err
	}
	p.WebhookKinds = models.WebhookKinds()
	if p.Enrol == nil && u.TOTPPending != "" && !u.HasTOTP() && p.Recovery == nil {
		key, err := s.store.PendingTOTP(ctx, s.sealer(), u)
		if err != nil {
			return err
		}
		if p.Enrol, err = enrolmentOf(key); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store") // a secret, codes or a token shown once
	return s.render(c, "account", pageData{Title: "account.title", Data: p})
}

// enrolmentOf renders key's QR code as a PNG data URL.
func enrolmentOf(key *otp.Key) (*totpEnrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, fmt.Errorf("app: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("app: QR code: %w", err)
	}
	secret := key.Secret()
	var groups []string
	for i := 0; i < len(secret); i += 4 {
		groups = append(groups, secret[i:min(i+4, len(secret))])
	}
	return &totpEnrolment{QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
		Secret: strings.Join(groups, " "), URL: key.URL()}, nil
}

// showEnrolment is the enrolment page: the account page with the enrolment in progress, one begun
// when there is none (a login whose role requires a second factor lands here).
func (s *Server) showEnrolment(c *fiber.Ctx) error {
	u, err := s.store.UserByID(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	if u.HasTOTP() || u.TOTPPending != "" {
		return s.renderAccount(c, accountPage{})
	}
	return s.startEnrolment(c)
}

// startEnrolment begins (or begins again) setting up the authenticator and shows its QR code.
func (s *Server) startEnrolment(c *fiber.Ctx) error {
	u, err := s.store.UserByID(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	key, err := s.store.StartTOTP(c.UserContext(), s.sealer(), u)
	if err != nil {
		return err
	}
	e, err := enrolmentOf(key)
	if err != nil {
		return err
	}
	return s.renderAccount(c, accountPage{Enrol: e})
}

// confirmEnrolment puts the second factor in force with a first code and shows the recovery codes
// once; a wrong code shows the QR code again (422; 429 while throttled).
func (s *Server) confirmEnrolment(c *fiber.Ctx) error {
	u := currentUser(c)
	codes, err := s.store.ConfirmTOTP(c.UserContext(), s.sealer(), u.ID, c.FormValue("code"), c.IP(), s.now())
	var throttled models.ErrThrottled
	switch {
	case errors.Is(err, models.ErrBadCode):
		return s.renderAccount(c.Status(422), accountPage{CodeError: "account.code_bad"})
	case errors.As(err, &throttled):
		c.Set("Retry-After", fmt.Sprint(max(int(throttled.Until.Sub(s.now()).Seconds()), 1)))
		return s.renderAccount(c.Status(429), accountPage{CodeError: "account.code_throttled"})
	case errors.Is(err, models.ErrNotFound):
		return c.Redirect("/account", fiber.StatusSeeOther)
	case err != nil:
		return err
	}
	s.auditStaff(c, models.AuditFactorEnrol, u.ID, "")
	return s.renderAccount(c, accountPage{Recovery: codes})
}

// regenerateRecovery replaces one's recovery codes and shows the new ones once.
func (s *Server) regenerateRecovery(c *fiber.Ctx) error {
	codes, err := s.store.RegenerateRecoveryCodes(c.UserContext(), currentUser(c).ID, s.now())
	if err != nil {
		return err
	}
	s.auditStaff(c, models.AuditFactorCodes, currentUser(c).ID, "")
	return s.renderAccount(c, accountPage{Recovery: codes})
}

// readTokenForm reads the limits of a new API token from a form: read_only ("1"), province (a
// division code or empty) and expires (a day, YYYY-MM-DD: the token works to its end, China time).
func (s *Server) readTokenForm(c *fiber.Ctx) (tokenForm, models.TokenOptions, error) {
	f := tokenForm{ReadOnly: c.FormValue("read_only") == "1", Province: strings.TrimSpace(c.FormValue("province")),
		Expires: strings.TrimSpace(c.FormValue("expires"))}
	opt := models.TokenOptions{ReadOnly: f.ReadOnly, Province: f.Province}
	if f.Expires != "" {
		d, err := time.ParseInLocation(time.DateOnly, f.Expires, models.ChinaZone)
		if err != nil {
			return f, opt, models.Invalid("expires_at", models.CodeDate)
		}
		end := d.AddDate(0, 0, 1)
		opt.ExpiresAt = &end
	}
	return f, opt, nil
}

// createAccountToken makes an API token for one's own account with the form's limits and shows it
// once; a refusal shows the form again with the reasons (422).
func (s *Server) createAccountToken(c *fiber.Ctx) error {
	u := currentUser(c)
	f, opt, err := s.readTokenForm(c)
	if err == nil {
		var token string
		_, token, err = s.store.CreateToken(c.UserContext(), u.ID, opt, s.now())
		if err == nil {
			s.log.Info("account: token created", "user", u.ID, "read_only", opt.ReadOnly, "province", opt.Province)
			return s.renderAccount(c.Status(201), accountPage{Secret: &adminSecret{Email: u.Email, Token: token}})
		}
	}
	var fe models.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	f.Errors = s.fieldMessages(s.lang(c), fe)
	return s.renderAccount(c.Status(422), accountPage{TokenForm: f})
}

// revokeAccountToken revokes one of one's own API tokens.
func (s *Server) revokeAccountToken(c *fiber.Ctx) error {
	tid, err := tokenOf(c)
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(c.UserContext(), currentUser(c).ID, tid, s.now()); err != nil {
		return err
	}
	s.log.Info("account: token revoked", "user", currentUser(c).ID, "token", tid)
	return c.Redirect("/account", fiber.StatusSeeOther)
}
