package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// The change stream (GET /api/v1/changes): the ledger in order, each entry with the record it
// publishes, serialized as the full dump writes it (content_sha256 recomputed from the database).
// A client recomputes each entry's hash from prev_hash and the entry's fields (models.ChainHash),
// compares the record's content_sha256 with the entry's, and resumes from the last seq it read.
// With Accept: text/event-stream the same entries arrive as Server-Sent Events, then new ones as
// they are published.

// changesDefaultLimit is how many entries one page of the change stream holds unless asked.
const changesDefaultLimit = 100

// changeJSON is one entry of the change stream: the ledger entry and the record it publishes
// (null when the record can no longer be read: the client's check then fails, as it should).
type changeJSON struct {
	models.LedgerEntry
	Record any `json:"record"`
}

// changesAnswer is one page of the change stream. Next is the cursor to resume from (the last seq
// returned, or after when nothing was); Head is the ledger's newest seq when the page was read.
type changesAnswer struct {
	Items []changeJSON `json:"items"`
	Next  uint64       `json:"next"`
	Head  uint64       `json:"head"`
}

// changedDecision is a class decision as the change stream carries it: as the dump's institution
// history does, with the institution it concerns.
type changedDecision struct {
	USCC string `json:"uscc"`
	dumpedDecision
}

// changedOutcome is a recorded outcome as the change stream carries it, with its notice.
type changedOutcome struct {
	NoticeID uint64 `json:"notice_id"`
	dumpedOutcome
}

// changedCalendar is a year of the official calendar loaded after the build; its file is served
// at URL and content_sha256 is the SHA-256 of that file.
type changedCalendar struct {
	Year          int    `json:"year"`
	URL           string `json:"url"`
	ContentSHA256 string `json:"content_sha256"`
}

// changeStreamTiming paces the event stream: how often the ledger head is read while idle, how
// often a heartbeat comment is sent, and how long one connection lasts (under the server's
// WriteTimeout of 120 s; EventSource reconnects with Last-Event-ID). Zero fields take the defaults.
type changeStreamTiming struct {
	poll, heartbeat, lifetime time.Duration
}

func (t changeStreamTiming) withDefaults() changeStreamTiming {
	if t.poll <= 0 {
		t.poll = time.Second
	}
	if t.heartbeat <= 0 {
		t.heartbeat = 15 * time.Second
	}
	if t.lifetime <= 0 {
		t.lifetime = 90 * time.Second
	}
	return t
}

// wantsEventStream reports whether the request asks for Server-Sent Events.
func wantsEventStream(c *fiber.Ctx) bool {
	return strings.Contains(strings.ToLower(c.Get(fiber.HeaderAccept)), "text/event-stream")
}

// changesCursor reads after (or the Last-Event-ID an EventSource sends when it reconnects, which
// wins) and limit: after a whole number from 0, limit from 1 (capped at models.MaxChangesPage).
func changesCursor(c *fiber.Ctx) (uint64, int, error) {
	var after uint64
	for _, in := range []struct{ name, v string }{{"after", c.Query("after")}, {"Last-Event-ID", c.Get("Last-Event-ID")}} {
		if v := strings.TrimSpace(in.v); v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, 0, &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid(in.name, models.CodeSeq)}
			}
			after = n
		}
	}
	limit := changesDefaultLimit
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, 0, &apiError{Status: 400, Code: "bad_request", Problems: models.Invalid("limit", models.CodeLimit, models.Args{"max": models.MaxChangesPage})}
		}
		limit = min(n, models.MaxChangesPage)
	}
	return after, limit, nil
}

// apiChanges answers GET /api/v1/changes: one page of the change stream, or the event stream.
func (s *Server) apiChanges(c *fiber.Ctx) error {
	after, limit, err := changesCursor(c)
	if err != nil {
		return err
	}
	if wantsEventStream(c) {
		return s.streamChanges(c, after, limit)
	}
	ctx := c.UserContext()
	head, _, err := s.store.LedgerHead(ctx)
	if err != nil {
		return err
	}
	items, err := s.changes(ctx, after, limit)
	if err != nil {
		return err
	}
	out := changesAnswer{Items: items, Next: after, Head: head}
	if len(items) > 0 {
		out.Next = items[len(items)-1].Seq
	}
	return c.JSON(out)
}

