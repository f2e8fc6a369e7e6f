package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/app/blob"
	"pilu/models"
)

// disclosureMeta is the meta part of a filing or an amendment (CONTRACT.md "Resources": the request
// uses the answer's names). Numbers are read from their JSON text, so that 1e308, -0 and fractions
// are refused instead of rounded.
type disclosureMeta struct {
	Kind            string                     `json:"kind"`
	Title           string                     `json:"title"`
	Period          string                     `json:"period"`
	Body            string                     `json:"body"`
	Figures         map[string]json.RawMessage `json:"figures"`
	Tranches        []trancheMeta              `json:"tranches"`
	BaseAmount      json.RawMessage            `json:"base_amount"`
	Plan            json.RawMessage            `json:"plan"`
	EventType       string                     `json:"event_type"`
	EventAt         string                     `json:"event_at"`
	Reason          string                     `json:"reason"`
	KeepAttachments *[]uint64                  `json:"keep_attachments"`
	Keep            *[]uint64                  `json:"keep"` // the name the API document used to give keep_attachments
}

// trancheMeta is one tranche as sent: a date and either an amount in fen or a share in basis points.
type trancheMeta struct {
	Date    string          `json:"date"`
	Amount  json.RawMessage `json:"amount"`
	ShareBP json.RawMessage `json:"share_bp"`
}

// integerText is a whole number as JSON writes it: no sign on zero, no fraction, no exponent, at most
// 18 digits (so it fits an int64).
var integerText = regexp.MustCompile(`^(0|-?[1-9][0-9]{0,17})$`)

// strictInt reads a JSON number that must be an integer; an absent or null value is 0.
func strictInt(raw json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if !integerText.MatchString(s) {
		return 0, errors.New("a whole number (integer fen for money), without fraction, exponent or -0")
	}
	var n int64
	_, err := fmt.Sscan(s, &n)
	return n, err
}

// given reports whether a JSON value was sent (not absent, not null).
func given(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s != "" && s != "null"
}

// parseMeta decodes the meta part: not JSON, invalid UTF-8 or missing → 422 naming meta; wrong types
// and bad numbers → 422 naming the field.
func parseMeta(text string, present bool) (disclosureMeta, error) {
	var m disclosureMeta
	if !present || strings.TrimSpace(text) == "" {
		return m, models.Invalid("meta", models.CodeMetaRequired)
	}
	if err := decodeJSON([]byte(text), &m); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == 400 {
			return m, models.Invalid("meta", models.CodeMetaMalformed)
		}
		return m, err
	}
	if m.Keep != nil {
		if m.KeepAttachments != nil {
			return m, models.Invalid("keep", models.CodeKeepRenamed)
		}
		m.KeepAttachments, m.Keep = m.Keep, nil
	}
	return m, nil
}

// newDisclosure turns the meta into the models' input, collecting every field error.
func (m disclosureMeta) newDisclosure() (models.NewDisclosure, models.FieldErrors) {
	fe := models.FieldErrors{}
	nd := models.NewDisclosure{Kind: strings.TrimSpace(m.Kind), Title: m.Title, Period: strings.TrimSpace(m.Period),
		Body: m.Body, EventType: strings.TrimSpace(m.EventType)}
	if m.Figures != nil {
		nd.Figures = &models.MonthlyFigures{}
		for name, raw := range m.Figures {
			n, err := strictInt(raw)
			if err != nil {
				fe.Add("figures."+name, models.CodeWholeNumber)
				continue
			}
			if !nd.Figures.SetValue(name, n) {
				fe.Add("figures."+name, models.CodeUnknownFigure)
			}
		}
		for _, name := range models.FigureNames {
			if _, ok := m.Figures[name]; !ok {
				fe.Add("figures."+name, models.CodeRequired)
			}
		}
	}
	for i, t := range m.Tranches {
		key := fmt.Sprintf("tranches.%d.", i)
		amount, err := strictInt(t.Amount)
		if err != nil {
			fe.Add(key+"amount", models.CodeWholeNumber)
		}
		share, err := strictInt(t.ShareBP)
		if err != nil || share > 10000 || share < -10000 {
			fe.Add(key+"share_bp", models.CodeShareBP)
		}
		nd.Tranches = append(nd.Tranches, models.Tranche{Date: strings.TrimSpace(t.Date), AmountFen: amount, ShareBP: int(share)})
	}
	if base, err := strictInt(m.BaseAmount); err != nil {
		fe.Add("base_amount", models.CodeWholeNumber)
	} else if given(m.BaseAmount) {
		nd.BaseFen = &base
	}
	if plan, err := strictInt(m.Plan); err != nil || plan < 0 || (given(m.Plan) && plan == 0) {
		fe.Add("plan", models.CodePlanID)
	} else if given(m.Plan) {
		id := uint64(plan)
		nd.PlanID = &id
	}
	if m.EventAt != "" {
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(m.EventAt))
		if err != nil {
			fe.Add("event_at", models.CodeDateTime)
		} else {
			nd.EventAt = &at
		}
	}
	return nd, fe
}

