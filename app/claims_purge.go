package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"pilu/app/blob"
	"pilu/models"
)

// PurgeClaims deletes the personal data of claims past their retention period (models.PurgeClaims)
// and then their evidence files from the blob store; a file that cannot be deleted now is left to
// the orphan sweeper (no row names it any more). It reports how many claims were purged.
func PurgeClaims(ctx context.Context, st *models.Store, blobs blob.Store, r models.Retention, now time.Time) ([]models.PurgeCandidate, error) {
	done, keys, err := st.PurgeClaims(ctx, r, now)
	var errs []error
	for _, k := range keys {
		if err := blobs.Delete(ctx, k); err != nil && !errors.Is(err, blob.ErrNotFound) {
			errs = append(errs, fmt.Errorf("evidence %s: %w", k, err))
		}
	}
	return done, errors.Join(append([]error{err}, errs...)...)
}
