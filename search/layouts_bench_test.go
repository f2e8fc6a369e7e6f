package search

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// BenchmarkIndexLayouts indexes the same documents (the stored titles and
// bodies of the first PILU_BENCH_DOCS documents, default 5000, of the index
// in PILU_BENCH_INDEX) in other layouts than the index's, to measure what
// each would cost before choosing one (issue #19: index size and rebuild
// speed):
//
//	PILU_BENCH_INDEX=/tmp/b50k/data/index PILU_BENCH_DOCS=5000 \
//	  go test ./search -run '^$' -bench IndexLayouts -benchtime 1x -timeout 0
//
// For each layout it reports documents indexed a second (docs/s, batches of
// 1000 as Rebuild writes them, then merged as Rebuild does) and the size of
// the index's segments over the text's (x-text). Layouts: Bleve's default
// mapping (what the app's side-by-side bench calls plain Bleve), the index as
// it is (mapping version 4: bodies without positions), as it was (version 3:
// bodies with positions), the body not stored (snippets and phrases would
// have to read it elsewhere), and the body split in two fields, the grams of
// one length with positions and the others without (stored or not).
func BenchmarkIndexLayouts(b *testing.B) {
	src := os.Getenv("PILU_BENCH_INDEX")
	if src == "" {
		b.Skip("PILU_BENCH_INDEX names no index to take documents from")
	}
	n := 5000
	if s := os.Getenv("PILU_BENCH_DOCS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	ix, err := Open(src, nil)
	if err != nil {
		b.Fatal(err)
	}
	docs, text := layoutDocs(b, ix, n)
	_ = ix.Close()
	same := func(f map[string]string) map[string]interface{} {
		return map[string]interface{}{fieldTitle: f[fieldTitle], fieldBody: f[fieldBody]}
	}
	split := func(other string) func(f map[string]string) map[string]interface{} {
		return func(f map[string]string) map[string]interface{} {
			return map[string]interface{}{fieldTitle: f[fieldTitle], fieldBody: f[fieldBody], other: f[fieldBody]}
		}
	}
	// pilu is the index's mapping, changed by change.
	pilu := func(change func(im *mapping.IndexMappingImpl, dm *mapping.DocumentMapping)) func() (mapping.IndexMapping, error) {
		return func() (mapping.IndexMapping, error) {
			im, err := newMapping()
			if err == nil && change != nil {
				change(im, im.DefaultMapping)
			}
			return im, err
		}
	}
	// body splits the body: the grams kept by withPositions with term
	// vectors in field body, the others without in field other.
	body := func(withPositions, other string, store bool) func() (mapping.IndexMapping, error) {
		return pilu(func(im *mapping.IndexMappingImpl, dm *mapping.DocumentMapping) {
			for _, f := range []string{withPositions, other} {
				_ = im.AddCustomAnalyzer("layout_"+f, map[string]interface{}{"type": "custom", "tokenizer": tokenizer,
					"token_filters": []interface{}{cjk.WidthName, lowercase.Name, "layout_" + f}})
			}
			setLayoutField(dm, fieldBody, layoutText("layout_"+withPositions, true, store))
			setLayoutField(dm, other, layoutText("layout_"+other, false, false))
		})
	}
	layouts := []struct {
		name    string
		mapping func() (mapping.IndexMapping, error)
		fields  func(f map[string]string) map[string]interface{}
	}{
		{"plain-bleve", func() (mapping.IndexMapping, error) { return bleve.NewIndexMapping(), nil }, same},
		{"pilu", pilu(nil), same},
		{"pilu-v3-body-positions", pilu(func(_ *mapping.IndexMappingImpl, dm *mapping.DocumentMapping) {
			setLayoutField(dm, fieldBody, layoutText(textAnalyzer, true, true))
		}), same},
		{"body-not-stored", pilu(func(_ *mapping.IndexMappingImpl, dm *mapping.DocumentMapping) {
			setLayoutField(dm, fieldBody, layoutText(textAnalyzer, positionsIn(fieldBody), false))
		}), same},
		{"trigram-positions-only", body("tri", "uni_bi", true), split("uni_bi")},
		{"trigram-positions-only-not-stored", body("tri", "uni_bi", false), split("uni_bi")},
		{"bigram-positions-only", body("bi", "uni_tri", true), split("uni_tri")},
	}
	for _, l := range layouts {
		b.Run(l.name, func(b *testing.B) {
			for b.Loop() {
				im, err := l.mapping()
				if err != nil {
					b.Fatal(err)
				}
				dir := filepath.Join(b.TempDir(), "index")
				idx, err := bleve.New(dir, im)
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				batch := idx.NewBatch()
				for i, f := range docs {
					if err := batch.Index(strconv.Itoa(i), l.fields(f)); err != nil {
						b.Fatal(err)
					}
					if batch.Size() >= rebuildBatch || i == len(docs)-1 {
						if err := idx.Batch(batch); err != nil {
							b.Fatal(err)
						}
						batch = idx.NewBatch()
					}
				}
				took := time.Since(t0)
				if err := settle(idx); err != nil {
					b.Fatal(err)
				}
				size := segmentsSize(b, idx)
				_ = idx.Close()
				b.ReportMetric(float64(len(docs))/took.Seconds(), "docs/s")
				b.ReportMetric(float64(size)/float64(text), "x-text")
			}
		})
	}
}

// layoutDocs reads the stored title and body of up to n documents of ix, and
// their size in bytes.
func layoutDocs(b *testing.B, ix *Index, n int) (docs []map[string]string, text int64) {
	snap, err := snapshot(ix.idx)
	if err != nil {
		b.Fatal(err)
	}
	defer snap.Close()
	for _, ss := range snap.Segments() {
		for d := uint64(0); d < ss.Count() && len(docs) < n; d++ {
			if _, f, err := readStored(ss, d); err == nil {
				docs = append(docs, f)
				text += int64(len(f[fieldTitle]) + len(f[fieldBody]))
			}
		}
	}
	return docs, text
}

// segmentsSize is the size of the files of idx's current segments (the
// merger removes those it replaced later).
func segmentsSize(b *testing.B, idx bleve.Index) int64 {
	snap, err := snapshot(idx)
	if err != nil {
		b.Fatal(err)
	}
	defer snap.Close()
	var size int64
	for _, ss := range snap.Segments() {
		p, ok := ss.Segment().(interface{ Path() string })
		if !ok {
			b.Fatalf("segment %T has no file", ss.Segment())
		}
		fi, err := os.Stat(p.Path())
		if err != nil {
			b.Fatal(err)
		}
		size += fi.Size()
	}
	return size
}

func layoutText(analyzer string, positions, store bool) *mapping.FieldMapping {
	f := mapping.NewTextFieldMapping()
	f.Analyzer, f.Store, f.IncludeTermVectors, f.IncludeInAll, f.DocValues = analyzer, store, positions, false, false
	return f
}

// setLayoutField makes f the only mapping of field name.
func setLayoutField(dm *mapping.DocumentMapping, name string, f *mapping.FieldMapping) {
	p := mapping.NewDocumentMapping()
	p.AddFieldMapping(f)
	dm.AddSubDocumentMapping(name, p)
}

// gramsOnly is cjkGrams keeping some of what it emits: the layouts' token
// filters ("layout_tri": trigrams and other tokens, "layout_uni_bi":
// unigrams and bigrams, "layout_bi": bigrams and other tokens,
// "layout_uni_tri": unigrams and trigrams).
type gramsOnly struct{ keep func(analysis.TokenType) bool }

func (g gramsOnly) Filter(in analysis.TokenStream) analysis.TokenStream {
	var out analysis.TokenStream
	for _, t := range (cjkGrams{}).Filter(in) {
		if g.keep(t.Type) {
			out = append(out, t)
		}
	}
	return out
}

func init() {
	for name, keep := range map[string]func(analysis.TokenType) bool{
		"layout_tri":     func(t analysis.TokenType) bool { return t != analysis.Single && t != analysis.Double },
		"layout_uni_bi":  func(t analysis.TokenType) bool { return t == analysis.Single || t == analysis.Double },
		"layout_bi":      func(t analysis.TokenType) bool { return t != analysis.Single && t != analysis.Shingle },
		"layout_uni_tri": func(t analysis.TokenType) bool { return t == analysis.Single || t == analysis.Shingle },
	} {
		if err := registry.RegisterTokenFilter(name, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
			return gramsOnly{keep}, nil
		}); err != nil {
			panic(err)
		}
	}
}
