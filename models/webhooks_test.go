package models_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestWebhookBackoff: 30 s doubling, never more than an hour apart.
func TestWebhookBackoff(t *testing.T) {
	want := map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 7: 32 * time.Minute, 8: time.Hour, 40: time.Hour}
	for attempts, d := range want {
		if got := models.WebhookBackoff(attempts); got != d {
			t.Errorf("after %d: %s, want %s", attempts, got, d)
		}
	}
}

// TestWebhooks registers webhooks with filters (bad ones refused field by field, past the limit a
// refusal, a secret sealed at rest), matches ledger entries against the filters (an entry before the
// webhook was made never), queues each delivery once, lets one claimant of a due delivery try it,
// records a failure with its backoff, a success, and a delivery given up after 24 hours; deleting a
// webhook deletes its log; another account never sees it.
func TestWebhooks(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, models.ChinaZone)
	sl := models.NewSealer(strings.Repeat("k", 40))
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		in := seedFiler(t, st)
		if _, err := st.FileDisclosure(ctx, in, models.NewDisclosure{Kind: "other", Title: "登记前", Body: "正文。"}, "a@x.cn", now); err != nil {
			t.Fatal(err)
		}
		u, _, _, err := st.CreateUser(ctx, models.NewUser{Role: models.RoleInstitution, Email: "hook@x.cn", InstitutionUSCC: in.USCC})
		if err != nil {
			t.Fatal(err)
		}
		other, _, _, err := st.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "other@x.cn"})
		if err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			nw     models.NewWebhook
			fields map[string]string
		}{
			{models.NewWebhook{URL: ""}, map[string]string{"url": models.CodeRequired}},
			{models.NewWebhook{URL: "ftp://example.cn/x"}, map[string]string{"url": models.CodeWebhookURL}},
			{models.NewWebhook{URL: "https://user:pw@example.cn/x"}, map[string]string{"url": models.CodeWebhookURL}},
			{models.NewWebhook{URL: "https://example.cn/x#frag"}, map[string]string{"url": models.CodeWebhookURL}},
			{models.NewWebhook{URL: "/relative"}, map[string]string{"url": models.CodeWebhookURL}},
			{models.NewWebhook{URL: "https://example.cn/" + strings.Repeat("a", models.MaxWebhookURL)}, map[string]string{"url": models.CodeTooLong}},
			{models.NewWebhook{URL: "https://example.cn/x", WebhookFilter: models.WebhookFilter{Province: "440100", Institution: "91440106MA5D0AMD1X", Kind: "tweet"}},
				map[string]string{"province": models.CodeNotProvince, "institution": models.CodeUSCC, "kind": models.CodeOneOf}},
			{models.NewWebhook{URL: "https://example.cn/x", WebhookFilter: models.WebhookFilter{Institution: "91350100M000100Y43"}},
				map[string]string{"institution": models.CodeUnknownInstitution}},
		} {
			_, _, err := st.CreateWebhook(ctx, sl, u.ID, c.nw, now)
			var fe models.FieldErrors
			if !errors.As(err, &fe) || len(fe) != len(c.fields) {
				t.Fatalf("%+v: %v", c.nw, err)
			}
			for field, code := range c.fields {
				if fe.Code(field) != code {
					t.Errorf("%+v: %s is %q, want %q", c.nw, field, fe.Code(field), code)
				}
			}
		}

		all, secret, err := st.CreateWebhook(ctx, sl, u.ID, models.NewWebhook{URL: " https://example.cn/all "}, now)
		if err != nil || !strings.HasPrefix(secret, "whsec_") || all.URL != "https://example.cn/all" || all.AfterSeq != 1 {
			t.Fatalf("%+v %q %v", all, secret, err)
		}
		if strings.Contains(all.SecretSealed, secret) {
			t.Fatal("the secret is stored in clear")
		}
		if opened, err := sl.Open(models.WebhookSecretPurpose, all.SecretSealed); err != nil || opened != secret {
			t.Fatalf("sealed secret opens to %q, %v", opened, err)
		}
		mine, _, err := st.CreateWebhook(ctx, sl, u.ID, models.NewWebhook{URL: "https://example.cn/mine",
			WebhookFilter: models.WebhookFilter{Institution: strings.ToLower(in.USCC), Kind: "major_event"}}, now)
		if err != nil || mine.Institution != in.USCC {
			t.Fatalf("%+v %v", mine, err)
		}
		elsewhere, _, err := st.CreateWebhook(ctx, sl, u.ID, models.NewWebhook{URL: "https://example.cn/bj",
			WebhookFilter: models.WebhookFilter{Province: "110000"}}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UserWebhook(ctx, other.ID, all.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another account reads the webhook: %v", err)
		}
		if err := st.DeleteWebhook(ctx, other.ID, all.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another account deletes the webhook: %v", err)
		}

		// Two new entries: a major event and an "other" disclosure of the Guangdong institution.
		for _, kind := range []string{"major_event", "other"} {
			nd := models.NewDisclosure{Kind: kind, Title: kind, Body: "正文。"}
			if kind == "major_event" {
				at := now.Add(-time.Hour)
				nd.EventAt, nd.EventType = &at, "litigation"
			}
			if _, err := st.FileDisclosure(ctx, in, nd, "a@x.cn", now); err != nil {
				t.Fatal(err)
			}
		}
		entries, err := st.LedgerAfter(ctx, 0, 10)
		if err != nil || len(entries) != 3 {
			t.Fatalf("%d entries, %v", len(entries), err)
		}
		hooks, err := st.LiveWebhooks(ctx)
		if err != nil || len(hooks) != 3 {
			t.Fatalf("%d live webhooks, %v", len(hooks), err)
		}
		takes := map[uint64][]uint64{}
		var queue []models.WebhookDelivery
		for _, e := range entries {
			sub, err := st.EntrySubjectOf(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(sub.Provinces, ","), "440000") || sub.Institutions[0] != in.USCC {
				t.Fatalf("subject of %d: %+v", e.Seq, sub)
			}
			for _, w := range hooks {
				if w.Takes(e, sub) {
					takes[w.ID] = append(takes[w.ID], e.Seq)
					queue = append(queue, models.WebhookDelivery{WebhookID: w.ID, Seq: e.Seq, Kind: e.Kind, CreatedAt: now})
				}
			}
		}
		if len(takes[all.ID]) != 2 || takes[all.ID][0] != 2 || len(takes[mine.ID]) != 1 || takes[mine.ID][0] != 2 || len(takes[elsewhere.ID]) != 0 {
			t.Fatalf("takes %v (all %d, mine %d, elsewhere %d)", takes, all.ID, mine.ID, elsewhere.ID)
		}
		for range 2 { // queued twice: once each
			if err := st.EnqueueDeliveries(ctx, queue); err != nil {
				t.Fatal(err)
			}
		}
		due, err := st.DueDeliveries(ctx, now, 10)
		if err != nil || len(due) != 3 {
			t.Fatalf("%d due, %v", len(due), err)
		}

		// One of two claimants tries a delivery.
		d := due[0]
		first, err1 := st.ClaimDelivery(ctx, d, now)
		second, err2 := st.ClaimDelivery(ctx, d, now)
		if err1 != nil || err2 != nil || !first || second {
			t.Fatalf("claims %v %v, %v %v", first, second, err1, err2)
		}
		failed, err := st.DeliveryDone(ctx, d, false, 500, "HTTP 500", now)
		if err != nil || failed.Status != models.DeliveryPending || failed.Attempts != 1 || !failed.NextAt.Equal(now.Add(30*time.Second)) {
			t.Fatalf("%+v %v", failed, err)
		}
		// The failed webhook's other delivery waits with it; the other webhook's is due.
		if due, _ := st.DueDeliveries(ctx, now.Add(29*time.Second), 10); len(due) != 1 || due[0].WebhookID == d.WebhookID {
			t.Fatalf("due before the backoff ends: %+v", due)
		}
		due, _ = st.DueDeliveries(ctx, now.Add(30*time.Second), 10)
		var again models.WebhookDelivery
		for _, x := range due {
			if x.ID == d.ID {
				again = x
			}
		}
		if again.ID == 0 || again.Attempts != 1 || again.LastError != "HTTP 500" || again.LastStatus != 500 {
			t.Fatalf("after the backoff: %+v", again)
		}
		ok, err := st.DeliveryDone(ctx, again, true, 204, "", now.Add(31*time.Second))
		if err != nil || ok.Status != models.DeliveryDelivered || ok.Attempts != 2 || ok.LastError != "" {
			t.Fatalf("%+v %v", ok, err)
		}
		// A delivery failing past 24 hours is given up.
		late := due[len(due)-1]
		if late.ID == d.ID {
			late = due[0]
		}
		gaveUp, err := st.DeliveryDone(ctx, late, false, 0, "no answer within 10s", now.Add(models.WebhookRetryFor))
		if err != nil || gaveUp.Status != models.DeliveryFailed {
			t.Fatalf("%+v %v", gaveUp, err)
		}
		if due, _ := st.DueDeliveries(ctx, now.Add(48*time.Hour), 10); len(due) != 1 {
			t.Fatalf("%d still due, want the one never tried", len(due))
		}

		log, total, err := st.WebhookDeliveries(ctx, all.ID, 1, 20)
		if err != nil || total != 2 || len(log) != 2 || log[0].Seq != 3 {
			t.Fatalf("log %+v, %d, %v", log, total, err)
		}
		if err := st.DeleteWebhook(ctx, u.ID, all.ID); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := st.WebhookDeliveries(ctx, all.ID, 1, 20); total != 0 {
			t.Fatalf("%d deliveries left after the webhook was deleted", total)
		}

		// The limit, and a disabled account's webhooks are not live.
		for i := len(hooks) - 1; i < models.MaxWebhooksPerUser; i++ {
			if _, _, err := st.CreateWebhook(ctx, sl, u.ID, models.NewWebhook{URL: "https://example.cn/n"}, now); err != nil {
				t.Fatal(err)
			}
		}
		var refusal *models.Refusal
		if _, _, err := st.CreateWebhook(ctx, sl, u.ID, models.NewWebhook{URL: "https://example.cn/n"}, now); !errors.As(err, &refusal) || refusal.Code != models.CodeWebhookLimit {
			t.Fatalf("past the limit: %v", err)
		}
		if _, err := st.SetUserDisabled(ctx, u.ID, true, other, now); err != nil {
			t.Fatal(err)
		}
		if hooks, _ := st.LiveWebhooks(ctx); len(hooks) != 0 {
			t.Fatalf("%d live webhooks of a disabled account", len(hooks))
		}
		if due, _ := st.DueDeliveries(ctx, now.Add(48*time.Hour), 10); len(due) != 0 {
			t.Fatalf("%d deliveries of a disabled account due", len(due))
		}
	})
}
