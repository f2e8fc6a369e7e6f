package app

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/glebarez/go-sqlite"
	_ "github.com/go-sql-driver/mysql"

	"pilu/app/demo"
	"pilu/models"
	"pilu/search"
)

// benchQueries is the fixed query mix of issue 6: 2-character words, 3–4-character words, brand
// names, two-word AND queries, phrases and one-character queries.
var benchQueries = map[string][]string{
	"2-char":  {"兑付", "本金", "逾期", "清退", "催收", "资金", "债权", "存管"},
	"3-4char": {"出借人", "借款人", "风险金", "逾期率", "被执行人", "实际控制"},
	"brand":   {"鹭汀创投", "信宜贷", "金融金服", "鑫盈理财"},
	"AND":     {"兑付 本金", "逾期 催收", "清退 出借人"},
	"phrase":  {`"兑付进展"`, `"出借人本金"`},
	"1-char":  {"贷", "岭", "诉"},
}

// BenchmarkSearchSideBySide measures Pilu's search, plain Bleve indexing, SQLite FTS5 (trigram)
// and MariaDB LIKE on one generated corpus, and prints p50/p90/p99 and QPS. It runs once whatever
// b.N is: go test ./app -run '^$' -bench SearchSideBySide -benchtime 1x, with PILU_BENCH_DOCS
// (default 20000) and, for the MariaDB baseline, PILU_TEST_MYSQL. With PILU_BENCH_DATA, the data
// folder of a `.ci/bench-search` run, its corpus and index are searched instead (no indexing);
// PILU_BENCH_ENGINES picks engines from pilu,fts5,like (all by default).
func BenchmarkSearchSideBySide(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("PILU_BENCH_DOCS"))
	if n <= 0 {
		n = 20000
	}
	ctx := context.Background()
	dir := b.TempDir()
	var docs []search.Doc
	index := filepath.Join(dir, "index")
	if data := os.Getenv("PILU_BENCH_DATA"); data != "" {
		// The corpus and index a `.ci/bench-search` run left in its data folder: at a million
		// documents generating and indexing again would take most of an hour.
		st, err := models.Open("sqlite://" + filepath.Join(data, "pilu.db"))
		if err != nil {
			b.Fatal(err)
		}
		err = feedAll(ctx, st, func(d search.Doc) error { docs = append(docs, d); return nil }, func(int64, int64) {})
		st.Close()
		if err != nil {
			b.Fatal(err)
		}
		index = filepath.Join(data, "index")
		fmt.Printf("corpus and index of %s: %d documents, index %s on disk for %s of text\n",
			data, len(docs), mib(dirSize(index)), mib(textSize(docs)))
	} else {
		docs = indexCorpus(b, ctx, dir, n, index)
	}

	ix, err := search.Open(index, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	ix.SetCacheSize(0) // measure the search, not the cache

	// The engines measured, with the rounds each runs the queries: MariaDB's scans take seconds
	// at 200k documents, so it runs them once.
	type engine struct {
		name   string
		rounds int
		run    func(q string)
	}
	wanted := os.Getenv("PILU_BENCH_ENGINES")
	if wanted == "" {
		wanted = "pilu,fts5,like"
	}
	want := func(e string) bool { return slices.Contains(strings.Split(wanted, ","), e) }
	var engines []engine
	if want("pilu") {
		engines = append(engines, engine{"pilu (facets, marks)", 3, func(q string) {
			if _, err := ix.Search(ctx, search.Query{Text: q, PerPage: 20}); err != nil {
				b.Fatal(err)
			}
		}})
	}
	if want("fts5") {
		fts := ftsBaseline(b, filepath.Join(dir, "fts.db"), docs)
		defer fts.Close()
		engines = append(engines, engine{"sqlite fts5 trigram", 3, func(q string) { ftsQuery(b, fts, q) }})
	}
	if dsn := os.Getenv("PILU_TEST_MYSQL"); dsn != "" && want("like") {
		my := mysqlBaseline(b, dsn, docs)
		defer my.Close()
		engines = append(engines, engine{"mariadb LIKE", 1, func(q string) { likeQuery(b, my, q) }})
	}

	classes := []string{"2-char", "3-4char", "brand", "AND", "phrase", "1-char"}
	var all []string
	for _, cls := range classes {
		all = append(all, benchQueries[cls]...)
	}
	// A first pass over the mix before the rounds measured: at a million documents the indexes no
	// longer all fit in the page cache, and the engine measured first would pay for reading its
	// index from disk; Pilu's segments keep impacts and phrase matches from the first search of a
	// word. The pass is reported on its own ("first"). LIKE reads the whole table whatever was
	// read before.
	fmt.Printf("\n%-8s %-22s %8s %8s %8s %8s\n", "queries", "engine", "p50 ms", "p90 ms", "p99 ms", "QPS")
	for _, e := range engines {
		if e.rounds > 1 {
			report("first", e.name, measure(all, 1, 2, e.run))
		}
	}
	for _, cls := range classes {
		for _, e := range engines {
			report(cls, e.name, measure(benchQueries[cls], e.rounds, 2, e.run))
		}
	}
	for _, e := range engines {
		report("all", e.name, measure(all, e.rounds, 2, e.run))
	}
}

