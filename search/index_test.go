package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// testLog returns a logger writing into buf (safe for concurrent use).
func testLog() (*slog.Logger, *lockedBuffer) {
	buf := &lockedBuffer{}
	return slog.New(slog.NewTextHandler(buf, nil)), buf
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func mustOpen(t *testing.T, dir string) *Index {
	t.Helper()
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

func mustApply(t *testing.T, ix *Index, docs []Doc, deletes []string, cursor uint64) {
	t.Helper()
	if err := ix.Apply(docs, deletes, cursor); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func state(t *testing.T, ix *Index) (count, cursor uint64) {
	t.Helper()
	n, err := ix.Count()
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	c, err := ix.Cursor()
	if err != nil {
		t.Fatalf("Cursor: %v", err)
	}
	return n, c
}

func TestOpenCreates(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"missing folder and parents", func(t *testing.T, dir string) {}},
		{"existing empty folder", func(t *testing.T, dir string) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data", "deeper", "index")
			tt.setup(t, dir)
			ix := mustOpen(t, dir)
			if n, c := state(t, ix); n != 0 || c != 0 {
				t.Errorf("new index: count %d cursor %d, want 0 0", n, c)
			}
			if !ix.Empty() {
				t.Error("new index: Empty() = false")
			}
			if _, err := os.Stat(filepath.Join(dir, "index_meta.json")); err != nil {
				t.Errorf("no index written: %v", err)
			}
		})
	}
}

func TestReopenKeepsDocsAndCursor(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustApply(t, ix, []Doc{
		{Type: TypeInstitution, ID: "1", Title: "鹭汀创投"},
		{Type: TypeNotice, ID: "2", Title: "退出监督公告"},
	}, nil, 41)
	mustApply(t, ix, []Doc{{Type: TypeDisclosure, ID: "3", Title: "兑付进展"}}, nil, 42)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	log, buf := testLog()
	ix, err = Open(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n, c := state(t, ix); n != 3 || c != 42 {
		t.Errorf("after reopen: count %d cursor %d, want 3 42", n, c)
	}
	if ix.Empty() {
		t.Error("Empty() = true after reopen")
	}
	res, err := ix.Search(context.Background(), Query{Text: "鹭汀"})
	if err != nil || res.Total != 1 {
		t.Errorf("search after reopen: %v, %+v", err, res)
	}
	if buf.String() != "" {
		t.Errorf("reopening a good index logged: %s", buf)
	}
}

func TestOpenBrokenIndexMovesAside(t *testing.T) {
	garbage := []byte("this is not what bleve wrote \x00\xff\x13")
	tests := []struct {
		name    string
		corrupt func(t *testing.T, dir string)
	}{
		{"garbage index_meta.json", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "index_meta.json"), garbage)
		}},
		{"index_meta.json missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "index_meta.json")); err != nil {
				t.Fatal(err)
			}
		}},
		{"unknown index type in meta", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "index_meta.json"), []byte(`{"storage":"nope","index_type":"nope"}`))
		}},
		{"garbage root.bolt", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "store", "root.bolt"), bytes.Repeat(garbage, 200))
		}},
		{"empty root.bolt", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "store", "root.bolt"), nil)
		}},
		{"wrong mapping version", func(t *testing.T, dir string) {
			ix := mustOpenNoCleanup(t, dir)
			if err := ix.idx.SetInternal(keyVersion, []byte("0")); err != nil {
				t.Fatal(err)
			}
			_ = ix.Close()
		}},
		{"mapping version 3 (bodies with positions)", func(t *testing.T, dir string) {
			ix := mustOpenNoCleanup(t, dir)
			if err := ix.idx.SetInternal(keyVersion, []byte("3")); err != nil {
				t.Fatal(err)
			}
			_ = ix.Close()
		}},
		{"bad cursor value", func(t *testing.T, dir string) {
			ix := mustOpenNoCleanup(t, dir)
			if err := ix.idx.SetInternal(keyCursor, []byte("abc")); err != nil {
				t.Fatal(err)
			}
			_ = ix.Close()
		}},
		{"a file where the folder should be", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, garbage)
		}},
		{"folder of other files", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "notes.txt"), garbage)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			ix := mustOpenNoCleanup(t, dir)
			mustApply(t, ix, []Doc{{Type: TypeInstitution, ID: "1", Title: "鹭汀创投", Body: "正文"}}, nil, 7)
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			tt.corrupt(t, dir)

			log, buf := testLog()
			ix, err := Open(dir, log)
			if err != nil {
				t.Fatalf("Open on a broken index: %v", err)
			}
			defer ix.Close()
			if !ix.Empty() {
				t.Error("fresh index after a broken one is not Empty()")
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "moved_to=") {
				t.Errorf("want one warning line, got %q", buf.String())
			}
			aside, _ := filepath.Glob(dir + ".broken-*")
			if len(aside) != 1 {
				t.Fatalf("moved-aside folders: %v, want 1", aside)
			}
			if !strings.Contains(buf.String(), aside[0]) {
				t.Errorf("log does not name %s: %s", aside[0], buf)
			}
			if len(filepath.Base(aside[0])) != len("index.broken-20060102150405") {
				t.Errorf("aside name %s does not end in YYYYMMDDHHMMSS", aside[0])
			}
			// The fresh index works and survives a reopen without a warning.
			mustApply(t, ix, []Doc{{Type: TypeNotice, ID: "9", Title: "公告"}}, nil, 3)
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			log2, buf2 := testLog()
			ix, err = Open(dir, log2)
			if err != nil {
				t.Fatal(err)
			}
			if n, c := state(t, ix); n != 1 || c != 3 || buf2.String() != "" {
				t.Errorf("reopened fresh index: count %d cursor %d log %q", n, c, buf2)
			}
		})
	}
}

