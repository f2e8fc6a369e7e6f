package app

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// headerIdempotencyKey is the header by which a client names one write, so that a retry after a
// lost answer gets the first answer again instead of writing twice.
const headerIdempotencyKey = "Idempotency-Key"

// idempotent makes API writes that carry an Idempotency-Key happen once per client and key (for
// models.IdempotencyTTL). The key is reserved before the handler runs, together with a fingerprint of
// method, path and body; a 2xx answer is stored with it, any other outcome releases it. A retry of the
// same request is answered the stored answer (with Idempotent-Replayed: true) without running the
// handler, so a replayed upload stores no blob; the same key on another request is 422, and while
// the first request runs a retry is 409. A multipart body is spooled to a temporary file to be
// fingerprinted, within the upload limits, and the handler then reads it from there.
//
// A reveal of a claimant's data and the full export for the police are reads that are recorded, not
// writes: they ignore the header, so that no answer holding personal data is ever kept in clear; so
// does the registration of a webhook, whose answer holds its signing secret.
func (s *Server) idempotent(c *fiber.Ctx) error {
	key := c.Get(headerIdempotencyKey)
	if key == "" || c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead || c.Method() == fiber.MethodOptions || answerHoldsSecret(c.Path()) {
		return c.Next()
	}
	if len(key) > models.MaxIdempotencyKey {
		return &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid(headerIdempotencyKey, models.CodeTooLong, models.Args{"max": 255})}
	}
	h := sha256.New()
	io.WriteString(h, c.Method()+" "+c.Path()+"?"+string(c.Request().URI().QueryString())+"\n")
	if mediaTypeOf(c) == "multipart/form-data" {
		spool, err := s.spoolBody(c, h)
		if err != nil {
			return err
		}
		defer func() { spool.Close(); os.Remove(spool.Name()) }()
	} else {
		h.Write(c.Body())
	}
	owner := "ip:" + c.IP()
	if u := currentUser(c); u != nil {
		owner = "user:" + strconv.FormatUint(uint64(u.ID), 10)
	}
	ctx := c.UserContext()
	stored, err := s.store.ReserveIdempotencyKey(ctx, owner, key, hex.EncodeToString(h.Sum(nil)), s.now())
	switch {
	case errors.Is(err, models.ErrIdempotencyMismatch):
		return fail(422, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
	case errors.Is(err, models.ErrIdempotencyInProgress):
		return fail(409, "idempotency_key_in_progress", "the first request with this Idempotency-Key is still in progress")
	case errors.Is(err, models.ErrIdempotencyUnfinished):
		return fail(409, "idempotency_key_unfinished", "the first request with this Idempotency-Key was cut off and may or may not have been written: check before sending it again with a new key")
	case err != nil:
		return err
	case stored != nil:
		c.Set("Idempotent-Replayed", "true")
		if stored.Location != "" {
			c.Set(fiber.HeaderLocation, stored.Location)
		}
		c.Set(fiber.HeaderContentType, stored.ContentType)
		return c.Status(stored.Status).Send(stored.Body)
	}
	err = c.Next()
	status := c.Response().StatusCode()
	if err != nil || status < 200 || status > 299 {
		if rerr := s.store.ReleaseIdempotencyKey(ctx, owner, key); rerr != nil {
			s.log.Warn("idempotency key", "err", rerr)
		}
		return err
	}
	answer := models.IdempotencyKey{Status: status, ContentType: string(c.Response().Header.ContentType()),
		Location: string(c.Response().Header.Peek(fiber.HeaderLocation)), Body: append([]byte(nil), c.Response().Body()...)}
	if cerr := s.store.CompleteIdempotencyKey(ctx, owner, key, answer); cerr != nil {
		s.log.Warn("idempotency key", "err", cerr)
	}
	return nil
}

// spoolBody copies a streamed request body into a temporary file through h, at most the largest
// upload body, and hands the file to the handler as the request's body.
func (s *Server) spoolBody(c *fiber.Ctx, h io.Writer) (*os.File, error) {
	body, err := uploadBody(c, s.uploadLimits().maxBody())
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "pilu-idem-*")
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		c.Context().SetConnectionClose()
		if e := readError(err); e != nil {
			return nil, e
		}
		return nil, fail(400, "bad_request", "the body could not be read")
	}
	c.Request().SetBodyStream(f, int(n))
	return f, nil
}

// answerHoldsSecret reports whether an API path answers what must never be kept in clear:
// claimants' personal data in full (a reveal, the full export for transfer) or a webhook's secret.
func answerHoldsSecret(path string) bool {
	return path == "/api/v1/webhooks" || strings.HasPrefix(path, "/api/v1/notices/") && (strings.HasSuffix(path, "/reveal") || strings.HasSuffix(path, "/claims/transfer"))
}
