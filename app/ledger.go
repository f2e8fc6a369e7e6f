package app

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// ledgerEntryJSON is a ledger entry as the API answers it, with the public address of its record.
type ledgerEntryJSON struct {
	models.LedgerEntry
	URL string `json:"url"`
}

// ledgerRoot is the daily root shown in every page's footer.
type ledgerRoot struct {
	Day  string
	Seq  uint64
	Hash string
}

// ledgerRootKey is the c.Locals key of the day's ledger root.
const ledgerRootKey = "ledger_root"

// recordURLs gives the public page of each entry's record: a notice, a disclosure, the institution
// of a class decision, the notice of an outcome, the calendar years on /deadlines.
func (s *Server) ledgerJSON(c *fiber.Ctx, items []models.LedgerEntry) ([]ledgerEntryJSON, error) {
	out := make([]ledgerEntryJSON, len(items))
	for i, e := range items {
		out[i].LedgerEntry = e
		switch e.Kind {
		case models.LedgerNotice:
			out[i].URL = fmt.Sprintf("/notices/%d", e.RecordID)
		case models.LedgerDisclosure:
			out[i].URL = fmt.Sprintf("/disclosures/%d", e.RecordID)
		case models.LedgerDecision:
			uscc, err := s.store.DecisionUSCC(c.UserContext(), e.RecordID)
			if err != nil {
				return nil, err
			}
			out[i].URL = "/institutions/" + uscc
		case models.LedgerOutcome:
			notice, err := s.store.ListedNoticeID(c.UserContext(), e.RecordID)
			if err != nil {
				return nil, err
			}
			out[i].URL = fmt.Sprintf("/notices/%d", notice)
		case models.LedgerCalendar:
			out[i].URL = fmt.Sprintf("/deadlines#calendar-%d", e.RecordID)
		}
	}
	return out, nil
}

// ledgerPage is the data of /ledger.
type ledgerPage struct {
	Items []ledgerEntryJSON
	Pager pager
}

// ledgerOf reads the page of the ledger a request asks for, newest entry first: the one reading
// behind /ledger and /api/v1/ledger.
func (s *Server) ledgerOf(c *fiber.Ctx) ([]ledgerEntryJSON, int64, listParams, error) {
	p, err := pagingOf(c)
	if err != nil {
		return nil, 0, p, err
	}
	items, total, err := s.store.LedgerPage(c.UserContext(), p.Page, p.PerPage)
	if err != nil {
		return nil, 0, p, err
	}
	list, err := s.ledgerJSON(c, items)
	return list, total, p, err
}

// listLedger shows the ledger, newest entry first.
func (s *Server) listLedger(c *fiber.Ctx) error {
	list, total, p, err := s.ledgerOf(c)
	if err != nil {
		return err
	}
	return s.render(c, "ledger", pageData{Title: "ledger.title", Data: ledgerPage{Items: list, Pager: pagerOf(c, p, total)}})
}

// apiLedger answers one page of the ledger, newest first.
func (s *Server) apiLedger(c *fiber.Ctx) error {
	list, total, p, err := s.ledgerOf(c)
	if err != nil {
		return err
	}
	return c.JSON(listAnswer{Items: list, Total: total, Page: p.Page, PerPage: p.PerPage})
}
