package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pilu/models"
)

// Webhooks (issue 17): an account holder registers receivers of the change stream on the account
// page (/account) or through the API (/api/v1/webhooks, with the account's token), reads each one's
// delivery log there, and deletes them. The signing secret is shown once, when the webhook is made.
// Deliveries are made by the scheduler (webhook_delivery.go).

// webhookKindVocabulary labels the kinds of a webhook filter in messages.
const webhookKindVocabulary = "webhook_kind|disclosure_kind|notice_kind"

// webhookRequest is a webhook to register, as the API and the form send it.
type webhookRequest struct {
	URL         string `json:"url" form:"url"`
	Province    string `json:"province" form:"province"`
	Institution string `json:"institution" form:"institution"`
	Kind        string `json:"kind" form:"kind"`
}

// webhookJSON is a webhook as the API answers it; Secret only in the answer that made it.
type webhookJSON struct {
	ID          uint64    `json:"id"`
	URL         string    `json:"url"`
	Province    string    `json:"province"`
	Institution string    `json:"institution"`
	Kind        string    `json:"kind"`
	AfterSeq    uint64    `json:"after_seq"`
	CreatedAt   time.Time `json:"created_at"`
	Deliveries  string    `json:"deliveries"`
	Secret      string    `json:"secret,omitempty"`
}

// deliveryJSON is one entry of a webhook's delivery log.
type deliveryJSON struct {
	ID          uint64     `json:"id"`
	Seq         uint64     `json:"seq"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	LastStatus  *int       `json:"last_status"`
	LastError   string     `json:"last_error"`
	NextAt      *time.Time `json:"next_at"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
}

// webhookAnswer is w as the API answers it.
func (s *Server) webhookAnswer(w models.Webhook, secret string) webhookJSON {
	return webhookJSON{ID: w.ID, URL: w.URL, Province: w.Province, Institution: w.Institution, Kind: w.Kind,
		AfterSeq: w.AfterSeq, CreatedAt: w.CreatedAt.UTC(), Secret: secret,
		Deliveries: fmt.Sprintf("%s/api/v1/webhooks/%d/deliveries", s.cfg.BaseURL, w.ID)}
}

// deliveryAnswer is d as the delivery log shows it: next_at only while pending, last_status null
// before any answer.
func deliveryAnswer(d models.WebhookDelivery) deliveryJSON {
	out := deliveryJSON{ID: d.ID, Seq: d.Seq, Kind: d.Kind, Status: d.Status, Attempts: d.Attempts, LastError: d.LastError,
		CreatedAt: d.CreatedAt.UTC(), DeliveredAt: d.DeliveredAt}
	if d.LastStatus != 0 {
		out.LastStatus = &d.LastStatus
	}
	if d.Status == models.DeliveryPending {
		next := d.NextAt.UTC()
		out.NextAt = &next
	}
	return out
}

// registerWebhook checks req (its URL's shape and filter, and that its host's addresses may be
// reached, every reason at once) and registers it for the current account; the secret is returned
// in clear, once.
func (s *Server) registerWebhook(c *fiber.Ctx, req webhookRequest) (models.Webhook, string, error) {
	ctx := c.UserContext()
	nw := models.NewWebhook{URL: req.URL, WebhookFilter: models.WebhookFilter{Province: req.Province, Institution: req.Institution, Kind: req.Kind}}
	if u, err := models.ParseWebhookURL(req.URL); err == nil {
		if refused := s.webhookGuard.check(ctx, u); refused != nil {
			fe := refused.(models.FieldErrors)
			var others models.FieldErrors
			if err := s.store.CheckWebhook(ctx, nw); errors.As(err, &others) {
				fe.Merge("", others)
			} else if err != nil {
				return models.Webhook{}, "", err
			}
			return models.Webhook{}, "", labelWebhookKinds(fe)
		}
	}
	w, secret, err := s.store.CreateWebhook(ctx, s.sealer(), currentUser(c).ID, nw, s.now())
	if err != nil {
		return w, "", labelWebhookKinds(err)
	}
	s.log.Info("webhook registered", "user", w.UserID, "webhook", w.ID)
	return w, secret, nil
}

// labelWebhookKinds names the vocabulary of a refused kind, so that messages show its labels.
func labelWebhookKinds(err error) error {
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		for i := range fe["kind"] {
			if fe["kind"][i].Code == models.CodeOneOf {
				fe["kind"][i].Args["vocabulary"] = webhookKindVocabulary
			}
		}
	}
	return err
}

// ownWebhook loads the current account's webhook of the :id parameter (404 for anyone else's).
func (s *Server) ownWebhook(c *fiber.Ctx) (models.Webhook, error) {
	id, err := idOf(c)
	if err != nil {
		return models.Webhook{}, err
	}
	return s.store.UserWebhook(c.UserContext(), currentUser(c).ID, id)
}

