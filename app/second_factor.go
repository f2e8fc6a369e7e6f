package app

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// pendingCookie holds the token of a login that passed its password and waits for its code. It is
// not a session cookie: it opens no page, only /login/code reads it.
const pendingCookie = "pilu_login"

// pendingCookieName is the pending login's cookie name (__Host- over https, like the session's).
func (s *Server) pendingCookieName() string { return s.hostCookieName(pendingCookie) }

// setPendingCookie sends the pending login's cookie, or removes it when token is "".
func (s *Server) setPendingCookie(c *fiber.Ctx, token string) {
	s.setAuthCookie(c, s.pendingCookieName(), token, "Strict", models.PendingLoginTTL)
}

// codeForm is what the second step of a login shows again after a failure.
type codeForm struct {
	Error, Wait string
}

// showLoginCode is the second step of a login: the code of the authenticator or a recovery code.
// Without a live pending login it goes back to the password.
func (s *Server) showLoginCode(c *fiber.Ctx) error {
	if _, err := s.store.PendingLoginUser(c.UserContext(), c.Cookies(s.pendingCookieName()), s.now()); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return c.Redirect("/login", fiber.StatusSeeOther)
		}
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return s.render(c, "login_code", pageData{Title: "login.code_title", Data: codeForm{}})
}

// loginCode completes a pending login with a code: a right one starts the session, a wrong or used
// one is 401 (throttled like passwords: 429 while waiting), and a pending login that expired or
// took too many wrong codes sends the browser back to the password.
func (s *Server) loginCode(c *fiber.Ctx) error {
	token := c.Cookies(s.pendingCookieName())
	code := strings.TrimSpace(c.FormValue("code"))
	if code == "" {
		return s.render(c.Status(422), "login_code", pageData{Title: "login.code_title", Data: codeForm{Error: "login.code_missing"}})
	}
	sf, err := s.store.CompletePendingLogin(c.UserContext(), s.sealer(), token, code, c.IP(), s.now())
	var throttled models.ErrThrottled
	switch {
	case errors.Is(err, models.ErrBadCode):
		s.auditStaff(c, models.AuditFactorFailed, 0, "")
		return s.render(c.Status(401), "login_code", pageData{Title: "login.code_title", Data: codeForm{Error: "login.code_bad"}})
	case errors.As(err, &throttled):
		wait := max(int(math.Ceil(throttled.Until.Sub(s.now()).Seconds())), 1)
		form := codeForm{Error: "login.throttled", Wait: s.views.t(s.lang(c), "login.wait_seconds", wait)}
		if wait > 90 {
			form.Wait = s.views.t(s.lang(c), "login.wait_minutes", (wait+59)/60)
		}
		c.Set("Retry-After", strconv.Itoa(wait))
		return s.render(c.Status(429), "login_code", pageData{Title: "login.code_title", Data: form})
	case errors.Is(err, models.ErrNotFound):
		s.setPendingCookie(c, "")
		return s.render(c.Status(401), "login", pageData{Title: "login.title", Data: loginForm{Error: "login.code_expired"}})
	case err != nil:
		return err
	}
	s.setPendingCookie(c, "")
	if sf.Recovery {
		s.auditStaff(c, models.AuditFactorRecovery, sf.User.ID, "")
		sf.Next = "/account?recovery=used" // says how many are left and offers new ones
	}
	return s.startSession(c, sf.User, sf.Next)
}

// startSession logs u in and sends the browser on: to next, or to the account page when the
// account must first set up its second factor.
func (s *Server) startSession(c *fiber.Ctx, u models.User, next string) error {
	tok, err := s.store.CreateSession(c.UserContext(), u, s.now())
	if err != nil {
		return err
	}
	e := s.auditEntry(c, models.AuditLogin, "user", strconv.FormatUint(u.ID, 10))
	e.ActorID, e.Actor, e.Role, e.Province = u.ID, u.Email, u.Role, u.Province
	if err := s.audit(c, e); err != nil {
		return err
	}
	s.setSessionCookie(c, tok)
	must, err := s.store.MustEnrolTOTP(c.UserContext(), u)
	if err != nil {
		return err
	}
	if must {
		return c.Redirect("/account/2fa", fiber.StatusSeeOther)
	}
	if next == "" {
		next = homeOf(u)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

// requireEnrolment keeps a browser session whose role requires a second factor, and that has none
// yet, on the enrolment page: every other page redirects there, every API call with the cookie is
// 403 "second_factor_required", until a first code is confirmed. Logging out stays possible; API
// tokens are not concerned (they are made by people who enrolled or by an admin).
func (s *Server) requireEnrolment(c *fiber.Ctx) error {
	u := currentUser(c)
	if bearer, _ := c.Locals("bearer").(bool); u == nil || bearer || u.HasTOTP() {
		return c.Next()
	}
	switch c.Path() {
	case "/account/2fa", "/account/2fa/confirm", "/logout":
		return c.Next()
	}
	must, err := s.store.MustEnrolTOTP(c.UserContext(), *u)
	if err != nil || !must {
		if err != nil {
			return err
		}
		return c.Next()
	}
	if isAPI(c) {
		return fail(403, "second_factor_required", "")
	}
	return c.Redirect("/account/2fa", fiber.StatusSeeOther)
}

// auditStaff records a second-factor event in the audit trail: enrolment, its reset by an admin,
// wrong codes, the use of a recovery code, new recovery codes and a role's requirement changed
// (action is one of models.AuditFactor…; subject is the account concerned, 0 when not known yet;
// detail says more, e.g. the role and its new requirement). A failure to record is logged, not
// shown: the event itself has happened.
func (s *Server) auditStaff(c *fiber.Ctx, action string, subject uint64, detail string) {
	e := s.auditEntry(c, action, "user", "")
	if subject != 0 {
		e.RecordID = strconv.FormatUint(subject, 10)
	}
	e.Detail = detail
	if err := s.audit(c, e); err != nil {
		s.log.Error("audit: second factor", "action", action, "err", err)
	}
}
