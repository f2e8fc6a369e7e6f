package app

import (
	"context"
	"io"
)

// loadDemo is replaced by the demo data set loader.
func (s *Server) loadDemo(ctx context.Context, out io.Writer) error { return nil }