// TestOpenCorruptSegments breaks the segment files. Bleve may itself fall
// back to an older intact snapshot (documents and cursor from that same
// snapshot, so the indexer catches up); otherwise Open moves the folder aside.
// Either way Open succeeds and the state is one that really existed.
func TestOpenCorruptSegments(t *testing.T) {
	garbage := bytes.Repeat([]byte("not a segment \x00\xff"), 50)
	breakers := []struct {
		name    string
		corrupt func(t *testing.T, seg string)
	}{
		{"garbage", func(t *testing.T, seg string) { writeFile(t, seg, garbage) }},
		{"truncated", func(t *testing.T, seg string) {
			if err := os.Truncate(seg, 10); err != nil {
				t.Fatal(err)
			}
		}},
		{"missing", func(t *testing.T, seg string) {
			if err := os.Remove(seg); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, br := range breakers {
		for _, which := range []string{"all segments", "newest segment"} {
			t.Run(br.name+" "+which, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "index")
				ix := mustOpenNoCleanup(t, dir)
				mustApply(t, ix, []Doc{{Type: TypeInstitution, ID: "1", Title: "鹭汀创投"}}, nil, 7)
				mustApply(t, ix, []Doc{{Type: TypeInstitution, ID: "2", Title: "ABC金融"}}, nil, 8)
				if err := ix.Close(); err != nil {
					t.Fatal(err)
				}
				segs := segments(t, dir)
				if which == "newest segment" {
					segs = segs[len(segs)-1:] // names are zero-padded epochs
				}
				for _, seg := range segs {
					br.corrupt(t, seg)
				}

				log, buf := testLog()
				ix, err := Open(dir, log)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer ix.Close()
				n, c := state(t, ix)
				aside, _ := filepath.Glob(dir + ".broken-*")
				switch {
				case strings.Contains(buf.String(), "level=WARN"):
					if len(aside) != 1 || n != 0 || c != 0 {
						t.Errorf("warned but aside %v, count %d cursor %d", aside, n, c)
					}
				case len(aside) != 0:
					t.Errorf("moved aside without a warning: %v", aside)
				case !(n == 0 && c == 0) && !(n == 1 && c == 7) && !(n == 2 && c == 8):
					t.Errorf("recovered to count %d cursor %d: not a state that existed", n, c)
				case which == "all segments" && !ix.Empty():
					t.Errorf("all segments broken but not Empty: count %d cursor %d", n, c)
				}
				// (2, 8) happens when a merged segment was the newest file and the
				// snapshot before the merge is intact. Whatever happened, the
				// index answers queries.
				if _, err := ix.Search(context.Background(), Query{Text: "鹭汀"}); err != nil {
					t.Errorf("search: %v", err)
				}
			})
		}
	}
}

func TestOpenBrokenTwiceInOneSecond(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	for i := 0; i < 2; i++ {
		writeFile(t, dir, []byte("garbage"))
		ix, err := Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = ix.Close()
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	if aside, _ := filepath.Glob(dir + ".broken-*"); len(aside) != 2 {
		t.Errorf("moved-aside folders: %v, want 2", aside)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Run("parent is a file", func(t *testing.T) {
		parent := filepath.Join(t.TempDir(), "data")
		writeFile(t, parent, []byte("x"))
		_, err := Open(filepath.Join(parent, "index"), nil)
		if err == nil || !strings.Contains(err.Error(), "parent folder") {
			t.Errorf("Open under a file: %v, want an error naming the parent folder", err)
		}
	})
	t.Run("parent not writable", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes anywhere")
		}
		parent := filepath.Join(t.TempDir(), "ro")
		if err := os.Mkdir(parent, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(parent, 0o755)
		_, err := Open(filepath.Join(parent, "index"), nil)
		if err == nil || !strings.Contains(err.Error(), "not writable") {
			t.Errorf("Open in a read-only folder: %v", err)
		}
	})
	t.Run("empty name", func(t *testing.T) {
		if _, err := Open("", nil); err == nil {
			t.Error("Open(\"\") succeeded")
		}
	})
	t.Run("in use", func(t *testing.T) {
		old := lockTimeout
		lockTimeout = 100 * time.Millisecond
		defer func() { lockTimeout = old }()
		dir := filepath.Join(t.TempDir(), "index")
		ix := mustOpen(t, dir)
		mustApply(t, ix, []Doc{{Type: TypeNotice, ID: "1", Title: "公告"}}, nil, 1)
		_, err := Open(dir, nil)
		if !errors.Is(err, ErrInUse) {
			t.Errorf("second Open: %v, want ErrInUse", err)
		}
		if aside, _ := filepath.Glob(dir + ".*"); len(aside) != 0 {
			t.Errorf("an index in use was moved: %v", aside)
		}
		if n, c := state(t, ix); n != 1 || c != 1 {
			t.Errorf("first Index after the second Open: count %d cursor %d", n, c)
		}
	})
}

func TestApply(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	ctx := context.Background()
	mustApply(t, ix, []Doc{
		{Type: TypeInstitution, ID: "A", Title: "甲机构"},
		{Type: TypeDisclosure, ID: "A", Title: "甲披露"}, // same ID, other type: another doc
		{Type: TypeNotice, ID: "N/1", Title: "公告"},    // a slash inside ID is fine
	}, nil, 10)

	tests := []struct {
		name       string
		docs       []Doc
		deletes    []string
		cursor     uint64
		wantErr    error
		wantCount  uint64
		wantCursor uint64
	}{
		{"replace a doc", []Doc{{Type: TypeInstitution, ID: "A", Title: "乙机构"}}, nil, 11, nil, 3, 11},
		{"delete one", nil, []string{"disclosure/A"}, 12, nil, 2, 12},
		{"delete unknown id", nil, []string{"disclosure/nope"}, 13, nil, 2, 13},
		{"delete id with slash", nil, []string{"notice/N/1"}, 14, nil, 1, 14},
		{"cursor only", nil, nil, 20, nil, 1, 20},
		{"unknown type", []Doc{{Type: "person", ID: "1"}}, nil, 21, ErrInvalidDoc, 1, 20},
		{"empty id", []Doc{{Type: TypeNotice}}, nil, 21, ErrInvalidDoc, 1, 20},
		{"bad delete id", nil, []string{"nope"}, 21, ErrInvalidDoc, 1, 20},
		{"bad delete type", nil, []string{"person/1"}, 21, ErrInvalidDoc, 1, 20},
		{"good and bad together change nothing", []Doc{{Type: TypeNotice, ID: "2", Title: "新公告"}, {Type: "x", ID: "1"}}, nil, 21, ErrInvalidDoc, 1, 20},
		{"add and delete in one batch", []Doc{{Type: TypeNotice, ID: "3", Title: "第三"}}, []string{"institution/A"}, 22, nil, 1, 22},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ix.Apply(tt.docs, tt.deletes, tt.cursor)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Apply: %v, want %v", err, tt.wantErr)
			}
			if n, c := state(t, ix); n != tt.wantCount || c != tt.wantCursor {
				t.Errorf("count %d cursor %d, want %d %d", n, c, tt.wantCount, tt.wantCursor)
			}
		})
	}
	res, err := ix.Search(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(res); strings.Join(got, ",") != "notice/3" {
		t.Errorf("docs left: %v", got)
	}
	for _, text := range []string{"甲", "乙", "新公告"} {
		if res, _ := ix.Search(ctx, Query{Text: text}); res.Total != 0 {
			t.Errorf("deleted or rejected doc still found by %q: %v", text, hitIDs(res))
		}
	}
}

