package models_test

import (
	"slices"
	"testing"

	"gorm.io/gorm"

	"pilu/models"
	"pilu/models/dbtest"
)

// TestMigratedSchemaMatchesTheRecords migrates a fresh database and checks, on SQLite and MariaDB,
// that every column and index the live records declare exists, and that every column of their
// tables is one a record maps: migrations are frozen steps, the records change, and the two must
// never drift apart (the index on disclosures.amends was declared and never created).
func TestMigratedSchemaMatchesTheRecords(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		db := dbtest.Handle(ctx, st)
		m := db.Migrator()
		for _, rec := range models.LiveRecords {
			stmt := &gorm.Statement{DB: db}
			if err := stmt.Parse(rec); err != nil {
				t.Fatal(err)
			}
			table := stmt.Schema.Table
			if !m.HasTable(table) {
				t.Errorf("%s: no table", table)
				continue
			}
			var mapped []string
			for _, f := range stmt.Schema.Fields {
				if f.DBName == "" {
					continue
				}
				mapped = append(mapped, f.DBName)
				if !m.HasColumn(rec, f.DBName) {
					t.Errorf("%s.%s: declared, not migrated", table, f.DBName)
				}
			}
			for _, idx := range stmt.Schema.ParseIndexes() {
				if !m.HasIndex(rec, idx.Name) {
					t.Errorf("%s: index %s declared, not migrated", table, idx.Name)
				}
			}
			types, err := m.ColumnTypes(rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range types {
				if !slices.Contains(mapped, c.Name()) {
					t.Errorf("%s.%s: migrated, mapped by no field", table, c.Name())
				}
			}
		}
	})
}
