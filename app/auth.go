package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

const (
	sessionCookie = "pilu_session"
	csrfCookie    = "pilu_csrf"
	csrfField     = "_csrf"
)

// loadUser puts the user of a session cookie or a bearer token into c.Locals("user").
func (s *Server) loadUser(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if h := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
		u, err := s.store.TokenUser(ctx, strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")), s.now())
		if err != nil {
			if errors.Is(err, models.ErrNotFound) {
				return fail(401, "unauthorized", "")
			}
			return err
		}
		c.Locals("user", &u)
		c.Locals("bearer", true)
		return c.Next()
	}
	if tok := c.Cookies(sessionCookie); tok != "" {
		u, err := s.store.SessionUser(ctx, tok, s.now())
		switch {
		case err == nil:
			c.Locals("user", &u)
		case errors.Is(err, models.ErrNotFound):
			c.ClearCookie(sessionCookie)
		default:
			return err
		}
	}
	return c.Next()
}

// currentUser returns the logged-in user or nil.
func currentUser(c *fiber.Ctx) *models.User {
	u, _ := c.Locals("user").(*models.User)
	return u
}

// requireLogin answers 401 (API) or sends the browser to the login page.
func (s *Server) requireLogin(c *fiber.Ctx) error {
	if currentUser(c) != nil {
		return c.Next()
	}
	if isAPI(c) {
		return fail(401, "unauthorized", "")
	}
	return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
}

// csrfToken returns the token that forms of this browser must carry, setting the browser's random
// CSRF cookie when it has none. The token is an HMAC of the cookie under PILU_SECRET, so it holds
// across processes without server state.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	v := c.Cookies(csrfCookie)
	if len(v) != 32 {
		if cached, ok := c.Locals(csrfCookie).(string); ok {
			v = cached
		} else {
			b := make([]byte, 16)
			rand.Read(b)
			v = hex.EncodeToString(b)
			c.Locals(csrfCookie, v)
			c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: v, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: strings.HasPrefix(s.cfg.BaseURL, "https://")})
		}
	}
	m := hmac.New(sha256.New, []byte(s.cfg.Secret))
	m.Write([]byte("csrf:" + v))
	return hex.EncodeToString(m.Sum(nil))
}

// checkCSRF rejects a form post whose token does not match the browser's cookie (403). API calls with
// a bearer token carry no cookie authority and need no token.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if bearer, _ := c.Locals("bearer").(bool); bearer {
		return c.Next()
	}
	sent := c.FormValue(csrfField)
	if sent == "" {
		sent = c.Get("X-CSRF-Token")
	}
	if len(c.Cookies(csrfCookie)) != 32 || !hmac.Equal([]byte(sent), []byte(s.csrfToken(c))) {
		return fail(403, "csrf", "")
	}
	return c.Next()
}

// loginForm is what the login page shows again after a failure.
type loginForm struct {
	Email, Next, Error string
}

func (s *Server) showLogin(c *fiber.Ctx) error {
	return s.render(c, "login", pageData{Title: "login.title", Data: loginForm{Next: safeNext(c.Query("next"))}})
}

// login checks the password (one message for an unknown account and a wrong password; throttled
// per account and per client) and starts a session.
func (s *Server) login(c *fiber.Ctx) error {
	form := loginForm{Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next"))}
	if form.Email == "" || c.FormValue("password") == "" {
		form.Error = "login.missing"
		return s.render(c.Status(422), "login", pageData{Title: "login.title", Data: form})
	}
	u, err := s.store.Authenticate(c.UserContext(), form.Email, c.FormValue("password"), c.IP(), s.now())
	var throttled models.ErrThrottled
	switch {
	case errors.Is(err, models.ErrBadLogin):
		form.Error = "login.bad"
		return s.render(c.Status(401), "login", pageData{Title: "login.title", Data: form})
	case errors.As(err, &throttled):
		form.Error = "login.throttled"
		c.Set("Retry-After", "900")
		return s.render(c.Status(429), "login", pageData{Title: "login.title", Data: form})
	case err != nil:
		return err
	}
	tok, err := s.store.CreateSession(c.UserContext(), u, s.now())
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: tok, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: strings.HasPrefix(s.cfg.BaseURL, "https://"), MaxAge: int(models.SessionLifetime.Seconds())})
	next := form.Next
	if next == "" {
		next = homeOf(u)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if tok := c.Cookies(sessionCookie); tok != "" {
		if err := s.store.DeleteSession(c.UserContext(), tok, s.now()); err != nil {
			return err
		}
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// homeOf is where a user lands after logging in.
func homeOf(u models.User) string {
	switch u.Role {
	case models.RoleInstitution:
		return "/filer"
	case models.RoleOffice:
		return "/office"
	case models.RoleAdmin:
		return "/admin"
	}
	return "/"
}

// safeNext keeps only local paths, so that the login page cannot redirect elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}
