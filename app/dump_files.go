package app

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"pilu/models"
	"time"
)

// DumpManifest describes a full dump: each file with its SHA-256, size and number of records, and the
// ledger head the dump was taken at.
type DumpManifest struct {
	GeneratedAt time.Time  `json:"generated_at"`
	LedgerSeq   uint64     `json:"ledger_seq"`
	LedgerHash  string     `json:"ledger_hash"`
	Files       []DumpFile `json:"files"`
}

// DumpFile is one file of a full dump.
type DumpFile struct {
	Name    string `json:"name"`
	SHA256  string `json:"sha256"`
	Bytes   int64  `json:"bytes"`
	Records int    `json:"records"`
}

// ExportAll writes the full dump of st's public records into dir and returns its manifest (pilu
// export --all): every public record as gzip-compressed NDJSON, one file per kind, and
// manifest.json with their checksums. Files are written under temporary names and renamed when
// complete, so a reader never sees half a dump.
func ExportAll(ctx context.Context, cfg Config, st *models.Store, dir string) (DumpManifest, error) {
	s := &Server{cfg: cfg, store: st, now: time.Now}
	return s.exportAll(ctx, dir)
}

// exportAll writes the dump into dir and returns its manifest.
func (s *Server) exportAll(ctx context.Context, dir string) (DumpManifest, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return DumpManifest{}, fmt.Errorf("export: %w", err)
	}
	head, _, err := s.store.LedgerPage(ctx, 1, 1)
	if err != nil {
		return DumpManifest{}, err
	}
	m := DumpManifest{GeneratedAt: s.now().UTC().Truncate(time.Second), Files: []DumpFile{}}
	if len(head) > 0 {
		m.LedgerSeq, m.LedgerHash = head[0].Seq, head[0].Hash
	}
	dumps := []struct {
		name string
		each func(emit func(any) error) error
	}{
		{"institutions.ndjson.gz", s.dumpInstitutions},
		{"disclosures.ndjson.gz", s.dumpDisclosures},
		{"notices.ndjson.gz", s.dumpNotices},
		{"ledger.ndjson.gz", func(emit func(any) error) error { return s.dumpLedger(ctx, m.LedgerSeq, emit) }},
	}
	for _, d := range dumps {
		f, err := writeNDJSON(filepath.Join(dir, d.name), d.each)
		if err != nil {
			return m, fmt.Errorf("export %s: %w", d.name, err)
		}
		f.Name = d.name
		m.Files = append(m.Files, f)
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	return m, WriteAtomically(filepath.Join(dir, "manifest.json"), func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
}

// writeNDJSON writes one gzip-compressed NDJSON file and returns its size, checksum and count.
func writeNDJSON(path string, each func(emit func(any) error) error) (DumpFile, error) {
	var out DumpFile
	err := WriteAtomically(path, func(w io.Writer) error {
		h := sha256.New()
		cw := &countingWriter{w: io.MultiWriter(w, h)}
		zw := gzip.NewWriter(cw)
		enc := json.NewEncoder(zw)
		enc.SetEscapeHTML(false)
		if err := each(func(v any) error { out.Records++; return enc.Encode(v) }); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		out.SHA256, out.Bytes = hexSum(h), cw.n
		return nil
	})
	return out, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// WriteAtomically writes path through a temporary file renamed into place on success, so a reader
// never sees half a file (the dump, a backup's manifest).
func WriteAtomically(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	os.Chmod(tmp.Name(), 0o644)
	return os.Rename(tmp.Name(), path)
}

// dumpInstitutions emits every institution with its class history, in id order.
func (s *Server) dumpInstitutions(emit func(any) error) error {
	ctx := context.Background()
	for after := uint64(0); ; {
		rows, err := s.store.InstitutionsAfter(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, in := range rows {
			history, err := s.store.ClassHistory(ctx, in.ID)
			if err != nil {
				return err
			}
			out, err := s.dumpInstitution(ctx, in, history)
			if err != nil {
				return err
			}
			if err := emit(out); err != nil {
				return err
			}
			after = in.ID
		}
	}
}

// dumpDisclosures emits every published disclosure version, in id order.
func (s *Server) dumpDisclosures(emit func(any) error) error {
	ctx := context.Background()
	for after := uint64(0); ; {
		ids, err := s.store.DisclosureIDsAfter(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		for _, id := range ids {
			d, err := s.store.DisclosureByID(ctx, id)
			if err != nil {
				return err
			}
			out, err := s.dumpDisclosure(ctx, d)
			if err != nil {
				return err
			}
			if err := emit(out); err != nil {
				return err
			}
			after = id
		}
	}
}

// dumpNotices emits every published notice, in id order (drafts are not public).
func (s *Server) dumpNotices(emit func(any) error) error {
	ctx := context.Background()
	for after := uint64(0); ; {
		ids, err := s.store.PublishedNoticeIDsAfter(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		for _, id := range ids {
			n, err := s.store.NoticeByID(ctx, id)
			if err != nil {
				return err
			}
			out, err := s.dumpNotice(ctx, n)
			if err != nil {
				return err
			}
			if err := emit(out); err != nil {
				return err
			}
			after = id
		}
	}
}

// dumpLedger emits the ledger up to entry upTo, oldest first.
func (s *Server) dumpLedger(ctx context.Context, upTo uint64, emit func(any) error) error {
	for after := uint64(0); after < upTo; {
		rows, err := s.store.LedgerRange(ctx, after, upTo, 500)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, e := range rows {
			if err := emit(e); err != nil {
				return err
			}
			after = e.Seq
		}
	}
	return nil
}
