package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"pilu/app/blob"
	"pilu/models"
)

// OpenBlobs opens the configured blob store (an S3 bucket when PILU_S3_ENDPOINT is set, else the
// local folder), for the commands that read or write files.
func OpenBlobs(ctx context.Context, cfg Config) (blob.Store, error) {
	if cfg.S3Endpoint == "" {
		lb, err := blob.NewLocal(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			return nil, fmt.Errorf("PILU_DATA_DIR: %w", err)
		}
		return lb, nil
	}
	mc, err := blob.NewMinIO(ctx, blob.MinIOConfig{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey,
		SecretKey: cfg.S3SecretKey, Bucket: cfg.S3Bucket, Secure: cfg.S3Secure})
	if err != nil {
		return nil, fmt.Errorf("PILU_S3_ENDPOINT=%s: %w", cfg.S3Endpoint, err)
	}
	return mc, nil
}

// VerifyLedger re-computes the ledger of st, re-hashing every attachment in blobs, and reports on
// out; the first entry that does not match is the error (pilu verify).
func VerifyLedger(ctx context.Context, st *models.Store, blobs blob.Store, out io.Writer) error {
	n, fault, err := st.VerifyLedger(ctx, rehashBlob(func(ctx context.Context, key string) (io.ReadCloser, error) {
		rc, _, err := blobs.Open(ctx, key)
		return rc, err
	}))
	if err != nil {
		return err
	}
	if fault != nil {
		fmt.Fprintf(out, "%d entries match; the first that does not:\n", n)
		return fault
	}
	fmt.Fprintf(out, "ledger verified: %d entries, every record and attachment matches\n", n)
	return nil
}
