package app

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// adminPage is the data of /admin: the accounts with their role and scope, the form to create one,
// a password and token shown once after creating, and the holiday calendars in force with the
// form that imports a year.
type adminPage struct {
	Users    []models.UserSummary
	Form     adminUserForm
	Errors   map[string]string
	Secret   *adminSecret
	Calendar *models.Calendar
	// Imported gives, by year, who loaded an imported year and from which file (staff data: admins only).
	Imported      map[int]models.CalendarYear
	CalendarError string
	CalendarDone  *models.CalendarImported
	// Policies says, by role, whether its accounts must use a second factor.
	Policies map[string]bool
}

// adminUserForm is what the create-user form shows again after a refusal.
type adminUserForm struct {
	Role, Email, Province, Institution string
}

// adminSecret is a password and a token, or a token alone, shown once: only their hashes are kept.
type adminSecret struct {
	Email, Password, Token string
}

// adminUserPage is the data of /admin/users/{id}: the account, its tokens and a new token shown once.
type adminUserPage struct {
	Account   models.User
	Tokens    []models.APIToken
	Secret    *adminSecret
	Self      bool
	TokenForm tokenForm
	// ResetDone: the account's second factor was just reset.
	ResetDone bool
}

// showAdmin is the admins' page.
func (s *Server) showAdmin(c *fiber.Ctx) error {
	return s.renderAdmin(c, adminPage{Form: adminUserForm{Role: models.RoleOffice}})
}

// renderAdmin fills in the lists of the admin page around p and renders it.
func (s *Server) renderAdmin(c *fiber.Ctx, p adminPage) error {
	ctx := c.UserContext()
	var err error
	if p.Users, err = s.store.Users(ctx); err != nil {
		return err
	}
	if p.Calendar, err = s.store.Calendar(ctx); err != nil {
		return err
	}
	years, err := s.store.CalendarYears(ctx)
	if err != nil {
		return err
	}
	if p.Policies, err = s.store.RolePolicies(ctx); err != nil {
		return err
	}
	p.Imported = map[int]models.CalendarYear{}
	for _, y := range years {
		p.Imported[y.Year] = y
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store") // staff data; a password or token shown once
	return s.render(c, "admin", pageData{Title: "admin.title", Data: p})
}

// createUserFromAdmin creates an account from the admin form and shows its password and first API
// token once; a refusal shows the form again with the reasons in the reader's language.
func (s *Server) createUserFromAdmin(c *fiber.Ctx) error {
	f := adminUserForm{Role: c.FormValue("role"), Email: strings.TrimSpace(c.FormValue("email")),
		Province: strings.TrimSpace(c.FormValue("province")), Institution: strings.TrimSpace(c.FormValue("institution"))}
	nu := models.NewUser{Role: f.Role, Email: f.Email}
	switch f.Role {
	case models.RoleOffice:
		nu.Province = f.Province
	case models.RoleInstitution:
		nu.InstitutionUSCC = f.Institution
	}
	u, password, token, err := s.store.CreateUser(c.UserContext(), nu)
	lang := s.lang(c)
	var fe models.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.renderAdmin(c.Status(422), adminPage{Form: f, Errors: s.fieldMessages(lang, fe)})
	case errors.Is(err, models.ErrConflict):
		return s.renderAdmin(c.Status(409), adminPage{Form: f, Errors: map[string]string{"email": s.views.t(lang, "admin.email_taken")}})
	case err != nil:
		return err
	}
	s.log.Info("admin: account created", "by", currentUser(c).Email, "user", u.ID, "role", u.Role)
	return s.renderAdmin(c.Status(201), adminPage{Form: adminUserForm{Role: models.RoleOffice},
		Secret: &adminSecret{Email: u.Email, Password: password, Token: token}})
}

