package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// confirmValidity is how long a confirmation link works.
const confirmValidity = 72 * time.Hour

// followsPerMinute is how many follow requests one client may send a minute.
const followsPerMinute = 30

// followTarget is an institution a follow form offers.
type followTarget struct {
	USCC, Name string
}

// followForm is the 关注 form of a page: the institutions it offers (one is a hidden field, more a
// choice) and whether mail is configured at all (without it the form says so).
type followForm struct {
	Targets []followTarget
	Enabled bool
}

// followFormOf makes the follow form for the institutions (none: no form).
func (s *Server) followFormOf(targets ...followTarget) *followForm {
	if len(targets) == 0 {
		return nil
	}
	return &followForm{Targets: targets, Enabled: s.cfg.SMTPURL != ""}
}

// listedTargets are the institutions a notice lists, as follow targets.
func listedTargets(listed []models.NoticeInstitution) []followTarget {
	out := make([]followTarget, 0, len(listed))
	for _, li := range listed {
		out = append(out, followTarget{USCC: li.USCC, Name: li.Name})
	}
	return out
}

// followPage is what the follow page shows: a state (a catalog key under follow.state.) and, for
// the unsubscribe question, the form's action.
type followPage struct {
	State  string
	Action string
	Email  string // never the address: the field's value after an invalid entry is kept empty
	Error  string
	Form   *followForm
}

