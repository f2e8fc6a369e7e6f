package models

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// A database backup is a folder with one gzip file of JSON lines per table (tables/NAME.ndjson.gz:
// a first line naming the columns, then one array of values per row) written inside one read
// transaction, so the tables agree with each other and with the ledger head recorded. Values keep
// their types across SQLite and MySQL: times as {"t": RFC 3339}, binary as {"b": base64}, the rest
// as JSON. Personal data stays sealed: a restore needs the same PILU_SECRET.

// DumpInfo describes a database backup: what the manifest records and a restore checks.
type DumpInfo struct {
	Dialect       string           `json:"dialect"`
	SchemaVersion int              `json:"schema_version"`
	LedgerSeq     uint64           `json:"ledger_seq"`
	LedgerHash    string           `json:"ledger_hash"`
	Tables        map[string]Table `json:"tables"`
	BlobKeys      []string         `json:"-"` // the blobs the backed-up rows name
}

// Table is one table of a backup: its rows and its file's SHA-256.
type Table struct {
	Rows   int64  `json:"rows"`
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// ErrLedgerAhead is the error of a restore onto a database whose ledger has entries the backup lacks.
var ErrLedgerAhead = errors.New("models: the database's ledger is ahead of the backup")

// LedgerHead returns the sequence number and hash of the ledger's last entry (0 and "" when empty).
func (s *Store) LedgerHead(ctx context.Context) (uint64, string, error) {
	return ledgerHeadOf(s.db.WithContext(ctx))
}

func ledgerHeadOf(db *gorm.DB) (uint64, string, error) {
	var head ledgerHead
	err := db.Limit(1).Find(&head, 1).Error
	if err != nil {
		return 0, "", fmt.Errorf("models: ledger head: %w", err)
	}
	return head.Seq, head.Hash, nil
}

// skippedTables are not backed up: the schema version is the manifest's; sessions and login
// failures are a running portal's own.
var skippedTables = []string{"schema_version", "sessions", "login_attempts"}

// Dump writes every table into dir/tables within one read transaction and returns what it wrote.
// It runs while the portal serves.
func (s *Store) Dump(ctx context.Context, dir string) (DumpInfo, error) {
	info := DumpInfo{Dialect: s.dialect, Tables: map[string]Table{}}
	if err := os.MkdirAll(filepath.Join(dir, "tables"), 0o700); err != nil {
		return info, fmt.Errorf("models: backup: %w", err)
	}
	opts := &sql.TxOptions{ReadOnly: true}
	if s.dialect == "mysql" {
		opts.Isolation = sql.LevelRepeatableRead // one consistent snapshot for every table
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Table("schema_version").Select("COALESCE(MAX(version), 0)").Scan(&info.SchemaVersion).Error; err != nil {
			return err
		}
		var err error
		if info.LedgerSeq, info.LedgerHash, err = ledgerHeadOf(tx); err != nil {
			return err
		}
		tables, err := tx.Migrator().GetTables()
		if err != nil {
			return err
		}
		slices.Sort(tables)
		for _, name := range tables {
			if slices.Contains(skippedTables, name) || strings.HasPrefix(name, "sqlite_") {
				continue
			}
			t, err := dumpTable(tx, dir, name)
			if err != nil {
				return fmt.Errorf("table %s: %w", name, err)
			}
			info.Tables[name] = t
		}
		return tx.Model(&Attachment{}).Order("id").Pluck("blob_key", &info.BlobKeys).Error
	}, opts)
	if err != nil {
		return info, fmt.Errorf("models: backup: %w", err)
	}
	return info, nil
}

func dumpTable(tx *gorm.DB, dir, name string) (Table, error) {
	t := Table{File: "tables/" + name + ".ndjson.gz"}
	f, err := os.OpenFile(filepath.Join(dir, t.File), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return t, err
	}
	defer f.Close()
	sum := sha256.New()
	zw := gzip.NewWriter(io.MultiWriter(f, sum))
	enc := json.NewEncoder(zw)
	rows, err := tx.Table(name).Rows()
	if err != nil {
		return t, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return t, err
	}
	if err := enc.Encode(cols); err != nil {
		return t, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make([]any, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return t, err
		}
		for i, v := range vals {
			out[i] = encodeValue(v)
		}
		if err := enc.Encode(out); err != nil {
			return t, err
		}
		t.Rows++
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	if err := zw.Close(); err != nil {
		return t, err
	}
	if err := f.Close(); err != nil {
		return t, err
	}
	t.SHA256 = hex.EncodeToString(sum.Sum(nil))
	return t, nil
}

// encodeValue turns a scanned value into JSON that keeps its type (see the backup format above).
func encodeValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return map[string]string{"t": x.UTC().Format(time.RFC3339Nano)}
	case []byte:
		if utf8.Valid(x) && !strings.ContainsRune(string(x), 0) {
			return string(x) // MySQL hands text columns over as bytes
		}
		return map[string]string{"b": base64.StdEncoding.EncodeToString(x)}
	}
	return v
}