// changes reads up to limit entries after seq after with their records.
func (s *Server) changes(ctx context.Context, after uint64, limit int) ([]changeJSON, error) {
	entries, err := s.store.LedgerAfter(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]changeJSON, len(entries))
	for i, e := range entries {
		rec, err := s.changeRecord(ctx, e)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		out[i] = changeJSON{LedgerEntry: e, Record: rec}
	}
	return out, nil
}

// changeRecord is the record entry e publishes, serialized as the dump writes it.
func (s *Server) changeRecord(ctx context.Context, e models.LedgerEntry) (any, error) {
	switch e.Kind {
	case models.LedgerNotice:
		n, err := s.store.NoticeByID(ctx, e.RecordID)
		if err != nil {
			return nil, err
		}
		return s.dumpNotice(ctx, n)
	case models.LedgerDisclosure:
		d, err := s.store.DisclosureByID(ctx, e.RecordID)
		if err != nil {
			return nil, err
		}
		return s.dumpDisclosure(ctx, d)
	case models.LedgerDecision:
		d, in, err := s.store.DecisionByID(ctx, e.RecordID)
		if err != nil {
			return nil, err
		}
		words := s.decisionsInWords("zh", []models.Decision{d})
		return changedDecision{USCC: in.USCC, dumpedDecision: dumpDecision(d, words[0], models.DecisionLedgerHash(in.USCC, d, e.ContentHash))}, nil
	case models.LedgerOutcome:
		li, err := s.store.ListedInstitutionByID(ctx, e.RecordID)
		if err != nil || li.OutcomeAt == nil {
			return nil, err
		}
		return changedOutcome{NoticeID: li.NoticeID, dumpedOutcome: dumpOutcome(li)}, nil
	case models.LedgerCalendar:
		y, err := s.store.CalendarYearOf(ctx, int(e.RecordID))
		if err != nil {
			return nil, err
		}
		return changedCalendar{Year: y.Year, URL: fmt.Sprintf("%s/calendars/%d.json", s.cfg.BaseURL, y.Year), ContentSHA256: y.SHA256}, nil
	}
	return nil, nil
}

// streamChanges sends the entries after seq after as Server-Sent Events (each with `id: SEQ`, so
// an EventSource resumes with Last-Event-ID), then new entries as they are appended: the ledger
// head is read every poll, a comment line goes out every heartbeat, and the connection ends after
// lifetime. No database connection is held between reads; the answer is never cached.
func (s *Server) streamChanges(c *fiber.Ctx, after uint64, limit int) error {
	timing := s.changeTiming.withDefaults()
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no") // proxies pass events on at once
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), timing.lifetime)
		defer cancel()
		fmt.Fprintf(w, "retry: %d\n\n", (2 * time.Second).Milliseconds())
		if w.Flush() != nil {
			return
		}
		beat := time.Now()
		for {
			head, _, err := s.store.LedgerHead(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("change stream", "err", err)
				}
				return // the client reconnects from its last id
			}
			for head > after {
				items, err := s.changes(ctx, after, limit)
				if err != nil || len(items) == 0 {
					if err != nil && ctx.Err() == nil {
						s.log.Warn("change stream", "err", err)
					}
					return
				}
				for _, it := range items {
					data, err := json.Marshal(it)
					if err != nil {
						return
					}
					fmt.Fprintf(w, "id: %d\ndata: %s\n\n", it.Seq, data)
				}
				if w.Flush() != nil {
					return // the client went away
				}
				after, beat = items[len(items)-1].Seq, time.Now()
			}
			if time.Since(beat) >= timing.heartbeat {
				fmt.Fprintf(w, ": heartbeat %d\n\n", after)
				if w.Flush() != nil {
					return
				}
				beat = time.Now()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(timing.poll):
			}
		}
	})
	return nil
}
