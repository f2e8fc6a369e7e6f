package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"pilu/static"
)

// routes is the single route table of the portal: read it as a table of contents.
func (s *Server) routes() *fiber.App {
	web := fiber.New(fiber.Config{
		AppName:                      "pilu",
		ErrorHandler:                 s.handleError,
		BodyLimit:                    4 << 20,  // forms and JSON; uploads stream past it
		ReadBufferSize:               16 << 10, // long search URLs (a 1,000-character query)
		ReadTimeout:                  60 * time.Second,
		WriteTimeout:                 120 * time.Second,
		IdleTimeout:                  120 * time.Second,
		DisableStartupMessage:        true,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ProxyHeader:                  "",
		Immutable:                    false,
	})
	web.Use(recover.New())
	web.Use(securityHeaders)

	web.Get("/healthz", s.healthz)
	web.Get("/readyz", s.readyz)
	web.Use("/static", filesystem.New(filesystem.Config{Root: static.HTTP(), MaxAge: 3600}))

	web.Use(s.loadUser)
	form := s.checkCSRF // every browser form post carries a CSRF token

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
	web.Get("/login", s.showLogin)
	web.Post("/login", limitBody, form, s.login)
	web.Post("/logout", limitBody, form, s.logout)

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
