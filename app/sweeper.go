package app

import (
	"context"
	"time"

	"pilu/app/blob"
)

// OrphanGrace is how old a blob that no row names must be before the sweeper deletes it: uploads in
// flight are younger, their transaction not yet committed.
const OrphanGrace = 24 * time.Hour

// sweepOrphans deletes blobs older than OrphanGrace that no attachment row names — left by a process
// that died between storing a file and committing its record. It returns how many it deleted.
func (s *Server) sweepOrphans(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-OrphanGrace)
	var old []string
	err := s.blobs.List(ctx, func(info blob.Info) error {
		if info.Modified.Before(cutoff) {
			old = append(old, info.Key)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	deleted := 0
	for start := 0; start < len(old); start += 500 {
		batch := old[start:min(start+500, len(old))]
		named, err := s.store.NamedBlobKeys(ctx, batch)
		if err != nil {
			return deleted, err
		}
		keep := map[string]bool{}
		for _, k := range named {
			keep[k] = true
		}
		for _, k := range batch {
			if keep[k] {
				continue
			}
			if err := s.blobs.Delete(ctx, k); err != nil {
				return deleted, err
			}
			deleted++
		}
	}
	return deleted, nil
}
