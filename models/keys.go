package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// FileKeyPurpose is the purpose under which a file's own key is sealed (Attachment.FileKey).
const FileKeyPurpose = "attachment.file_key"

// claimSealedColumns are a claim's sealed columns with their purposes, in the order Claimant opens them.
var claimSealedColumns = []struct{ column, purpose string }{
	{"name_sealed", "claim.name"}, {"id_number_sealed", "claim.id_number"},
	{"phone_sealed", "claim.phone"}, {"statement_sealed", "claim.statement"},
}

// migrateFileKeys adds the sealed file key to attachments.
func migrateFileKeys(tx *gorm.DB) error {
	type attachment struct {
		FileKey string `gorm:"type:text"`
	}
	return tx.Table("attachments").Migrator().AddColumn(&attachment{}, "FileKey")
}

// RotationStep is what RotateKeys reports after each batch: which table, how many rows it has seen
// of how many, and how many it re-sealed.
type RotationStep struct {
	Table          string
	Seen, Total    int64
	Resealed       int64
	AlreadyRotated int64
}

// ErrRotationStopped is returned by RotateKeys when its progress function asked it to stop.
var ErrRotationStopped = errors.New("models: key rotation stopped")

// rotationBatch is how many rows RotateKeys reads and rewrites at once.
const rotationBatch = 200

// RotateKeys re-seals under sl's current key every claim field, lookup hash, staff authenticator
// secret, file key and webhook signing secret that is
// sealed under a former key of the ring, batch by batch, each batch in its own transaction. It
// can run while the portal serves (a row is rewritten only if it still holds what was read) and
// can be stopped at any moment: a second run skips what is already under the current key and
// finishes the rest. progress is called after every batch; an error from it stops the rotation.
// A value that opens under no key of the ring is an error naming its row.
func (s *Store) RotateKeys(ctx context.Context, sl *Sealer, progress func(RotationStep) error) error {
	if err := s.rotateClaims(ctx, sl, progress); err != nil {
		return err
	}
	if err := s.rotateTOTP(ctx, sl, progress); err != nil {
		return err
	}
	if err := s.rotateFileKeys(ctx, sl, progress); err != nil {
		return err
	}
	return s.rotateWebhookSecrets(ctx, sl, progress)
}

// rotateTOTP re-seals staff accounts' authenticator secrets (confirmed and pending).
func (s *Store) rotateTOTP(ctx context.Context, sl *Sealer, progress func(RotationStep) error) error {
	step := RotationStep{Table: "users"}
	var rows []User
	if err := s.db.WithContext(ctx).Where("totp_secret <> '' OR totp_pending <> ''").Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("models: rotate keys: read users: %w", err)
	}
	step.Total = int64(len(rows))
	for _, u := range rows {
		updates := map[string]any{}
		for col, v := range map[string]string{"totp_secret": u.TOTPSecret, "totp_pending": u.TOTPPending} {
			if v == "" || sl.Current(totpPurpose, v) {
				continue
			}
			plain, err := sl.Open(totpPurpose, v)
			if err != nil {
				return fmt.Errorf("models: rotate keys: user %d, %s: opens under no key given (PILU_SECRET, PILU_SECRET_PREVIOUS): %w", u.ID, col, err)
			}
			updates[col] = sl.Seal(totpPurpose, plain)
		}
		step.Seen++
		if len(updates) == 0 {
			step.AlreadyRotated++
			continue
		}
		res := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND totp_secret = ? AND totp_pending = ?", u.ID, u.TOTPSecret, u.TOTPPending).Updates(updates)
		if res.Error != nil {
			return fmt.Errorf("models: rotate keys: user %d: %w", u.ID, res.Error)
		}
		step.Resealed += res.RowsAffected
	}
	if err := progress(step); err != nil {
		return fmt.Errorf("%w: %w", ErrRotationStopped, err)
	}
	return nil
}

