package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"pilu/app"
	"pilu/models"
)

// runImport is `pilu import institutions FILE --province CODE [--skip-invalid]`: it reads a CSV or
// XLSX list, prints the row-by-row report and imports nothing while any row is invalid unless
// --skip-invalid; a progress bar runs on stderr.
func runImport(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "institutions" {
		return app.UsageError{Err: errors.New("import: the only subcommand is institutions")}
	}
	fs := flag.NewFlagSet("import institutions", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	province := fs.String("province", "", "GB/T 2260 code of the office's province")
	skip := fs.Bool("skip-invalid", false, "import the valid rows even when others are invalid")
	var file string
	rest := args[1:]
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return app.UsageError{Err: err}
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *province == "" {
		return app.UsageError{Err: errors.New("import institutions needs FILE and --province CODE")}
	}
	if !models.ValidProvince(*province) {
		return app.UsageError{Err: fmt.Errorf("--province %s is not a GB/T 2260 province code or plan city", *province)}
	}
	rows, notes, err := app.ReadInstitutionList(file)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	_, st, err := openStoreOnly(nil)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, note := range notes {
		fmt.Fprintln(stdout, "note: "+note)
	}
	bar := newProgressBar(stderr, "import")
	rep, err := st.ImportInstitutions(cliAudit(models.AuditImport, "import institutions", *province), *province, rows,
		models.ImportOptions{SkipInvalid: *skip, Actor: "pilu import", Now: time.Now(), Progress: bar.Set})
	bar.Done()
	if err != nil {
		return err
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, app.ImportProblemLine(p))
	}
	if !rep.Imported && len(rep.Problems) > 0 {
		return fmt.Errorf("%d problem(s) in %d rows: nothing imported (fix them, or pass --skip-invalid)", len(rep.Problems), rep.Rows)
	}
	fmt.Fprintf(stdout, "%d rows: %d created, %d updated, %d unchanged, %d skipped\n", rep.Rows, rep.Created, rep.Updated, rep.Unchanged, rep.Skipped)
	return nil
}
