package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"pilu/models/internal/handle"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("models: not found")

// ErrConflict is returned when a write collides with existing data (a duplicate key, a published record).
var ErrConflict = errors.New("models: conflict")

// Store reads and writes Pilu's records. It is safe for concurrent use.
type Store struct {
	db         *gorm.DB
	dialect    string
	calendar   calendarCache
	hooksMu    sync.Mutex               // OnWrite adding a hook
	writeHooks atomic.Pointer[[]func()] // what OnWrite was given
}

// Open connects to the database named by dsn: "sqlite:///path/to/pilu.db" (or a bare path) or
// "mysql://user:pass@host:3306/dbname". It does not migrate.
func Open(dsn string) (*Store, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		TranslateError:         true,
	}
	switch {
	case strings.HasPrefix(dsn, "mysql://"):
		myDSN, err := MySQLDSN(dsn)
		if err != nil {
			return nil, err
		}
		db, err := gorm.Open(mysql.Open(myDSN), cfg)
		if err != nil {
			return nil, fmt.Errorf("models: cannot reach MySQL at %s: %w", redact(dsn), err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("models: %w", err)
		}
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(8)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sqlDB.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("models: cannot reach MySQL at %s: %w", redact(dsn), err)
		}
		if err := keepSortKeys(db); err != nil {
			return nil, fmt.Errorf("models: %w", err)
		}
		return &Store{db: db, dialect: "mysql"}, nil
	default:
		path := strings.TrimPrefix(dsn, "sqlite://")
		if path == "" {
			return nil, fmt.Errorf("models: empty SQLite path")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("models: cannot create the folder for %s: %w", path, err)
		}
		// WAL lets readers run beside the one writer; immediate transactions take the write lock at
		// BEGIN so that concurrent writers wait (busy_timeout) instead of failing with SQLITE_BUSY.
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Set("_txlock", "immediate")
		db, err := gorm.Open(sqlite.Open("file:"+path+"?"+q.Encode()), cfg)
		if err != nil {
			return nil, fmt.Errorf("models: open %s: %w", path, err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("models: %w", err)
		}
		sqlDB.SetMaxOpenConns(8)
		if err := sqlDB.Ping(); err != nil {
			return nil, fmt.Errorf("models: open %s: %w", path, err)
		}
		if err := keepSortKeys(db); err != nil {
			return nil, fmt.Errorf("models: %w", err)
		}
		return &Store{db: db, dialect: "sqlite"}, nil
	}
}

// MySQLDSN turns "mysql://user:pass@host:3306/dbname?x=y" into a go-sql-driver DSN with utf8mb4,
// parseTime and UTC times.
func MySQLDSN(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "mysql" || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return "", fmt.Errorf("models: %q is not mysql://user:pass@host:port/dbname", redact(dsn))
	}
	pass, _ := u.User.Password()
	q := u.Query()
	q.Set("charset", "utf8mb4")
	q.Set("collation", "utf8mb4_unicode_ci")
	q.Set("parseTime", "true")
	q.Set("loc", "UTC")
	if q.Get("timeout") == "" {
		q.Set("timeout", "5s")
	}
	return fmt.Sprintf("%s:%s@tcp(%s)/%s?%s", u.User.Username(), pass, u.Host, strings.Trim(u.Path, "/"), q.Encode()), nil
}

// redact hides the password of a database URL for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "***")
	}
	return u.String()
}

// Dialect is "sqlite" or "mysql".
func (s *Store) Dialect() string { return s.dialect }

// The handle and transactions reach models/dbtest only, through models/internal/handle.
func init() {
	handle.DB = func(store any, ctx context.Context) *gorm.DB { return store.(*Store).db.WithContext(ctx) }
	handle.Tx = func(store any, ctx context.Context, fn func(tx *gorm.DB) error) error {
		return store.(*Store).transact(ctx, fn)
	}
}

// transact runs fn in one transaction (immediate on SQLite) and commits when fn returns nil. A transaction
// that MySQL aborts as a deadlock victim is run again (up to three tries), so fn must not change
// anything outside the transaction before it returns. When ctx carries an audit entry (WithAudit) not
// yet written, the transaction appends it before it commits.
func (s *Store) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for try := 1; try <= 3; try++ {
		audited := false
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := fn(tx); err != nil {
				return err
			}
			var err error
			audited, err = auditInTx(ctx, tx) // the entry WithAudit put in ctx, with the change it records
			return err
		})
		if err == nil && audited {
			markAudited(ctx)
		}
		if err == nil {
			s.wrote() // committed: caches that looked in between see it now (OnWrite)
		}
		if !isDeadlock(err) || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(try*try) * 10 * time.Millisecond)
	}
	return err
}

// isDeadlock reports whether MySQL rolled the transaction back to break a deadlock (1213) or a lock
// wait timed out (1205): running it again is safe.
func isDeadlock(err error) bool {
	var me *mysqldrv.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if s.dialect == "sqlite" {
		s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
	return sqlDB.Close()
}

// notFound maps GORM's missing-record error to ErrNotFound and duplicate keys to ErrConflict.
func notFound(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("models: %s: %w", what, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("models: %s: %w", what, ErrConflict)
	}
	return fmt.Errorf("models: %s: %w", what, err)
}

// outbox records in tx that a searchable record changed.
func outbox(tx *gorm.DB, entity string, id uint64) error {
	return tx.Create(&OutboxEntry{Entity: entity, EntityID: id}).Error
}
