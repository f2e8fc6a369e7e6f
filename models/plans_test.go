package models_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"pilu/models"
	"pilu/models/dbtest"
)

// queryLog records the SELECT statements a store runs while it is on, with their arguments, so a
// test can ask the database how it would run each (EXPLAIN).
type queryLog struct {
	mu   sync.Mutex
	on   bool
	sqls []loggedQuery
}

type loggedQuery struct {
	sql  string
	vars []any
}

func recordQueries(t *testing.T, st *models.Store) *queryLog {
	t.Helper()
	l := &queryLog{}
	rec := func(db *gorm.DB) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.on {
			l.sqls = append(l.sqls, loggedQuery{db.Statement.SQL.String(), append([]any(nil), db.Statement.Vars...)})
		}
	}
	if err := st.DB(ctx).Callback().Query().After("gorm:query").Register("test:record_query", rec); err != nil {
		t.Fatal(err)
	}
	return l
}

// during returns the statements fn ran.
func (l *queryLog) during(fn func()) []loggedQuery {
	l.mu.Lock()
	l.on, l.sqls = true, nil
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.sqls
}

// fullScans asks the database for the plan of q and returns the steps that read a whole table of
// tables (SQLite: SCAN without an index, or of an index not walked in the query's order; MariaDB:
// access type ALL or index). orderedWalk allows a walk of an index in ORDER BY order (SQLite's SCAN …
// USING INDEX, MariaDB's type index), which the LIMIT stops early.
func fullScans(t *testing.T, st *models.Store, q loggedQuery, tables []string, orderedWalk bool) []string {
	t.Helper()
	explain := "EXPLAIN "
	if st.Dialect() == "sqlite" {
		explain = "EXPLAIN QUERY PLAN "
	}
	rows, err := st.DB(ctx).Raw(explain+q.sql, q.vars...).Rows()
	if err != nil {
		t.Fatalf("explain %s: %v", q.sql, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var bad []string
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
		for _, table := range tables {
			switch st.Dialect() {
			case "sqlite":
				d := row["detail"]
				if !strings.HasPrefix(d, "SCAN "+table) {
					continue
				}
				rest := strings.TrimPrefix(d, "SCAN "+table)
				if rest != "" && !strings.HasPrefix(rest, " ") {
					continue // another table whose name starts alike
				}
				if orderedWalk && strings.Contains(rest, "USING INDEX") {
					continue
				}
				bad = append(bad, d)
			default:
				if row["table"] == table && (row["type"] == "ALL" || row["type"] == "index" && !orderedWalk) {
					bad = append(bad, fmt.Sprintf("%s: type %s, key %s, rows %s", row["table"], row["type"], row["key"], row["rows"]))
				}
			}
		}
	}
	return bad
}

func stringOf(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// TestListingQueriesUseIndexes checks the plans of the queries behind an institution's page and the
// newest-first lists on a table of a few thousand disclosures with amendment chains: an institution's
// disclosures and a chain's latest version are found through indexes, never by reading every
// disclosure (at a million documents the old GROUP BY root_id took 0.6 s a query).
func TestListingQueriesUseIndexes(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		const institutions, perInstitution = 40, 60
		db := st.DB(ctx)
		published := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		var ins []models.Institution
		for i := range institutions {
			ins = append(ins, models.Institution{USCC: fmt.Sprintf("PLAN%014d", i), Name: fmt.Sprintf("计划测试%d有限公司", i), Province: "440000"})
		}
		if err := db.Create(&ins).Error; err != nil {
			t.Fatal(err)
		}
		id := uint64(0)
		var ds []models.Disclosure
		for i, in := range ins {
			for j := range perInstitution {
				id++
				d := models.Disclosure{ID: id, InstitutionID: in.ID, USCC: in.USCC, Kind: models.DisclosureKinds[j%len(models.DisclosureKinds)],
					Title: "t", Version: 1, RootID: id, PublishedAt: published.Add(time.Duration(i*perInstitution+j) * time.Hour)}
				if j%5 == 4 { // every fifth amends the one before it
					prev := ds[len(ds)-1]
					d.RootID, d.Version, d.Amends, d.Kind = prev.RootID, prev.Version+1, &prev.ID, prev.Kind
				}
				ds = append(ds, d)
			}
		}
		if err := db.Omit("Figures", "Tranches", "Attachments").CreateInBatches(&ds, 500).Error; err != nil {
			t.Fatal(err)
		}
		analyze := "ANALYZE"
		if st.Dialect() == "mysql" {
			analyze = "ANALYZE TABLE disclosures, institutions"
		}
		if err := db.Exec(analyze).Error; err != nil {
			t.Fatal(err)
		}
		log := recordQueries(t, st)
		cases := []struct {
			name        string
			orderedWalk bool
			run         func() error
		}{
			{"an institution's disclosures", false, func() error {
				items, total, err := st.ListDisclosures(ctx, models.DisclosureFilter{InstitutionID: ins[7].ID, PerPage: 100})
				if err == nil && (total != perInstitution*4/5 || len(items) != int(total)) {
					err = fmt.Errorf("total %d, %d items, want %d current versions", total, len(items), perInstitution*4/5)
				}
				return err
			}},
			{"an institution's disclosures of some kinds", false, func() error {
				_, _, err := st.ListDisclosures(ctx, models.DisclosureFilter{InstitutionID: ins[3].ID, Kinds: []string{"repayment_progress"}, PerPage: 100})
				return err
			}},
			{"a chain's latest version", false, func() error {
				d, err := st.LatestVersion(ctx, ds[3].RootID)
				if err == nil && d.ID != ds[4].ID {
					err = fmt.Errorf("latest of chain %d is %d, want %d", ds[3].RootID, d.ID, ds[4].ID)
				}
				return err
			}},
			{"newest of all, no total", true, func() error {
				items, _, err := st.ListDisclosures(ctx, models.DisclosureFilter{PerPage: 20, NoTotal: true})
				if err == nil && (len(items) != 20 || items[0].ID != ds[len(ds)-1].ID) {
					err = fmt.Errorf("%d items, first %d", len(items), items[0].ID)
				}
				return err
			}},
		}
		for _, c := range cases {
			var err error
			queries := log.during(func() { err = c.run() })
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if len(queries) == 0 {
				t.Fatalf("%s: no query recorded", c.name)
			}
			for _, q := range queries {
				if bad := fullScans(t, st, q, []string{"disclosures", "newer"}, c.orderedWalk); len(bad) > 0 {
					t.Errorf("%s: %s\nreads a whole table: %v", c.name, q.sql, bad)
				}
			}
		}
	})
}
