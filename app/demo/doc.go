// Package demo holds Pilu's two made-up data sets and writes them through models.Store, the way
// users' requests write records:
//
//   - Load: the demo data set (data.go) that `pilu serve` loads into an empty database, about
//     forty invented institutions with their monthly reports, decisions, exit documents (as PDFs)
//     and notices from the 2018–2020 clean-up, plus four logins printed once.
//   - Generate: a synthetic corpus of any size for benchmarks (`pilu gen`), deterministic for a
//     seed, its institutions' USCC organization codes starting with OrgPrefix.
//
// Every name, brand, person and address is invented (names.go lists real platforms' names, which
// the tests keep out). Both mark what they write as demo data. The package needs no HTTP: app hands
// Load the way to store a PDF as an attachment (Options.AttachPDF), so demo imports models only.
//
// A new disclosure kind needs nothing here: the demo data set files only the kinds it tells a story
// with (data.go), and the corpus files every kind of models.DocumentKinds, with a plain title for a
// kind genTitles (corpus.go) does not list.
package demo
