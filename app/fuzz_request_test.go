package app

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"pilu/models"
)

// Fuzz targets of what a request carries beside JSON (see fuzz_test.go): a filing's multipart body
// with its meta part, and the change stream's cursor. Each runs the handler's own parsing on a
// fiber context, without a network round trip; .ci/run fuzzes each for a bounded time.

// withCtx calls f with a fiber context for a request prepared by req.
func withCtx(app *fiber.App, req func(r *fasthttp.Request), f func(c *fiber.Ctx)) {
	fctx := &fasthttp.RequestCtx{}
	req(&fctx.Request)
	c := app.AcquireCtx(fctx)
	defer app.ReleaseCtx(c)
	f(c)
}

// FuzzMultipartMeta sends arbitrary multipart bodies (and Content-Types) through readMultipart with
// small limits, then parses the meta part as the filing API does. Whatever comes in: no panic, no
// answer of 500, limits kept, and a rejected body leaves no blob behind (an accepted one's files
// are all stored). Its seeds (testdata/fuzz/FuzzMultipartMeta) are filings as the disclosure form
// sends them, over the limits, with forbidden files, cut short, and malformed.
func FuzzMultipartMeta(f *testing.F) {
	dir := f.TempDir()
	env := map[string]string{"PILU_DATA_DIR": dir, "PILU_DEMO": "0", "PILU_ADDR": "127.0.0.1:0", "PILU_BASE_URL": "http://pilu.test"}
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		f.Fatal(err)
	}
	srv, err := Open(context.Background(), cfg, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard,
		Now: func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	blobs := filepath.Join(dir, "blobs")
	stored := func() int {
		n := 0
		_ = filepath.WalkDir(blobs, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(d.Name(), ".meta") {
				n++
			}
			return nil
		})
		return n
	}
	lim := uploadLimits{MaxFiles: 2, MaxFileSize: 2 << 10, MaxFields: 4, MaxFieldBytes: 4 << 10}
	app := fiber.New()

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		withCtx(app, func(r *fasthttp.Request) {
			r.Header.SetMethod("POST")
			r.Header.Set(fiber.HeaderContentType, contentType)
			r.SetBody(body)
		}, func(c *fiber.Ctx) {
			form, err := srv.readMultipart(c, lim)
			if err != nil {
				if e := classify(err); e.Status >= 500 {
					t.Fatalf("%q: answered %d (%v)", contentType, e.Status, err)
				}
				if len(form.Files) != 0 || stored() != 0 {
					t.Fatalf("%q: rejected (%v), yet %d files returned and %d blobs left", contentType, err, len(form.Files), stored())
				}
				return
			}
			defer srv.deleteBlobs(form.Files)
			fields := 0
			for name, v := range form.Fields {
				if name == "" || len(v) > maxFieldBytes {
					t.Fatalf("field %q of %d bytes kept", name, len(v))
				}
				fields++
			}
			if fields > lim.MaxFields || len(form.Files) > lim.MaxFiles || stored() != len(form.Files) {
				t.Fatalf("%d fields, %d files, %d blobs stored: over the limits or lost", fields, len(form.Files), stored())
			}
			for _, a := range form.Files {
				if a.Size > lim.MaxFileSize || a.Size <= 0 {
					t.Fatalf("a file of %d bytes stored", a.Size)
				}
			}
			meta, present := form.Fields["meta"]
			if _, err := parseMeta(meta, present); err != nil {
				if e := classify(err); e.Status >= 500 {
					t.Fatalf("meta %q: answered %d (%v)", meta, e.Status, err)
				}
			}
		})
		if n := stored(); n != 0 {
			t.Fatalf("%d blobs left after the request", n)
		}
	})
}

// FuzzChangesCursor reads the change stream's after, Last-Event-ID and limit as GET /api/v1/changes
// does: a bad value is a 400 naming it; a good one is exactly the number sent (Last-Event-ID winning
// over after), and the limit stays within 1..MaxChangesPage. Seeds: testdata/fuzz/FuzzChangesCursor.
func FuzzChangesCursor(f *testing.F) {
	app := fiber.New()
	f.Fuzz(func(t *testing.T, after, lastEventID, limit string) {
		withCtx(app, func(r *fasthttp.Request) {
			q := url.Values{}
			if after != "" {
				q.Set("after", after)
			}
			if limit != "" {
				q.Set("limit", limit)
			}
			r.SetRequestURI("/api/v1/changes?" + q.Encode())
			if lastEventID != "" {
				r.Header.Set("Last-Event-ID", lastEventID)
			}
		}, func(c *fiber.Ctx) {
			// What the handler sees, as fasthttp hands it over.
			seenAfter, seenID, seenLimit := c.Query("after"), c.Get("Last-Event-ID"), c.Query("limit")
			gotAfter, gotLimit, err := changesCursor(c)
			if err != nil {
				var ae *apiError
				if !errors.As(err, &ae) || ae.Status != 400 || len(ae.Problems) != 1 {
					t.Fatalf("after %q, Last-Event-ID %q, limit %q: %v, want a 400 naming one parameter", after, lastEventID, limit, err)
				}
				return
			}
			wantAfter := uint64(0)
			for _, v := range []string{seenAfter, seenID} {
				if v = strings.TrimSpace(v); v != "" {
					n, perr := strconv.ParseUint(v, 10, 64)
					if perr != nil {
						t.Fatalf("%q accepted as a cursor", v)
					}
					wantAfter = n
				}
			}
			if gotAfter != wantAfter {
				t.Fatalf("after %q, Last-Event-ID %q: cursor %d, want %d", seenAfter, seenID, gotAfter, wantAfter)
			}
			if gotLimit < 1 || gotLimit > models.MaxChangesPage || seenLimit == "" && gotLimit != changesDefaultLimit {
				t.Fatalf("limit %q gave %d", seenLimit, gotLimit)
			}
		})
	})
}
