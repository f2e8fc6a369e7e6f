package app

import (
	"context"
	"io"
	"log/slog"

	"pilu/models"
	"pilu/search"
)

// Reindex rebuilds the search index in cfg.IndexDir from st (pilu reindex, portal stopped),
// telling progress how many records are indexed; the index then resumes after the last outbox row.
func Reindex(ctx context.Context, cfg Config, st *models.Store, progress func(done, total int64)) error {
	cursor, err := st.LastOutboxID(ctx)
	if err != nil {
		return err
	}
	return search.Rebuild(cfg.IndexDir, slog.New(slog.NewTextHandler(io.Discard, nil)), func(add func(search.Doc) error) error {
		return feedAll(ctx, st, add, progress)
	}, cursor)
}
