package app

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// recordOutcome records, after the window, what follows for one listed institution (form: listed,
// outcome, note). "no_claim" sends it to the market regulator.
func (s *Server) recordOutcome(c *fiber.Ctx) error {
	n, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	listed, err := parseID(c.FormValue("listed"))
	if err != nil {
		return fail(422, "invalid", "")
	}
	_, err = s.store.RecordOutcome(c.UserContext(), n.ID, listed, c.FormValue("outcome"), c.FormValue("note"), currentUser(c).Email, s.now())
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		for _, m := range s.fieldMessages(s.lang(c), fe) {
			return s.renderOfficeNotice(c, n, m)
		}
	}
	if err != nil {
		return err
	}
	s.indexer.Poke()
	return c.Redirect(fmt.Sprintf("/office/notices/%d#outcomes", n.ID), fiber.StatusSeeOther)
}

func (s *Server) apiRecordOutcome(c *fiber.Ctx) error {
	n, err := s.officeNotice(c)
	if err != nil {
		return err
	}
	var r struct {
		USCC    string `json:"uscc"`
		Outcome string `json:"outcome"`
		Note    string `json:"note"`
	}
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	uscc, _, _ := models.ParseUSCC(r.USCC)
	var listed uint64
	for _, li := range n.Institutions {
		if li.USCC == uscc {
			listed = li.ID
		}
	}
	if listed == 0 {
		return models.Invalid("uscc", models.CodeNotOnNotice)
	}
	if n, err = s.store.RecordOutcome(c.UserContext(), n.ID, listed, r.Outcome, r.Note, currentUser(c).Email, s.now()); err != nil {
		return err
	}
	s.indexer.Poke()
	return s.sendNotice(c, 200, n)
}

// transferPage is the printable list of the institutions a notice sends to the market regulator.
type transferPage struct {
	Notice models.Notice
	Items  []models.NoticeInstitution
}

// loadTransfer loads a published notice and its institutions without claims (public data: the
// names of companies, never a claimant).
func (s *Server) loadTransfer(c *fiber.Ctx) (transferPage, error) {
	id, err := idOf(c)
	if err != nil {
		return transferPage{}, err
	}
	n, err := s.store.NoticeByID(c.UserContext(), id)
	if err != nil {
		return transferPage{}, err
	}
	if n.IsDraft() {
		return transferPage{}, fiber.ErrNotFound
	}
	items, err := s.store.TransferList(c.UserContext(), id)
	return transferPage{Notice: n, Items: items}, err
}

func (s *Server) showTransfer(c *fiber.Ctx) error {
	p, err := s.loadTransfer(c)
	if err != nil {
		return err
	}
	return s.render(c, "transfer", pageData{Title: "transfer.title", Demo: p.Notice.Demo, Data: p})
}

// transferRecords are the rows of the transfer export.
func transferRecords(p transferPage) [][]string {
	out := [][]string{{"序号 no", "机构名称 name", "统一社会信用代码 uscc", "平台名称 brand", "所在地区 district", "公告文号 notice", "截止日 last_day", "处理结果 outcome", "说明 note", "记录时间 recorded_at"}}
	for i, li := range p.Items {
		at := ""
		if li.OutcomeAt != nil {
			at = li.OutcomeAt.In(models.ChinaZone).Format(time.DateOnly)
		}
		out = append(out, []string{fmt.Sprint(i + 1), li.Name, li.USCC, li.Brand, li.District, deref(p.Notice.Number), p.Notice.LastDay, "无人申报，移送市场监管部门", li.OutcomeNote, at})
	}
	return out
}

func (s *Server) exportTransferCSV(c *fiber.Ctx) error {
	p, err := s.loadTransfer(c)
	if err != nil {
		return err
	}
	return sendTable(c, fmt.Sprintf("transfer-notice-%d.csv", p.Notice.ID), transferRecords(p))
}

func (s *Server) exportTransferXLSX(c *fiber.Ctx) error {
	p, err := s.loadTransfer(c)
	if err != nil {
		return err
	}
	return sendTable(c, fmt.Sprintf("transfer-notice-%d.xlsx", p.Notice.ID), transferRecords(p))
}
