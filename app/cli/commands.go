package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"pilu/app"
	"pilu/models"
)

const usage = `usage: pilu [command] [flags]

commands:
  serve                 run the portal (the default); flags: pilu serve -h
  migrate               apply pending database migrations
  reindex               rebuild the search index from the database (portal stopped)
  gen --institutions N --disclosures M [--seed S]
                        write a synthetic corpus (marked demo, USCC codes GN…) for benchmarks
  users add --role R --email E [--province CODE] [--institution USCC]
                        create a user; prints its password and API token
  import institutions FILE.csv|FILE.xlsx --province CODE [--skip-invalid]
                        import an office's institution list; prints a row-by-row report
  calendar import FILE  load one year of the official holiday calendar (JSON as models/holidays)
  verify                re-compute the ledger from the database and the blob store
  verify --audit        re-compute the chain of the staff audit trail (a removed or edited row fails)
  claims purge [--dry-run]
                        delete claimants' personal data past PILU_CLAIM_RETENTION (--dry-run lists it)
  export --all DIR      write every public record as NDJSON.gz with a manifest of checksums
  backup DIR            write a consistent snapshot (database, files, manifest) while the portal serves
  restore DIR           load a backup into an empty database and blob store, then verify it
  keys rotate           re-seal personal data and evidence file keys under PILU_SECRET
                        (former secrets in PILU_SECRET_PREVIOUS); resumable, while the portal serves
  version               print version and build information
`

// Main runs the pilu command line and returns the exit status: 0 success, 1 failure, 2 bad usage.
func Main(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(args, stdout, stderr)
	case "migrate":
		err = runMigrate(args, stdout)
	case "reindex":
		err = runReindex(args, stdout, stderr)
	case "gen":
		err = runGen(args, stdout, stderr)
	case "users":
		err = runUsers(args, stdout)
	case "import":
		err = runImport(args, stdout, stderr)
	case "calendar":
		err = runCalendar(args, stdout)
	case "verify":
		if rest, audit := withoutFlag(args, "--audit"); audit {
			err = runVerifyAudit(rest, stdout)
		} else {
			err = runVerify(args, stdout)
		}
	case "claims":
		err = runClaims(args, stdout)
	case "export":
		err = runExport(args, stdout)
	case "backup":
		err = runBackup(args, stdout)
	case "restore":
		err = runRestore(args, stdout)
	case "keys":
		err = runKeys(args, stdout)
	case "version":
		fmt.Fprintln(stdout, versionString())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = app.UsageError{Err: fmt.Errorf("unknown command %q", cmd)}
	}
	var ue app.UsageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "pilu: %v\n%s", err, usage)
		return 2
	}
	fmt.Fprintf(stderr, "pilu: %v\n", app.ErrorLine(err))
	return 1
}

func versionString() string {
	v := "pilu " + app.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		v += " (" + bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v += ", " + s.Value
			}
		}
		v += ")"
	}
	return v
}

func runServe(args []string, stdout, stderr io.Writer) error {
	cfg, err := app.LoadConfig(args, os.Getenv)
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg.LogFormat, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := app.Open(ctx, cfg, app.Options{Log: log, Out: stdout})
	if err != nil {
		return err
	}
	srv.Start()
	fmt.Fprintf(stdout, "Pilu is serving at http://%s (Ctrl+C stops it)\n", cfg.Addr)
	serveErr := srv.Serve(ctx)
	if err := srv.Close(); err != nil {
		log.Warn("close", "err", err)
	}
	return serveErr
}

// openStore reads the configuration and opens the database as it is, for commands that migrate
// it themselves (migrate, restore).
func openStore(args []string) (app.Config, *models.Store, error) {
	cfg, err := app.LoadConfig(args, os.Getenv)
	if err != nil {
		return cfg, nil, err
	}
	if err := cfg.PrepareDataDir(); err != nil {
		return cfg, nil, err
	}
	st, err := models.Open(cfg.DB)
	if err != nil {
		return cfg, nil, fmt.Errorf("PILU_DB: %w", err)
	}
	return cfg, st, nil
}

// openStoreOnly reads the configuration and opens the migrated database, for commands.
func openStoreOnly(args []string) (app.Config, *models.Store, error) {
	cfg, st, err := openStore(args)
	if err != nil {
		return cfg, nil, err
	}
	if _, err := st.Migrate(context.Background()); err != nil {
		st.Close()
		return cfg, nil, err
	}
	return cfg, st, nil
}

func runMigrate(args []string, stdout io.Writer) error {
	_, st, err := openStore(args)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.Migrate(context.Background())
	if err != nil {
		return err
	}
	v, _ := st.SchemaVersion(context.Background())
	fmt.Fprintf(stdout, "applied %d migration(s); schema version %d\n", n, v)
	return nil
}

func runReindex(args []string, stdout, stderr io.Writer) error {
	cfg, st, err := openStoreOnly(args)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	bar := newProgressBar(stderr, "reindex")
	err = app.Reindex(context.Background(), cfg, st, bar.Set)
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "search index rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func runUsers(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return app.UsageError{Err: errors.New("users: the only subcommand is add")}
	}
	fs := flag.NewFlagSet("users add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	role := fs.String("role", "", "admin, office or institution")
	email := fs.String("email", "", "login email")
	province := fs.String("province", "", "office: GB/T 2260 province code")
	inst := fs.String("institution", "", "institution: USCC")
	if err := fs.Parse(args[1:]); err != nil {
		return app.UsageError{Err: err}
	}
	if *role == "" || *email == "" {
		return app.UsageError{Err: errors.New("users add needs --role and --email")}
	}
	_, st, err := openStoreOnly(nil)
	if err != nil {
		return err
	}
	defer st.Close()
	_, password, token, err := st.CreateUser(cliAudit(models.AuditUserNew, "users add", *province), models.NewUser{Role: *role, Email: *email, Province: *province, InstitutionUSCC: *inst})
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return app.UsageError{Err: errors.New(app.ErrorLine(fe))}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password: %s\ntoken: %s\n", password, token)
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

// progressBar draws a one-line progress bar on a terminal (or plain percentages otherwise).
type progressBar struct {
	w     io.Writer
	label string
	last  int64
}

func newProgressBar(w io.Writer, label string) *progressBar {
	return &progressBar{w: w, label: label, last: -1}
}

// Set reports done of total.
func (p *progressBar) Set(done, total int64) {
	if total <= 0 {
		return
	}
	pct := done * 100 / total
	if pct == p.last {
		return
	}
	p.last = pct
	filled := int(pct / 5)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% (%d/%d)", p.label, strings.Repeat("#", filled), strings.Repeat(".", 20-filled), pct, done, total)
}

// Done ends the bar's line.
func (p *progressBar) Done() {
	if p.last >= 0 {
		fmt.Fprintln(p.w)
	}
}
