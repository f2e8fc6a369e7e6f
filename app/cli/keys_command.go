package cli

import (
	"context"
	"errors"
	"io"

	"pilu/app"
	"pilu/models"
)

// runKeys is `pilu keys rotate`: with PILU_SECRET set to the new secret and the old one in
// PILU_SECRET_PREVIOUS (on the running portal too, which then reads both), it encrypts claim
// evidence stored in clear before evidence was encrypted, then re-seals every claim field, lookup
// hash and file key under the new secret, printing its progress. The portal keeps serving
// meanwhile; an interrupted run is simply run again and finishes what is left. Once it reports
// done, PILU_SECRET_PREVIOUS can be removed.
func runKeys(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return app.UsageError{Err: errors.New("keys needs a subcommand: pilu keys rotate")}
	}
	cfg, st, err := openStoreOnly(args[1:])
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	blobs, err := app.OpenBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	return app.RotateKeys(ctx, st, blobs, models.NewSealer(cfg.Secret, cfg.SecretPrevious...), stdout, nil)
}
