package app

import (
	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// institutionRequest is the body of POST /api/v1/institutions (the resource's field names).
type institutionRequest struct {
	USCC              string   `json:"uscc"`
	Name              string   `json:"name"`
	Brands            []string `json:"brands"`
	FormerNames       []string `json:"former_names"`
	Websites          []string `json:"websites"`
	Apps              []string `json:"apps"`
	Province          string   `json:"province"`
	District          string   `json:"district"`
	DepositoryBank    string   `json:"depository_bank"`
	RegisteredAddress string   `json:"registered_address"`
}

// apiCreateInstitution creates an institution of the office's own province: 201 with it, 422 with
// the fields, 409 when the USCC is on a list already, 403 for another province.
func (s *Server) apiCreateInstitution(c *fiber.Ctx) error {
	var req institutionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	u := currentUser(c)
	if models.ValidProvince(req.Province) && req.Province != u.Province {
		return s.forbid(c, "office of "+u.Province+" tried to create an institution of "+req.Province)
	}
	ni, warning, fe := models.CheckInstitution(models.NewInstitution{USCC: req.USCC, Name: req.Name, Province: req.Province,
		District: req.District, DepositoryBank: req.DepositoryBank, RegisteredAddress: req.RegisteredAddress,
		Brands: req.Brands, FormerNames: req.FormerNames, Websites: req.Websites, Apps: req.Apps})
	if fe != nil {
		return fe
	}
	in, err := s.store.CreateInstitution(c.UserContext(), ni, u.Email, s.now())
	if err != nil {
		return err
	}
	s.indexer.Poke()
	out, err := s.institutionAnswer(c.UserContext(), s.lang(c), in)
	if err != nil {
		return err
	}
	if warning != "" {
		c.Set("Warning", `199 pilu "`+warning+`"`)
	}
	return c.Status(201).JSON(struct {
		institutionJSON
		Warnings []string `json:"warnings"`
	}{out, nonNil(warning)})
}

// nonNil returns the non-empty strings as a list (never null in JSON).
func nonNil(v ...string) []string {
	out := []string{}
	for _, s := range v {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// classificationRequest is the body of POST /api/v1/institutions/{uscc}/classification.
type classificationRequest struct {
	Class    string   `json:"class"`
	Reason   string   `json:"reason"`
	Criteria []string `json:"criteria"`
}

// apiClassifyInstitution appends a class decision: 201 with the decision.
func (s *Server) apiClassifyInstitution(c *fiber.Ctx) error {
	in, err := s.institutionToKeep(c)
	if err != nil {
		return err
	}
	var req classificationRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	d, err := s.store.ClassifyWithEvidence(c.UserContext(), in, models.Classification{Class: req.Class, Reason: req.Reason, Criteria: req.Criteria},
		currentUser(c).Email, s.now())
	if err != nil {
		return err
	}
	s.indexer.Poke()
	return c.Status(201).JSON(d)
}
