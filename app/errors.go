package app

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/app/blob"
	"pilu/models"
)

// apiError is the one error shape of the API (CONTRACT.md "Errors").
type apiError struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"` // Problems said in a language, by field
	// Details are Problems one by one with their codes, arguments and English text (the API's).
	Details []fieldDetail `json:"details,omitempty"`
	// Problems are the refused fields with their codes; handleError says them (Fields, Details).
	Problems models.FieldErrors `json:"-"`
	// Refusal is the models' coded reason of a refused action; handleError says it (Message).
	Refusal *models.Refusal `json:"-"`
	// RequestID is the request's id (X-Request-Id), shown so a complaint can be matched to the log.
	RequestID string `json:"request_id,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

// fail builds an error with a status, a stable code and a message for people.
func fail(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message}
}

// classify maps any error to the status, code and message a user may see; raw error text of
// unexpected errors is never shown.
func classify(err error) *apiError {
	var ae *apiError
	var fe *fiber.Error
	var fields models.FieldErrors
	var throttled models.ErrThrottled
	var refusal *models.Refusal
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &fields):
		return &apiError{Status: 422, Code: "invalid", Problems: fields}
	case errors.As(err, &refusal) && errors.Is(err, models.ErrConflict):
		return &apiError{Status: 409, Code: "conflict", Refusal: refusal}
	case errors.As(err, &throttled):
		return &apiError{Status: 429, Code: "too_many_requests"}
	case errors.Is(err, models.ErrNotFound):
		return &apiError{Status: 404, Code: "not_found"}
	case errors.Is(err, models.ErrConflict):
		return &apiError{Status: 409, Code: "conflict"}
	case errors.Is(err, blob.ErrTooLarge), errors.Is(err, errBodyTooLarge):
		return &apiError{Status: 413, Code: "too_large"}
	case errors.Is(err, blob.ErrDamaged):
		return &apiError{Status: 500, Code: "damaged"}
	case errors.Is(err, blob.ErrUnavailable), errors.Is(err, ErrRebuilding), models.Unavailable(err):
		return &apiError{Status: 503, Code: "unavailable"}
	case errors.As(err, &fe):
		return &apiError{Status: fe.Code, Code: codeFor(fe.Code)}
	}
	return &apiError{Status: 500, Code: "internal"}
}

func codeFor(status int) string {
	return map[int]string{400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
		405: "method_not_allowed", 408: "request_timeout", 409: "conflict", 413: "too_large", 415: "unsupported_type", 422: "invalid",
		429: "too_many_requests", 503: "unavailable"}[status]
}

// codeOrInternal keeps a known code and maps every other status to "internal".
func codeOrInternal(e *apiError) string {
	if e.Code == "" {
		if c := codeFor(e.Status); c != "" {
			return c
		}
		return "internal"
	}
	return e.Code
}

// handleError is the one Fiber ErrorHandler: JSON under /api, a page elsewhere; 5xx are logged.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	e := classify(err)
	if e.Status >= 500 && e.Status != 503 {
		s.log.Error("request failed", "id", requestID(c), "method", c.Method(), "path", c.Path(), "err", err)
	} else if e.Status == 503 {
		s.log.Warn("backing service unavailable", "id", requestID(c), "path", c.Path(), "err", err)
	}
	e.Code = codeOrInternal(e)
	if id := requestID(c); id != "" {
		page := *e // classify may return a shared error value
		page.RequestID = id
		e = &page
	}
	lang := s.lang(c)
	said := lang // the language of the reasons: the API gives codes with English text
	if isAPI(c) {
		said = "en"
	}
	if e.Refusal != nil && e.Message == "" {
		page := *e
		page.Message = s.problemText(said, e.Refusal.Code, e.Refusal.Args)
		e = &page
	}
	if len(e.Problems) > 0 {
		page := *e
		page.Fields = s.fieldMessages(said, e.Problems)
		if isAPI(c) {
			page.Details = s.fieldDetails(e.Problems)
		}
		e = &page
	}
	if e.Message == "" {
		e.Message = s.views.t(lang, "error."+e.Code)
	}
	if e.Status == 429 {
		var t models.ErrThrottled
		if errors.As(err, &t) {
			c.Set("Retry-After", strconv.Itoa(int(time.Until(t.Until).Seconds())+1))
		}
	}
	if e.Status == 503 && len(c.Response().Header.Peek("Retry-After")) == 0 {
		c.Set("Retry-After", "15") // a backing service is restarting or cut off; it usually returns soon
	}
	c.Set("Cache-Control", "no-store")
	if c.Request().Header.ContentLength() != 0 && c.Context().RequestBodyStream() != nil {
		c.Context().SetConnectionClose() // the rest of a streamed body may be unread
	}
	if isAPI(c) {
		return c.Status(e.Status).JSON(fiber.Map{"error": e})
	}
	return s.render(c.Status(e.Status), "error", pageData{Title: "error.title", Data: e})
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }
