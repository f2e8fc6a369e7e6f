package app

import (
	"context"
	"strings"
	"testing"

	"pilu/models"
)

// TestAdminMail shows admins the follow mail's state — waiting, failed, given up — with the
// addresses in mail servers' errors masked, in both languages; the public is sent to log in and an
// office is refused.
func TestAdminMail(t *testing.T) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) {
			ts := newTestServer(t, be.env)
			ctx := context.Background()
			admin, _, _, err := ts.store.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "root@example.cn"})
			if err != nil {
				t.Fatal(err)
			}
			office, _, _, err := ts.store.CreateUser(ctx, modelsNewOffice("gd@example.cn", "440000"))
			if err != nil {
				t.Fatal(err)
			}
			in := ts.seedInstitution("440106", "MA5ML0002", "广州某网贷有限公司", "440000", "某贷")
			f, _, err := ts.store.Follow(ctx, ts.sealer(), "alice@example.cn", in.ID, "zh", ts.now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ts.store.EnqueueMail(ctx, models.Mail{Key: "t1", FollowerID: f.ID, Subject: "请确认关注 某贷", Body: "b", CreatedAt: ts.now()}); err != nil {
				t.Fatal(err)
			}
			due, err := ts.store.DueMails(ctx, ts.now(), 10)
			if err != nil || len(due) != 1 {
				t.Fatalf("due: %v %v", due, err)
			}
			if _, err := ts.store.MailFailed(ctx, due[0], "451 4.7.1 greylisted <alice@example.cn>", false, ts.now()); err != nil {
				t.Fatal(err)
			}

			if r := ts.get("/admin/mail"); r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
				t.Fatalf("the public on /admin/mail: %d %s", r.StatusCode, r.Header.Get("Location"))
			}
			if r := ts.newNoticeBrowser(&office).get("/admin/mail"); r.StatusCode != 403 {
				t.Fatalf("an office on /admin/mail: %d", r.StatusCode)
			}
			ab := ts.newNoticeBrowser(&admin)
			wantAnswer(t, ab.get("/admin"), 200, `href="/admin/mail"`)
			r := ab.get("/admin/mail")
			wantAnswer(t, r, 200, "关注邮件发送情况", "未配置邮件服务器", "请确认关注 某贷", "***@example.cn", "将于", "1 个（已确认 0 个）")
			if strings.Contains(r.body, "alice") {
				t.Error("the admin's mail page shows a follower's address")
			}
			if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q", cc)
			}
			wantAnswer(t, ab.get("/admin/mail?lang=en"), 200, "Follow mail", "No mail server is configured", "next try", "1 (0 confirmed)")
		})
	}
}
