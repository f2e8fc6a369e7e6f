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

// fieldErrorsOf returns the field errors of err translated for the page, or nil when err is another
// kind of error.
func (s *Server) fieldErrorsOf(lang string, err error, values map[string]string) map[string]string {
	var fe models.FieldErrors
	if !errors.As(err, &fe) {
		return nil
	}
	out := make(map[string]string, len(fe))
	for field, msg := range fe {
		out[field] = s.fieldText(lang, field, msg, values[field])
	}
	return out
}

// fieldText says a model's field error in the page's language; a USCC is re-read for its Chinese
// reason, other known messages come from the catalog, anything else is shown as the model wrote it.
func (s *Server) fieldText(lang, field, msg, value string) string {
	if field == "uscc" && lang == "zh" {
		var ue *models.USCCError
		if _, _, err := models.ParseUSCC(value); errors.As(err, &ue) {
			return ue.ReasonZH
		}
	}
	keys := map[string]string{
		"required, at most 200 characters":           "registry.err.required200",
		"required, at most 2000 characters":          "registry.err.required2000",
		"required":                                   "registry.err.required",
		"not a GB/T 2260 province code or plan city": "registry.err.province",
		"unknown class":                              "registry.err.class",
		"the institution is already in this class":   "registry.err.same_class",
		"unknown disposition":                        "registry.err.disposition",
		"a positive amount":                          "registry.err.positive",
		"a positive whole number":                    "registry.err.positive",
	}
	if k, ok := keys[msg]; ok {
		return s.views.t(lang, k)
	}
	if field == "disposition" && lang == "zh" {
		return s.views.t(lang, "registry.err.move")
	}
	return msg
}

// splitList reads a list typed one entry a line (or separated by 、 , ；).
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '、' || r == ';' || r == '；' || r == '，'
	})
}

// isConflict reports whether err is a collision with existing data.
func isConflict(err error) bool { return errors.Is(err, models.ErrConflict) }
