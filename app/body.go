package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// MaxFormBody is the largest form or JSON body accepted outside uploads (1 MiB).
const MaxFormBody = 1 << 20

// limitBody refuses a form or JSON body larger than MaxFormBody before it is read (413), and one of
// unknown length (411): with streaming on, reading it would hold all of it in memory.
func limitBody(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	n := c.Request().Header.ContentLength()
	if n > MaxFormBody {
		return fail(413, "too_large", "")
	}
	if n < 0 {
		return fail(411, "bad_request", "a body needs a Content-Length")
	}
	return c.Next()
}

// bindJSON decodes a JSON request body into v: malformed JSON, invalid UTF-8, unknown fields or
// trailing data are 400; the contract's field names apply.
func bindJSON(c *fiber.Ctx, v any) error {
	return decodeJSON(c.Body(), v)
}

// decodeJSON is bindJSON for bytes that came another way (the meta part of a multipart upload).
func decodeJSON(b []byte, v any) error {
	if !utf8.Valid(b) {
		return &apiError{Status: 400, Code: "bad_request", Message: "the body is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return &apiError{Status: 422, Code: "invalid", Fields: map[string]string{typeErr.Field: "must be a " + typeErr.Type.String()}}
		}
		msg := strings.TrimPrefix(err.Error(), "json: ")
		return &apiError{Status: 400, Code: "bad_request", Message: "malformed JSON: " + msg}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &apiError{Status: 400, Code: "bad_request", Message: "malformed JSON: data after the value"}
	}
	return nil
}
