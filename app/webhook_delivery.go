package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"golang.org/x/sync/errgroup"

	"pilu/models"
)

// Webhook deliveries, run by the scheduler's lease holder only (runWebhooks): new ledger entries are
// matched against the webhooks' filters and queued once per webhook and entry, then each due
// delivery is POSTed: the body is the change-stream entry (the same JSON as GET /api/v1/changes
// gives, record included) and the header Pilu-Signature is "t=UNIX,v1=HEX", HEX being the
// HMAC-SHA256 under the webhook's secret of "UNIX.BODY" (Stripe's scheme). A 2xx answer delivers
// it; anything else (another status, a redirect, no answer within webhookTimeout, a refused address)
// is tried again after models.WebhookBackoff until models.WebhookRetryFor has passed.

// deliveriesPerRun is the most deliveries one run tries; webhooksAtOnce how many webhooks' receivers
// are sent to at the same time (each webhook's deliveries go one after another, so a receiver that
// never answers holds up only itself).
const (
	deliveriesPerRun = 40
	webhooksAtOnce   = 4
)

// signatureHeader is the header carrying a delivery's signature.
const signatureHeader = "Pilu-Signature"

// signWebhook is the value of Pilu-Signature for body sent at unix time t under secret.
func signWebhook(secret string, t int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(t, 10) + "."))
	m.Write(body)
	return fmt.Sprintf("t=%d,v1=%s", t, hex.EncodeToString(m.Sum(nil)))
}

// runWebhooks is the scheduler's webhook job: it queues the deliveries of new ledger entries and
// makes the due tries.
func (s *Server) runWebhooks(ctx context.Context) error {
	if err := s.enqueueDeliveries(ctx); err != nil {
		return err
	}
	return s.deliverWebhooks(ctx)
}

// enqueueDeliveries reads the ledger from the webhook cursor and queues a delivery of each entry to
// each live webhook that takes it. The entries are read before the webhooks, so a webhook made
// meanwhile (whose AfterSeq is at least the head when it was made) misses none of its entries.
func (s *Server) enqueueDeliveries(ctx context.Context) error {
	cursor, err := s.store.WebhookCursor(ctx)
	if err != nil {
		return err
	}
	for {
		entries, err := s.store.LedgerAfter(ctx, cursor, 200)
		if err != nil || len(entries) == 0 {
			return err
		}
		hooks, err := s.store.LiveWebhooks(ctx)
		if err != nil {
			return err
		}
		var ds []models.WebhookDelivery
		for _, e := range entries {
			cursor = e.Seq
			if len(hooks) == 0 {
				continue
			}
			sub, err := s.store.EntrySubjectOf(ctx, e)
			if errors.Is(err, models.ErrNotFound) {
				sub = models.EntrySubject{Kinds: []string{e.Kind}} // sent as the change stream has it
			} else if err != nil {
				return err
			}
			for _, w := range hooks {
				if w.Takes(e, sub) {
					ds = append(ds, models.WebhookDelivery{WebhookID: w.ID, Seq: e.Seq, Kind: e.Kind, CreatedAt: s.now()})
				}
			}
		}
		if err := s.store.EnqueueDeliveries(ctx, ds); err != nil {
			return err
		}
		if err := s.store.SetWebhookCursor(ctx, cursor); err != nil {
			return err
		}
	}
}

// deliverWebhooks tries up to deliveriesPerRun due deliveries, webhooksAtOnce webhooks at a time;
// after a failed try, the webhook's other deliveries wait for the next run.
func (s *Server) deliverWebhooks(ctx context.Context) error {
	due, err := s.store.DueDeliveries(ctx, s.now(), deliveriesPerRun)
	if err != nil || len(due) == 0 {
		return err
	}
	byHook := map[uint64][]models.WebhookDelivery{}
	var order []uint64
	for _, d := range due {
		if byHook[d.WebhookID] == nil {
			order = append(order, d.WebhookID)
		}
		byHook[d.WebhookID] = append(byHook[d.WebhookID], d)
	}
	sl := s.sealer()
	var g errgroup.Group
	g.SetLimit(webhooksAtOnce)
	var mu sync.Mutex
	var first error
	for _, id := range order {
		g.Go(func() error {
			if err := s.deliverTo(ctx, sl, id, byHook[id]); err != nil && ctx.Err() == nil {
				mu.Lock()
				first = errors.Join(first, err)
				mu.Unlock()
			}
			return nil
		})
	}
	g.Wait()
	return first
}

// deliverTo tries the due deliveries of webhook id in order, stopping at the first that fails.
func (s *Server) deliverTo(ctx context.Context, sl *models.Sealer, id uint64, due []models.WebhookDelivery) error {
	w, err := s.store.WebhookByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) {
		return nil // deleted meanwhile, with its log
	} else if err != nil {
		return err
	}
	secret, err := sl.Open(models.WebhookSecretPurpose, w.SecretSealed)
	if err != nil {
		return fmt.Errorf("app: webhook %d: %w", w.ID, err)
	}
	u, err := url.Parse(w.URL)
	if err != nil {
		return fmt.Errorf("app: webhook %d: %w", w.ID, err)
	}
	client := s.webhookGuard.client(u)
	for _, d := range due {
		if mine, err := s.store.ClaimDelivery(ctx, d, s.now()); err != nil || !mine {
			if err != nil {
				return err
			}
			continue // another process tries it
		}
		body, err := s.deliveryBody(ctx, d)
		if err != nil {
			return err
		}
		status, reason := s.post(ctx, client, w, d, secret, body)
		if ctx.Err() != nil {
			return nil // the lease was lost: the claim lapses and the next holder tries again
		}
		done, err := s.store.DeliveryDone(ctx, d, reason == "", status, reason, s.now())
		if err != nil {
			return err
		}
		s.metrics.webhookTries.WithLabelValues(done.Status).Inc()
		if reason != "" {
			s.log.Warn("webhook not delivered", "webhook", w.ID, "seq", d.Seq, "attempt", done.Attempts, "status", done.Status, "err", reason)
			return nil
		}
	}
	return nil
}

// deliveryBody is the change-stream entry of delivery d, as GET /api/v1/changes gives it.
func (s *Server) deliveryBody(ctx context.Context, d models.WebhookDelivery) ([]byte, error) {
	items, err := s.changes(ctx, d.Seq-1, 1)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 || items[0].Seq != d.Seq {
		return nil, fmt.Errorf("app: webhook delivery %d: ledger entry %d: %w", d.ID, d.Seq, models.ErrNotFound)
	}
	return json.Marshal(items[0])
}

// post sends body to webhook w, signed, and returns the answer's status and, when it is not a 2xx
// answer, why ("" when delivered).
func (s *Server) post(ctx context.Context, client *http.Client, w models.Webhook, d models.WebhookDelivery, secret string, body []byte) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Pilu-Webhook/1")
	req.Header.Set(signatureHeader, signWebhook(secret, s.now().Unix(), body))
	req.Header.Set("Pilu-Delivery", strconv.FormatUint(d.ID, 10))
	req.Header.Set("Pilu-Event", d.Kind)
	res, err := client.Do(req)
	if err != nil {
		return 0, s.webhookGuard.deliveryError(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, webhookAnswerLimit))
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return res.StatusCode, ""
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return res.StatusCode, fmt.Sprintf("HTTP %d: redirects are not followed (register the final URL)", res.StatusCode)
	}
	return res.StatusCode, fmt.Sprintf("HTTP %d", res.StatusCode)
}
