package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"pilu/app/demo"
	"pilu/models"
	"pilu/models/dbtest"
)

// BenchmarkInstitutionPage measures the public pages and API lists that .ci/bench-reads loads, each
// made anew on every request (Cache-Control: no-cache, which the response cache answers by running
// the handler): the institution page of the institution with the most disclosures and of a typical
// one (the median count), that institution's disclosures through the API, and the notices list. It
// prints p50/p99/max per target; p99 of the largest institution's page is reported as the
// benchmark's metric. It runs once whatever b.N is:
//
//	go test ./app -run '^$' -bench InstitutionPage -benchtime 1x
//
// with PILU_BENCH_DOCS (default 20000) documents generated; with PILU_BENCH_DATA, the data folder of
// `pilu gen` (e.g. `pilu gen --institutions 6000 --disclosures 1000000 --seed 1`) is read instead,
// and with PILU_BENCH_DB (a mysql:// URL, PILU_SECRET set) its database. No search index is needed:
// these pages do not search. PILU_BENCH_ROUNDS (default 200) is how often each target is asked.
func BenchmarkInstitutionPage(b *testing.B) {
	ctx := context.Background()
	data, db := os.Getenv("PILU_BENCH_DATA"), os.Getenv("PILU_BENCH_DB")
	if data == "" {
		n, _ := strconv.Atoi(os.Getenv("PILU_BENCH_DOCS"))
		if n <= 0 {
			n = 20000
		}
		data = b.TempDir()
		st, err := models.Open("sqlite://" + filepath.Join(data, "pilu.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if err := demo.Generate(ctx, st, demo.Corpus{Institutions: max(n/160, 10), Disclosures: n, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
	rounds, _ := strconv.Atoi(os.Getenv("PILU_BENCH_ROUNDS"))
	if rounds <= 0 {
		rounds = 200
	}
	env := map[string]string{"PILU_DATA_DIR": data, "PILU_DB": db, "PILU_SECRET": os.Getenv("PILU_SECRET"), "PILU_DEMO": "0",
		"PILU_INDEX_DIR": b.TempDir()}
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	srv, err := Open(ctx, cfg, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()

	largest, typical, counts := pageInstitutions(b, ctx, srv.store)
	fmt.Printf("%s (%s): %d institutions with disclosures; the largest has %d, the typical (median) %d\n",
		data, srv.store.Dialect(), len(counts), largest.n, typical.n)
	targets := []struct{ name, path string }{
		{"page, largest institution", "/institutions/" + largest.uscc},
		{"page, typical institution", "/institutions/" + typical.uscc},
		{"API disclosures, largest", "/api/v1/institutions/" + largest.uscc + "/disclosures"},
		{"API notices", "/api/v1/notices"},
	}
	fmt.Printf("\n%-28s %8s %8s %8s %8s\n", "uncached", "p50 ms", "p99 ms", "max ms", "req/s")
	for _, t := range targets {
		get := func() {
			req := httptest.NewRequest("GET", t.path, nil)
			req.Header.Set("Cache-Control", "no-cache")
			res, err := srv.web.Test(req, -1)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("%s: %d", t.path, res.StatusCode)
			}
		}
		get() // warm the database's pages
		lat := make([]time.Duration, rounds)
		start := time.Now()
		for i := range lat {
			t0 := time.Now()
			get()
			lat[i] = time.Since(t0)
		}
		wall := time.Since(start)
		slices.Sort(lat)
		p99 := lat[min(len(lat)-1, len(lat)*99/100)]
		fmt.Printf("%-28s %8.2f %8.2f %8.2f %8.0f\n", t.name, ms(lat[len(lat)/2]), ms(p99), ms(lat[len(lat)-1]),
			float64(rounds)/wall.Seconds())
		if t.path == targets[0].path {
			b.ReportMetric(ms(p99), "p99-ms")
		}
	}
}

// pageInstitution is an institution with its number of disclosures.
type pageInstitution struct {
	uscc string
	n    int64
}

// pageInstitutions returns the institution with the most disclosures, the one with the median count,
// and every count.
func pageInstitutions(b *testing.B, ctx context.Context, st *models.Store) (largest, typical pageInstitution, all []pageInstitution) {
	b.Helper()
	rows, err := dbtest.Handle(ctx, st).Raw("SELECT uscc, COUNT(*) AS n FROM disclosures GROUP BY uscc ORDER BY n DESC, uscc").Rows()
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p pageInstitution
		if err := rows.Scan(&p.uscc, &p.n); err != nil {
			b.Fatal(err)
		}
		all = append(all, p)
	}
	if len(all) == 0 {
		b.Fatal("no disclosures in the corpus")
	}
	return all[0], all[len(all)/2], all
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