// apiListWebhooks answers GET /api/v1/webhooks: the account's webhooks (at most
// models.MaxWebhooksPerUser, on one page).
func (s *Server) apiListWebhooks(c *fiber.Ctx) error {
	hooks, err := s.store.UserWebhooks(c.UserContext(), currentUser(c).ID)
	if err != nil {
		return err
	}
	items := make([]webhookJSON, len(hooks))
	for i, w := range hooks {
		items[i] = s.webhookAnswer(w, "")
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(listAnswer{Items: items, Total: int64(len(items)), Page: 1, PerPage: models.MaxWebhooksPerUser})
}

// apiCreateWebhook answers POST /api/v1/webhooks: 201 with the webhook and its secret, shown once.
func (s *Server) apiCreateWebhook(c *fiber.Ctx) error {
	var req webhookRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	w, secret, err := s.registerWebhook(c, req)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderLocation, fmt.Sprintf("/api/v1/webhooks/%d", w.ID))
	return c.Status(201).JSON(s.webhookAnswer(w, secret))
}

// apiShowWebhook answers GET /api/v1/webhooks/{id}.
func (s *Server) apiShowWebhook(c *fiber.Ctx) error {
	w, err := s.ownWebhook(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(s.webhookAnswer(w, ""))
}

// apiDeleteWebhook answers DELETE /api/v1/webhooks/{id}: 204; its delivery log goes with it.
func (s *Server) apiDeleteWebhook(c *fiber.Ctx) error {
	w, err := s.ownWebhook(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteWebhook(c.UserContext(), w.UserID, w.ID); err != nil {
		return err
	}
	s.log.Info("webhook deleted", "user", w.UserID, "webhook", w.ID)
	return c.SendStatus(fiber.StatusNoContent)
}

// apiListDeliveries answers GET /api/v1/webhooks/{id}/deliveries: the delivery log, newest entry
// first.
func (s *Server) apiListDeliveries(c *fiber.Ctx) error {
	_, items, total, p, err := s.deliveryLog(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(listAnswer{Items: items, Total: total, Page: p.Page, PerPage: p.PerPage})
}

// deliveryLog reads one page (the request's paging) of the delivery log of the caller's own
// webhook named in the path, newest entry first.
func (s *Server) deliveryLog(c *fiber.Ctx) (models.Webhook, []deliveryJSON, int64, listParams, error) {
	w, err := s.ownWebhook(c)
	if err != nil {
		return w, nil, 0, listParams{}, err
	}
	p, err := pagingOf(c)
	if err != nil {
		return w, nil, 0, p, err
	}
	ds, total, err := s.store.WebhookDeliveries(c.UserContext(), w.ID, p.Page, p.PerPage)
	if err != nil {
		return w, nil, 0, p, err
	}
	items := make([]deliveryJSON, len(ds))
	for i, d := range ds {
		items[i] = deliveryAnswer(d)
	}
	return w, items, total, p, nil
}

// webhookForm is the account page's form that registers a webhook, shown again after a refusal.
type webhookForm struct {
	webhookRequest
	Errors map[string]string
}

// webhookSecret is a webhook just made, with its secret shown once.
type webhookSecret struct {
	ID     uint64
	Secret string
}

// createAccountWebhook registers a webhook from the account page's form and shows its secret once;
// a refusal shows the form again with the reasons (422, 409 past the limit).
func (s *Server) createAccountWebhook(c *fiber.Ctx) error {
	req := webhookRequest{URL: strings.TrimSpace(c.FormValue("url")), Province: c.FormValue("province"),
		Institution: strings.TrimSpace(c.FormValue("institution")), Kind: c.FormValue("kind")}
	w, secret, err := s.registerWebhook(c, req)
	if err == nil {
		return s.renderAccount(c.Status(201), accountPage{WebhookSecret: &webhookSecret{ID: w.ID, Secret: secret}})
	}
	form := webhookForm{webhookRequest: req}
	var fe models.FieldErrors
	var refusal *models.Refusal
	switch {
	case errors.As(err, &fe):
		form.Errors = s.fieldMessages(s.lang(c), fe)
		c.Status(422)
	case errors.As(err, &refusal):
		form.Errors = map[string]string{"url": s.problemText(s.lang(c), refusal.Code, refusal.Args)}
		c.Status(409)
	default:
		return err
	}
	return s.renderAccount(c, accountPage{WebhookForm: form})
}

// deleteAccountWebhook deletes one of one's webhooks with its delivery log.
func (s *Server) deleteAccountWebhook(c *fiber.Ctx) error {
	w, err := s.ownWebhook(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteWebhook(c.UserContext(), w.UserID, w.ID); err != nil {
		return err
	}
	s.log.Info("webhook deleted", "user", w.UserID, "webhook", w.ID)
	return c.Redirect("/account#webhooks", fiber.StatusSeeOther)
}

// webhookPage is the data of a webhook's delivery log page.
type webhookPage struct {
	Webhook    models.Webhook
	Deliveries []deliveryJSON
	Pager      pager
}

// showAccountWebhook is the page of one of one's webhooks: its filter and its delivery log.
func (s *Server) showAccountWebhook(c *fiber.Ctx) error {
	w, items, total, p, err := s.deliveryLog(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return s.render(c, "account_webhook", pageData{Title: "webhook.log_title", Data: webhookPage{Webhook: w, Deliveries: items, Pager: pagerOf(c, p, total)}})
}