func (s *Store) rotateClaims(ctx context.Context, sl *Sealer, progress func(RotationStep) error) error {
	step := RotationStep{Table: "claims"}
	if err := s.db.WithContext(ctx).Model(&Claim{}).Count(&step.Total).Error; err != nil {
		return fmt.Errorf("models: rotate keys: %w", err)
	}
	var last uint64
	for {
		var rows []Claim
		if err := s.db.WithContext(ctx).Where("id > ?", last).Order("id").Limit(rotationBatch).Find(&rows).Error; err != nil {
			return fmt.Errorf("models: rotate keys: read claims: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		err := s.transact(ctx, func(tx *gorm.DB) error {
			for _, c := range rows {
				changed, err := resealClaim(tx, sl, c)
				if err != nil {
					return err
				}
				if changed {
					step.Resealed++
				} else {
					step.AlreadyRotated++
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		last = rows[len(rows)-1].ID
		step.Seen += int64(len(rows))
		if err := progress(step); err != nil {
			return fmt.Errorf("%w: %w", ErrRotationStopped, err)
		}
	}
}

// resealClaim re-seals one claim's fields and hash under the current key, unless they already are.
func resealClaim(tx *gorm.DB, sl *Sealer, c Claim) (bool, error) {
	old := map[string]string{"name_sealed": c.NameSealed, "id_number_sealed": c.IDNumberSealed,
		"phone_sealed": c.PhoneSealed, "statement_sealed": c.StatementSealed}
	current := true
	plain := map[string]string{}
	for _, col := range claimSealedColumns {
		p, err := sl.Open(col.purpose, old[col.column])
		if err != nil {
			return false, fmt.Errorf("models: rotate keys: claim %d, %s: opens under no key given (PILU_SECRET, PILU_SECRET_PREVIOUS): %w", c.ID, col.column, err)
		}
		plain[col.column] = p
		current = current && sl.Current(col.purpose, old[col.column])
	}
	hash := sl.Hash("claim.id_number", plain["id_number_sealed"])
	if current && c.IDHash == hash {
		return false, nil
	}
	updates := map[string]any{"id_hash": hash}
	for _, col := range claimSealedColumns {
		updates[col.column] = sl.Seal(col.purpose, plain[col.column])
	}
	// Only if the row still holds what was read: a concurrent change (a retention run) wins.
	res := tx.Model(&Claim{}).Where("id = ? AND id_number_sealed = ? AND name_sealed = ?", c.ID, c.IDNumberSealed, c.NameSealed).Updates(updates)
	if res.Error != nil {
		return false, fmt.Errorf("models: rotate keys: claim %d: %w", c.ID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (s *Store) rotateFileKeys(ctx context.Context, sl *Sealer, progress func(RotationStep) error) error {
	step := RotationStep{Table: "attachments"}
	q := func() *gorm.DB {
		return s.db.WithContext(ctx).Model(&Attachment{}).Where("file_key IS NOT NULL AND file_key <> ''")
	}
	if err := q().Count(&step.Total).Error; err != nil {
		return fmt.Errorf("models: rotate keys: %w", err)
	}
	var last uint64
	for {
		var rows []Attachment
		if err := q().Select("id", "file_key").Where("id > ?", last).Order("id").Limit(rotationBatch).Find(&rows).Error; err != nil {
			return fmt.Errorf("models: rotate keys: read file keys: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		err := s.transact(ctx, func(tx *gorm.DB) error {
			for _, a := range rows {
				if sl.Current(FileKeyPurpose, a.FileKey) {
					step.AlreadyRotated++
					continue
				}
				key, err := sl.Open(FileKeyPurpose, a.FileKey)
				if err != nil {
					return fmt.Errorf("models: rotate keys: attachment %d: its file key opens under no key given (PILU_SECRET, PILU_SECRET_PREVIOUS): %w", a.ID, err)
				}
				res := tx.Model(&Attachment{}).Where("id = ? AND file_key = ?", a.ID, a.FileKey).Update("file_key", sl.Seal(FileKeyPurpose, key))
				if res.Error != nil {
					return fmt.Errorf("models: rotate keys: attachment %d: %w", a.ID, res.Error)
				}
				step.Resealed += res.RowsAffected
			}
			return nil
		})
		if err != nil {
			return err
		}
		last = rows[len(rows)-1].ID
		step.Seen += int64(len(rows))
		if err := progress(step); err != nil {
			return fmt.Errorf("%w: %w", ErrRotationStopped, err)
		}
	}
}

// PlainClaimEvidence lists up to limit claim evidence files stored before evidence was encrypted
// (no file key), with ids above after, for `pilu keys rotate` to encrypt.
func (s *Store) PlainClaimEvidence(ctx context.Context, after uint64, limit int) ([]Attachment, error) {
	var out []Attachment
	err := s.db.WithContext(ctx).Where("claim_id IS NOT NULL AND (file_key IS NULL OR file_key = '') AND id > ?", after).
		Order("id").Limit(limit).Find(&out).Error
	return out, notFound(err, "plain claim evidence")
}

// ReplaceEvidenceBlob points attachment a, still stored in clear under a.BlobKey, at its
// encrypted copy newKey with its sealed file key; false when the row changed meanwhile (then the
// caller deletes newKey, otherwise the old blob).
func (s *Store) ReplaceEvidenceBlob(ctx context.Context, a Attachment, newKey, sealedFileKey string) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Attachment{}).
		Where("id = ? AND blob_key = ? AND (file_key IS NULL OR file_key = '')", a.ID, a.BlobKey).
		Updates(map[string]any{"blob_key": newKey, "file_key": sealedFileKey})
	if res.Error != nil {
		return false, fmt.Errorf("models: encrypt evidence %d: %w", a.ID, res.Error)
	}
	return res.RowsAffected == 1, nil
}
