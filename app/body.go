package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"pilu/models"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// MaxFormBody is the largest form or JSON body accepted outside uploads (1 MiB).
const MaxFormBody = 1 << 20

// errBodyTooLarge is what a capped request body returns once it is read past its limit.
var errBodyTooLarge = errors.New("app: the request body is over its limit")

// limitBodies is the body limit of every route, whatever its length header says. A body that is
// not multipart/form-data is read here, whole, up to MaxFormBody: declared longer, or chunked and
// found longer while reading, it is refused with 413 before any handler runs. A multipart body stays
// a stream for the upload handlers, which read it through uploadBody under their own limits; a form
// route that is not an upload buffers it through limitBody.
func limitBodies(c *fiber.Ctx) error {
	if mediaTypeOf(c) == "multipart/form-data" {
		return c.Next()
	}
	return limitBody(c)
}

// limitBody reads the whole body of a form or JSON route into memory, refusing one over MaxFormBody
// with 413, whether its length is declared or it comes chunked (Transfer-Encoding: chunked).
func limitBody(c *fiber.Ctx) error {
	if err := bufferBody(c, MaxFormBody); err != nil {
		return err
	}
	return c.Next()
}

// bufferBody makes the request body plain bytes of at most limit bytes. With StreamRequestBody on,
// fasthttp would otherwise read a chunked body of any size into memory the first time a handler asks
// for it.
func bufferBody(c *fiber.Ctx, limit int64) error {
	req := c.Request()
	n := req.Header.ContentLength()
	if n > 0 && int64(n) > limit {
		return errBodyTooLarge
	}
	stream := c.Context().RequestBodyStream()
	if n >= 0 || stream == nil {
		return nil // a declared length within the limit: fasthttp reads that much and no more
	}
	b, err := io.ReadAll(&cappedReader{r: stream, left: limit})
	if err != nil {
		c.Context().SetConnectionClose()
		if e := readError(err); e != nil {
			return e
		}
		return fail(400, "bad_request", "malformed chunked body")
	}
	req.SetBodyRaw(b)
	req.Header.SetContentLength(len(b))
	return nil
}

// uploadBody is the streamed body of a multipart upload, cut off at limit bytes: a declared length
// over it is 413 at once, and reading a chunked body past it fails with errBodyTooLarge.
func uploadBody(c *fiber.Ctx, limit int64) (io.Reader, error) {
	if n := c.Request().Header.ContentLength(); n > 0 && int64(n) > limit {
		return nil, fail(413, "too_large", "")
	}
	var body io.Reader = c.Context().RequestBodyStream()
	if body == nil {
		body = bytes.NewReader(c.Body())
	}
	return &cappedReader{r: body, left: limit}, nil
}

// cappedReader reads at most left bytes of r and fails with errBodyTooLarge when r holds more.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (r *cappedReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(r.r, one[:])
		if n > 0 {
			return 0, errBodyTooLarge
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= int64(n)
	return n, err
}

// mediaTypeOf is the request's media type without parameters, lower case ("" when unparsable).
func mediaTypeOf(c *fiber.Ctx) string {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil {
		return ""
	}
	return mt
}

// bindJSON decodes a JSON request body into v: malformed JSON, invalid UTF-8, unknown fields or
// trailing data are 400; the contract's field names apply.
func bindJSON(c *fiber.Ctx, v any) error {
	if !isJSONType(mediaTypeOf(c)) {
		return fail(415, "unsupported_type", "send application/json")
	}
	return decodeJSON(c.Body(), v)
}

// isJSONType reports whether a media type is JSON (application/json or a +json type). Only JSON is
// read as JSON: text/plain is what another site's page may send without asking (no CORS preflight).
func isJSONType(mt string) bool {
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
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
			return &apiError{Status: 422, Code: "invalid", Problems: models.Invalid(typeErr.Field, models.CodeJSONType, models.Args{"type": jsonTypeName(typeErr.Type.Kind())})}
		}
		msg := strings.TrimPrefix(err.Error(), "json: ")
		return &apiError{Status: 400, Code: "bad_request", Message: "malformed JSON: " + msg}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &apiError{Status: 400, Code: "bad_request", Message: "malformed JSON: data after the value"}
	}
	return nil
}

// jsonTypeName is the JSON name of the type a value of kind k is written as.
func jsonTypeName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "number"
}
