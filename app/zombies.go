package app

import (
	"sort"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// zombieRow is one zombie list on /zombies with its public claim counts (never who claimed).
type zombieRow struct {
	models.Notice
	Status   models.NoticeStatus
	Open     bool // claims accepted now (Notice.AcceptsClaims)
	DaysLeft int
	Counts   map[uint64]int64
}

// zombiesPage is every zombie list, open ones first, by province.
type zombiesPage struct {
	Province string
	Items    []zombieRow
}

func (s *Server) listZombies(c *fiber.Ctx) error {
	province, err := provinceOf(c)
	if err != nil {
		return err
	}
	now := s.now()
	var all []models.Notice
	for page := 1; page <= 50; page++ {
		items, total, err := s.store.ListNotices(c.UserContext(), models.NoticeFilter{Kind: "zombie_list", Province: province, Page: page, PerPage: 100, Now: now})
		if err != nil {
			return err
		}
		all = append(all, items...)
		if int64(len(all)) >= total || len(items) == 0 {
			break
		}
	}
	ids := make([]uint64, len(all))
	for i, n := range all {
		ids[i] = n.ID
	}
	counts, err := s.store.ClaimCounts(c.UserContext(), ids...)
	if err != nil {
		return err
	}
	p := zombiesPage{Province: province}
	demo := false
	for _, n := range all {
		p.Items = append(p.Items, zombieRow{Notice: n, Status: n.Status(now), Open: n.AcceptsClaims(now), DaysLeft: n.DaysLeft(now), Counts: counts})
		demo = demo || n.Demo
	}
	rank := map[models.NoticeStatus]int{models.NoticeOpen: 0, models.NoticeExpired: 1, models.NoticeConcluded: 2}
	sort.SliceStable(p.Items, func(i, j int) bool {
		a, b := p.Items[i], p.Items[j]
		if rank[a.Status] != rank[b.Status] {
			return rank[a.Status] < rank[b.Status]
		}
		if a.Province != b.Province {
			return a.Province < b.Province
		}
		return a.LastDay < b.LastDay
	})
	return s.render(c, "zombies", pageData{Title: "zombies.title", Demo: demo, Data: p,
		Feeds: s.feedLinks(c, pageFeeds{Province: province, NoticeKind: string(models.NoticeZombieList), Notices: true, Calendar: true})})
}
