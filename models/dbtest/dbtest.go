// Package dbtest gives tests the databases they run against: a fresh SQLite file always, and a fresh
// MariaDB/MySQL database when PILU_TEST_MYSQL names a server. Under CI=true a missing server fails
// the test instead of skipping it, so CI can never pass without MariaDB. Handle and Transact give
// tests the database handle the Store keeps to itself, for rows no Store method writes or reads.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"pilu/models"
)

// DB is one database a test runs against.
type DB struct {
	Name string // "sqlite" or "mysql"
	DSN  string
}

// DSNs returns a fresh SQLite database and, when configured, a fresh MySQL database; both are
// removed when the test ends.
func DSNs(t testing.TB) []DB {
	t.Helper()
	out := []DB{{Name: "sqlite", DSN: "sqlite://" + filepath.Join(t.TempDir(), "pilu.db")}}
	base := os.Getenv("PILU_TEST_MYSQL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but PILU_TEST_MYSQL is not set: CI must run the MariaDB tests")
		}
		t.Log("PILU_TEST_MYSQL not set: MariaDB part skipped (bash .ci/run sets it)")
		return out
	}
	return append(out, DB{Name: "mysql", DSN: freshMySQL(t, base)})
}

// freshMySQL creates an empty database on the server of base and drops it after the test.
func freshMySQL(t testing.TB, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PILU_TEST_MYSQL: %v", err)
	}
	admin, err := models.Open(base)
	if err != nil {
		t.Fatalf("PILU_TEST_MYSQL: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "pilu_t_" + hex.EncodeToString(b)
	ctx := context.Background()
	if err := Handle(ctx, admin).Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		Handle(ctx, admin).Exec("DROP DATABASE IF EXISTS " + name)
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// Open opens and migrates db, closing it when the test ends.
func Open(t testing.TB, db DB) *models.Store {
	t.Helper()
	st, err := models.Open(db.DSN)
	if err != nil {
		t.Fatalf("open %s: %v", db.Name, err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", db.Name, err)
	}
	return st
}

// Stores runs fn once per database as a subtest, with a migrated store.
func Stores(t *testing.T, fn func(t *testing.T, st *models.Store)) {
	for _, db := range DSNs(t) {
		t.Run(db.Name, func(t *testing.T) { fn(t, Open(t, db)) })
	}
}
