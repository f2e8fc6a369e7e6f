package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"pilu/models"
)

// foldViewports are the screens whose first view the fold test checks: a phone and a desktop.
var foldViewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"phone", 390, 844, true}, {"desktop", 1280, 800, false}}

// openNoticeFold (issue 16): on a phone and on a desktop, the first screen of the page of an
// institution on an open zombie list, and of that list's page, shows the banner with the last day,
// the countdown and the 申报债权 button, in Chinese and in English, with and without JavaScript.
func openNoticeFold(t *testing.T, bs *browserServer, ctx context.Context, name string, js bool) {
	open, _, err := bs.store.ListNotices(context.Background(), models.NoticeFilter{Kind: models.NoticeZombieList, Status: models.NoticeOpen, Now: bs.now(), PerPage: 1})
	if err != nil || len(open) == 0 {
		t.Fatalf("no open zombie list in the demo data set: %v", err)
	}
	n, err := bs.store.NoticeByID(context.Background(), open[0].ID)
	if err != nil || len(n.Institutions) == 0 {
		t.Fatalf("notice %d lists nobody: %v", open[0].ID, err)
	}
	uscc := n.Institutions[0].USCC
	claim := fmt.Sprintf(`.open-notice a.button[href="/notices/%d/claims/new?institution=%s"]`, n.ID, uscc)
	f := newFlow(t, bs, ctx, name)
	// Without JavaScript the countdown is as of the page's date and the note saying so is shown;
	// countdown.js makes it live and hides the note.
	asOf := chromedp.Action[chromedp.Void](visible(".open-notice .countdown-asof"))
	if js {
		asOf = chromedp.WaitNotVisible(chromedp.CSS(".open-notice .countdown-asof"))
	}
	for _, v := range foldViewports {
		// each step sets the screen, as the screenshots after a step reset it
		screen := chromedp.EmulateViewport(v.width, v.height, func(p *emulation.SetDeviceMetricsOverrideParams, _ *emulation.SetTouchEmulationEnabledParams) {
			p.Mobile = v.mobile
		})
		for _, page := range []struct{ name, path string }{{"institution", "/institutions/" + uscc}, {"notice", fmt.Sprintf("/notices/%d", n.ID)}} {
			for _, lang := range []string{"zh", "en"} {
				f.step(strings.Join([]string{page.name, v.name, lang}, "-"), screen, f.open(page.path+"?lang="+lang), visible(".open-notice"), asOf,
					inFirstScreen(".open-notice h2"), inFirstScreen(".open-notice strong"), inFirstScreen(".open-notice .countdown"), inFirstScreen(claim),
					expectText(".open-notice .countdown", map[string]string{"zh": "距截止还有", "en": "left"}[lang]))
			}
		}
	}
}

// inFirstScreen fails when the element sel is not wholly inside the viewport of the page as opened
// (scrolled to the top): the reader sees it without scrolling.
func inFirstScreen(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		js := fmt.Sprintf(`(() => { window.scrollTo(0, 0); const e = document.querySelector(%q); if (!e) return "missing";
			const r = e.getBoundingClientRect();
			return (r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth) ? "" :
				"at " + Math.round(r.left) + "," + Math.round(r.top) + "–" + Math.round(r.right) + "," + Math.round(r.bottom) + " in a " + innerWidth + "×" + innerHeight + " screen"; })()`, sel)
		got, err := chromedp.Evaluate[string](js)(ctx, t)
		if err != nil {
			return err
		}
		if got != "" {
			return fmt.Errorf("%s is not on the first screen: %s", sel, got)
		}
		return nil
	})
}