// uploadLimits are the configured bounds of one filing's files.
func (s *Server) uploadLimits() uploadLimits {
	lim := uploadLimits{MaxFiles: s.cfg.MaxFiles, MaxFileSize: int64(s.cfg.MaxFileMB) << 20}
	if lim.MaxFiles == 0 {
		lim.MaxFiles = 10
	}
	if lim.MaxFileSize == 0 {
		lim.MaxFileSize = MaxAttachmentSize
	}
	return lim
}

// filing is one filing or amendment after its files were streamed into the blob store.
type filing struct {
	Institution models.Institution
	Amends      *models.Disclosure // nil for a first filing
	Meta        disclosureMeta
	Files       []models.Attachment
	Actor       string
}

// publish writes a filing in one transaction (disclosure, attachments' rows, outbox row) after
// extracting the files' text; on any failure the blobs stored for it are deleted.
func (s *Server) publish(ctx context.Context, f filing) (d models.Disclosure, err error) {
	stored := f.Files
	defer func() {
		if err != nil {
			s.deleteBlobs(stored)
		}
	}()
	nd, fe := f.Meta.newDisclosure()
	if f.Amends == nil {
		if f.Meta.Reason != "" {
			fe.Add("reason", models.CodeReasonOnlyAmend)
		}
		if f.Meta.KeepAttachments != nil {
			fe.Add("keep_attachments", models.CodeKeepOnlyAmend)
		}
	}
	if len(fe) > 0 {
		return d, fe
	}
	if f.Amends != nil {
		kept, err := s.keepAttachments(ctx, *f.Amends, f.Meta.KeepAttachments)
		stored = append(stored, kept...)
		if err != nil {
			return d, err
		}
		nd.Attachments = kept
	}
	if len(nd.Attachments)+len(f.Files) > s.uploadLimits().MaxFiles {
		return d, &apiError{Status: 413, Code: "too_large", Problems: models.Invalid("files", models.CodeTooManyFiles, models.Args{"max": s.uploadLimits().MaxFiles})}
	}
	nd.Attachments = append(nd.Attachments, s.extractTexts(ctx, f.Files)...)
	if f.Amends == nil {
		d, err = s.store.FileDisclosure(ctx, f.Institution, nd, f.Actor, s.now())
	} else {
		d, err = s.store.AmendDisclosure(ctx, *f.Amends, nd, f.Meta.Reason, f.Actor, s.now())
	}
	if err != nil {
		return d, err
	}
	s.indexer.Poke()
	return d, nil
}