// accountOf reads the :id of an admin route.
func (s *Server) accountOf(c *fiber.Ctx) (models.User, error) {
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil {
		return models.User{}, fiber.ErrNotFound
	}
	return s.store.UserByID(c.UserContext(), id)
}

// showAdminUser shows one account with its API tokens.
func (s *Server) showAdminUser(c *fiber.Ctx) error {
	u, err := s.accountOf(c)
	if err != nil {
		return err
	}
	return s.renderAdminUser(c, adminUserPage{Account: u})
}

func (s *Server) renderAdminUser(c *fiber.Ctx, p adminUserPage) error {
	var err error
	if p.Tokens, err = s.store.UserTokens(c.UserContext(), p.Account.ID); err != nil {
		return err
	}
	p.Self = p.Account.ID == currentUser(c).ID
	p.TokenForm.Action = fmt.Sprintf("/admin/users/%d/tokens", p.Account.ID)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return s.render(c, "admin_user", pageData{Title: "admin.user_title", Data: p})
}

// setUserDisabled disables or enables an account, then shows it again (POST/redirect/GET).
func (s *Server) setUserDisabled(disabled bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := s.accountOf(c)
		if err != nil {
			return err
		}
		if _, err := s.store.SetUserDisabled(c.UserContext(), u.ID, disabled, *currentUser(c), s.now()); err != nil {
			return err
		}
		s.log.Info("admin: account disabled or enabled", "by", currentUser(c).Email, "user", u.ID, "disabled", disabled)
		return c.Redirect(fmt.Sprintf("/admin/users/%d", u.ID), fiber.StatusSeeOther)
	}
}

// createUserToken makes a new API token for an account, with the form's limits (read-only, one
// province, an expiry), and shows it once; a refusal shows the form again (422).
func (s *Server) createUserToken(c *fiber.Ctx) error {
	u, err := s.accountOf(c)
	if err != nil {
		return err
	}
	f, opt, err := s.readTokenForm(c)
	if err == nil {
		var token string
		if _, token, err = s.store.CreateToken(c.UserContext(), u.ID, opt, s.now()); err == nil {
			s.log.Info("admin: token created", "by", currentUser(c).Email, "user", u.ID, "read_only", opt.ReadOnly, "province", opt.Province)
			return s.renderAdminUser(c.Status(201), adminUserPage{Account: u, Secret: &adminSecret{Email: u.Email, Token: token}})
		}
	}
	var fe models.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	f.Errors = s.fieldMessages(s.lang(c), fe)
	return s.renderAdminUser(c.Status(422), adminUserPage{Account: u, TokenForm: f})
}

// resetUserTOTP removes an account's second factor (a lost authenticator): its sessions end, and it
// enrols again at its next login when its role requires it.
func (s *Server) resetUserTOTP(c *fiber.Ctx) error {
	u, err := s.accountOf(c)
	if err != nil {
		return err
	}
	if err := s.store.ResetTOTP(c.UserContext(), u.ID); err != nil {
		return err
	}
	s.auditStaff(c, models.AuditFactorReset, u.ID, "")
	if u, err = s.store.UserByID(c.UserContext(), u.ID); err != nil {
		return err
	}
	return s.renderAdminUser(c, adminUserPage{Account: u, ResetDone: true})
}

// setRolePolicy makes the second factor required, or optional again, for every account of a role
// (form fields role and require "1"); the role's accounts without one enrol at their next request.
func (s *Server) setRolePolicy(c *fiber.Ctx) error {
	role, required := c.FormValue("role"), c.FormValue("require") == "1"
	if err := s.store.SetRoleRequiresTOTP(c.UserContext(), role, required, currentUser(c).Email, s.now()); err != nil {
		return err
	}
	s.auditStaff(c, models.AuditFactorPolicy, 0, role+": "+map[bool]string{true: "required", false: "optional"}[required])
	return c.Redirect("/admin#second-factor", fiber.StatusSeeOther)
}

