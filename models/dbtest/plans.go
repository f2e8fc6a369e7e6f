package dbtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"pilu/models"
)

// QueryLog records the SELECT statements a store runs while it is on, with their arguments, so a
// test can ask the database how it would run each (EXPLAIN).
type QueryLog struct {
	mu   sync.Mutex
	on   bool
	sqls []Query
}

// Query is one statement a store ran, with its arguments.
type Query struct {
	SQL  string
	Vars []any
}

// RecordQueries starts a log of the SELECT statements st runs (Find, First, Count, Pluck, Scan and
// Row alike); During turns it on.
func RecordQueries(t testing.TB, st *models.Store) *QueryLog {
	t.Helper()
	l := &QueryLog{}
	rec := func(db *gorm.DB) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.on {
			l.sqls = append(l.sqls, Query{db.Statement.SQL.String(), append([]any(nil), db.Statement.Vars...)})
		}
	}
	cb := Handle(context.Background(), st).Callback()
	if err := cb.Query().After("gorm:query").Register("test:record_query", rec); err != nil {
		t.Fatal(err)
	}
	// Scan and Row run through the row callbacks, not the query ones.
	if err := cb.Row().After("gorm:row").Register("test:record_row", rec); err != nil {
		t.Fatal(err)
	}
	return l
}

// During returns the statements fn ran.
func (l *QueryLog) During(fn func()) []Query {
	l.mu.Lock()
	l.on, l.sqls = true, nil
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.sqls
}

// FullScans asks the database for the plan of q and returns the steps that read a whole table of
// tables (SQLite: SCAN without an index, or of an index not walked in the query's order; MariaDB:
// access type ALL or index). orderedWalk allows a walk of an index in ORDER BY order (SQLite's SCAN …
// USING INDEX, MariaDB's type index), which the LIMIT stops early.
func FullScans(t testing.TB, st *models.Store, q Query, tables []string, orderedWalk bool) []string {
	t.Helper()
	var bad []string
	for _, row := range planOf(t, st, q) {
		for _, table := range tables {
			switch st.Dialect() {
			case "sqlite":
				rest, ok := sqliteStep(row["detail"], "SCAN", table)
				if !ok || orderedWalk && strings.Contains(rest, "USING INDEX") {
					continue
				}
				bad = append(bad, row["detail"])
			default:
				if row["table"] == table && (row["type"] == "ALL" || row["type"] == "index" && !orderedWalk) {
					bad = append(bad, fmt.Sprintf("%s: type %s, key %s, rows %s", row["table"], row["type"], row["key"], row["rows"]))
				}
			}
		}
	}
	return bad
}

// RowReads returns the steps of q's plan that look rows of tables up through a secondary index that
// does not hold every column the query needs (SQLite: SEARCH … USING INDEX, not COVERING; MariaDB: a
// key other than PRIMARY without "Using index"): each such step reads a row per index entry, so a
// query without a LIMIT pays for every row its index condition selects, not only for those it keeps.
func RowReads(t testing.TB, st *models.Store, q Query, tables []string) []string {
	t.Helper()
	var bad []string
	for _, row := range planOf(t, st, q) {
		for _, table := range tables {
			switch st.Dialect() {
			case "sqlite":
				rest, ok := sqliteStep(row["detail"], "SEARCH", table)
				if ok && strings.Contains(rest, "USING INDEX") && !strings.Contains(rest, "COVERING") {
					bad = append(bad, row["detail"])
				}
			default:
				if row["table"] == table && row["key"] != "" && row["key"] != "PRIMARY" && row["key"] != "<nil>" &&
					!strings.Contains(row["extra"], "Using index") {
					bad = append(bad, fmt.Sprintf("%s: type %s, key %s, rows %s, %s", row["table"], row["type"], row["key"], row["rows"], row["extra"]))
				}
			}
		}
	}
	return bad
}

// sqliteStep reports whether a step of SQLite's plan is op (SCAN, SEARCH) on table, and the rest.
func sqliteStep(detail, op, table string) (string, bool) {
	if !strings.HasPrefix(detail, op+" "+table) {
		return "", false
	}
	rest := strings.TrimPrefix(detail, op+" "+table)
	return rest, rest == "" || strings.HasPrefix(rest, " ") // not another table whose name starts alike
}

// planOf asks the database how it would run q (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on MariaDB)
// and returns its steps, each a map from lower-case column name to value.
func planOf(t testing.TB, st *models.Store, q Query) []map[string]string {
	t.Helper()
	explain := "EXPLAIN "
	if st.Dialect() == "sqlite" {
		explain = "EXPLAIN QUERY PLAN "
	}
	rows, err := Handle(context.Background(), st).Raw(explain+q.SQL, q.Vars...).Rows()
	if err != nil {
		t.Fatalf("explain %s: %v", q.SQL, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []map[string]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, c := range cols {
			row[strings.ToLower(c)] = fmt.Sprint(stringOf(vals[i]))
		}
		out = append(out, row)
	}
	return out
}

func stringOf(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}
