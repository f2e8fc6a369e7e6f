package app

import (
	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// homePage is the data of the home page.
type homePage struct {
	ClassCounts  []models.Count
	Institutions int64
	OpenNotices  []models.Notice
	Notices      []models.Notice
	Disclosures  []models.Disclosure
}

func (s *Server) showHome(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var p homePage
	var err error
	if p.ClassCounts, err = s.store.CountBy(ctx, "class"); err != nil {
		return err
	}
	for _, cc := range p.ClassCounts {
		p.Institutions += cc.N
	}
	if p.OpenNotices, _, err = s.store.ListNotices(ctx, models.NoticeFilter{Status: models.NoticeOpen, Kind: models.NoticeZombieList, Now: s.now(), PerPage: 5}); err != nil {
		return err
	}
	if p.Notices, _, err = s.store.ListNotices(ctx, models.NoticeFilter{Now: s.now(), PerPage: 6}); err != nil {
		return err
	}
	if p.Disclosures, _, err = s.store.ListDisclosures(ctx, models.DisclosureFilter{Kinds: []string{"exit_announcement", "repayment_plan", "repayment_progress", "major_event"}, PerPage: 6, NoTotal: true}); err != nil {
		return err
	}
	demo := false
	for _, n := range p.Notices {
		demo = demo || n.Demo
	}
	return s.render(c, "home", pageData{Title: "home.title", Demo: demo, Data: p,
		Feeds: s.feedLinks(c, pageFeeds{Notices: true, Disclosures: true, Calendar: true})})
}
