package app

import (
	"context"
	"time"

	"pilu/models"
)

// The records of the full dump carry, next to what the API answers, the ledger's view of them:
// content_sha256 is the SHA-256 of the record's canonical content recomputed from the database
// when the dump was made, the same hash `pilu verify` recomputes. A script compares it with the
// entry of the same kind and record id in the ledger (GET /api/v1/ledger, or the dump's own
// ledger.ndjson.gz): a record changed after publication no longer matches.

// dumpedDisclosure is one disclosure version in disclosures.ndjson.gz.
type dumpedDisclosure struct {
	disclosureJSON
	ContentSHA256 string `json:"content_sha256"`
}

// dumpedNotice is one published notice in notices.ndjson.gz, with the outcomes recorded for the
// institutions it lists (each a ledger record of its own).
type dumpedNotice struct {
	noticeJSON
	ContentSHA256 string          `json:"content_sha256"`
	Outcomes      []dumpedOutcome `json:"outcomes"`
}

// dumpedOutcome is the outcome recorded for one listed institution; ID is the ledger's record id.
type dumpedOutcome struct {
	ID            uint64    `json:"id"`
	USCC          string    `json:"uscc"`
	Outcome       string    `json:"outcome"`
	Note          string    `json:"note"`
	At            time.Time `json:"at"`
	ContentSHA256 string    `json:"content_sha256"`
}

// dumpedInstitution is one institution in institutions.ndjson.gz; its history names each class
// decision by id (the ledger's record id) with its content hash.
type dumpedInstitution struct {
	institutionJSON
	History []dumpedDecision `json:"history"`
}

// dumpedDecision is one class decision of an institution's history.
type dumpedDecision struct {
	ID uint64 `json:"id"`
	models.Decision
	ContentSHA256 string `json:"content_sha256"`
}

// dumpDisclosure is disclosure version d as the dump writes it: as the API's detail answers it (a
// plan with what was paid against it when the dump was made).
func (s *Server) dumpDisclosure(ctx context.Context, d models.Disclosure) (dumpedDisclosure, error) {
	out, err := s.disclosureDetail(ctx, d)
	return dumpedDisclosure{disclosureJSON: out, ContentSHA256: d.ContentHash()}, err
}

// dumpNotice is published notice n as the dump writes it.
func (s *Server) dumpNotice(ctx context.Context, n models.Notice) (dumpedNotice, error) {
	answer, err := s.noticeAnswer(ctx, n)
	if err != nil {
		return dumpedNotice{}, err
	}
	out := dumpedNotice{noticeJSON: answer, ContentSHA256: n.ContentHash(), Outcomes: []dumpedOutcome{}}
	for _, li := range n.Institutions {
		if li.OutcomeAt != nil {
			out.Outcomes = append(out.Outcomes, dumpOutcome(li))
		}
	}
	return out, nil
}

// dumpOutcome is the outcome recorded for listed institution li (OutcomeAt set) as the dump writes it.
func dumpOutcome(li models.NoticeInstitution) dumpedOutcome {
	return dumpedOutcome{ID: li.ID, USCC: li.USCC, Outcome: li.Outcome, Note: li.OutcomeNote,
		At: li.OutcomeAt.UTC(), ContentSHA256: models.OutcomeHash(li)}
}

// dumpInstitution is institution in with its class history as the dump writes it.
func (s *Server) dumpInstitution(ctx context.Context, in models.Institution, history []models.Decision) (dumpedInstitution, error) {
	answer, err := s.institutionAnswer(ctx, "zh", in)
	if err != nil {
		return dumpedInstitution{}, err
	}
	out := dumpedInstitution{institutionJSON: answer, History: []dumpedDecision{}}
	words := s.decisionsInWords("zh", history)
	for i, d := range history {
		out.History = append(out.History, dumpDecision(d, words[i], models.DecisionHash(in.USCC, d)))
	}
	return out, nil
}

// dumpDecision is class decision d, told in words (decisionsInWords), with its content hash.
func dumpDecision(d, inWords models.Decision, contentSHA256 string) dumpedDecision {
	return dumpedDecision{ID: d.ID, Decision: inWords, ContentSHA256: contentSHA256}
}
