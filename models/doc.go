// Package models holds Pilu's records, the Store that reads and writes them through GORM
// (SQLite embedded, MySQL/MariaDB in production), the ordered migrations, and the domain rules
// that need no HTTP: classes and dispositions, deadline arithmetic on the official calendar,
// USCC and division codes, resident ID numbers.
//
// Deadlines are computed on the calendar in force (Store.Calendar): the years shipped with the
// build (DefaultCalendar) and those an admin imported since (Store.ImportCalendar), never on a
// year neither holds.
//
// Every write that changes what the public can search also writes an OutboxEntry in the same
// transaction, so the search index can always be brought back in step with the database.
// Models never import the web layer or the search index.
package models
