package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"pilu/app/demo"
	"pilu/models"
	"pilu/search"
)

// knownClasses are the kinds of known-item query BenchmarkKnownItems asks, in the order it reports
// them.
var knownClasses = []string{"brand", "name", "uscc", "website", "pinyin"}

// BenchmarkKnownItems measures known-item queries — the brands, legal names, credit codes, websites
// and brand initials of the corpus's institutions — through the portal's search (runSearch: the
// index's first page with the institutions the query names and their open notices first, as the
// search page and API answer it, caches off) side by side with SQLite FTS5 (trigram) on the same
// documents, and prints p50/p90/p99 and QPS per kind of query and FTS5's throughput over Pilu's.
// It runs once whatever b.N is:
//
//	go test ./app -run '^$' -bench KnownItems -benchtime 1x
//
// with PILU_BENCH_DOCS (default 20000) documents generated; with PILU_BENCH_DATA, the data folder of
// `pilu gen` and `pilu reindex` (e.g. `pilu gen --institutions 600 --disclosures 100000 --seed 7`)
// is searched instead. PILU_BENCH_ROUNDS (default 20) is how often each query is asked;
// PILU_BENCH_CPUPROFILE names a file for a CPU profile of Pilu's side alone.
func BenchmarkKnownItems(b *testing.B) {
	ctx := context.Background()
	data := os.Getenv("PILU_BENCH_DATA")
	if data == "" {
		n, _ := strconv.Atoi(os.Getenv("PILU_BENCH_DOCS"))
		if n <= 0 {
			n = 20000
		}
		data = b.TempDir()
		generateData(b, ctx, data, n)
	}
	rounds, _ := strconv.Atoi(os.Getenv("PILU_BENCH_ROUNDS"))
	if rounds <= 0 {
		rounds = 20
	}
	env := map[string]string{"PILU_DATA_DIR": data, "PILU_DEMO": "0", "PILU_SEARCH_CACHE": "0",
		"PILU_SEARCH_ENGINE": os.Getenv("PILU_SEARCH_ENGINE")}
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	srv, err := Open(ctx, cfg, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if srv.indexer.index().Empty() {
		b.Fatalf("%s: the index is empty (run pilu reindex)", data)
	}

	var docs []search.Doc
	if err := feedAll(ctx, srv.store, func(d search.Doc) error { docs = append(docs, d); return nil }, func(int64, int64) {}); err != nil {
		b.Fatal(err)
	}
	queries := knownQueries(b, ctx, srv.store, docs, 12)
	fts := ftsBaseline(b, filepath.Join(b.TempDir(), "fts.db"), docs)
	defer fts.Close()
	fmt.Printf("corpus of %s: %d documents, %d institutions asked for\n", data, len(docs), len(queries["brand"]))

	pilu := func(q string) {
		if _, err := srv.runSearch(ctx, search.Query{Text: q, Page: 1, PerPage: 20, Budget: searchBudget}); err != nil {
			b.Fatal(err)
		}
	}
	fts5 := func(q string) { ftsQuery(b, fts, q) }
	var all []string
	for _, cls := range knownClasses {
		all = append(all, queries[cls]...)
	}
	measure(all, 1, 2, pilu) // first searches, untimed
	measure(all, 1, 2, fts5)
	if file := os.Getenv("PILU_BENCH_CPUPROFILE"); file != "" {
		// Pilu's side alone, profiled.
		f, err := os.Create(file)
		if err != nil {
			b.Fatal(err)
		}
		_ = pprof.StartCPUProfile(f)
		measure(all, rounds, 2, pilu)
		pprof.StopCPUProfile()
		f.Close()
	}
	fmt.Printf("\n%-8s %-22s %8s %8s %8s %8s %8s\n", "queries", "engine", "p50 ms", "p90 ms", "p99 ms", "QPS", "×FTS5")
	for _, cls := range append(knownClasses, "all") {
		qs := queries[cls]
		if cls == "all" {
			qs = all
		}
		p, f := measure(qs, rounds, 2, pilu), measure(qs, rounds, 2, fts5)
		report(cls, "pilu (known items)", p)
		report(cls, "sqlite fts5 trigram", f)
		fmt.Printf("%-8s %-22s %44.2f\n", cls, "pilu/fts5", qps(p)/qps(f))
	}
}

// qps is the queries a second of a run.
func qps(tm timing) float64 { return float64(len(tm.lat)) / tm.wall.Seconds() }

// generateData writes n generated documents (one institution per 160) into a fresh database in
// data and builds its index, as `pilu gen` and `pilu reindex` would.
func generateData(b *testing.B, ctx context.Context, data string, n int) {
	st, err := models.Open("sqlite://" + filepath.Join(data, "pilu.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	nIn := max(n/160, 10)
	t0 := time.Now()
	if err := demo.Generate(ctx, st, demo.Corpus{Institutions: nIn, Disclosures: n - nIn, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	err = search.Rebuild(filepath.Join(data, "index"), nil, func(add func(search.Doc) error) error {
		return feedAll(ctx, st, add, func(int64, int64) {})
	}, 0)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("corpus: %d institutions + %d disclosures generated and indexed in %s\n", nIn, n-nIn, time.Since(t0).Round(time.Millisecond))
}

// knownQueries picks n institutions spread over the corpus (the first, with the most documents
// under the generator's Zipf draw, and then evenly by id) and returns, per class of knownClasses,
// what a reader would type to find each.
func knownQueries(b *testing.B, ctx context.Context, st *models.Store, docs []search.Doc, n int) map[string][]string {
	var ins []models.Institution
	for _, d := range docs {
		if d.Type == search.TypeInstitution {
			in, err := st.InstitutionByUSCC(ctx, d.ID)
			if err != nil {
				b.Fatal(err)
			}
			if len(in.Brands) > 0 && len(in.Websites) > 0 {
				ins = append(ins, in)
			}
		}
	}
	if len(ins) == 0 {
		b.Fatal("no institution with a brand and a website in the corpus")
	}
	out := map[string][]string{}
	for i := range min(n, len(ins)) {
		in := ins[i*len(ins)/min(n, len(ins))]
		out["brand"] = append(out["brand"], in.Brands[0])
		out["name"] = append(out["name"], in.Name)
		out["uscc"] = append(out["uscc"], in.USCC)
		out["website"] = append(out["website"], siteHost(in.Websites[0]))
		out["pinyin"] = append(out["pinyin"], search.Initials(in.Brands[0]))
	}
	return out
}
