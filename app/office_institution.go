package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// institutionForm is the create and edit form of an institution, as typed, with its errors.
type institutionForm struct {
	USCC     string // the institution's code before the edit ("" when new)
	Values   map[string]string
	Errors   map[string]string
	Province string
	Editing  bool
}

// institutionFormFields are the form's field names; lists are typed one entry a line.
var institutionFormFields = []string{"name", "uscc", "brands", "former_names", "websites", "apps", "province", "district", "depository_bank", "registered_address"}

// readInstitutionForm reads the posted form into a NewInstitution and the values to show again.
func readInstitutionForm(c *fiber.Ctx) (models.NewInstitution, map[string]string) {
	v := map[string]string{}
	for _, f := range institutionFormFields {
		v[f] = strings.TrimSpace(c.FormValue(f))
	}
	return models.NewInstitution{USCC: v["uscc"], Name: v["name"], Province: v["province"], District: v["district"],
		DepositoryBank: v["depository_bank"], RegisteredAddress: v["registered_address"],
		Brands: splitList(v["brands"]), FormerNames: splitList(v["former_names"]), Websites: splitList(v["websites"]), Apps: splitList(v["apps"])}, v
}

// formValuesOf fills the form's values from a stored institution.
func formValuesOf(in models.Institution) map[string]string {
	return map[string]string{"name": in.Name, "uscc": in.USCC, "brands": strings.Join(in.Brands, "\n"),
		"former_names": strings.Join(in.FormerNames, "\n"), "websites": strings.Join(in.Websites, "\n"), "apps": strings.Join(in.Apps, "\n"),
		"province": in.Province, "district": in.District, "depository_bank": in.DepositoryBank, "registered_address": in.RegisteredAddress}
}

func (s *Server) newInstitutionForm(c *fiber.Ctx) error {
	u := currentUser(c)
	return s.render(c, "office_institution_form", pageData{Title: "registry.new_institution",
		Data: institutionForm{Values: map[string]string{"province": u.Province}, Province: u.Province}})
}

// createInstitution stores a new institution of the office's province; a warning on the USCC (not 91…)
// is shown on the institution's office page.
func (s *Server) createInstitution(c *fiber.Ctx) error {
	u := currentUser(c)
	ni, values := readInstitutionForm(c)
	if models.ValidProvince(ni.Province) && ni.Province != u.Province {
		return s.forbid(c, "office of "+u.Province+" tried to create an institution of "+ni.Province)
	}
	ni, warning, fe := models.CheckInstitution(ni)
	var err error = fe
	if fe == nil {
		var in models.Institution
		in, err = s.store.CreateInstitution(c.UserContext(), ni, u.Email, s.now())
		if err == nil {
			s.indexer.Poke()
			next := "/office/institutions/" + in.USCC + "?created=1"
			if warning != "" {
				next += "&warn=uscc"
			}
			return c.Redirect(next, fiber.StatusSeeOther)
		}
	}
	return s.institutionFormFailed(c, institutionForm{Values: values, Province: u.Province}, err)
}

// institutionFormFailed shows the form again with the errors next to their fields (422), or 409 when
// the USCC is already on a list.
func (s *Server) institutionFormFailed(c *fiber.Ctx, form institutionForm, err error) error {
	lang := s.lang(c)
	status := 422
	if form.Errors = s.fieldErrorsOf(lang, err); form.Errors == nil {
		if !isConflict(err) {
			return err
		}
		status, form.Errors = 409, map[string]string{"uscc": s.views.t(lang, "registry.err.uscc_taken")}
	}
	title := "registry.new_institution"
	if form.Editing {
		title = "registry.edit_institution"
	}
	return s.render(c.Status(status), "office_institution_form", pageData{Title: title, Data: form})
}

func (s *Server) editInstitutionForm(c *fiber.Ctx) error {
	in, err := s.institutionToKeep(c)
	if err != nil {
		return err
	}
	return s.render(c, "office_institution_form", pageData{Title: "registry.edit_institution",
		Data: institutionForm{USCC: in.USCC, Values: formValuesOf(in), Province: in.Province, Editing: true}})
}

// updateInstitution saves an edit; the province stays the office's own.
func (s *Server) updateInstitution(c *fiber.Ctx) error {
	in, err := s.institutionToKeep(c)
	if err != nil {
		return err
	}
	ni, values := readInstitutionForm(c)
	if models.ValidProvince(ni.Province) && ni.Province != in.Province {
		return s.forbid(c, "office of "+in.Province+" tried to move "+in.USCC+" to "+ni.Province)
	}
	up, err := s.store.UpdateInstitution(c.UserContext(), in, ni, s.now())
	if err != nil {
		return s.institutionFormFailed(c, institutionForm{USCC: in.USCC, Values: values, Province: in.Province, Editing: true}, err)
	}
	s.indexer.Poke()
	return c.Redirect("/office/institutions/"+up.USCC+"?saved=1", fiber.StatusSeeOther)
}