// tokenOf reads the :tid of an admin token route.
func tokenOf(c *fiber.Ctx) (uint64, error) {
	id, err := strconv.ParseUint(c.Params("tid"), 10, 64)
	if err != nil {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// revokeUserToken revokes one of an account's tokens at once.
func (s *Server) revokeUserToken(c *fiber.Ctx) error {
	u, err := s.accountOf(c)
	if err != nil {
		return err
	}
	tid, err := tokenOf(c)
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(c.UserContext(), u.ID, tid, s.now()); err != nil {
		return err
	}
	s.log.Info("admin: token revoked", "by", currentUser(c).Email, "user", u.ID, "token", tid)
	return c.Redirect(fmt.Sprintf("/admin/users/%d", u.ID), fiber.StatusSeeOther)
}

// rotateUserToken revokes one of an account's tokens and shows its successor once.
func (s *Server) rotateUserToken(c *fiber.Ctx) error {
	u, err := s.accountOf(c)
	if err != nil {
		return err
	}
	tid, err := tokenOf(c)
	if err != nil {
		return err
	}
	_, token, err := s.store.RotateToken(c.UserContext(), u.ID, tid, s.now())
	if err != nil {
		return err
	}
	s.log.Info("admin: token rotated", "by", currentUser(c).Email, "user", u.ID, "token", tid)
	return s.renderAdminUser(c, adminUserPage{Account: u, Secret: &adminSecret{Email: u.Email, Token: token}})
}

// importCalendarUpload loads a year of the official calendar from the admin form (a multipart
// upload whose CSRF token is in the action's query) and shows the admin page with the outcome; a
// refusal is 422 with the reason in the reader's language.
func (s *Server) importCalendarUpload(c *fiber.Ctx) error {
	lang := s.lang(c)
	raw, name, err := readCalendarUpload(c)
	if err != nil {
		e := classify(err)
		return s.renderAdmin(c.Status(e.Status), adminPage{Form: adminUserForm{Role: models.RoleOffice},
			CalendarError: s.views.t(lang, "admin.calendar_"+e.Code)})
	}
	res, err := s.store.ImportCalendar(c.UserContext(), models.CalendarImport{File: raw, Source: name,
		Actor: currentUser(c).Email, Now: s.now()})
	var fe models.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.renderAdmin(c.Status(422), adminPage{Form: adminUserForm{Role: models.RoleOffice},
			CalendarError: s.fieldMessages(lang, fe)["file"]})
	case err != nil:
		return err
	}
	s.log.Info("admin: calendar imported", "by", currentUser(c).Email, "year", res.Year, "sha256", res.SHA256, "unchanged", res.Unchanged)
	return s.renderAdmin(c, adminPage{Form: adminUserForm{Role: models.RoleOffice}, CalendarDone: &res})
}

// readCalendarUpload reads the file part "file" of a multipart form, at most
// models.MaxCalendarFile bytes (a larger one is 413), with its name.
func readCalendarUpload(c *fiber.Ctx) ([]byte, string, error) {
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return nil, "", fail(415, "unsupported_type", "send multipart/form-data")
	}
	var body io.Reader = c.Context().RequestBodyStream()
	if body == nil {
		body = strings.NewReader(string(c.Body()))
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", fail(422, "invalid", "choose a file")
		}
		if err != nil {
			return nil, "", fail(400, "bad_request", "malformed multipart body")
		}
		if part.FormName() != "file" {
			continue
		}
		raw, err := io.ReadAll(io.LimitReader(part, models.MaxCalendarFile+1))
		if err != nil {
			return nil, "", fail(400, "bad_request", "the upload was interrupted")
		}
		if len(raw) > models.MaxCalendarFile {
			return nil, "", fail(413, "too_large", "")
		}
		if len(raw) == 0 {
			return nil, "", fail(422, "invalid", "choose a file")
		}
		return raw, cleanFileName(part.FileName()), nil
	}
}
