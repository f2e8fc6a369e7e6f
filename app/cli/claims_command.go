package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"pilu/app"
	"pilu/models"
	"strings"
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

// withoutFlag removes every occurrence of flag from args and reports whether there was one.
func withoutFlag(args []string, flag string) ([]string, bool) {
	var out []string
	found := false
	for _, a := range args {
		if a == flag || a == "-"+strings.TrimPrefix(flag, "--") {
			found = true
			continue
		}
		out = append(out, a)
	}
	return out, found
}

// cliAudit is the context of a command's write: its audit entry names the command as the actor (the
// operator at the server's shell) and the province it concerns.
func cliAudit(action, command, province string) context.Context {
	return models.WithAudit(context.Background(), models.AuditEntry{At: time.Now(), Actor: "pilu " + command,
		Client: "localhost", Action: action, Province: province})
}
