package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"pilu/app"
)

// runExport is `pilu export --all DIR` (app.ExportAll).
func runExport(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	all := fs.String("all", "", "folder to write the full dump into")
	if err := fs.Parse(args); err != nil {
		return app.UsageError{Err: err}
	}
	if *all == "" || fs.NArg() > 0 {
		return app.UsageError{Err: errors.New("export needs --all DIR")}
	}
	cfg, st, err := openStoreOnly(nil)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := app.ExportAll(context.Background(), cfg, st, *all)
	if err != nil {
		return err
	}
	for _, f := range m.Files {
		fmt.Fprintf(stdout, "%s  %s (%d records)\n", f.SHA256, f.Name, f.Records)
	}
	fmt.Fprintf(stdout, "manifest: %s\n", filepath.Join(*all, "manifest.json"))
	return nil
}
