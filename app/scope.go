package app

import (
	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// requireRole lets a request through only for a logged-in user (session or bearer token) with one of
// roles: 401 without a login, 403 (logged) with another role.
func (s *Server) requireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := currentUser(c)
		if u == nil {
			return s.requireLogin(c)
		}
		if !models.OneOf(u.Role, roles) {
			return s.forbid(c, "role "+u.Role+" may not do this")
		}
		return c.Next()
	}
}

// mayKeepProvince reports whether u may write the records of a province: only its own office (and,
// with a province-limited API token, only that province).
func mayKeepProvince(u *models.User, province string) bool {
	return u != nil && u.Role == models.RoleOffice && u.Province == province && tokenAllows(u, province)
}

// mayReadProvince reports whether u may read the non-public records of a province (claims): its
// office and the admins (an admin's province-limited token: that province only).
func mayReadProvince(u *models.User, province string) bool {
	return u != nil && ((u.Role == models.RoleAdmin && tokenAllows(u, province)) || mayKeepProvince(u, province))
}

// tokenAllows reports whether the API token of the request, if it is limited to a province,
// allows province.
func tokenAllows(u *models.User, province string) bool {
	return u.TokenProvince == "" || u.TokenProvince == province
}

// requireUnlimitedToken refuses national writes (the holiday calendar) to an API token limited to
// one province (403 "token_province").
func (s *Server) requireUnlimitedToken(c *fiber.Ctx) error {
	if u := currentUser(c); u != nil && u.TokenProvince != "" {
		return fail(403, "token_province", "")
	}
	return c.Next()
}

// mayFileFor reports whether u may file and amend the disclosures of the institution uscc.
func mayFileFor(u *models.User, uscc string) bool {
	return u != nil && u.Role == models.RoleInstitution && u.InstitutionUSCC == uscc
}

// forbid answers 403 and logs who tried what, so that scope violations leave a trace.
func (s *Server) forbid(c *fiber.Ctx, why string) error {
	u := currentUser(c)
	attrs := []any{"method", c.Method(), "path", c.Path(), "why", why, "client", c.IP()}
	if u != nil {
		attrs = append(attrs, "user", u.Email, "role", u.Role, "province", u.Province, "institution", u.InstitutionUSCC)
	}
	s.log.Warn("forbidden", attrs...)
	return fail(403, "forbidden", "")
}
