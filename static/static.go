// Package static embeds the portal's stylesheets, scripts and images (a vendored library would come
// with its licence); nothing is fetched from elsewhere at run time. Charts are drawn on the server as
// inline SVG, so no chart library is loaded.
package static

import (
	"embed"
	"io/fs"
)

//go:embed css js img
var files embed.FS

// FS is the embedded tree; the portal serves it precompressed under content-hashed names.
func FS() fs.FS { return files }
