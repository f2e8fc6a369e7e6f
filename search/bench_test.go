package search

import (
	"cmp"
	"context"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"
)

// BenchmarkQuery runs single queries on an index already built, one
// sub-benchmark each, to profile what one kind of query costs:
//
//	PILU_BENCH_INDEX=/tmp/b1m/data/index PILU_BENCH_QUERIES='"出借人本金"|兑付' \
//	  go test ./search -run '^$' -bench Query -cpuprofile /tmp/cpu.out
//
// Queries are separated by |; the result cache is off.
func BenchmarkQuery(b *testing.B) {
	dir := os.Getenv("PILU_BENCH_INDEX")
	if dir == "" {
		b.Skip("PILU_BENCH_INDEX names no index")
	}
	ix, err := Open(dir, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	ix.SetCacheSize(0)
	ctx := context.Background()
	for _, q := range strings.Split(os.Getenv("PILU_BENCH_QUERIES"), "|") {
		b.Run(q, func(b *testing.B) {
			var total uint64
			for b.Loop() {
				res, err := ix.Search(ctx, Query{Text: q, PerPage: 20})
				if err != nil {
					b.Fatal(err)
				}
				total = res.Total
			}
			b.ReportMetric(float64(total), "hits")
		})
	}
}

// BenchmarkFirstSearch measures what a word or a phrase costs the first
// time it is searched on a freshly opened index, against the same searched
// again:
//
//	PILU_BENCH_INDEX=/tmp/b1m/data/index go test ./search -run '^$' -bench FirstSearch -benchtime 1x
//
// The words are PILU_BENCH_WORDS (default 300) of the body's one-, two- and
// three-character terms in at least impactsKept documents of a segment,
// spread over their document counts; the phrases PILU_BENCH_PHRASES (default
// 100) runs of four to six Chinese characters cut from bodies of the largest
// segment (so common phrases come up as often as they stand in the text).
// Each is searched once right after the index is opened and its background
// work is done (first-p50-ms, first-p99-ms; phrase-first-…), then once more
// (warm-…, phrase-warm-…). The result cache is off. It also reports the
// size of the index's segments over the text of its titles and bodies
// (index-x-text).
func BenchmarkFirstSearch(b *testing.B) {
	dir := os.Getenv("PILU_BENCH_INDEX")
	if dir == "" {
		b.Skip("PILU_BENCH_INDEX names no index")
	}
	n := 300
	if s := os.Getenv("PILU_BENCH_WORDS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	np := 100
	if s := os.Getenv("PILU_BENCH_PHRASES"); s != "" {
		var err error
		if np, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	var words, phrases []string
	var ratio float64 // the index's size over the text's
	func() {
		ix, err := Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ix.Close()
		if words, err = benchWords(ix, n); err != nil {
			b.Fatal(err)
		}
		if phrases, err = benchPhrases(ix, np); err != nil {
			b.Fatal(err)
		}
		_, text := layoutDocs(b, ix, math.MaxInt)
		ratio = float64(segmentsSize(b, ix.idx)) / float64(text)
	}()
	ctx := context.Background()
	// round searches every word once: the latencies in ms, sorted, and the
	// process's CPU time per search (the machine may be shared: latencies
	// then include waiting for a core, CPU time does not).
	round := func(ix *Index, name string, words []string) (ms []float64, cpu float64) {
		cpu0, read0 := cpuTime(), impactPostings.Load()
		defer func() {
			cpu = (cpuTime() - cpu0).Seconds() * 1000 / float64(len(words))
			b.ReportMetric(float64(impactPostings.Load()-read0)/float64(len(words)), name+"-impact-postings/op")
		}()
		for _, w := range words {
			t0 := time.Now()
			if _, err := ix.Search(ctx, Query{Text: w, PerPage: 20}); err != nil {
				b.Fatal(err)
			}
			ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
		}
		slices.Sort(ms)
		return ms, 0
	}
	pct := func(ms []float64, p float64) float64 { return ms[min(len(ms)-1, int(p*float64(len(ms))))] }
	for b.Loop() {
		ix, err := Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		ix.SetCacheSize(0)
		t0 := time.Now()
		ix.waitBackground()
		b.ReportMetric(time.Since(t0).Seconds(), "background-s")
		first, firstCPU := round(ix, "first", words)
		warm, warmCPU := round(ix, "warm", words)
		pfirst, pfirstCPU := round(ix, "phrase-first", phrases)
		pwarm, pwarmCPU := round(ix, "phrase-warm", phrases)
		_ = ix.Close()
		b.ReportMetric(pfirstCPU, "phrase-first-cpu-ms/op")
		b.ReportMetric(pwarmCPU, "phrase-warm-cpu-ms/op")
		b.ReportMetric(pct(pfirst, 0.5), "phrase-first-p50-ms")
		b.ReportMetric(pct(pfirst, 0.99), "phrase-first-p99-ms")
		b.ReportMetric(pct(pfirst, 1), "phrase-first-max-ms")
		b.ReportMetric(pct(pwarm, 0.5), "phrase-warm-p50-ms")
		b.ReportMetric(pct(pwarm, 0.99), "phrase-warm-p99-ms")
		b.ReportMetric(float64(len(phrases)), "phrases")
		b.ReportMetric(ratio, "index-x-text")
		b.ReportMetric(firstCPU, "first-cpu-ms/op")
		b.ReportMetric(warmCPU, "warm-cpu-ms/op")
		b.ReportMetric(pct(first, 0.5), "first-p50-ms")
		b.ReportMetric(pct(first, 0.99), "first-p99-ms")
		b.ReportMetric(pct(warm, 0.5), "warm-p50-ms")
		b.ReportMetric(pct(warm, 0.99), "warm-p99-ms")
		b.ReportMetric(float64(len(words)), "words")
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchWords picks n CJK words of one to three characters from the body
// dictionary of the largest segment of ix, with at least impactsKept
// documents, spread evenly over their document counts.
func benchWords(ix *Index, n int) ([]string, error) {
	snap, err := snapshot(ix.idx)
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	var largest *segmentSnapshot
	for _, ss := range snap.Segments() {
		if largest == nil || ss.Count() > largest.Count() {
			largest = ss
		}
	}
	if largest == nil {
		return nil, nil
	}
	dict, err := largest.Segment().Dictionary(fieldBody)
	if err != nil {
		return nil, err
	}
	type word struct {
		text  string
		count uint64
	}
	var all []word
	it := dict.AutomatonIterator(nil, nil, nil)
	for {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		if e == nil {
			break
		}
		r := []rune(e.Term)
		if e.Count >= impactsKept && len(r) <= 3 && unicode.Is(unicode.Han, r[0]) {
			all = append(all, word{e.Term, e.Count})
		}
	}
	slices.SortFunc(all, func(a, b word) int { return cmp.Or(cmp.Compare(a.count, b.count), strings.Compare(a.text, b.text)) })
	var out []string
	for i := range min(n, len(all)) {
		out = append(out, all[i*len(all)/min(n, len(all))].text)
	}
	return out, nil
}

// benchPhrases cuts n runs of four to six Chinese characters from bodies of
// the largest segment of ix, from documents spread over it (the same
// documents and cuts every time): phrases as common as they are in the text.
func benchPhrases(ix *Index, n int) ([]string, error) {
	snap, err := snapshot(ix.idx)
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	var largest *segmentSnapshot
	for _, ss := range snap.Segments() {
		if largest == nil || ss.Count() > largest.Count() {
			largest = ss
		}
	}
	if largest == nil || n == 0 {
		return nil, nil
	}
	var out []string
	seen := map[string]bool{}
	for i := uint64(0); len(out) < n && i < largest.Count(); i++ {
		d := (i * 7919) % largest.Count() // spread over the segment
		_, f, err := readStored(largest, d)
		if err != nil {
			continue
		}
		var runs [][]rune
		var run []rune
		for _, r := range f[fieldBody] + "。" {
			if unicode.Is(unicode.Han, r) {
				run = append(run, r)
			} else {
				if len(run) >= 6 {
					runs = append(runs, run)
				}
				run = nil
			}
		}
		if len(runs) == 0 {
			continue
		}
		r := runs[int(i)%len(runs)]
		size := 4 + int(i)%3
		at := int(i*31) % (len(r) - size + 1)
		if p := string(r[at : at+size]); !seen[p] {
			seen[p] = true
			out = append(out, `"`+p+`"`)
		}
	}
	return out, nil
}
