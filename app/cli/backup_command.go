package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"pilu/app"
	"pilu/app/blob"
	"pilu/models"
)

// backupFormat names the layout of a backup folder: manifest.json, tables/ (the database, see
// models.Dump) and blobs/ (every attachment and evidence file the rows name, under its key).
const backupFormat = "pilu-backup/1"

// backupManifest is a backup's manifest.json: what it holds and the ledger head it covers.
type backupManifest struct {
	Format    string          `json:"format"`
	CreatedAt time.Time       `json:"created_at"`
	Program   string          `json:"program"`
	Database  models.DumpInfo `json:"database"`
	Blobs     []backupBlob    `json:"blobs"`
}

// backupBlob is one file of a backup's blobs/ folder.
type backupBlob struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
}

// runBackup is `pilu backup DIR`: a consistent snapshot of the database, every blob its rows name,
// and a manifest; it runs while the portal serves.
func runBackup(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return app.UsageError{Err: errors.New("backup needs the folder to write: pilu backup DIR")}
	}
	dir, args := args[0], args[1:]
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("backup: %s is not empty; name a new folder", dir)
	}
	st, blobs, err := openStoreAndBlobs(args, true)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	m := backupManifest{Format: backupFormat, CreatedAt: time.Now().UTC(), Program: versionString()}
	if m.Database, err = st.Dump(ctx, dir); err != nil {
		return err
	}
	for _, key := range m.Database.BlobKeys {
		b, err := copyBlobOut(ctx, blobs, dir, key)
		if err != nil {
			return err
		}
		m.Blobs = append(m.Blobs, b)
	}
	if err := app.WriteAtomically(filepath.Join(dir, "manifest.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(m)
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s: %d tables, %d files, ledger entry %d (%s)\n",
		dir, len(m.Database.Tables), len(m.Blobs), m.Database.LedgerSeq, shortHash(m.Database.LedgerHash))
	return nil
}

// copyBlobOut copies the blob key into dir/blobs, hashing it on the way.
func copyBlobOut(ctx context.Context, blobs blob.Store, dir, key string) (backupBlob, error) {
	if !blob.ValidKey(key) {
		return backupBlob{}, fmt.Errorf("backup: an attachment names %q, which is not a blob key", key)
	}
	rc, info, err := blobs.Open(ctx, key)
	if err != nil {
		return backupBlob{}, fmt.Errorf("backup: blob %s: %w", key, err)
	}
	defer rc.Close()
	path := filepath.Join(dir, "blobs", filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return backupBlob{}, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return backupBlob{}, err
	}
	defer f.Close()
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, sum), rc)
	if err != nil {
		return backupBlob{}, fmt.Errorf("backup: blob %s: %w", key, err)
	}
	return backupBlob{Key: key, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil)), ContentType: info.ContentType}, f.Close()
}

// runRestore is `pilu restore DIR`: it loads a backup into an empty database and blob store (the
// configured ones), then checks the ledger and the counts against the manifest. A database whose
// ledger is ahead of the backup is refused.
func runRestore(args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return app.UsageError{Err: errors.New("restore needs the backup folder: pilu restore DIR")}
	}
	dir, args := args[0], args[1:]
	var m backupManifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return fmt.Errorf("restore: %s has no manifest.json (an incomplete backup?): %w", dir, err)
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Format != backupFormat {
		return fmt.Errorf("restore: %s/manifest.json is not a %s manifest", dir, backupFormat)
	}
	st, blobs, err := openStoreAndBlobs(args, false) // restore migrates to the backup's schema itself
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	// Files first: a restore that stops half-way leaves at worst unnamed blobs, which the sweeper removes.
	for _, bb := range m.Blobs {
		if err := copyBlobIn(ctx, blobs, dir, bb); err != nil {
			return err
		}
	}
	if err := st.Restore(ctx, dir, m.Database); err != nil {
		return err
	}
	seq, hash, err := st.LedgerHead(ctx)
	if err != nil {
		return err
	}
	if seq != m.Database.LedgerSeq || hash != m.Database.LedgerHash {
		return fmt.Errorf("restore: the ledger head is %d (%s), the manifest says %d (%s)", seq, shortHash(hash), m.Database.LedgerSeq, shortHash(m.Database.LedgerHash))
	}
	if err := app.VerifyLedger(ctx, st, blobs, io.Discard); err != nil {
		return fmt.Errorf("restore: the restored ledger does not verify: %w", err)
	}
	fmt.Fprintf(stdout, "restored %s: %d tables, %d files, ledger entry %d (%s) verified\n",
		dir, len(m.Database.Tables), len(m.Blobs), seq, shortHash(hash))
	return nil
}

// copyBlobIn puts one file of a backup into the blob store, checking its size and SHA-256.
func copyBlobIn(ctx context.Context, blobs blob.Store, dir string, bb backupBlob) error {
	if !blob.ValidKey(bb.Key) {
		return fmt.Errorf("restore: the manifest names %q, which is not a blob key", bb.Key)
	}
	f, err := os.Open(filepath.Join(dir, "blobs", filepath.FromSlash(bb.Key)))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	info, err := blobs.Put(ctx, bb.Key, f, blob.PutOptions{Size: bb.Size, Limit: bb.Size, ContentType: bb.ContentType})
	if err != nil {
		return fmt.Errorf("restore: blob %s: %w", bb.Key, err)
	}
	if info.SHA256 != bb.SHA256 || info.Size != bb.Size {
		return fmt.Errorf("restore: blob %s is %d bytes with SHA-256 %s; the manifest says %d, %s", bb.Key, info.Size, info.SHA256, bb.Size, bb.SHA256)
	}
	return nil
}

// shortHash is the first 12 characters of a hash, for messages.
func shortHash(h string) string { return h[:min(12, len(h))] }
