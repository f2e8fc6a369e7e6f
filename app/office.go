package app

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// officeProvince is the province an office page works on: an office's own, or for an admin (who
// only reads) the ?province= it picked ("" until it picks one).
func (s *Server) officeProvince(c *fiber.Ctx) (string, error) {
	u := currentUser(c)
	if u.Role == models.RoleOffice {
		if p := c.Query("province"); p != "" && p != u.Province {
			return "", s.forbid(c, "office of "+u.Province+" asked for province "+p)
		}
		return u.Province, nil
	}
	return provinceOf(c)
}

// institutionToKeep loads the institution named by :uscc and checks that the user's office keeps it:
// 404 when it does not exist, 403 (logged) when it belongs to another province.
func (s *Server) institutionToKeep(c *fiber.Ctx) (models.Institution, error) {
	in, err := s.store.InstitutionByUSCC(c.UserContext(), c.Params("uscc"))
	if err != nil {
		return in, err
	}
	if !mayKeepProvince(currentUser(c), in.Province) {
		return in, s.forbid(c, "institution "+in.USCC+" belongs to province "+in.Province)
	}
	return in, nil
}

// institutionToRead is institutionToKeep for reading: an admin may read every province.
func (s *Server) institutionToRead(c *fiber.Ctx) (models.Institution, error) {
	in, err := s.store.InstitutionByUSCC(c.UserContext(), c.Params("uscc"))
	if err != nil {
		return in, err
	}
	if !mayReadProvince(currentUser(c), in.Province) {
		return in, s.forbid(c, "institution "+in.USCC+" belongs to province "+in.Province)
	}
	return in, nil
}

// fieldErrorsOf returns the field errors of err said in lang for the page, or nil when err is
// another kind of error.
func (s *Server) fieldErrorsOf(lang string, err error) map[string]string {
	var fe models.FieldErrors
	if !errors.As(err, &fe) {
		return nil
	}
	return s.fieldMessages(lang, fe)
}

// splitList reads a list typed one entry a line (or separated by 、 , ；).
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '、' || r == ';' || r == '；' || r == '，'
	})
}

// isConflict reports whether err is a collision with existing data.
func isConflict(err error) bool { return errors.Is(err, models.ErrConflict) }
