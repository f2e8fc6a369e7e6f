package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"pilu/app/proctest"
	"pilu/models"
	"pilu/models/dbtest"
)

// mailpit reads the inbox of the Mailpit server .ci/run starts (PILU_TEST_MAILPIT_API).
type mailpit struct {
	t   *testing.T
	api string
}

// mailpitMessage is one received mail as the test reads it.
type mailpitMessage struct {
	ID, Subject, Text string
	Headers           map[string][]string
}

// testMail returns the SMTP URL and the Mailpit API of the test mail server; the test is skipped
// without them, except under CI=true, where they are required.
func testMail(t *testing.T) (string, *mailpit) {
	t.Helper()
	smtpURL, api := os.Getenv("PILU_TEST_SMTP_URL"), os.Getenv("PILU_TEST_MAILPIT_API")
	if smtpURL == "" || api == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PILU_TEST_SMTP_URL and PILU_TEST_MAILPIT_API must be set under CI=true (bash .ci/run starts Mailpit)")
		}
		t.Skip("PILU_TEST_SMTP_URL / PILU_TEST_MAILPIT_API not set: the mail test needs Mailpit (bash .ci/run starts it)")
	}
	return smtpURL, &mailpit{t: t, api: strings.TrimRight(api, "/")}
}

func (m *mailpit) getJSON(path string, v any) {
	m.t.Helper()
	res, err := http.Get(m.api + path)
	if err != nil {
		m.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		m.t.Fatalf("mailpit %s: %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		m.t.Fatal(err)
	}
}

// inbox returns the mails to address, oldest first, each with its text and headers.
func (m *mailpit) inbox(address string) []mailpitMessage {
	m.t.Helper()
	var list struct {
		Messages []struct{ ID, Subject string } `json:"messages"`
	}
	m.getJSON("/api/v1/search?query="+url.QueryEscape(`to:"`+address+`"`), &list)
	out := make([]mailpitMessage, 0, len(list.Messages))
	for i := len(list.Messages) - 1; i >= 0; i-- { // Mailpit lists newest first
		var msg struct{ Text string }
		m.getJSON("/api/v1/message/"+list.Messages[i].ID, &msg)
		var h map[string][]string
		m.getJSON("/api/v1/message/"+list.Messages[i].ID+"/headers", &h)
		out = append(out, mailpitMessage{ID: list.Messages[i].ID, Subject: list.Messages[i].Subject, Text: msg.Text, Headers: h})
	}
	return out
}

// linkIn finds the first portal link with path prefix in text, as a path with its query.
func linkIn(t *testing.T, text, prefix string) string {
	t.Helper()
	found := regexp.MustCompile(`http://pilu\.test(` + regexp.QuoteMeta(prefix) + `[^\s>]*)`).FindStringSubmatch(text)
	if found == nil {
		t.Fatalf("no %s link in %q", prefix, text)
	}
	return found[1]
}

// TestFollowByEmail follows an institution with an address through the page's form, reads the
// confirmation mail from a real SMTP server's inbox (Mailpit), confirms through its link, then files a
// disclosure, changes the class and publishes a notice naming the institution, and reads each alert
// and the two claim-window reminders (once each, however often the job runs) from the inbox; it
// unsubscribes with the List-Unsubscribe header link (an RFC 8058 one-click POST) and checks that
// nothing more arrives. Bad input tried: invalid addresses (422), a replayed confirmation link (409),
// an expired one (410), another address's unsubscribe token and an altered one (403), an address the
// server refuses (the follow ends), and a portal without mail (the form says so; 503).
func TestFollowByEmail(t *testing.T) {
	smtpURL, box := testMail(t)
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			// One secret for the two processes of the reminder step below.
			env := map[string]string{"PILU_SMTP_URL": smtpURL, "PILU_MAIL_FROM": "披露 <noreply@pilu.test>", "PILU_SECRET": strings.Repeat("m", 40)}
			for k, v := range b.env {
				env[k] = v
			}
			ts := newTestServer(t, env)
			ctx := context.Background()
			run := func() {
				t.Helper()
				if err := ts.runMail(ctx); err != nil {
					t.Fatal(err)
				}
			}
			r := make([]byte, 4)
			rand.Read(r)
			tag := hex.EncodeToString(r)
			alice, bob := "alice."+tag+"@example.cn", "bob."+tag+"@example.com"
			in := ts.seedInstitution("440106", "MA5ML0001", "广州市某某网络借贷信息中介有限公司", "440000")

			// The form is on the institution page; a visitor's CSRF token goes with it.
			page := ts.get("/institutions/" + in.USCC)
			wantAnswer(t, page, 200, `<input id="follow-email" type="email" name="email"`, `action="/follow"`)
			csrf := cookie(page, csrfCookie)
			token := ts.csrfFor(csrf.Value)
			follow := func(email, lang string) response {
				t.Helper()
				return ts.postForm("/follow?lang="+lang, url.Values{"_csrf": {token}, "uscc": {in.USCC}, "email": {email}}, csrf)
			}
			for _, bad := range []string{"", "alice", "alice@", "@example.cn", "alice@example", "Alice <alice@example.cn>",
				"a@example.cn, b@example.cn", "a b@example.cn", "alice@example.cn\r\nBcc: x@example.cn", strings.Repeat("a", 250) + "@example.cn"} {
				if r := follow(bad, "zh"); r.StatusCode != 422 || !strings.Contains(r.body, "请输入一个有效的电子邮箱地址") {
					t.Errorf("%q: %d", bad, r.StatusCode)
				}
			}
			if n := len(box.inbox(alice)); n != 0 {
				t.Fatalf("mail before any follow: %d", n)
			}
			wantAnswer(t, follow(alice, "zh"), 200, "确认邮件已发出")
			follow(alice, "zh") // sent twice: one confirmation
			run()
			mails := box.inbox(alice)
			if len(mails) != 1 || !strings.Contains(mails[0].Subject, in.Name) {
				t.Fatalf("confirmation: %+v", mails)
			}
			// The address is sealed at rest and never shown.
			var sealed []string
			dbtest.Handle(ctx, ts.store).Table("followers").Pluck("email_sealed", &sealed)
			if len(sealed) != 1 || strings.Contains(sealed[0], "alice") {
				t.Fatalf("stored address: %q", sealed)
			}
			confirm := linkIn(t, mails[0].Text, "/follow/confirm")
			wantAnswer(t, ts.get(confirm), 200, "已确认关注")
			if r := ts.get(confirm); r.StatusCode != 409 || !strings.Contains(r.body, "已经使用过") {
				t.Fatalf("replayed confirmation: %d", r.StatusCode)
			}
			if r := ts.get(strings.Replace(confirm, "&t=", "&t=x", 1)); r.StatusCode != 403 {
				t.Fatalf("altered confirmation: %d", r.StatusCode)
			}

			// Bob follows in English and confirms.
			wantAnswer(t, follow(bob, "en"), 200, "confirmation mail is on its way")
			run()
			bobs := box.inbox(bob)
			if len(bobs) != 1 || !strings.HasPrefix(bobs[0].Subject, "Confirm following") {
				t.Fatalf("bob's confirmation: %+v", bobs)
			}
			wantAnswer(t, ts.get(linkIn(t, bobs[0].Text, "/follow/confirm")), 200, "Confirmed")

			// A disclosure, a class change and a notice naming the institution: one mail each.
			d, err := ts.store.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "exit_announcement", Title: "良性退出公告", Body: "本平台即日起停止新增业务。"}, "filer@example.cn", ts.now())
			if err != nil {
				t.Fatal(err)
			}
			run()
			run()
			mails = box.inbox(alice)
			if len(mails) != 2 || !strings.Contains(mails[1].Subject, "良性退出公告") || !strings.Contains(mails[1].Text, fmt.Sprintf("http://pilu.test/disclosures/%d", d.ID)) {
				t.Fatalf("disclosure alert: %+v", mails)
			}
			h := mails[1].Headers
			unsub := strings.Trim(strings.Join(h["List-Unsubscribe"], ""), "<>")
			if !strings.HasPrefix(unsub, "http://pilu.test/follow/unsubscribe?") || strings.Join(h["List-Unsubscribe-Post"], "") != "List-Unsubscribe=One-Click" ||
				!strings.Contains(mails[1].Text, unsub) {
				t.Fatalf("unsubscribe headers: %v", h)
			}
			if _, err := ts.store.ClassifyWithEvidence(ctx, in, models.Classification{Class: "zombie", Reason: "连续三个月无新增业务"}, "gd@example.cn", ts.now()); err != nil {
				t.Fatal(err)
			}
			n := ts.openTestNotice("440000", "关于僵尸类网贷机构名单的公告", 20, in)
			run()
			mails = box.inbox(alice)
			if len(mails) != 4 || !strings.Contains(mails[2].Subject, "僵尸类") || !strings.Contains(mails[3].Subject, n.Title) || !strings.Contains(mails[3].Text, "申报截止") {
				t.Fatalf("class and notice alerts: %d %+v", len(mails), mails)
			}
			if bobs = box.inbox(bob); len(bobs) != 4 || !strings.Contains(bobs[3].Subject, "Named in a notice") {
				t.Fatalf("bob's alerts: %+v", bobs)
			}

			// The notice page offers the follow of the institutions it lists.
			wantAnswer(t, ts.get(fmt.Sprintf("/notices/%d", n.ID)), 200, `<input id="follow-email" type="email"`, `name="uscc" value="`+in.USCC+`"`)

			// Reminders: 7 days and 1 day before the window closes, once each, though a second
			// process on the same database runs the mail job at the same time.
			other := newTestServer(t, env)
			last, _ := time.ParseInLocation("2006-01-02", n.LastDay, models.ChinaZone)
			ts.clock.t = last.AddDate(0, 0, -7).Add(9 * time.Hour)
			other.clock.t = ts.clock.t
			var wg sync.WaitGroup
			for _, srv := range []*testServer{ts, other, ts, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := srv.runMail(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			ts.clock.t = last.AddDate(0, 0, -1).Add(9 * time.Hour)
			run()
			run()
			mails = box.inbox(alice)
			if len(mails) != 6 || !strings.Contains(mails[4].Subject, "还剩 8 天") || !strings.Contains(mails[5].Subject, "还剩 2 天") {
				t.Fatalf("reminders: %d %v", len(mails), subjects(mails))
			}

			// Unsubscribing: a token for another address, or altered, is refused.
			bobUnsub := strings.Trim(strings.Join(box.inbox(bob)[1].Headers["List-Unsubscribe"], ""), "<>")
			aliceID := regexp.MustCompile(`f=(\d+)`).FindStringSubmatch(unsub)[1]
			bobToken := regexp.MustCompile(`t=([^&]+)`).FindStringSubmatch(bobUnsub)[1]
			for _, path := range []string{"/follow/unsubscribe?f=" + aliceID + "&t=" + bobToken, strings.TrimPrefix(unsub, "http://pilu.test") + "x"} {
				req := httptest.NewRequest("POST", path, strings.NewReader("List-Unsubscribe=One-Click"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if r := ts.do(req); r.StatusCode != 403 {
					t.Fatalf("%s: %d", path, r.StatusCode)
				}
			}
			// A GET only asks; the one-click POST of a mail program ends the follow.
			wantAnswer(t, ts.get(strings.TrimPrefix(unsub, "http://pilu.test")), 200, "退订")
			req := httptest.NewRequest("POST", strings.TrimPrefix(unsub, "http://pilu.test"), strings.NewReader("List-Unsubscribe=One-Click"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			wantAnswer(t, ts.do(req), 200, "已退订")
			if id := mustUint(t, aliceID); true {
				if _, err := ts.store.FollowerByID(ctx, id); !errors.Is(err, models.ErrNotFound) {
					t.Fatalf("follower after unsubscribe: %v", err)
				}
			}
			if _, err := ts.store.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "other", Title: "其他事项公告", Body: "办公地址变更。"}, "filer@example.cn", ts.now()); err != nil {
				t.Fatal(err)
			}
			run()
			if got := box.inbox(alice); len(got) != 6 {
				t.Fatalf("mail after unsubscribing: %v", subjects(got))
			}
			if got := box.inbox(bob); len(got) != 7 || !strings.Contains(got[6].Subject, "其他事项公告") {
				t.Fatalf("bob after alice left: %v", subjects(got))
			}

			// An address the server refuses for good: the follow ends at the first refusal.
			bounce := "nobody." + tag + "@bounce.example.org"
			follow(bounce, "zh")
			run()
			var left int64
			dbtest.Handle(ctx, ts.store).Table("followers").Count(&left)
			if left != 1 {
				t.Fatalf("followers after a refused address: %d, want bob alone", left)
			}
			var reasons []string
			dbtest.Handle(ctx, ts.store).Table("mail_outbox").Where("last_error <> ''").Pluck("last_error", &reasons)
			if len(reasons) != 1 || strings.Contains(reasons[0], "nobody") {
				t.Fatalf("the refusal, recorded without the address: %q", reasons)
			}

			// An expired confirmation link.
			carol := "carol." + tag + "@example.cn"
			follow(carol, "zh")
			run()
			link := linkIn(t, box.inbox(carol)[0].Text, "/follow/confirm")
			ts.clock.t = ts.clock.t.Add(confirmValidity + time.Minute)
			if r := ts.get(link); r.StatusCode != 410 {
				t.Fatalf("expired confirmation: %d", r.StatusCode)
			}
		})
	}
}

