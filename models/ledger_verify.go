package models

import (
	"context"
	"fmt"
	"slices"
)

// LedgerFault names the first ledger entry that does not match what is stored.
type LedgerFault struct {
	Seq      uint64
	Kind     string
	RecordID uint64
	Reason   string
}

func (f *LedgerFault) Error() string {
	return fmt.Sprintf("ledger entry %d (%s %d): %s", f.Seq, f.Kind, f.RecordID, f.Reason)
}

// Rehash returns the SHA-256 of the bytes stored for an attachment (read back from the blob store).
type Rehash func(ctx context.Context, a Attachment) (string, error)

// VerifyLedger walks the ledger in order and recomputes everything it records: each entry's link to
// the one before, its own hash, the canonical content hash of its record as stored now, and the
// hashes of the record's attachments, each re-read through rehash. It returns how many entries
// matched and the first fault, if any; err is kept for failures to read.
func (s *Store) VerifyLedger(ctx context.Context, rehash Rehash) (int, *LedgerFault, error) {
	prev, checked := "", 0
	for after := uint64(0); ; {
		var batch []LedgerEntry
		if err := s.db.WithContext(ctx).Where("seq > ?", after).Order("seq").Limit(500).Find(&batch).Error; err != nil {
			return checked, nil, notFound(err, "read ledger")
		}
		if len(batch) == 0 {
			break
		}
		for _, e := range batch {
			fault, err := s.verifyEntry(ctx, e, prev, after, rehash)
			if err != nil || fault != nil {
				return checked, fault, err
			}
			prev, after = e.Hash, e.Seq
			checked++
		}
	}
	var head ledgerHead
	if err := s.db.WithContext(ctx).Take(&head, 1).Error; err != nil {
		return checked, nil, notFound(err, "ledger head")
	}
	if head.Hash != prev || head.Seq != uint64(checked) {
		return checked, &LedgerFault{Seq: head.Seq, Reason: "the head does not name the last entry (an entry is missing)"}, nil
	}
	return checked, nil, nil
}

func (s *Store) verifyEntry(ctx context.Context, e LedgerEntry, prev string, prevSeq uint64, rehash Rehash) (*LedgerFault, error) {
	fault := func(reason string) *LedgerFault {
		return &LedgerFault{Seq: e.Seq, Kind: e.Kind, RecordID: e.RecordID, Reason: reason}
	}
	switch {
	case e.Seq != prevSeq+1:
		return fault(fmt.Sprintf("entry %d is missing", prevSeq+1)), nil
	case e.PrevHash != prev:
		return fault("does not link to the entry before it"), nil
	case e.ChainHash() != e.Hash:
		return fault("the entry itself was changed"), nil
	}
	content, atts, err := s.ledgerContent(ctx, e)
	if err != nil {
		return fault("the record cannot be read: " + err.Error()), nil
	}
	if content != e.ContentHash {
		return fault("the record's content changed"), nil
	}
	if !slices.Equal(attachmentHashes(atts), e.Attachments) {
		return fault("the record's attachments changed"), nil
	}
	for _, a := range atts {
		sum, err := rehash(ctx, a)
		if err != nil {
			return fault(fmt.Sprintf("attachment %q cannot be read: %v", a.Name, err)), nil
		}
		if sum != a.SHA256 {
			return fault(fmt.Sprintf("the stored bytes of attachment %q changed", a.Name)), nil
		}
	}
	return nil, nil
}

// ledgerContent recomputes the canonical content hash of an entry's record as stored now, with the
// record's attachments in order.
func (s *Store) ledgerContent(ctx context.Context, e LedgerEntry) (string, []Attachment, error) {
	switch e.Kind {
	case LedgerNotice:
		n, err := s.NoticeByID(ctx, e.RecordID)
		if err != nil {
			return "", nil, err
		}
		slices.SortFunc(n.Attachments, func(a, b Attachment) int { return int(a.ID) - int(b.ID) })
		return n.ContentHash(), n.Attachments, nil
	case LedgerDisclosure:
		d, err := s.DisclosureByID(ctx, e.RecordID)
		return d.ContentHash(), d.Attachments, err
	case LedgerDecision:
		d, in, err := s.DecisionByID(ctx, e.RecordID)
		if err != nil {
			return "", nil, err
		}
		ev, err := s.DecisionEvidence(ctx, []uint64{d.ID})
		return DecisionLedgerHash(in.USCC, d, e.ContentHash), ev[d.ID], err
	case LedgerOutcome:
		li, err := s.ListedInstitutionByID(ctx, e.RecordID)
		return OutcomeHash(li), nil, err
	case LedgerCalendar:
		y, err := s.CalendarYearOf(ctx, int(e.RecordID))
		return sha256Hex(y.File), nil, err
	}
	return "", nil, fmt.Errorf("unknown kind %q", e.Kind)
}
