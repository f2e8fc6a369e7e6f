package cli

import (
	"context"
	"fmt"
	"io"

	"pilu/app"
	"pilu/app/blob"
	"pilu/models"
)

// runVerify is `pilu verify`: it recomputes the ledger's chain from the database and re-hashes
// every attachment in the blob store; the first entry that does not match is an error (exit 1).
func runVerify(args []string, stdout io.Writer) error {
	st, blobs, err := openStoreAndBlobs(args, true)
	if err != nil {
		return err
	}
	defer st.Close()
	return app.VerifyLedger(context.Background(), st, blobs, stdout)
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
	blobs, err := app.OpenBlobs(context.Background(), cfg)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, blobs, nil
}

// runVerifyAudit is `pilu verify --audit`: it recomputes the staff audit trail's chain; a removed,
// inserted or edited row is an error naming the entry (exit 1).
func runVerifyAudit(args []string, stdout io.Writer) error {
	_, st, err := openStoreOnly(args)
	if err != nil {
		return err
	}
	defer st.Close()
	n, fault, err := st.VerifyAudit(context.Background())
	if err != nil {
		return err
	}
	if fault != nil {
		fmt.Fprintf(stdout, "%d audit entries match; the first that does not:\n", n)
		return fault
	}
	fmt.Fprintf(stdout, "audit trail verified: %d entries, each linked to the one before\n", n)
	return nil
}
