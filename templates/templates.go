// Package templates embeds the page templates (layouts/, partials/, pages/) and the message
// catalogs (i18n/) that the app parses once at start-up; a missing template stops start-up.
package templates

import "embed"

// FS holds every template and catalog.
//
//go:embed layouts partials pages i18n
var FS embed.FS