func subjects(ms []mailpitMessage) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	return out
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	var n uint64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFollowWithoutMail checks that a portal without PILU_SMTP_URL says so in the follow form and
// answers a follow with 503, storing nothing.
func TestFollowWithoutMail(t *testing.T) {
	ts := newTestServer(t, nil)
	in := ts.seedInstitution("440106", "MA5ML0002", "广州市无邮件网络借贷信息中介有限公司", "440000")
	page := ts.get("/institutions/" + in.USCC)
	wantAnswer(t, page, 200, "尚未配置邮件服务")
	if !strings.Contains(page.body, `type="email" name="email" required maxlength="254" autocomplete="email" inputmode="email" placeholder="name@example.cn" disabled`) {
		t.Fatal("the follow form without mail is not disabled")
	}
	csrf := cookie(ts.get("/login"), csrfCookie)
	r := ts.postForm("/follow", url.Values{"_csrf": {ts.csrfFor(csrf.Value)}, "uscc": {in.USCC}, "email": {"a@example.cn"}}, csrf)
	if r.StatusCode != 503 {
		t.Fatalf("follow without mail: %d", r.StatusCode)
	}
	var n int64
	dbtest.Handle(context.Background(), ts.store).Table("followers").Count(&n)
	if n != 0 {
		t.Fatalf("%d followers stored", n)
	}
}