// keepAttachments copies the attachments of prev named by keep (all of them when keep is nil) into
// new blobs for the amendment: an attachment row names its own blob.
func (s *Server) keepAttachments(ctx context.Context, prev models.Disclosure, keep *[]uint64) ([]models.Attachment, error) {
	want := map[uint64]bool{}
	if keep != nil {
		for _, id := range *keep {
			want[id] = true
		}
	}
	var out []models.Attachment
	for _, a := range prev.Attachments {
		if keep != nil && !want[a.ID] {
			continue
		}
		delete(want, a.ID)
		c, err := s.copyBlob(ctx, a)
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	for id := range want {
		return out, models.Invalid("keep_attachments", models.CodeNotAmendedAttachment, models.Args{"id": id})
	}
	return out, nil
}

// copyBlob stores a copy of an attachment's blob under a new key and checks its SHA-256.
func (s *Server) copyBlob(ctx context.Context, a models.Attachment) (models.Attachment, error) {
	rc, info, err := s.blobs.Open(ctx, a.BlobKey)
	if err != nil {
		return models.Attachment{}, fmt.Errorf("app: copy attachment %d: %w", a.ID, err)
	}
	defer rc.Close()
	key := blob.NewKey()
	put, err := s.blobs.Put(ctx, key, rc, blob.PutOptions{Size: info.Size, ContentType: a.ContentType})
	if err != nil {
		return models.Attachment{}, fmt.Errorf("app: copy attachment %d: %w", a.ID, err)
	}
	c := models.Attachment{Name: a.Name, ContentType: a.ContentType, Size: put.Size, SHA256: put.SHA256, BlobKey: key, Text: a.Text}
	if put.SHA256 != a.SHA256 {
		s.deleteBlobs([]models.Attachment{c})
		return models.Attachment{}, fmt.Errorf("app: copy attachment %d: stored blob has SHA-256 %s, not %s", a.ID, put.SHA256, a.SHA256)
	}
	return c, nil
}

// apiFileDisclosure files a disclosure for the filer's own institution: multipart with a meta part
// and files parts; 201 with the disclosure.
func (s *Server) apiFileDisclosure(c *fiber.Ctx) error {
	u := currentUser(c)
	uscc := strings.ToUpper(strings.TrimSpace(c.Params("uscc")))
	if !mayFileFor(u, uscc) {
		return s.forbid(c, "file a disclosure for "+uscc)
	}
	in, err := s.store.InstitutionByUSCC(c.UserContext(), uscc)
	if err != nil {
		return err
	}
	form, meta, err := s.readFiling(c)
	if err != nil {
		return err
	}
	d, err := s.publish(c.UserContext(), filing{Institution: in, Meta: meta, Files: form.Files, Actor: u.Email})
	if err != nil {
		return err
	}
	return s.answerFiled(c, d)
}

// readFiling reads a filing's multipart request: its meta part and its files, stored. When the meta
// part is refused the stored files are removed again.
func (s *Server) readFiling(c *fiber.Ctx) (multipartForm, disclosureMeta, error) {
	form, err := s.readMultipart(c, s.uploadLimits())
	if err != nil {
		return form, disclosureMeta{}, err
	}
	meta, err := parseMeta(form.Fields["meta"], form.Fields["meta"] != "")
	if err != nil {
		s.deleteBlobs(form.Files)
	}
	return form, meta, err
}

// apiAmendDisclosure publishes a correction of a disclosure of the filer's own institution.
func (s *Server) apiAmendDisclosure(c *fiber.Ctx) error {
	prev, err := s.amendable(c)
	if err != nil {
		return err
	}
	form, meta, err := s.readFiling(c)
	if err != nil {
		return err
	}
	d, err := s.publish(c.UserContext(), filing{Amends: &prev, Meta: meta, Files: form.Files, Actor: currentUser(c).Email})
	if err != nil {
		return err
	}
	return s.answerFiled(c, d)
}

// amendable loads the disclosure of :id for an amendment: 404 when missing, 403 (logged) when it is
// not the user's institution's.
func (s *Server) amendable(c *fiber.Ctx) (models.Disclosure, error) {
	id, err := idOf(c)
	if err != nil {
		return models.Disclosure{}, err
	}
	d, err := s.store.DisclosureByID(c.UserContext(), id)
	if err != nil {
		return d, err
	}
	if !mayFileFor(currentUser(c), d.USCC) {
		return d, s.forbid(c, fmt.Sprintf("amend disclosure %d of %s", d.ID, d.USCC))
	}
	return d, nil
}

func (s *Server) answerFiled(c *fiber.Ctx, d models.Disclosure) error {
	full, err := s.store.DisclosureByID(c.UserContext(), d.ID)
	if err != nil {
		return err
	}
	out, err := s.disclosureDetail(c.UserContext(), full)
	if err != nil {
		return err
	}
	c.Location(fmt.Sprintf("%s/api/v1/disclosures/%d", s.cfg.BaseURL, d.ID))
	return c.Status(fiber.StatusCreated).JSON(out)
}
