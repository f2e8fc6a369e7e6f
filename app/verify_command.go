package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"pilu/app/blob"
	"pilu/models"
)

// openBlobs opens the configured blob store (MinIO when PILU_S3_ENDPOINT is set, else the local
// folder), for commands.
func openBlobs(ctx context.Context, cfg Config) (blob.Store, error) {
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

// runVerify is `pilu verify`: it recomputes the ledger's chain from the database and re-hashes
// every attachment in the blob store; the first entry that does not match is an error (exit 1).
func runVerify(args []string, stdout io.Writer) error {
	cfg, st, err := openStoreOnly(args)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	return verifyLedger(ctx, st, blobs, stdout)
}

// verifyLedger checks the ledger of st against blobs and reports on out.
func verifyLedger(ctx context.Context, st *models.Store, blobs blob.Store, out io.Writer) error {
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