// TestMailRetriesWithBackoff sends through a mail server that does not answer (a closed loopback
// port): each failed try waits 1, 4, 16, 64 minutes before the next, the fifth gives the mail up and
// counts against the follow, and no try happens before its time.
func TestMailRetriesWithBackoff(t *testing.T) {
	closed := proctest.FreeAddr(t)
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			env := map[string]string{"PILU_SMTP_URL": "smtp://" + closed}
			for k, v := range b.env {
				env[k] = v
			}
			ts := newTestServer(t, env)
			ctx := context.Background()
			in := ts.seedInstitution("440106", "MA5ML0003", "广州市重试网络借贷信息中介有限公司", "440000")
			csrf := cookie(ts.get("/login"), csrfCookie)
			if r := ts.postForm("/follow", url.Values{"_csrf": {ts.csrfFor(csrf.Value)}, "uscc": {in.USCC}, "email": {"retry@example.cn"}}, csrf); r.StatusCode != 200 {
				t.Fatalf("follow: %d", r.StatusCode)
			}
			mail := func() models.Mail {
				var m models.Mail
				if err := dbtest.Handle(ctx, ts.store).Take(&m).Error; err != nil {
					t.Fatal(err)
				}
				return m
			}
			for try, wait := range []time.Duration{time.Minute, 4 * time.Minute, 16 * time.Minute, 64 * time.Minute, 0} {
				if err := ts.runMail(ctx); err != nil {
					t.Fatal(err)
				}
				m := mail()
				if m.Attempts != try+1 || m.SentAt != nil || m.LastError == "" || strings.Contains(m.LastError, "retry@") {
					t.Fatalf("try %d: %+v", try+1, m)
				}
				if wait == 0 {
					if m.GaveUpAt == nil {
						t.Fatalf("not given up after %d tries", m.Attempts)
					}
					break
				}
				if !m.NextAt.Equal(ts.now().Add(wait).UTC().Truncate(time.Millisecond)) && m.NextAt.Sub(ts.now().Add(wait)).Abs() > time.Second {
					t.Fatalf("try %d: next at %v, want %v later", try+1, m.NextAt, wait)
				}
				ts.clock.t = ts.clock.t.Add(wait - time.Second) // not yet
				if err := ts.runMail(ctx); err != nil || mail().Attempts != try+1 {
					t.Fatalf("tried before its time: %v", err)
				}
				ts.clock.t = ts.clock.t.Add(time.Second)
			}
			var f models.Follower
			if err := dbtest.Handle(ctx, ts.store).Take(&f).Error; err != nil || f.Failures != 1 {
				t.Fatalf("follower after a given-up mail: %+v %v", f, err)
			}
		})
	}
}
