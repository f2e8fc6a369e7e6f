package search

import (
	"context"
	"os"
	"strings"
	"testing"
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
