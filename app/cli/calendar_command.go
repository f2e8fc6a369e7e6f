package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"pilu/app"
	"pilu/models"
)

// runCalendar is `pilu calendar import FILE`: it loads one year of the official calendar, in the
// JSON shape of models/holidays, into the database (and the ledger) once the State Council has
// published it. A refusal is one line naming the file and why (exit 1).
func runCalendar(args []string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "import" {
		return app.UsageError{Err: errors.New("calendar: usage is pilu calendar import FILE")}
	}
	name := args[1]
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("calendar %s: %w", name, errors.Unwrap(err))
	}
	raw, err := io.ReadAll(io.LimitReader(f, models.MaxCalendarFile+1))
	f.Close()
	if err != nil {
		return fmt.Errorf("calendar %s: %w", name, err)
	}
	_, st, err := openStoreOnly(nil)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.ImportCalendar(cliAudit(models.AuditCalendarImport, "calendar import", ""), models.CalendarImport{File: raw, Source: filepath.Base(name),
		Actor: "pilu calendar import", Now: time.Now()})
	var fe models.FieldErrors
	if errors.As(err, &fe) {
		return fmt.Errorf("calendar %s: %s", name, app.ErrorLine(fe))
	}
	if err != nil {
		return fmt.Errorf("calendar %s: %w", name, err)
	}
	if res.Unchanged {
		fmt.Fprintf(stdout, "calendar %d is already loaded from an identical file (sha256 %s); nothing changed\n", res.Year, res.SHA256)
		return nil
	}
	fmt.Fprintf(stdout, "calendar %d loaded (sha256 %s), recorded as ledger entry %d\n", res.Year, res.SHA256, res.Seq)
	return nil
}
