package app

import (
	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// officeInstitution is the data of an institution's office page.
type officeInstitution struct {
	models.Institution
	Editable     bool
	Flags        []flagJSON
	History      []models.Decision
	Evidence     map[uint64][]models.Attachment
	Dispositions []models.DispositionChange
	Moves        []string // dispositions it may move to
	Suggestions  []models.Suggestion
	Classify     classifyForm
	Dispose      disposeForm
	Dismiss      map[uint64]string // suggestion id → the dismiss form's error
	Notice       string            // a message key after a redirect
	Warning      string
}

// classifyForm is the class decision form as typed.
type classifyForm struct {
	Class, Reason, Criteria string
	Errors                  map[string]string
}

// disposeForm is the disposition form as typed.
type disposeForm struct {
	Disposition, Reason string
	Errors              map[string]string
}

// showOfficeInstitution shows an institution to its office: facts, flags, suggestions to accept or
// dismiss, the class decision form with evidence, the disposition form, both histories.
func (s *Server) showOfficeInstitution(c *fiber.Ctx) error {
	in, err := s.institutionToRead(c)
	if err != nil {
		return err
	}
	d := officeInstitution{Institution: in}
	for _, k := range []string{"created", "saved", "classified", "disposed", "accepted", "dismissed"} {
		if c.Query(k) != "" {
			d.Notice = "registry.done_" + k
		}
	}
	if c.Query("warn") == "uscc" {
		d.Warning = s.views.t(s.lang(c), "registry.warn.uscc")
	}
	return s.renderOfficeInstitution(c, 200, d)
}

// renderOfficeInstitution loads the rest of an institution's office page and renders it.
func (s *Server) renderOfficeInstitution(c *fiber.Ctx, status int, d officeInstitution) error {
	ctx := c.UserContext()
	in := d.Institution
	d.Editable = mayKeepProvince(currentUser(c), in.Province)
	if _, err := s.store.RefreshSuggestions(ctx, in.Province, s.now()); err != nil {
		return err
	}
	var err error
	if d.History, err = s.store.Decisions(ctx, in.ID); err != nil {
		return err
	}
	ids := make([]uint64, len(d.History))
	for i, h := range d.History {
		ids[i] = h.ID
	}
	if d.Evidence, err = s.store.DecisionEvidence(ctx, ids); err != nil {
		return err
	}
	d.History = s.decisionsInWords(s.lang(c), d.History)
	if d.Dispositions, err = s.store.DispositionHistory(ctx, in.ID); err != nil {
		return err
	}
	if d.Suggestions, err = s.store.Suggestions(ctx, models.SuggestionFilter{InstitutionID: in.ID}); err != nil {
		return err
	}
	flags, err := s.flagsOf(c, []uint64{in.ID})
	if err != nil {
		return err
	}
	d.Flags = flags[in.ID]
	d.Moves = models.DispositionMoves(in.Disposition)
	return s.render(c.Status(status), "office_institution", pageData{Title: in.Name, Demo: in.Demo, Data: d})
}

// maxEvidence bounds the evidence files of one class decision.
var maxEvidence = uploadLimits{MaxFiles: 10, MaxFileSize: 20 << 20}

// classifyInstitution records a class decision with its evidence files (a streamed multipart form).
func (s *Server) classifyInstitution(c *fiber.Ctx) error {
	in, err := s.institutionToKeep(c)
	if err != nil {
		return err
	}
	mf, err := s.readMultipart(c, maxEvidence)
	if err != nil {
		return err
	}
	u := currentUser(c)
	form := classifyForm{Class: mf.Fields["class"], Reason: mf.Fields["reason"], Criteria: mf.Fields["criteria"]}
	_, err = s.store.ClassifyWithEvidence(c.UserContext(), in, models.Classification{Class: form.Class, Reason: form.Reason,
		Criteria: splitList(form.Criteria), Evidence: mf.Files}, u.Email, s.now())
	if err != nil {
		s.deleteBlobs(mf.Files)
		if form.Errors = s.fieldErrorsOf(s.lang(c), err); form.Errors == nil {
			return err
		}
		return s.renderOfficeInstitution(c, 422, officeInstitution{Institution: in, Classify: form})
	}
	s.indexer.Poke()
	return c.Redirect("/office/institutions/"+in.USCC+"?classified=1", fiber.StatusSeeOther)
}

// disposeInstitution moves the disposition along the allowed graph; a forbidden move is shown with
// the moves that are allowed.
func (s *Server) disposeInstitution(c *fiber.Ctx) error {
	in, err := s.institutionToKeep(c)
	if err != nil {
		return err
	}
	form := disposeForm{Disposition: c.FormValue("disposition"), Reason: c.FormValue("reason")}
	err = s.store.Dispose(c.UserContext(), in, form.Disposition, form.Reason, currentUser(c).Email, s.now())
	if err != nil {
		if form.Errors = s.fieldErrorsOf(s.lang(c), err); form.Errors == nil {
			return err
		}
		return s.renderOfficeInstitution(c, 422, officeInstitution{Institution: in, Dispose: form})
	}
	s.indexer.Poke()
	return c.Redirect("/office/institutions/"+in.USCC+"?disposed=1", fiber.StatusSeeOther)
}

// suggestionToKeep loads the suggestion :id and the institution it is about, checking the office.
func (s *Server) suggestionToKeep(c *fiber.Ctx) (models.Suggestion, models.Institution, error) {
	id, err := idOf(c)
	if err != nil {
		return models.Suggestion{}, models.Institution{}, err
	}
	sg, err := s.store.SuggestionByID(c.UserContext(), id)
	if err != nil {
		return sg, models.Institution{}, err
	}
	in, err := s.store.InstitutionByID(c.UserContext(), sg.InstitutionID)
	if err != nil {
		return sg, in, err
	}
	if !mayKeepProvince(currentUser(c), in.Province) {
		return sg, in, s.forbid(c, "suggestion about "+in.USCC+" of province "+in.Province)
	}
	return sg, in, nil
}

// acceptSuggestion classifies as suggested, with a decision citing the rule and its months.
func (s *Server) acceptSuggestion(c *fiber.Ctx) error {
	sg, in, err := s.suggestionToKeep(c)
	if err != nil {
		return err
	}
	reason := c.FormValue("reason")
	if reason == "" {
		reason = s.views.t("zh", "registry.rule."+sg.Rule+".reason")
	}
	if _, err := s.store.AcceptSuggestion(c.UserContext(), sg, reason, currentUser(c).Email, s.now()); err != nil {
		return err
	}
	s.indexer.Poke()
	return c.Redirect("/office/institutions/"+in.USCC+"?accepted=1", fiber.StatusSeeOther)
}

// dismissSuggestion records that the office does not follow a suggestion, with its reason.
func (s *Server) dismissSuggestion(c *fiber.Ctx) error {
	sg, in, err := s.suggestionToKeep(c)
	if err != nil {
		return err
	}
	err = s.store.DismissSuggestion(c.UserContext(), sg, c.FormValue("reason"), currentUser(c).Email, s.now())
	if err != nil {
		fe := s.fieldErrorsOf(s.lang(c), err)
		if fe == nil {
			return err
		}
		return s.renderOfficeInstitution(c, 422, officeInstitution{Institution: in, Dismiss: map[uint64]string{sg.ID: fe["reason"]}})
	}
	return c.Redirect("/office/institutions/"+in.USCC+"?dismissed=1", fiber.StatusSeeOther)
}
