package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"pilu/app"
	"pilu/models"
	"time"
)

// runClaims is `pilu claims purge [--dry-run]`: it lists the claims whose personal data is due for
// deletion under PILU_CLAIM_RETENTION, and deletes it unless --dry-run is given.
func runClaims(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "purge" {
		return app.UsageError{Err: errors.New("claims: usage is pilu claims purge [--dry-run]")}
	}
	fs := flag.NewFlagSet("claims purge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dry := fs.Bool("dry-run", false, "list what would be purged, change nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return app.UsageError{Err: fmt.Errorf("claims purge: %w", err)}
	}
	if fs.NArg() > 0 {
		return app.UsageError{Err: fmt.Errorf("claims purge: unexpected argument %q", fs.Arg(0))}
	}
	cfg, st, err := openStoreOnly(nil)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, now := context.Background(), time.Now()
	fmt.Fprintf(stdout, "retention: %s\n", cfg.ClaimRetention)
	var list []models.PurgeCandidate
	if *dry {
		list, err = st.ClaimsDueForPurge(ctx, cfg.ClaimRetention, now)
	} else {
		blobs, berr := app.OpenBlobs(ctx, cfg)
		if berr != nil {
			return berr
		}
		list, err = app.PurgeClaims(ctx, st, blobs, cfg.ClaimRetention, now)
	}
	var claims, files int64
	for _, pc := range list {
		claims, files = claims+pc.Claims, files+pc.Files
		fmt.Fprintf(stdout, "notice %d %s · %s · %s · outcome %s · due %s · %d claims · %d evidence files\n", pc.NoticeID, pc.Number,
			pc.Kind, pc.USCC, pc.OutcomeAt.In(models.ChinaZone).Format("2006-01-02"), pc.DueAt.In(models.ChinaZone).Format("2006-01-02"), pc.Claims, pc.Files)
	}
	verb := "purged"
	if *dry {
		verb = "would purge (dry run, nothing changed)"
	}
	fmt.Fprintf(stdout, "%s: %d claims, %d evidence files, %d listed institutions\n", verb, claims, files, len(list))
	return err
}