// TestApplyAtomic reads count and cursor from one snapshot while batches are
// applied: each batch adds 10 docs with cursor = batch number, so every
// snapshot must show count = 10 × cursor.
func TestApplyAtomic(t *testing.T) {
	ix := mustOpen(t, filepath.Join(t.TempDir(), "index"))
	adv, err := ix.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	const batches = 15
	done := make(chan error, 1)
	go func() {
		for b := 1; b <= batches; b++ {
			var docs []Doc
			for i := 0; i < 10; i++ {
				docs = append(docs, Doc{Type: TypeDisclosure, ID: fmt.Sprintf("%d-%d", b, i), Title: "运营数据"})
			}
			if err := ix.Apply(docs, nil, uint64(b)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	checks := 0
	for finished := false; !finished; checks++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		default:
		}
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		n, err := r.DocCount()
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.GetInternal(keyCursor)
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Close()
		var c uint64
		if v != nil {
			c = uint64(v[7]) // cursors stay below 256 here
		}
		if n != 10*c {
			t.Fatalf("snapshot with %d docs and cursor %d", n, c)
		}
	}
	if n, c := state(t, ix); n != 10*batches || c != batches {
		t.Errorf("end: count %d cursor %d", n, c)
	}
	t.Logf("%d consistent snapshots", checks)
}

func TestRebuild(t *testing.T) {
	ctx := context.Background()
	feedN := func(n int, title string) func(add func(Doc) error) error {
		return func(add func(Doc) error) error {
			for i := 0; i < n; i++ {
				if err := add(Doc{Type: TypeDisclosure, ID: fmt.Sprint(i), Title: title, Date: time.Unix(int64(i), 0)}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	leftovers := func(t *testing.T, dir string) {
		t.Helper()
		if names, _ := filepath.Glob(dir + ".*"); len(names) != 0 {
			t.Errorf("left beside the index: %v", names)
		}
	}

	t.Run("into a missing folder, several batches", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		if err := Rebuild(dir, nil, feedN(2100, "运营数据"), 99); err != nil {
			t.Fatal(err)
		}
		leftovers(t, dir)
		ix := mustOpen(t, dir)
		if n, c := state(t, ix); n != 2100 || c != 99 {
			t.Errorf("count %d cursor %d, want 2100 99", n, c)
		}
		res, err := ix.Search(ctx, Query{Text: "运营", PerPage: 1})
		if err != nil || res.Total != 2100 {
			t.Errorf("search rebuilt index: %v %+v", err, res)
		}
	})

	t.Run("the new index is merged as far as Bleve's merge plan goes", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		if err := Rebuild(dir, nil, feedN(25*rebuildBatch, "运营数据"), 1); err != nil {
			t.Fatal(err)
		}
		idx, err := openExisting(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		count := func() int {
			snap, err := snapshot(idx)
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			return len(snap.Segments())
		}
		before := count()
		adv, _ := idx.Advanced()
		if err := adv.(*scorch.Scorch).ForceMerge(ctx, &mergeplan.DefaultMergePlanOptions); err != nil {
			t.Fatal(err)
		}
		if after := count(); after != before || before > 10 {
			t.Errorf("rebuilt index: %d segments, %d after another merge: not settled", before, after)
		}
	})

	t.Run("replaces an existing index", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		ix := mustOpenNoCleanup(t, dir)
		mustApply(t, ix, []Doc{{Type: TypeNotice, ID: "old", Title: "旧公告"}}, nil, 5)
		_ = ix.Close()
		// A folder left by an interrupted rebuild is cleaned away.
		writeFile(t, filepath.Join(dir+".new-123", "junk"), []byte("x"))

		log, buf := testLog()
		if err := Rebuild(dir, log, feedN(3, "新披露"), 50); err != nil {
			t.Fatal(err)
		}
		leftovers(t, dir)
		if !strings.Contains(buf.String(), "index rebuilt") {
			t.Errorf("log: %s", buf)
		}
		ix = mustOpen(t, dir)
		if n, c := state(t, ix); n != 3 || c != 50 {
			t.Errorf("count %d cursor %d, want 3 50", n, c)
		}
		if res, _ := ix.Search(ctx, Query{Text: "旧公告"}); res.Total != 0 {
			t.Error("old doc survived the rebuild")
		}
	})

	t.Run("replaces a broken index", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "index")
		writeFile(t, filepath.Join(dir, "index_meta.json"), []byte("garbage"))
		if err := Rebuild(dir, nil, feedN(2, "新"), 2); err != nil {
			t.Fatal(err)
		}
		ix := mustOpen(t, dir)
		if n, c := state(t, ix); n != 2 || c != 2 {
			t.Errorf("count %d cursor %d", n, c)
		}
	})

	failures := []struct {
		name string
		feed func(add func(Doc) error) error
	}{
		{"feed fails", func(add func(Doc) error) error {
			if err := feedN(1500, "半")(add); err != nil {
				return err
			}
			return errors.New("database went away")
		}},
		{"invalid doc", func(add func(Doc) error) error {
			return add(Doc{Type: "bogus", ID: "1"})
		}},
	}
	for _, tt := range failures {
		t.Run(tt.name+" leaves the index as it was", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			ix := mustOpenNoCleanup(t, dir)
			mustApply(t, ix, []Doc{{Type: TypeNotice, ID: "keep", Title: "保留"}}, nil, 8)
			_ = ix.Close()
			if err := Rebuild(dir, nil, tt.feed, 100); err == nil {
				t.Fatal("Rebuild succeeded")
			}
			leftovers(t, dir)
			ix = mustOpen(t, dir)
			if n, c := state(t, ix); n != 1 || c != 8 {
				t.Errorf("count %d cursor %d, want 1 8", n, c)
			}
		})
	}
}

func mustOpenNoCleanup(t *testing.T, dir string) *Index {
	t.Helper()
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return ix
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func segments(t *testing.T, dir string) []string {
	t.Helper()
	segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
	if len(segs) == 0 {
		t.Fatal("no segment files to break")
	}
	return segs
}

func hitIDs(res *Result) []string {
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.Type+"/"+h.ID)
	}
	return ids
}
