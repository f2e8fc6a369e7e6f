// Package static embeds the portal's stylesheets, scripts and images (vendored libraries with their
// licences included); nothing is fetched from elsewhere at run time.
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
