// Package search is Pilu's full-text index of institutions, disclosures and
// notices, built on Bleve. It imports Bleve only: the app turns its models
// into Docs, and this package never sees a database record.
//
// The contract:
//
//   - The index is a cache of the database. Open never fails because an index
//     is broken (unreadable metadata or store, a corrupt segment, an older
//     mapping version): it moves the folder aside to
//     dir+".broken-YYYYMMDDHHMMSS", logs one warning and opens a fresh, empty
//     index; Empty then tells the app to Rebuild from the database. (When only
//     the newest segments are damaged, Bleve may itself fall back to the last
//     intact snapshot; its documents and cursor belong together, so the
//     indexer simply catches up from that cursor.) Open does fail when the
//     folder's parent cannot be created or written, or when another process
//     holds the folder (ErrInUse).
//   - Apply is atomic: the documents, the deletions and the outbox cursor are
//     one Bleve batch, so after a crash the cursor never runs ahead of (or
//     behind) the documents it stands for.
//   - Rebuild builds a complete index in a sibling folder and swaps it in at
//     the end; readers never see a half index.
//   - One process opens an index folder at a time.
//
// Fields: Title, Body, Names are analyzed text; Codes (USCC, domains, notice
// numbers) match only whole and case-insensitively; Type, Province, Class and
// Kind are exact filters and facets. An institution's own Names weigh most, so
// typing its brand, legal name, USCC or domain puts it first.
//
// Pinyin: an institution's legal name, brands and former names are also
// indexed as pinyin keys (field pinyin, boosted below the names in
// characters): the full pinyin of every run of two or more characters and the
// initials of runs of three or more (and of a whole name), so "luting",
// "lutingchuangtou" and "ltct" find 鹭汀创投. A query term of Latin letters is
// looked up there as one key. Reading gives the pinyin of a query, for
// "no results" suggestions.
//
// Chinese analysis: text fields use the "pilu_zh" analyzer (full-width forms
// folded to half-width, traditional characters folded to simplified ones with
// OpenCC's character table (t2s.go), unicode tokenizer, lower case, then a filter that
// emits every CJK character as a unigram, every pair of neighbouring CJK
// characters as a bigram and every three as a trigram, all at the position of
// their first character; Latin words and numbers stay whole). A word of one,
// two or three characters is one term; a longer word is a phrase of
// overlapping trigrams, so 鹭汀创投 never matches a text where its parts only
// appear apart. The index keeps the positions of the short fields' terms, not
// of the bodies' (positionsIn): a phrase in a body is found from its terms'
// postings, then verified in the stored body of each candidate (phraseText).
//
// Searching (engine.go): a search reads the postings of the index's segments
// as bitmaps — OR over the fields a term may match in, AND over the terms,
// exclusions and filters applied as bitmaps — and visits the hits once, to
// score them with Bleve's TF-IDF, count their facets and keep the page.
// What ranking reads of a segment's long postings lists (their block-max
// impacts) is computed in the background when the segment comes into the
// index — at open, after a batch, a merge — not on a word's first search
// (impacts.go).
// What that relies on of Bleve's and zap's internals (no API promises it) is
// fenced in bleve_internals.go, each assumption with a test; a broken one is
// an error wrapping ErrInternals that names it. EngineBleve (bleve_engine.go,
// OpenEngine) runs the same clauses through Bleve's own query path instead:
// the same hits, totals and facets, through Bleve's public API only.
//
// Query language (Query.Text): terms separated by spaces must all match (AND);
// "quoted text" is a phrase; a term or phrase starting with - is excluded.
// Every other character, including Bleve's query syntax +-=&|><!(){}[]^"~*?:\/,
// is plain text: the query is built term by term, never parsed by Bleve.
// Text longer than MaxQueryRunes is cut, at most MaxTerms terms are used and
// each term is cut to MaxTermRunes. Filters: types, province, class, kind and
// a date range; sort by relevance or date; Page for the first MaxResults hits,
// After (Result.Next, the last hit's score, date and id) to page on past them.
// A search that runs past its Budget is cut off and answered from
// institutions and notices only, marked Partial. Complete results are cached
// until the next Apply. Empty text lists every document, newest first; text with no searchable term (only punctuation, emoji, or only
// excluded terms) finds nothing.
package search
