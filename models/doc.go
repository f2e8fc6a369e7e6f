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
// Models never import the web layer or the search index. Every query is a Store method: no
// exported name of models takes or gives a GORM type (TestSurfaceHidesGORM), and only the tests'
// support, models/dbtest, reaches the handle (through models/internal/handle).
//
// # Refusals are codes
//
// A rejected input is a FieldErrors: by field, FieldError{Field, Code, Args}; a refused action
// (a published record that never changes, a race lost) is a *Refusal wrapping ErrConflict. Neither
// carries a sentence: the codes are the constants of field_codes.go (Codes lists them with the
// figure rules' codes), and each has a text in both message catalogs, "problem.<code>" in
// templates/i18n/{zh,en}/messages.json, naming the arguments. To add a code: a constant, an entry
// in codes, and the two texts; TestCodesListed and app's TestCodesAreTranslated check them.
//
// # How to add a disclosure kind
//
// A kind that is a document (a title, a body, attachments) is one vocabulary entry and its labels:
//
//  1. Append the kind to DisclosureKinds (vocabulary.go); its place there is its place in the
//     filer's kind list and in the filters. Nothing else in models or app lists the kinds:
//     validation, the filer form (DocumentKinds), the list, search and feed filters, exports and the
//     dump all read DisclosureKinds.
//  2. Label it in both catalogs: "disclosure_kind.<kind>" in templates/i18n/zh/base.json and
//     templates/i18n/en/base.json.
//  3. Add it to the kind enums of app/openapi.json (TestDisclosureKindsAreOneList checks that they
//     are DisclosureKinds, and that every kind has both labels).
//
// A kind that takes more than a document also joins the rule for its parts, each one list or
// constant here: tranches (trancheKinds in disclosure_events.go), a plan's base amount and plan vs
// actual (PlanKinds, ProgressKind in plan.go), an event type and a 48-hour due time (the
// "major_event" branch of checkEventParts, with its form fieldset in
// templates/pages/filer_form.html). The home page (app/home.go) and the exits page (app/exits.go)
// show the kinds they name; a kind missing there is still listed, searched and fed everywhere
// else. The demo data set (app/demo) files the kinds it tells a story with; its corpus files them all.
// MonthlyKind is the one kind with a form of its own (MonthlyFigures and FigureRules).
//
// # How to add a figure rule
//
// Append a FigureRule to FigureRules (figure_rules.go) with a new Code, the figures it relates, a
// Doc sentence and Holds, and give "problem.<Code>" a text in both catalogs; TestFigureRules
// checks the rule both ways and TestDemoFiguresSatisfyRules (app/demo) that the demo data keeps it.
package models
