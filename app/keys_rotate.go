package app

import (
	"context"
	"fmt"
	"io"
	"pilu/app/blob"
	"pilu/models"
)

// RotateKeys does the work of `pilu keys rotate`; stop, when not nil, is asked after every file
// and batch whether to stop there (tests interrupt a rotation with it).
func RotateKeys(ctx context.Context, st *models.Store, blobs blob.Store, sl *models.Sealer, out io.Writer, stop func() error) error {
	if stop == nil {
		stop = func() error { return nil }
	}
	n, err := encryptPlainEvidence(ctx, st, blobs, sl, out, stop)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "evidence: %d file(s) stored in clear encrypted\n", n)
	err = st.RotateKeys(ctx, sl, func(s models.RotationStep) error {
		fmt.Fprintf(out, "%s: %d/%d rows, %d re-sealed, %d already under the current key\n", s.Table, s.Seen, s.Total, s.Resealed, s.AlreadyRotated)
		return stop()
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "keys rotated: everything is sealed under PILU_SECRET; PILU_SECRET_PREVIOUS can be removed")
	return nil
}

// encryptPlainEvidence stores every claim evidence file kept in clear (written before evidence was
// encrypted) again, encrypted under a key of its own, points its row at the new blob and deletes
// the old one. A crash leaves at worst an unnamed blob, which the orphan sweeper removes.
func encryptPlainEvidence(ctx context.Context, st *models.Store, blobs blob.Store, sl *models.Sealer, out io.Writer, stop func() error) (int, error) {
	done := 0
	var after uint64
	for {
		batch, err := st.PlainClaimEvidence(ctx, after, 50)
		if err != nil {
			return done, err
		}
		if len(batch) == 0 {
			return done, nil
		}
		for _, a := range batch {
			after = a.ID
			if err := encryptEvidenceFile(ctx, st, blobs, sl, a); err != nil {
				return done, err
			}
			done++
			fmt.Fprintf(out, "evidence: file %d (%d bytes) encrypted, %d so far\n", a.ID, a.Size, done)
			if err := stop(); err != nil {
				return done, fmt.Errorf("%w: %w", models.ErrRotationStopped, err)
			}
		}
	}
}

// encryptEvidenceFile re-stores one plain evidence file encrypted, checking its SHA-256 on the way.
func encryptEvidenceFile(ctx context.Context, st *models.Store, blobs blob.Store, sl *models.Sealer, a models.Attachment) error {
	rc, _, err := blobs.Open(ctx, a.BlobKey)
	if err != nil {
		return fmt.Errorf("keys rotate: evidence %d: %w", a.ID, err)
	}
	defer rc.Close()
	key := blob.NewKey()
	n, sum, fileKey, err := putEncrypted(ctx, blobs, key, rc, a.Size, 0)
	if err != nil {
		return fmt.Errorf("keys rotate: evidence %d: %w", a.ID, err)
	}
	if n != a.Size || sum != a.SHA256 {
		_ = blobs.Delete(ctx, key)
		return fmt.Errorf("keys rotate: evidence %d: the stored file is %d bytes with SHA-256 %s, its record says %d, %s", a.ID, n, sum, a.Size, a.SHA256)
	}
	ok, err := st.ReplaceEvidenceBlob(ctx, a, key, sl.Seal(models.FileKeyPurpose, string(fileKey)))
	if err != nil || !ok {
		_ = blobs.Delete(ctx, key)
		return err
	}
	return blobs.Delete(ctx, a.BlobKey)
}
