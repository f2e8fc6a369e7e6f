package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"pilu/app/blob"
	"pilu/models"
)

// openBlobs opens the configured blob store (an S3 bucket when PILU_S3_ENDPOINT is set, else the local
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
	st, blobs, err := openStoreAndBlobs(args, true)
	if err != nil {
		return err
	}
	defer st.Close()
	return verifyLedger(context.Background(), st, blobs, stdout)
}

// openStoreAndBlobs opens the configured database (migrated when migrate is set) and blob store,
// for the commands that read or write both (verify, backup, restore).
func openStoreAndBlobs(args []string, migrate bool) (*models.Store, blob.Store, error) {
	open := openStore
	if migrate {
		open = openStoreOnly
	}
	cfg, st, err := open(args)
	if err != nil {
		return nil, nil, err
	}
	blobs, err := openBlobs(context.Background(), cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, blobs, nil
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