// ftsBaseline loads the documents into an SQLite FTS5 table with the trigram tokenizer at file.
func ftsBaseline(b *testing.B, file string, docs []search.Doc) *sql.DB {
	fts, err := sql.Open("sqlite", file)
	if err != nil {
		b.Fatal(err)
	}
	mustExec(b, fts, "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='trigram')")
	tx, _ := fts.Begin()
	for _, d := range docs {
		if _, err := tx.Exec("INSERT INTO docs(title, body) VALUES (?, ?)", d.Title, d.Body); err != nil {
			b.Fatal(err)
		}
	}
	_ = tx.Commit()
	return fts
}

// indexCorpus generates n documents in a fresh database in dir, indexes them into index with
// Pilu's rebuild and then with plain Bleve defaults, prints both rates, and returns the documents.
func indexCorpus(b *testing.B, ctx context.Context, dir string, n int, index string) (docs []search.Doc) {
	st, err := models.Open("sqlite://" + filepath.Join(dir, "pilu.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	nIn := max(n/160, 10)
	t0 := time.Now()
	if err := demo.Generate(ctx, st, demo.Corpus{Institutions: nIn, Disclosures: n - nIn, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("corpus: %d institutions + %d disclosures generated in %s\n", nIn, n-nIn, time.Since(t0).Round(time.Millisecond))

	// Pilu's full reindex, then plain Bleve defaults on the same documents.
	t0 = time.Now()
	err = search.Rebuild(index, nil, func(add func(search.Doc) error) error {
		return feedAll(ctx, st, func(d search.Doc) error { docs = append(docs, d); return add(d) }, func(int64, int64) {})
	}, 0)
	if err != nil {
		b.Fatal(err)
	}
	piluIndex := time.Since(t0)
	t0 = time.Now()
	plain, err := bleve.New(filepath.Join(dir, "plain"), bleve.NewIndexMapping())
	if err != nil {
		b.Fatal(err)
	}
	batch := plain.NewBatch()
	for i, d := range docs {
		_ = batch.Index(strconv.Itoa(i), map[string]any{"title": d.Title, "body": d.Body})
		if batch.Size() >= 1000 {
			_ = plain.Batch(batch)
			batch = plain.NewBatch()
		}
	}
	_ = plain.Batch(batch)
	plain.Close()
	plainIndex := time.Since(t0)
	fmt.Printf("indexing: pilu %.0f docs/s (%s), plain bleve defaults %.0f docs/s (%s); index %s on disk for %s of text\n",
		float64(len(docs))/piluIndex.Seconds(), piluIndex.Round(time.Millisecond), float64(len(docs))/plainIndex.Seconds(),
		plainIndex.Round(time.Millisecond), mib(dirSize(index)), mib(textSize(docs)))

	return docs
}

// textSize is the size of the documents' titles and bodies.
func textSize(docs []search.Doc) int64 {
	var n int64
	for _, d := range docs {
		n += int64(len(d.Title) + len(d.Body))
	}
	return n
}

// ftsQuery is what FTS5 can do with the query: a ranked MATCH of the top 20 with a total count for
// terms of 3+ characters, LIKE (unranked, counted) for shorter ones.
func ftsQuery(b *testing.B, db *sql.DB, q string) {
	terms := strings.Fields(strings.ReplaceAll(q, `"`, ""))
	short := false
	for _, t := range terms {
		short = short || len([]rune(t)) < 3
	}
	var n int
	if short {
		where, args := likeWhere(terms)
		_ = db.QueryRow("SELECT count(*) FROM docs WHERE "+where, args...).Scan(&n)
		rows, err := db.Query("SELECT rowid FROM docs WHERE "+where+" LIMIT 20", args...)
		if err != nil {
			b.Fatal(err)
		}
		rows.Close()
		return
	}
	match := `"` + strings.Join(terms, `" AND "`) + `"`
	_ = db.QueryRow("SELECT count(*) FROM docs WHERE docs MATCH ?", match).Scan(&n)
	rows, err := db.Query("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 20", match)
	if err != nil {
		b.Fatal(err)
	}
	rows.Close()
}

func likeWhere(terms []string) (string, []any) {
	var parts []string
	var args []any
	for _, t := range terms {
		parts = append(parts, "(title LIKE ? OR body LIKE ?)")
		args = append(args, "%"+t+"%", "%"+t+"%")
	}
	return strings.Join(parts, " AND "), args
}

func likeQuery(b *testing.B, db *sql.DB, q string) {
	where, args := likeWhere(strings.Fields(strings.ReplaceAll(q, `"`, "")))
	var n int
	if err := db.QueryRow("SELECT count(*) FROM bench_docs WHERE "+where, args...).Scan(&n); err != nil {
		b.Fatal(err)
	}
	rows, err := db.Query("SELECT id FROM bench_docs WHERE "+where+" LIMIT 20", args...)
	if err != nil {
		b.Fatal(err)
	}
	rows.Close()
}

func mysqlBaseline(b *testing.B, dsn string, docs []search.Doc) *sql.DB {
	dsn = strings.TrimPrefix(dsn, "mysql://")
	user, rest, _ := strings.Cut(dsn, "@")
	host, name, _ := strings.Cut(rest, "/")
	db, err := sql.Open("mysql", user+"@tcp("+host+")/"+name+"?charset=utf8mb4")
	if err != nil {
		b.Fatal(err)
	}
	mustExec(b, db, "DROP TABLE IF EXISTS bench_docs")
	mustExec(b, db, "CREATE TABLE bench_docs (id INT AUTO_INCREMENT PRIMARY KEY, title TEXT, body MEDIUMTEXT) CHARSET utf8mb4")
	for i := 0; i < len(docs); i += 200 {
		var vals []string
		var args []any
		for _, d := range docs[i:min(i+200, len(docs))] {
			vals = append(vals, "(?, ?)")
			args = append(args, d.Title, d.Body)
		}
		if _, err := db.Exec("INSERT INTO bench_docs (title, body) VALUES "+strings.Join(vals, ","), args...); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func mustExec(b *testing.B, db *sql.DB, q string) {
	if _, err := db.Exec(q); err != nil {
		b.Fatal(err)
	}
}

// measure runs every query rounds times from clients concurrent clients and returns the latencies
// and the wall time.
func measure(qs []string, rounds, clients int, run func(string)) timing {
	var mu sync.Mutex
	var lat []time.Duration
	work := make(chan string)
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := range work {
				t := time.Now()
				run(q)
				d := time.Since(t)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	for range rounds {
		for _, q := range qs {
			work <- q
		}
	}
	close(work)
	wg.Wait()
	return timing{lat, time.Since(start)}
}

// timing is the latencies of a run and its wall time.
type timing struct {
	lat  []time.Duration
	wall time.Duration
}

func report(cls, engine string, tm timing) {
	lat, wall := tm.lat, tm.wall
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	fmt.Printf("%-8s %-22s %8.1f %8.1f %8.1f %8.1f\n", cls, engine, pct(.5), pct(.9), pct(.99), float64(len(lat))/wall.Seconds())
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
