package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
		u, t, err := s.store.TokenAccess(ctx, strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")), s.now())
		switch {
		case errors.Is(err, models.ErrTokenExpired):
			return fail(401, "token_expired", "")
		case errors.Is(err, models.ErrTokenRevoked):
			return fail(401, "token_revoked", "")
		case errors.Is(err, models.ErrNotFound):
			return fail(401, "unauthorized", "")
		case err != nil:
			return err
		}
		if t.ReadOnly && !safeMethod(c.Method()) {
			return fail(403, "token_read_only", "")
		}
		c.Locals("user", &u)
		c.Locals("bearer", true)
		return c.Next()
	}
	if tok := c.Cookies(s.sessionCookieName()); tok != "" {
		u, err := s.store.SessionUser(ctx, tok, s.now())
		switch {
		case err == nil:
			c.Locals("user", &u)
		case errors.Is(err, models.ErrNotFound):
			s.setSessionCookie(c, "")
		default:
			return err
		}
	}
	return c.Next()
}

// safeMethod reports whether method only reads.
func safeMethod(method string) bool {
	return method == fiber.MethodGet || method == fiber.MethodHead || method == fiber.MethodOptions
}

// guardAPICookie keeps a browser's session cookie from authorising API writes on its own: another
// site can make a logged-in browser send a POST with its cookie (as text/plain, a form, multipart)
// but can neither read the CSRF token nor set a same-origin Origin. An API write is therefore made as
// the session's user only with the X-CSRF-Token header of the browser's form token and an Origin of
// this portal (or, without Origin, a Referer on it); otherwise it goes on without a user, so public
// writes (claims) still work and the others are refused (403 "csrf", see requireLogin). Bearer
// tokens are not sent by browsers on their own and need neither.
func (s *Server) guardAPICookie(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if bearer, _ := c.Locals("bearer").(bool); bearer || currentUser(c) == nil {
		return c.Next()
	}
	sent := c.Get("X-CSRF-Token")
	if len(c.Cookies(csrfCookie)) != 32 || sent == "" || !hmac.Equal([]byte(sent), []byte(s.csrfToken(c))) || !s.sameOrigin(c) {
		c.Locals("user", nil)
		c.Locals("csrfRefused", true)
	}
	return c.Next()
}