// followMAC signs the parts of a follow link with a key of its own derived from PILU_SECRET.
func (s *Server) followMAC(parts ...string) string {
	key := sha256.Sum256([]byte("pilu follow links v1\x00" + s.cfg.Secret))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// confirmURL is the link that confirms follow f, valid until exp.
func (s *Server) confirmURL(f models.Follower, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	id := strconv.FormatUint(f.ID, 10)
	return s.cfg.BaseURL + "/follow/confirm?f=" + id + "&e=" + e + "&t=" + s.followMAC("confirm", id, f.EmailHash, e) + langParam(f.Lang)
}

// unsubscribeURL is the link that ends follow f (RFC 8058 one-click with POST); it names the follow
// and is signed over its address's hash, so it ends no other follow.
func (s *Server) unsubscribeURL(f models.Follower) string {
	id := strconv.FormatUint(f.ID, 10)
	return s.cfg.BaseURL + "/follow/unsubscribe?f=" + id + "&t=" + s.followMAC("unsubscribe", id, f.EmailHash) + langParam(f.Lang)
}

// langParam keeps the follower's language in its links (the pages they open speak it).
func langParam(lang string) string {
	if lang == "en" {
		return "&lang=en"
	}
	return ""
}

// followOfLink loads the follow a link names and checks the link's signature over parts (after
// the kind, id and hash); a forged or altered link is refused with 403, an unknown follow is 404.
func (s *Server) followOfLink(c *fiber.Ctx, kind string, parts ...string) (models.Follower, error) {
	id, err := strconv.ParseUint(c.Query("f"), 10, 64)
	if err != nil || id == 0 || c.Query("t") == "" {
		return models.Follower{}, &apiError{Status: 400, Code: "bad_request", Message: s.views.t(s.lang(c), "follow.bad_link")}
	}
	f, err := s.store.FollowerByID(c.UserContext(), id)
	if errors.Is(err, models.ErrNotFound) {
		return f, &apiError{Status: 404, Code: "not_found", Message: s.views.t(s.lang(c), "follow.gone")}
	} else if err != nil {
		return f, err
	}
	want := s.followMAC(append([]string{kind, strconv.FormatUint(f.ID, 10), f.EmailHash}, parts...)...)
	if !hmac.Equal([]byte(want), []byte(c.Query("t"))) {
		return f, &apiError{Status: 403, Code: "forbidden", Message: s.views.t(s.lang(c), "follow.forged")}
	}
	return f, nil
}

// followInstitution takes an address for an institution (the 关注 form) and mails it a confirmation
// link; nothing is mailed before the address is confirmed. The answer never says whether the
// address followed before.
func (s *Server) followInstitution(c *fiber.Ctx) error {
	lang := s.lang(c)
	in, err := s.store.InstitutionByUSCC(c.UserContext(), strings.TrimSpace(c.FormValue("uscc")))
	if err != nil {
		return err
	}
	form := s.followFormOf(followTarget{USCC: in.USCC, Name: in.Name})
	if s.cfg.SMTPURL == "" {
		c.Status(fiber.StatusServiceUnavailable)
		return s.render(c, "follow", pageData{Title: "follow.title", Data: followPage{State: "unconfigured"}})
	}
	email, err := models.NormalizeEmail(c.FormValue("email"))
	if err != nil {
		c.Status(fiber.StatusUnprocessableEntity)
		return s.render(c, "follow", pageData{Title: "follow.title", Follow: form, Data: followPage{State: "invalid", Error: s.views.t(lang, "follow.invalid_email")}})
	}
	sl := s.sealer()
	f, _, err := s.store.Follow(c.UserContext(), sl, email, in.ID, lang, s.now())
	if err != nil {
		return err
	}
	if f.ConfirmedAt == nil {
		now := s.now()
		exp := now.Add(confirmValidity)
		subject := s.views.t(f.Lang, "mail.confirm.subject", in.Name)
		body := s.views.t(f.Lang, "mail.confirm.body", in.Name, int(confirmValidity.Hours()), s.confirmURL(f, exp))
		// At most one confirmation every ten minutes for a follow, however often the form is sent.
		key := fmt.Sprintf("confirm:%d:%d", f.ID, now.Unix()/600)
		if _, err := s.store.EnqueueMail(c.UserContext(), models.Mail{Key: key, FollowerID: f.ID, Subject: subject, Body: body, CreatedAt: now}); err != nil {
			return err
		}
	}
	return s.render(c, "follow", pageData{Title: "follow.title", Data: followPage{State: "sent"}})
}

// confirmFollow confirms a follow through the link of its confirmation mail: once; a replayed
// link answers 409 saying it was used, an expired one 410.
func (s *Server) confirmFollow(c *fiber.Ctx) error {
	e := c.Query("e")
	f, err := s.followOfLink(c, "confirm", e)
	if err != nil {
		return err
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil || s.now().Unix() > exp {
		return &apiError{Status: 410, Code: "gone", Message: s.views.t(s.lang(c), "follow.expired")}
	}
	if _, err := s.store.ConfirmFollower(c.UserContext(), f.ID, s.now()); errors.Is(err, models.ErrAlreadyUsed) {
		return &apiError{Status: 409, Code: "conflict", Message: s.views.t(s.lang(c), "follow.already_used")}
	} else if err != nil {
		return err
	}
	return s.render(c, "follow", pageData{Title: "follow.title", Data: followPage{State: "confirmed"}})
}

// askUnsubscribe shows the unsubscribe button of a mail's link: a GET never unsubscribes (mail
// scanners open links), the button and a one-click POST (RFC 8058) do.
func (s *Server) askUnsubscribe(c *fiber.Ctx) error {
	f, err := s.followOfLink(c, "unsubscribe")
	if err != nil {
		return err
	}
	return s.render(c, "follow", pageData{Title: "follow.title", Data: followPage{State: "ask_unsubscribe", Action: strings.TrimPrefix(s.unsubscribeURL(f), s.cfg.BaseURL)}})
}

// unsubscribe ends a follow and deletes its address: the POST of the button, or a mail program's
// one-click POST (List-Unsubscribe=One-Click). The signed link is the authority, so no session or
// CSRF token is asked for.
func (s *Server) unsubscribe(c *fiber.Ctx) error {
	f, err := s.followOfLink(c, "unsubscribe")
	if err != nil {
		return err
	}
	if err := s.store.Unfollow(c.UserContext(), f.ID); err != nil {
		return err
	}
	s.log.Info("follow ended", "follower", f.ID)
	return s.render(c, "follow", pageData{Title: "follow.title", Data: followPage{State: "unsubscribed"}})
}
