package app

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// deadlineJSON is the deadline answer of the contract.
type deadlineJSON struct {
	From    string        `json:"from"`
	Days    int           `json:"days"`
	Unit    string        `json:"unit"`
	LastDay string        `json:"last_day"`
	Ends    string        `json:"ends"`
	Skipped []models.Date `json:"skipped"`
}

// deadlineOf computes the period asked for in from, days and unit on the calendar in force.
func (s *Server) deadlineOf(c *fiber.Ctx) (models.Deadline, error) {
	fe := models.FieldErrors{}
	from, err := models.ParseDate(c.Query("from"))
	if err != nil {
		fe.Add("from", models.CodeDate)
	}
	days, err := strconv.Atoi(c.Query("days"))
	if err != nil {
		fe.Add("days", models.CodeWindowDays, models.Args{"max": models.MaxPeriodDays})
	}
	unit := models.Unit(c.Query("unit", string(models.UnitCalendar)))
	if unit != models.UnitCalendar && unit != models.UnitWorking {
		fe.Add("unit", models.CodeWindowUnit)
	}
	if len(fe) > 0 {
		return models.Deadline{}, &apiError{Status: 400, Code: "bad_request", Problems: fe}
	}
	cal, err := s.store.Calendar(c.UserContext())
	if err != nil {
		return models.Deadline{}, err
	}
	d, err := cal.Deadline(from, days, unit)
	var missing *models.CalendarMissingError
	switch {
	case errors.As(err, &missing):
		return d, &apiError{Status: 422, Code: "calendar_missing", Problems: missing.FieldError("from")}
	case errors.Is(err, models.ErrBadPeriod):
		return d, &apiError{Status: 422, Code: "invalid", Problems: models.Invalid("days", models.CodeWindowDays, models.Args{"max": models.MaxPeriodDays})}
	}
	return d, err
}

func (s *Server) apiDeadline(c *fiber.Ctx) error {
	d, err := s.deadlineOf(c)
	if err != nil {
		return err
	}
	skipped := d.Skipped
	if skipped == nil {
		skipped = []models.Date{}
	}
	return c.JSON(deadlineJSON{From: d.From.String(), Days: d.Days, Unit: string(d.Unit), LastDay: d.LastDay.String(),
		Ends: d.Ends.Format("2006-01-02T15:04:05-07:00"), Skipped: skipped})
}

// deadlinePage is the data of the deadline calculator page: the form, its answer or the reason
// there is none, and the calendar in force (which years are loaded, from which files).
type deadlinePage struct {
	From, Days, Unit string
	Result           *models.Deadline
	Error            string
	Calendar         *models.Calendar
}

// showDeadlines is the public deadline calculator; it works without JavaScript (a GET form).
func (s *Server) showDeadlines(c *fiber.Ctx) error {
	cal, err := s.store.Calendar(c.UserContext())
	if err != nil {
		return err
	}
	p := deadlinePage{From: c.Query("from", models.DateOf(s.now()).String()), Days: c.Query("days", "15"), Unit: c.Query("unit", "calendar"), Calendar: cal}
	if c.Query("from") != "" || c.Query("days") != "" {
		d, err := s.deadlineOf(c)
		var ae *apiError
		switch {
		case errors.As(err, &ae):
			lang := s.lang(c)
			var msgs []string
			for _, k := range []string{"from", "days", "unit"} {
				if ae.Problems.Has(k) && ae.Code != "calendar_missing" {
					msgs = append(msgs, s.views.t(lang, "deadlines.bad."+k))
				}
			}
			if len(msgs) == 0 {
				msgs = []string{s.fieldMessages(lang, ae.Problems)["from"]}
			}
			p.Error = strings.Join(msgs, " ")
			c.Status(ae.Status)
		case err != nil:
			return err
		default:
			p.Result = &d
		}
	}
	return s.render(c, "deadlines", pageData{Title: "deadlines.title", Data: p})
}

// sendCalendarFile serves the file a covered year of the calendar in force was read from
// (/calendars/2027.json), byte for byte, so that anyone can check its SHA-256 against /deadlines and
// the ledger.
func (s *Server) sendCalendarFile(c *fiber.Ctx) error {
	name := c.Params("file")
	year, err := strconv.Atoi(strings.TrimSuffix(name, ".json"))
	if len(name) != len("2027.json") || !strings.HasSuffix(name, ".json") || err != nil {
		return fiber.ErrNotFound
	}
	b, err := s.store.CalendarFile(c.UserContext(), year)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(b)
}

// calendarInForceJSON is the answer of GET /api/v1/calendars.
type calendarInForceJSON struct {
	Years   string               `json:"years"`
	SHA256  string               `json:"sha256"`
	Sources []calendarSourceJSON `json:"sources"`
}

type calendarSourceJSON struct {
	models.CalendarSource
	URL string `json:"url"`
}

// apiCalendars answers which official calendar deadlines are computed on.
func (s *Server) apiCalendars(c *fiber.Ctx) error {
	cal, err := s.store.Calendar(c.UserContext())
	if err != nil {
		return err
	}
	out := calendarInForceJSON{Years: cal.YearsText(), SHA256: cal.SHA256(), Sources: []calendarSourceJSON{}}
	for _, src := range cal.Sources() {
		out.Sources = append(out.Sources, calendarSourceJSON{CalendarSource: src, URL: fmt.Sprintf("%s/calendars/%d.json", s.cfg.BaseURL, src.Year)})
	}
	return c.JSON(out)
}

// calendarImportedJSON is the answer of POST /api/v1/calendars.
type calendarImportedJSON struct {
	Year      int    `json:"year"`
	SHA256    string `json:"sha256"`
	Unchanged bool   `json:"unchanged"`
	LedgerSeq uint64 `json:"ledger_seq,omitempty"`
}

// apiImportCalendar loads a year of the official calendar sent as the request body (admins): 201
// when loaded, 200 when the same file was loaded already, 422 with the reason on "file" otherwise.
func (s *Server) apiImportCalendar(c *fiber.Ctx) error {
	raw := c.Body()
	if len(raw) > models.MaxCalendarFile {
		return fail(413, "too_large", fmt.Sprintf("a calendar file is at most %d KiB", models.MaxCalendarFile>>10))
	}
	res, err := s.store.ImportCalendar(c.UserContext(), models.CalendarImport{File: append([]byte(nil), raw...),
		Source: "POST /api/v1/calendars", Actor: currentUser(c).Email, Now: s.now()})
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if res.Unchanged {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(calendarImportedJSON{Year: res.Year, SHA256: res.SHA256, Unchanged: res.Unchanged, LedgerSeq: res.Seq})
}
