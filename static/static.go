// Package static embeds the portal's stylesheets, scripts and images (a vendored library would come
// with its licence); nothing is fetched from elsewhere at run time. Charts are drawn on the server as
// inline SVG, so no chart library is loaded.
package static

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed css js img
var files embed.FS

// HTTP serves the embedded files.
func HTTP() http.FileSystem { return http.FS(files) }

// FS is the embedded tree, for tests and page-weight checks.
func FS() fs.FS { return files }
