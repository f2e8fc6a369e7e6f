package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"pilu/models"
)

// routes is the single route table of the portal: read it as a table of contents.
// proxyHeader is the header naming the client when requests come through trusted proxies.
func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return "X-Real-IP"
}

func (s *Server) routes() *fiber.App {
	web := fiber.New(fiber.Config{
		AppName:                      "pilu",
		ErrorHandler:                 s.handleError,
		BodyLimit:                    4 << 20,       // forms and JSON; uploads stream past it
		ReadBufferSize:               16 << 10,      // long search URLs (a 1,000-character query)
		ReadTimeout:                  s.readTimeout, // a body still arriving then is answered 408
		WriteTimeout:                 120 * time.Second,
		IdleTimeout:                  120 * time.Second,
		DisableStartupMessage:        true,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		Immutable:                    false,
		// Behind reverse proxies (PILU_TRUSTED_PROXIES) the client is the X-Real-IP they set, so
		// that rate limits and login throttling count each client; a header from anyone else is
		// ignored.
		ProxyHeader:             proxyHeader(s.cfg.TrustedProxies),
		EnableTrustedProxyCheck: true,
		TrustedProxies:          s.cfg.TrustedProxies,
		EnableIPValidation:      true,
	})
	web.Use(s.observe) // outside recover: a panic is answered and logged as a 500 with its request id
	web.Use(recover.New())
	web.Use(securityHeaders)
	web.Use(limitBodies) // before anything reads a body: forms and JSON 1 MiB, uploads their own

	web.Use(compressText) // pages, API answers and the static files alike
	web.Get("/healthz", s.healthz)
	web.Get("/readyz", s.readyz)
	web.Get("/static/*", s.serveStatic) // precompressed, content-hashed addresses cached a year

	web.Use(s.loadUser)
	form := s.checkCSRF // every browser form post carries a CSRF token
	// A role that requires a second factor: nothing opens before it is set up.
	web.Use(s.requireEnrolment)

	// Open data (issue 7): compression, HTTP caching with revalidation, per-client API rate limits.
	open := newOpenData(s)
	web.Use("/api/v1", s.guardAPICookie) // a session cookie alone authorises no API write
	web.Use("/api/v1", open.limitAPI)
	web.Use("/api/v1", s.idempotent) // a write retried with its Idempotency-Key answers the first answer
	web.Use(open.httpCache)

	// Pages.
	web.Get("/", s.showHome)
	web.Get("/search", s.showSearch)
	web.Get("/institutions", s.listInstitutions)
	web.Get("/institutions/:uscc", s.showInstitution)
	web.Get("/notices", s.listNotices)
	web.Get("/notices/:id", s.showNotice)
	web.Get("/disclosures/:id", s.showDisclosure)
	web.Get("/attachments/:id", s.downloadAttachment)
	web.Get("/deadlines", s.showDeadlines)
	web.Get("/calendars/:file", s.sendCalendarFile)
	web.Get("/login", s.showLogin)
	web.Post("/login", limitBody, form, s.login)
	web.Post("/logout", limitBody, form, s.logout)
	web.Get("/login/code", s.showLoginCode)
	web.Post("/login/code", limitBody, form, s.loginCode)

	// One's own account (issue 20): the second factor (TOTP enrolment by QR code, recovery codes
	// shown once) and one's API tokens with their limits.
	account := s.requireLogin
	web.Get("/account", account, s.showAccount)
	web.Get("/account/2fa", account, s.showEnrolment)
	web.Post("/account/2fa", account, limitBody, form, s.startEnrolment)
	web.Post("/account/2fa/confirm", account, limitBody, form, s.confirmEnrolment)
	web.Post("/account/2fa/recovery", account, limitBody, form, s.regenerateRecovery)
	web.Post("/account/tokens", account, limitBody, form, s.createAccountToken)
	web.Post("/account/tokens/:tid/revoke", account, limitBody, form, s.revokeAccountToken)
	// Webhooks (issue 17): an account's receivers of the change stream with their delivery logs,
	// on the account page and in the API (with the account's token); deliveries go out from the
	// scheduler.
	web.Post("/account/webhooks", account, limitBody, form, s.audited(models.AuditWebhookNew, "webhook", ""), s.createAccountWebhook)
	web.Get("/account/webhooks/:id", account, s.showAccountWebhook)
	web.Post("/account/webhooks/:id/delete", account, limitBody, form, s.audited(models.AuditWebhookDelete, "webhook", "id"), s.deleteAccountWebhook)

	// Filer pages: an institution's user files and amends its own disclosures (multipart forms carry
	// their CSRF token in the action's query string, since the body is streamed).
	filerPage := s.requireRole(models.RoleInstitution)
	web.Get("/filer", filerPage, s.showFiler)
	web.Get("/filer/figures", filerPage, s.showFiguresForm)
	web.Get("/filer/disclosures/new", filerPage, s.showEventForm)
	web.Post("/filer/disclosures", filerPage, s.checkUploadCSRF, s.audited(models.AuditDisclosureFile, "disclosure", ""), s.fileFromForm)
	web.Get("/filer/disclosures/:id/amend", filerPage, s.showAmendForm)
	web.Post("/filer/disclosures/:id/amend", filerPage, s.checkUploadCSRF, s.audited(models.AuditDisclosureAmend, "disclosure", "id"), s.amendFromForm)
	web.Get("/exits", s.listExits)

	// JSON API.
	api := web.Group("/api/v1")
	api.Get("/search", s.apiSearch)
	api.Get("/institutions", s.apiListInstitutions)
	api.Get("/institutions/:uscc", s.apiShowInstitution)
	api.Get("/institutions/:uscc/disclosures", s.apiListDisclosures)
	api.Get("/disclosures/:id", s.apiShowDisclosure)
	api.Get("/notices", s.apiListNotices)
	api.Get("/notices/:id", s.apiShowNotice)
	api.Get("/deadlines", s.apiDeadline)

	// Disclosures: filers file and amend their own institution's disclosures (streamed uploads).
	filer := s.requireRole(models.RoleInstitution)
	api.Post("/institutions/:uscc/disclosures", filer, s.audited(models.AuditDisclosureFile, "institution", "uscc"), s.apiFileDisclosure)
	api.Post("/disclosures/:id/amendments", filer, s.audited(models.AuditDisclosureAmend, "disclosure", "id"), s.apiAmendDisclosure)

	// Notices and claims (issue 5): offices draft, publish and correct notices, read the claims on
	// them and record outcomes; investors claim without an account, rate-limited per client (across
	// processes with Redis); the public sees zombie lists, countdowns, claim counts and transfer lists.
	noticeOffice := s.requireRole(models.RoleOffice)
	claimReader := s.requireRole(models.RoleOffice, models.RoleAdmin)
	claimLimit := s.newLimiter("claims", claimsPerMinute, time.Minute)
	invalidClaims := s.newLimiter("invalid-claims", invalidClaimsPerMinute, time.Minute)
	web.Get("/zombies", s.listZombies)
	web.Get("/notices/:id/claims/new", s.newClaimForm)
	web.Post("/notices/:id/claims", claimLimit.limitValid("claim", invalidClaims), s.checkUploadCSRF, s.fileClaim)
	web.Get("/notices/:id/transfer", s.showTransfer)
	web.Get("/notices/:id/transfer.csv", s.exportTransferCSV)
	web.Get("/notices/:id/transfer.xlsx", s.exportTransferXLSX)
	web.Get("/claims/receipt/:receipt", s.showClaimReceipt)
	web.Get("/claims/status", s.showClaimStatus)
	web.Post("/claims/status", claimLimit.limitBy("status"), limitBody, form, s.lookupClaimStatus)
	web.Get("/office/notices", noticeOffice, s.listOfficeNotices)
	web.Get("/office/notices/new", noticeOffice, s.newNoticeForm)
	web.Post("/office/notices", noticeOffice, s.checkUploadCSRF, s.audited(models.AuditNoticeNew, "notice", ""), s.createNotice)
	web.Get("/office/notices/:id", noticeOffice, s.showOfficeNotice)
	web.Post("/office/notices/:id", noticeOffice, s.checkUploadCSRF, s.audited(models.AuditNoticeEdit, "notice", "id"), s.updateNotice)
	web.Get("/office/notices/:id/edit", noticeOffice, s.editNoticeForm)
	web.Post("/office/notices/:id/publish", noticeOffice, limitBody, form, s.audited(models.AuditPublish, "notice", "id"), s.publishNotice)
	web.Post("/office/notices/:id/corrections", noticeOffice, s.checkUploadCSRF, s.audited(models.AuditCorrect, "notice", "id"), s.correctNotice)
	web.Post("/office/notices/:id/outcomes", noticeOffice, limitBody, form, s.audited(models.AuditOutcome, "notice", "id"), s.recordOutcome)
	web.Get("/office/notices/:id/claims", claimReader, s.listOfficeClaims)
	web.Get("/office/notices/:id/claims.csv", claimReader, s.exportClaims)
	web.Post("/office/notices/:id/claims/:cid", noticeOffice, limitBody, form, s.audited(models.AuditClaimDecide, "claim", "cid"), s.decideClaim)
	web.Get("/office/notices/:id/evidence/:fid", claimReader, s.downloadEvidence)
	web.Post("/office/notices/:id/claims/:cid/reveal", claimReader, limitBody, form, s.revealClaim)
	web.Post("/office/notices/:id/transfer.csv", claimReader, limitBody, form, s.exportClaimsForTransfer)
	api.Post("/notices", noticeOffice, limitBody, s.audited(models.AuditNoticeNew, "notice", ""), s.apiCreateNotice)
	api.Put("/notices/:id", noticeOffice, limitBody, s.audited(models.AuditNoticeEdit, "notice", "id"), s.apiUpdateNotice)
	api.Post("/notices/:id/publish", noticeOffice, limitBody, s.audited(models.AuditPublish, "notice", "id"), s.apiPublishNotice)
	api.Post("/notices/:id/corrections", noticeOffice, limitBody, s.audited(models.AuditCorrect, "notice", "id"), s.apiCorrectNotice)
	api.Post("/notices/:id/outcomes", noticeOffice, limitBody, s.audited(models.AuditOutcome, "notice", "id"), s.apiRecordOutcome)
	api.Post("/notices/:id/claims", claimLimit.limitValid("claim", invalidClaims), s.apiFileClaim)
	api.Get("/notices/:id/claims", claimReader, s.apiListClaims)
	api.Post("/notices/:id/claims/:cid/reveal", claimReader, limitBody, s.apiRevealClaim)
	api.Post("/notices/:id/claims/transfer", claimReader, limitBody, s.apiExportClaimsForTransfer)
	api.Post("/notices/:id/claims/:cid", noticeOffice, limitBody, s.audited(models.AuditClaimDecide, "claim", "cid"), s.apiDecideClaim)
	api.Post("/claims/status", claimLimit.limitBy("status"), limitBody, s.apiClaimStatus)

	// Registry (issue 3): offices keep their province's institution list, classify and dispose,
	// follow the rules' suggestions and import lists; admins read. Multipart forms carry their CSRF
	// token in the action's query. The public reads /stats.
	keeper, reader := s.requireRole(models.RoleOffice), s.requireRole(models.RoleOffice, models.RoleAdmin)
	web.Get("/office", reader, s.showOfficeDashboard)
	web.Post("/office/thresholds", keeper, limitBody, form, s.audited(models.AuditThresholds, "province", ""), s.setThresholds)
	web.Get("/office/institutions/new", keeper, s.newInstitutionForm)
	web.Post("/office/institutions", keeper, limitBody, form, s.audited(models.AuditInstitutionNew, "institution", ""), s.createInstitution)
	web.Get("/office/institutions/:uscc", reader, s.showOfficeInstitution)
	web.Get("/office/institutions/:uscc/edit", keeper, s.editInstitutionForm)
	web.Post("/office/institutions/:uscc", keeper, limitBody, form, s.audited(models.AuditInstitutionEdit, "institution", "uscc"), s.updateInstitution)
	web.Post("/office/institutions/:uscc/classification", keeper, s.checkUploadCSRF, s.audited(models.AuditClassify, "institution", "uscc"), s.classifyInstitution)
	web.Post("/office/institutions/:uscc/disposition", keeper, limitBody, form, s.audited(models.AuditDispose, "institution", "uscc"), s.disposeInstitution)
	web.Post("/office/suggestions/:id/accept", keeper, limitBody, form, s.audited(models.AuditSuggestionAccept, "suggestion", "id"), s.acceptSuggestion)
	web.Post("/office/suggestions/:id/dismiss", keeper, limitBody, form, s.audited(models.AuditSuggestionReject, "suggestion", "id"), s.dismissSuggestion)
	web.Get("/office/import", keeper, s.showImport)
	web.Post("/office/import", keeper, s.checkUploadCSRF, s.audited(models.AuditImport, "province", ""), s.importUpload)
	web.Get("/office/import/template.xlsx", reader, s.sendImportTemplate(".xlsx"))
	web.Get("/office/import/template.csv", reader, s.sendImportTemplate(".csv"))
	web.Get("/stats", s.showStats)
	api.Get("/stats", s.apiStats)
	api.Post("/institutions", keeper, limitBody, s.audited(models.AuditInstitutionNew, "institution", ""), s.apiCreateInstitution)
	api.Post("/institutions/:uscc/classification", keeper, limitBody, s.audited(models.AuditClassify, "institution", "uscc"), s.apiClassifyInstitution)

	// Open data and trust (issue 7): the API described by OpenAPI, Atom feeds, bulk exports with
	// checksums, the ledger of everything published and a page that verifies a document against it.
	web.Get("/api", s.showAPI)
	api.Get("/openapi.json", s.apiOpenAPI)
	web.Get("/feeds/notices.atom", s.feedNotices)
	web.Get("/feeds/disclosures.atom", s.feedDisclosures)
	web.Get("/notices.ics", s.sendNoticesCalendar) // claim windows' last days, for calendar applications
	web.Get("/institutions/:uscc/notices.ics", s.sendNoticesCalendar)
	web.Get("/exports/:name", s.sendExport)
	web.Get("/ledger", s.listLedger)
	api.Get("/ledger", s.apiLedger)
	api.Get("/changes", s.apiChanges) // the ledger in order with each record; text/event-stream streams
	api.Get("/webhooks", account, s.apiListWebhooks)
	api.Post("/webhooks", account, limitBody, s.audited(models.AuditWebhookNew, "webhook", ""), s.apiCreateWebhook)
	api.Get("/webhooks/:id", account, s.apiShowWebhook)
	api.Delete("/webhooks/:id", account, s.audited(models.AuditWebhookDelete, "webhook", "id"), s.apiDeleteWebhook)
	api.Get("/webhooks/:id/deliveries", account, s.apiListDeliveries)
	// Following by e-mail (issue 17): a 关注 form on institution, notice and search pages takes an
	// address, a signed link confirms it (double opt-in), a signed link ends it (one-click POST,
	// RFC 8058, with no session: the link is the authority). Mail goes out from the scheduler.
	follows := s.newLimiter("follows", followsPerMinute, time.Minute)
	web.Post("/follow", follows.limitBy("follow"), limitBody, form, s.followInstitution)
	web.Get("/follow/confirm", s.confirmFollow)
	web.Get("/follow/unsubscribe", s.askUnsubscribe)
	web.Post("/follow/unsubscribe", limitBody, s.unsubscribe)
	// Printed records that prove themselves (issue 17): an A4 print page and a PDF of every notice
	// and disclosure version, with a QR code and a short address (/v/{16 hex}) that open /verify for
	// its content SHA-256.
	web.Get("/notices/:id/print", s.showNoticePrint)
	web.Get("/notices/:id/print.pdf", s.sendNoticePDF)
	web.Get("/disclosures/:id/print", s.showDisclosurePrint)
	web.Get("/disclosures/:id/print.pdf", s.sendDisclosurePDF)
	web.Get("/v/:short", s.resolveShort)
	web.Get("/verify", s.showVerify)
	web.Post("/verify", s.checkUploadCSRF, s.verifyUpload)
	api.Get("/verify", s.apiVerify)

	// Administration (issue 16): accounts with their role and scope, API tokens (made, revoked,
	// rotated; shown once), the holiday calendars in force and the import of a newly published year.
	// Admins only; multipart forms carry their CSRF token in the action's query.
	admin := s.requireRole(models.RoleAdmin)
	web.Get("/admin", admin, s.showAdmin)
	web.Post("/admin/users", admin, limitBody, form, s.audited(models.AuditUserNew, "user", ""), s.createUserFromAdmin)
	web.Get("/admin/users/:id", admin, s.showAdminUser)
	web.Get("/admin/mail", admin, s.showAdminMail)
	web.Post("/admin/users/:id/disable", admin, limitBody, form, s.audited(models.AuditUserDisable, "user", "id"), s.setUserDisabled(true))
	web.Post("/admin/users/:id/enable", admin, limitBody, form, s.audited(models.AuditUserEnable, "user", "id"), s.setUserDisabled(false))
	web.Post("/admin/users/:id/tokens", admin, limitBody, form, s.audited(models.AuditTokenNew, "user", "id"), s.createUserToken)
	web.Post("/admin/users/:id/tokens/:tid/revoke", admin, limitBody, form, s.audited(models.AuditTokenRevoke, "token", "tid"), s.revokeUserToken)
	web.Post("/admin/users/:id/tokens/:tid/rotate", admin, limitBody, form, s.audited(models.AuditTokenRotate, "token", "tid"), s.rotateUserToken)
	web.Post("/admin/users/:id/2fa/reset", admin, limitBody, form, s.resetUserTOTP)
	web.Post("/admin/policies", admin, limitBody, form, s.setRolePolicy)
	web.Post("/admin/calendar", admin, s.checkUploadCSRF, s.audited(models.AuditCalendarImport, "calendar", ""), s.importCalendarUpload)
	api.Get("/calendars", s.apiCalendars)

	// The audit trail (issue 20): every staff action that changes or reveals something, hash-chained
	// and never public; admins read all of it, an office its own province's.
	auditReader := s.requireRole(models.RoleAdmin, models.RoleOffice)
	web.Get("/admin/audit", admin, s.showAudit)
	web.Get("/admin/audit.csv", admin, s.exportAudit)
	web.Get("/office/audit", noticeOffice, s.showAudit)
	web.Get("/office/audit.csv", noticeOffice, s.exportAudit)
	api.Get("/audit", auditReader, s.apiAudit)
	api.Post("/calendars", admin, s.requireUnlimitedToken, limitBody, s.audited(models.AuditCalendarImport, "calendar", ""), s.apiImportCalendar)

	// The full public dump over HTTP (issue 7): what `pilu export --all` writes, made at most hourly
	// or when the ledger grows, each file with its SHA-256 as ETag.
	web.Get("/exports/dump/:file", newDumps(s).send)

	return web
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	return c.Next()
}
