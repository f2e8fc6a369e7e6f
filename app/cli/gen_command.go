package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"pilu/app"
	"pilu/app/demo"
	"time"
)

// runGen writes a synthetic corpus into the configured database:
// pilu gen --institutions N --disclosures M [--seed S].
func runGen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	nIn := fs.Int("institutions", 100, "number of institutions")
	nDi := fs.Int("disclosures", 1000, "number of disclosures")
	seed := fs.Uint64("seed", 1, "random seed: the same seed makes the same corpus")
	if err := fs.Parse(args); err != nil {
		return app.UsageError{Err: err}
	}
	if *nIn < 1 || *nIn > 9_999_999 || *nDi < 0 {
		return app.UsageError{Err: fmt.Errorf("gen: --institutions from 1, --disclosures from 0")}
	}
	_, st, err := openStoreOnly(fs.Args())
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	bar := newProgressBar(stderr, "gen")
	err = demo.Generate(context.Background(), st, demo.Corpus{Institutions: *nIn, Disclosures: *nDi, Seed: *seed, Progress: bar.Set})
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generated %d institutions and %d disclosures (seed %d, USCC organization codes %s…, marked demo) in %s\n",
		*nIn, *nDi, *seed, demo.OrgPrefix, time.Since(start).Round(time.Millisecond))
	return nil
}
