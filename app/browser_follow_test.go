package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestBrowserFollow walks the follow flow in Chromium as a visitor does, with screenshots at desktop
// and phone (390 px) width: the 关注 form on an institution page, the page after sending it, the
// confirmation link from the mail (read from Mailpit), and unsubscribing through the mail's link and
// its button.
func TestBrowserFollow(t *testing.T) {
	smtpURL, box := testMail(t)
	ctx := newBrowserContext(t)
	bs := startBrowserServerWith(t, map[string]string{"PILU_SMTP_URL": smtpURL})
	var uscc string
	dbtest.Handle(context.Background(), bs.store).Table("institutions").Order("id").Limit(1).Pluck("uscc", &uscc)
	email := "browser." + strings.ToLower(uscc) + "@example.cn"
	f := newFlow(t, bs, ctx, "follow")
	f.step("institution-form", f.open("/institutions/"+uscc+"?lang=zh#follow"), chromedp.WaitVisible(`#follow-email`))
	f.step("sent", typeInto("#follow-email", email), clickAndWait(`#follow button[type=submit]`), expectText("main", "确认邮件已发出"))
	if err := bs.runMail(context.Background()); err != nil {
		t.Fatal(err)
	}
	mails := box.inbox(email)
	if len(mails) == 0 {
		t.Fatal("no confirmation mail")
	}
	f.step("confirmed", f.open(linkIn(t, mails[len(mails)-1].Text, "/follow/confirm")), expectText("main", "已确认关注"))
	unsub := bs.unsubscribeURL(mustFollower(t, bs))
	f.step("ask-unsubscribe", f.open(strings.TrimPrefix(unsub, bs.cfg.BaseURL)), expectText("main", "退订后"))
	f.step("unsubscribed", clickAndWait(`main form button`), expectText("main", "已退订"))

	// The search results and a notice offer the follow of the institutions they show.
	var name string
	var noticeID uint64
	dbtest.Handle(context.Background(), bs.store).Table("institutions").Where("uscc = ?", uscc).Pluck("name", &name)
	dbtest.Handle(context.Background(), bs.store).Table("notices").Where("published_at IS NOT NULL").Order("id").Limit(1).Pluck("id", &noticeID)
	waitForIndex(t, bs.testServer)
	f.step("search-form", f.open("/search?lang=zh&q="+url.QueryEscape(name)+"#follow"), chromedp.WaitVisible(`#follow-email`))
	f.step("notice-form", f.open(fmt.Sprintf("/notices/%d?lang=zh#follow", noticeID)), chromedp.WaitVisible(`#follow-email`))
}

// mustFollower loads the only follow of the server.
func mustFollower(t *testing.T, bs *browserServer) models.Follower {
	t.Helper()
	var f models.Follower
	if err := dbtest.Handle(context.Background(), bs.store).Order("id").Take(&f).Error; err != nil {
		t.Fatal(err)
	}
	return f
}
