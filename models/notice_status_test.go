package models_test

import (
	"math/rand"
	"sort"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

func TestNoticeStatus(t *testing.T) {
	pub, dl, concluded := at("2019-06-14 10:00"), at("2019-07-02 00:00"), at("2019-07-10 09:00")
	cases := []struct {
		name string
		n    models.Notice
		now  time.Time
		want models.NoticeStatus
	}{
		{"draft", models.Notice{Kind: models.NoticeZombieList}, pub, models.NoticeDraft},
		{"zombie list in its window", models.Notice{Kind: models.NoticeZombieList, PublishedAt: &pub, Deadline: &dl}, at("2019-07-01 23:59"), models.NoticeOpen},
		{"zombie list at 24:00 of its last day", models.Notice{Kind: models.NoticeZombieList, PublishedAt: &pub, Deadline: &dl}, dl, models.NoticeExpired},
		{"exit supervision in its window", models.Notice{Kind: models.NoticeExitSupervision, PublishedAt: &pub, Deadline: &dl}, pub, models.NoticeOpen},
		{"concluded", models.Notice{Kind: models.NoticeZombieList, PublishedAt: &pub, Deadline: &dl, ConcludedAt: &concluded}, concluded, models.NoticeConcluded},
		{"correction, years later", models.Notice{Kind: models.NoticeCorrection, PublishedAt: &pub}, at("2026-11-06 10:00"), models.NoticePublished},
		{"transfer", models.Notice{Kind: models.NoticeTransfer, PublishedAt: &pub}, pub, models.NoticePublished},
		{"general with a deadline stored before kinds had no window", models.Notice{Kind: models.NoticeGeneral, PublishedAt: &pub, Deadline: &dl}, pub, models.NoticePublished},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.n.Status(c.now); got != c.want {
				t.Fatalf("status %s, want %s", got, c.want)
			}
			if c.n.AcceptsClaims(c.now) != (c.want == models.NoticeOpen) {
				t.Fatalf("accepts claims %v at status %s", c.n.AcceptsClaims(c.now), c.want)
			}
		})
	}
	for _, k := range models.NoticeKinds {
		want := k == models.NoticeZombieList || k == models.NoticeExitSupervision
		if k.HasWindow() != want {
			t.Errorf("%s: HasWindow %v", k, k.HasWindow())
		}
	}
}

// TestStatusQueryAgreesWithStatus stores random notices (kinds, windows, publication and
// conclusion times, in China time and in UTC) and checks, for random moments, that the query of
// each status finds exactly the notices whose Status is that status.
func TestStatusQueryAgreesWithStatus(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		rng := rand.New(rand.NewSource(15))
		base := at("2019-01-01 00:00")
		moment := func() time.Time {
			t := base.Add(time.Duration(rng.Int63n(int64(3 * 365 * 24 * time.Hour))))
			t = t.Truncate(time.Second)
			if rng.Intn(2) == 0 {
				t = t.UTC()
			}
			return t
		}
		var notices []models.Notice
		for i := 0; i < 120; i++ {
			n := models.Notice{Kind: models.NoticeKinds[rng.Intn(len(models.NoticeKinds))], Province: "110000",
				Title: "公告", Body: "正文", Stored: models.NoticeDraft, CreatedAt: base}
			if rng.Intn(5) > 0 {
				p := moment()
				n.PublishedAt = &p
				if n.Kind.HasWindow() || rng.Intn(4) == 0 {
					d := p.Add(time.Duration(1+rng.Intn(40)) * 24 * time.Hour)
					n.Deadline = &d
					n.WindowDays = 15
				}
				if rng.Intn(4) == 0 {
					c := p.Add(time.Duration(rng.Intn(90)) * 24 * time.Hour)
					n.ConcludedAt = &c
				}
			}
			if err := dbtest.Handle(ctx, st).Create(&n).Error; err != nil {
				t.Fatal(err)
			}
			notices = append(notices, n)
		}
		nows := []time.Time{base, base.Add(4 * 365 * 24 * time.Hour)}
		for _, n := range notices {
			if n.Deadline != nil { // the instant itself and one second before
				nows = append(nows, *n.Deadline, n.Deadline.Add(-time.Second).UTC())
			}
		}
		for i := 0; i < 40; i++ {
			nows = append(nows, moment())
		}
		for _, now := range nows {
			want := map[models.NoticeStatus][]uint64{}
			for _, n := range notices {
				want[n.Status(now)] = append(want[n.Status(now)], n.ID)
			}
			for _, s := range models.NoticeStatuses {
				var got []uint64
				if err := models.StatusQuery(dbtest.Handle(ctx, st).Model(&models.Notice{}), s, now).Order("id").Pluck("id", &got).Error; err != nil {
					t.Fatal(err)
				}
				sort.Slice(want[s], func(i, j int) bool { return want[s][i] < want[s][j] })
				if !equalIDs(got, want[s]) {
					t.Fatalf("at %s, status %s: query finds %v, Status says %v", now, s, got, want[s])
				}
				if s == models.NoticeDraft {
					continue
				}
				items, total, err := st.ListNotices(ctx, models.NoticeFilter{Status: s, Now: now, PerPage: 100})
				if err != nil || int(total) != len(want[s]) || len(items) != min(len(want[s]), 100) {
					t.Fatalf("at %s, list of %s: %d (%v), want %d", now, s, total, err, len(want[s]))
				}
			}
		}
	})
}

func equalIDs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTimeLeft: the countdown is whole days and the hours beyond them while the window is open,
// and -1 days and 0 hours once it is not (expired, concluded, or a kind without a window).
func TestTimeLeft(t *testing.T) {
	pub, dl := at("2019-06-14 10:00"), at("2019-07-02 00:00")
	open := models.Notice{Kind: models.NoticeZombieList, PublishedAt: &pub, Deadline: &dl}
	for _, c := range []struct {
		name        string
		n           models.Notice
		now         time.Time
		days, hours int
	}{
		{"open, days and hours", open, at("2019-06-20 09:30"), 11, 14},
		{"open, last hour", open, at("2019-07-01 23:30"), 0, 0},
		{"open, last day", open, at("2019-07-01 01:00"), 0, 23},
		{"at the deadline", open, dl, -1, 0},
		{"after the deadline", open, at("2019-07-05 12:00"), -1, 0},
		{"no window", models.Notice{Kind: models.NoticeGeneral, PublishedAt: &pub}, pub, -1, 0},
	} {
		if d, h := c.n.DaysLeft(c.now), c.n.HoursLeft(c.now); d != c.days || h != c.hours {
			t.Errorf("%s: %d days %d hours left, want %d and %d", c.name, d, h, c.days, c.hours)
		}
	}
}
