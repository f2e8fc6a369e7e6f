package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// MaxVerifyUpload is the largest file the verify page hashes (the size of the largest attachment).
const MaxVerifyUpload = MaxAttachmentSize

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// verifyAnswer says whether a SHA-256 belongs to a published record, and to which.
type verifyAnswer struct {
	SHA256    string         `json:"sha256"`
	Published bool           `json:"published"`
	Records   []verifyRecord `json:"records"`
}

// Where a record found by /verify stands now.
const (
	recordCurrent    = "current"    // the record as published is what stands
	recordSuperseded = "superseded" // a disclosure version that a later amendment replaced
	recordCorrected  = "corrected"  // a notice that a published correction notice corrects
)

// verifyRecord is a ledger entry found by /verify with where its record stands: current, or
// superseded by an amendment or corrected by a correction notice, naming it.
type verifyRecord struct {
	ledgerEntryJSON
	Status     string `json:"status"`
	CurrentURL string `json:"current_url,omitempty"` // the amendment's current version, or the correction
}

// verifyPage is the data of /verify: the answer once something was checked, and the field error.
type verifyPage struct {
	Answer     *verifyAnswer
	Input      string
	Error      string
	MaxMiB     int64
	FileErr    string
	Candidates []string // a short address that several content hashes start with: each of them
}

// lookup finds the published records with content or an attachment of SHA-256 sum.
func (s *Server) lookup(c *fiber.Ctx, sum string) (*verifyAnswer, error) {
	entries, err := s.store.PublishedWith(c.UserContext(), sum)
	if err != nil {
		return nil, err
	}
	list, err := s.ledgerJSON(c, entries)
	if err != nil {
		return nil, err
	}
	records := make([]verifyRecord, len(list))
	for i, e := range list {
		if records[i], err = s.standing(c.UserContext(), e); err != nil {
			return nil, err
		}
	}
	return &verifyAnswer{SHA256: sum, Published: len(list) > 0, Records: records}, nil
}

// standing tells where the record of ledger entry e stands now.
func (s *Server) standing(ctx context.Context, e ledgerEntryJSON) (verifyRecord, error) {
	r := verifyRecord{ledgerEntryJSON: e, Status: recordCurrent}
	switch e.Kind {
	case models.LedgerDisclosure:
		latest, err := s.store.LatestVersionID(ctx, e.RecordID)
		if err != nil {
			return r, err
		}
		if latest != e.RecordID {
			r.Status, r.CurrentURL = recordSuperseded, fmt.Sprintf("/disclosures/%d", latest)
		}
	case models.LedgerNotice:
		corr, err := s.store.CorrectionOf(ctx, e.RecordID)
		if err != nil {
			return r, err
		}
		if corr != nil {
			r.Status, r.CurrentURL = recordCorrected, fmt.Sprintf("/notices/%d", corr.ID)
		}
	}
	return r, nil
}

// showVerify shows the verify page; with ?sha256= it answers for a pasted hash.
func (s *Server) showVerify(c *fiber.Ctx) error {
	p := verifyPage{MaxMiB: MaxVerifyUpload >> 20, Input: strings.TrimSpace(c.Query("sha256"))}
	if p.Input != "" {
		sum := strings.ToLower(p.Input)
		if !sha256Hex.MatchString(sum) {
			p.Error = "verify.bad_hash"
			return s.render(c.Status(422), "verify", pageData{Title: "verify.title", Data: p})
		}
		a, err := s.lookup(c, sum)
		if err != nil {
			return err
		}
		p.Answer = a
	}
	return s.render(c, "verify", pageData{Title: "verify.title", Data: p})
}

// verifyUpload hashes an uploaded file as it streams in (nothing is stored) and answers which
// published record it belongs to. Past MaxVerifyUpload the answer is 413.
func (s *Server) verifyUpload(c *fiber.Ctx) error {
	p := verifyPage{MaxMiB: MaxVerifyUpload >> 20}
	sum, err := hashUpload(c, MaxVerifyUpload)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		p.FileErr = "verify.file_" + ae.Code
		return s.render(c.Status(ae.Status), "verify", pageData{Title: "verify.title", Data: p})
	}
	if err != nil {
		return err
	}
	if p.Answer, err = s.lookup(c, sum); err != nil {
		return err
	}
	return s.render(c, "verify", pageData{Title: "verify.title", Data: p})
}

// hashUpload reads the multipart part named "file" of a streamed request and returns its SHA-256:
// 415 when the request is not multipart, 422 without a file, 413 over limit.
func hashUpload(c *fiber.Ctx, limit int64) (string, error) {
	mediaType, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return "", fail(415, "unsupported_type", "send multipart/form-data")
	}
	body, err := uploadBody(c, limit+maxFieldBytes)
	if err != nil {
		return "", err
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF { // the closing boundary; a body cut short is a wrapped EOF
			return "", &apiError{Status: 422, Code: "invalid", Problems: models.Invalid("file", models.CodeChooseFile)}
		}
		if err != nil {
			return "", multipartError(err)
		}
		if part.FormName() != "file" || part.FileName() == "" {
			io.Copy(io.Discard, io.LimitReader(part, maxFieldBytes))
			continue
		}
		h := sha256.New()
		n, err := io.Copy(h, io.LimitReader(part, limit+1))
		switch {
		case err != nil:
			return "", multipartError(err)
		case n > limit:
			return "", fail(413, "too_large", "")
		case n == 0:
			return "", &apiError{Status: 422, Code: "invalid", Problems: models.Invalid("file", models.CodeFileEmpty, models.Args{"name": ""})}
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
}

// apiVerify answers whether a SHA-256 (?sha256=, 64 hex digits) belongs to a published record.
func (s *Server) apiVerify(c *fiber.Ctx) error {
	sum := strings.ToLower(strings.TrimSpace(c.Query("sha256")))
	if !sha256Hex.MatchString(sum) {
		return &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid("sha256", models.CodeSHA256)}
	}
	a, err := s.lookup(c, sum)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

// rehashBlob reads an attachment's stored bytes back and returns their SHA-256.
func rehashBlob(open func(ctx context.Context, key string) (io.ReadCloser, error)) models.Rehash {
	return func(ctx context.Context, a models.Attachment) (string, error) {
		rc, err := open(ctx, a.BlobKey)
		if err != nil {
			return "", err
		}
		defer rc.Close()
		h := sha256.New()
		if _, err := io.Copy(h, rc); err != nil {
			return "", fmt.Errorf("read %s: %w", a.BlobKey, err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
}
