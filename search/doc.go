// Package search is Pilu's full-text index of institutions, disclosures and
// notices, built on Bleve. It imports Bleve only: the app turns its models
// into Docs, and this package never sees a database record.
//
// The contract:
//
//   - The index is a cache of the database. Open never fails because an index
//     is broken (unreadable metadata, a corrupt segment, an older mapping
//     version): it moves the folder aside to dir+".broken-YYYYMMDDHHMMSS",
//     logs one warning and opens a fresh, empty index. Empty then reports that
//     the app must Rebuild from the database. Open does fail when the folder
//     cannot be created or is held by another process.
//   - Apply is atomic: the documents, the deletions and the outbox cursor are
//     one Bleve batch, so after a crash the cursor never runs ahead of (or
//     behind) the documents it stands for.
//   - Rebuild builds a complete index in a sibling folder and swaps it in at
//     the end; readers never see a half index.
//   - One process opens an index folder at a time.
//
// Chinese analysis: text fields use the "pilu_zh" analyzer (unicode
// tokenizer, full-width to half-width folding, lower case, then a filter that
// emits every CJK character as a unigram and every pair of neighbouring CJK
// characters as a bigram, both at the position of their first character;
// Latin words and numbers stay whole). A one-character query matches the
// unigram; a longer CJK word matches as a phrase of its bigrams, so 红岭 never
// matches a text where 红 and 岭 only appear apart.
//
// Query language (Query.Text): terms separated by spaces must all match (AND);
// "quoted text" is a phrase; a term or phrase starting with - is excluded.
// Every other character, including Bleve's query syntax +-=&|><!(){}[]^"~*?:\/,
// is plain text: the query is built term by term, never parsed by Bleve.
// Text longer than MaxQueryRunes is cut, at most MaxTerms terms are used and
// each term is cut to MaxTermRunes. Empty text lists every document, newest
// first; text with no searchable term (only punctuation, emoji, or only
// excluded terms) finds nothing.
package search