// decodeValue is encodeValue's inverse for a value read with json.Decoder.UseNumber.
func decodeValue(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
		return x.Float64()
	case map[string]any:
		if s, ok := x["t"].(string); ok {
			return time.Parse(time.RFC3339Nano, s)
		}
		if s, ok := x["b"].(string); ok {
			return base64.StdEncoding.DecodeString(s)
		}
		return nil, fmt.Errorf("unknown value %v", x)
	}
	return v, nil
}

// Restore loads the backup in dir (described by info, as Dump returned it) into this database, which
// must be empty: the schema is migrated to the backup's version, every table loaded and its file
// checked against info, then the later migrations applied. A database whose ledger is ahead of the
// backup is refused with ErrLedgerAhead; any other database with records, with ErrConflict.
func (s *Store) Restore(ctx context.Context, dir string, info DumpInfo) error {
	if info.SchemaVersion < 1 || info.SchemaVersion > len(migrations) {
		return fmt.Errorf("models: restore: the backup's schema version %d is not one this program knows (1–%d)", info.SchemaVersion, len(migrations))
	}
	current, err := s.SchemaVersion(ctx)
	if err != nil {
		current = 0 // no schema_version table yet: an empty database
	}
	if current > 0 {
		seq, _, err := s.LedgerHead(ctx)
		if err == nil && seq > info.LedgerSeq {
			return fmt.Errorf("%w: the database has %d ledger entries, the backup %d; restore into an empty database", ErrLedgerAhead, seq, info.LedgerSeq)
		}
		var n int64
		if err := s.db.WithContext(ctx).Model(&Institution{}).Count(&n).Error; err != nil || n > 0 || seq > 0 {
			return conflict(CodeRestoreNotEmpty)
		}
		if current > info.SchemaVersion {
			return conflict(CodeRestoreSchemaAhead, Args{"current": current, "backup": info.SchemaVersion})
		}
	}
	if _, err := s.migrate(ctx, info.SchemaVersion); err != nil {
		return err
	}
	names := make([]string, 0, len(info.Tables))
	for name := range info.Tables {
		names = append(names, name)
	}
	slices.Sort(names)
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, name := range names {
			if err := restoreTable(tx, dir, name, info.Tables[name]); err != nil {
				return fmt.Errorf("table %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("models: restore: %w", err)
	}
	_, err = s.Migrate(ctx)
	return err
}

func restoreTable(tx *gorm.DB, dir, name string, t Table) error {
	if t.File != "tables/"+name+".ndjson.gz" {
		return fmt.Errorf("unexpected file %q", t.File)
	}
	f, err := os.Open(filepath.Join(dir, t.File))
	if err != nil {
		return err
	}
	defer f.Close()
	sum := sha256.New()
	zr, err := gzip.NewReader(io.TeeReader(bufio.NewReader(f), sum))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(zr)
	dec.UseNumber()
	var cols []string
	if err := dec.Decode(&cols); err != nil {
		return fmt.Errorf("columns: %w", err)
	}
	// Rows a migration wrote (the database's identity) give way to the backup's.
	if err := tx.Session(&gorm.Session{AllowGlobalUpdate: true}).Table(name).Delete(nil).Error; err != nil {
		return err
	}
	var rows int64
	batch := make([]map[string]any, 0, 200)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := tx.Table(name).Create(&batch).Error
		batch = batch[:0]
		return err
	}
	for {
		var raw []any
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("row %d: %w", rows+1, err)
		}
		if len(raw) != len(cols) {
			return fmt.Errorf("row %d has %d values for %d columns", rows+1, len(raw), len(cols))
		}
		row := make(map[string]any, len(cols))
		for i, c := range cols {
			v, err := decodeValue(raw[i])
			if err != nil {
				return fmt.Errorf("row %d, %s: %w", rows+1, c, err)
			}
			row[c] = v
		}
		batch = append(batch, row)
		rows++
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return err
	}
	if got := hex.EncodeToString(sum.Sum(nil)); rows != t.Rows || got != t.SHA256 {
		return fmt.Errorf("%d rows, SHA-256 %s; the manifest says %d rows, %s", rows, got, t.Rows, t.SHA256)
	}
	return nil
}