// sameOrigin reports whether the request's Origin (or, when a browser sends none, its Referer) is
// this portal: the origin of PILU_BASE_URL or the one the request was sent to. "null" and absent
// both fail.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	from := c.Get(fiber.HeaderOrigin)
	if from == "" {
		from = c.Get(fiber.HeaderReferer)
	}
	u, err := url.Parse(from)
	if from == "" || err != nil || u.Scheme == "" || u.Host == "" {
		return false
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	if base, err := url.Parse(s.cfg.BaseURL); err == nil && origin == strings.ToLower(base.Scheme+"://"+base.Host) {
		return true
	}
	return origin == strings.ToLower(c.Protocol()+"://"+c.Get(fiber.HeaderHost))
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
	if refused, _ := c.Locals("csrfRefused").(bool); refused {
		return fail(403, "csrf", "")
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

// loginForm is what the login page shows again after a failure; Wait says, in the reader's
// language, how long a throttled client waits.
type loginForm struct {
	Email, Next, Error, Wait string
}

func (s *Server) showLogin(c *fiber.Ctx) error {
	return s.render(c, "login", pageData{Title: "login.title", Data: loginForm{Next: safeNext(c.Query("next"))}})
}

// login checks the password (one message for an unknown account and a wrong password; throttled
// per account and client address and per address, as models.LoginDelay says) and starts a session,
// or, for an account with a second factor, a pending login that the code completes (loginCode).
func (s *Server) login(c *fiber.Ctx) error {
	form := loginForm{Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next"))}
	if form.Email == "" || c.FormValue("password") == "" {
		form.Error = "login.missing"
		return s.render(c.Status(422), "login", pageData{Title: "login.title", Data: form})
	}
	u, err := s.store.Authenticate(c.UserContext(), form.Email, c.FormValue("password"), c.IP(), s.now())
	var throttled models.ErrThrottled
	if errors.Is(err, models.ErrBadLogin) || errors.As(err, &throttled) {
		e := s.auditEntry(c, models.AuditLoginFailed, "user", "")
		e.Actor, e.Province, e.Detail = form.Email, s.store.AccountProvince(c.UserContext(), form.Email), "wrong password, unknown or disabled account"
		if errors.As(err, &throttled) {
			e.Detail = "throttled"
		}
		if err := s.audit(c, e); err != nil {
			return err
		}
	}
	switch {
	case errors.Is(err, models.ErrBadLogin):
		form.Error = "login.bad"
		return s.render(c.Status(401), "login", pageData{Title: "login.title", Data: form})
	case errors.As(err, &throttled):
		wait := max(int(math.Ceil(throttled.Until.Sub(s.now()).Seconds())), 1)
		form.Error, form.Wait = "login.throttled", s.views.t(s.lang(c), "login.wait_seconds", wait)
		if wait > 90 {
			form.Wait = s.views.t(s.lang(c), "login.wait_minutes", (wait+59)/60)
		}
		c.Set("Retry-After", strconv.Itoa(wait))
		return s.render(c.Status(429), "login", pageData{Title: "login.title", Data: form})
	case err != nil:
		return err
	}
	if u.HasTOTP() {
		// The password was right; the session starts only once the code is (/login/code).
		tok, err := s.store.StartPendingLogin(c.UserContext(), u, form.Next, s.now())
		if err != nil {
			return err
		}
		s.setPendingCookie(c, tok)
		return c.Redirect("/login/code", fiber.StatusSeeOther)
	}
	return s.startSession(c, u, form.Next)
}

func (s *Server) logout(c *fiber.Ctx) error {
	if u := currentUser(c); u != nil {
		if err := s.audit(c, s.auditEntry(c, models.AuditLogout, "user", strconv.FormatUint(u.ID, 10))); err != nil {
			return err
		}
	}
	if tok := c.Cookies(s.sessionCookieName()); tok != "" {
		if err := s.store.DeleteSession(c.UserContext(), tok, s.now()); err != nil {
			return err
		}
	}
	s.setSessionCookie(c, "")
	return c.Redirect("/", fiber.StatusSeeOther)
}

// sessionCookieName is the session cookie's name: over https it carries the __Host- prefix, so the
// browser keeps it only when it is Secure, for "/" and without a Domain (no sibling host can set or
// shadow it).
func (s *Server) sessionCookieName() string { return s.hostCookieName(sessionCookie) }

// hostCookieName is name with the __Host- prefix when the portal is served over https.
func (s *Server) hostCookieName(name string) string {
	if strings.HasPrefix(s.cfg.BaseURL, "https://") {
		return "__Host-" + name
	}
	return name
}

// setSessionCookie sends the session cookie with token, or removes it when token is "". The browser
// keeps it until the session's whole lifetime; the server ends it sooner when idle (models.SessionIdle).
func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	s.setAuthCookie(c, s.sessionCookieName(), token, "Lax", models.SessionLifetime)
}

// setAuthCookie sends an HTTP-only login cookie (secure over https) kept for ttl, or removes it
// when token is "".
func (s *Server) setAuthCookie(c *fiber.Ctx, name, token, sameSite string, ttl time.Duration) {
	ck := &fiber.Cookie{Name: name, Value: token, Path: "/", HTTPOnly: true, SameSite: sameSite,
		Secure: strings.HasPrefix(s.cfg.BaseURL, "https://"), MaxAge: int(ttl.Seconds())}
	if token == "" {
		ck.MaxAge, ck.Expires = -1, time.Unix(1, 0)
	}
	c.Cookie(ck)
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

// safeNext keeps only a path of this portal, normalised, so that the login page cannot send anyone
// elsewhere; anything else is "" (the role's own page). Refused: anything that is not a path starting
// with one "/" (schemes, hosts, "//" and "/\", which browsers read as another host), and control
// characters, whitespace or backslashes anywhere, before or after percent-decoding (browsers drop a
// tab or a newline from a URL, so "/\t/evil.example" would lead to //evil.example).
func safeNext(next string) string {
	if next == "" || len(next) > 2048 {
		return ""
	}
	decoded, err := url.PathUnescape(next)
	if err != nil {
		return ""
	}
	for _, v := range []string{next, decoded} {
		if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || strings.HasPrefix(v, "/\\") ||
			strings.ContainsFunc(v, func(r rune) bool {
				return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError ||
					unicode.Is(unicode.Bidi_Control, r)
			}) {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") {
		return ""
	}
	return (&url.URL{Path: clean, RawQuery: u.RawQuery}).RequestURI()
}
