package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// UserSummary is one account as the admins see it: the account and how many valid API tokens it has.
type UserSummary struct {
	User
	Tokens int64
}

// Users lists every account for the admins, by role, then e-mail address.
func (s *Store) Users(ctx context.Context) ([]UserSummary, error) {
	var users []User
	if err := s.db.WithContext(ctx).Order("role, email").Find(&users).Error; err != nil {
		return nil, notFound(err, "list users")
	}
	var counts []struct {
		UserID uint64
		N      int64
	}
	if err := s.db.WithContext(ctx).Model(&APIToken{}).Select("user_id, COUNT(*) AS n").Where("revoked_at IS NULL").
		Group("user_id").Scan(&counts).Error; err != nil {
		return nil, notFound(err, "count tokens")
	}
	byUser := map[uint64]int64{}
	for _, c := range counts {
		byUser[c.UserID] = c.N
	}
	out := make([]UserSummary, len(users))
	for i, u := range users {
		out[i] = UserSummary{User: u, Tokens: byUser[u.ID]}
	}
	return out, nil
}

// UserByID returns one account.
func (s *Store) UserByID(ctx context.Context, id uint64) (User, error) {
	var u User
	return u, notFound(s.db.WithContext(ctx).Take(&u, id).Error, fmt.Sprintf("user %d", id))
}

// SetUserDisabled disables an account (it can no longer log in; its sessions end and its tokens stop
// working) or enables it again. An admin cannot disable their own account (by), so that the last
// admin never locks everyone out; disabling a disabled account, or enabling an enabled one, is a
// conflict.
func (s *Store) SetUserDisabled(ctx context.Context, id uint64, disabled bool, by User, now time.Time) (User, error) {
	var u User
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Take(&u, id).Error; err != nil {
			return err
		}
		switch {
		case disabled && u.ID == by.ID:
			return Invalid("user", CodeDisableSelf)
		case disabled && u.DisabledAt != nil:
			return conflict(CodeAlreadyDisabled)
		case !disabled && u.DisabledAt == nil:
			return conflict(CodeAlreadyEnabled)
		}
		var at *time.Time
		if disabled {
			t := now.UTC().Truncate(time.Second)
			at = &t
			if err := tx.Where("user_id = ?", u.ID).Delete(&Session{}).Error; err != nil {
				return err
			}
		}
		u.DisabledAt = at
		return tx.Model(&User{}).Where("id = ?", u.ID).Update("disabled_at", at).Error
	})
	if fe, ok := err.(FieldErrors); ok {
		return u, fe
	}
	return u, notFound(err, fmt.Sprintf("disable user %d", id))
}

// UserTokens lists an account's API tokens, the valid ones first, newest first (only their hashes
// are stored: a token is shown once, when it is made).
func (s *Store) UserTokens(ctx context.Context, userID uint64) ([]APIToken, error) {
	var out []APIToken
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("revoked_at IS NOT NULL, id DESC").Find(&out).Error
	return out, notFound(err, "list tokens")
}

// TokenOptions are the limits of a new API token: ReadOnly (no writes), Province (one province's
// records: any for an admin, its own for an office, none for an institution, whose token is
// already limited to its institution) and ExpiresAt (nil: until revoked).
type TokenOptions struct {
	ReadOnly  bool
	Province  string
	ExpiresAt *time.Time
}

// CreateToken makes a new API token for an account with the limits of opt and returns it in
// clear, once. A disabled account gets none; invalid limits are FieldErrors.
func (s *Store) CreateToken(ctx context.Context, userID uint64, opt TokenOptions, now time.Time) (APIToken, string, error) {
	var t APIToken
	var token string
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var err error
		t, token, err = newToken(tx, userID, opt, now)
		return err
	})
	return t, token, err
}

// newToken checks the account and the limits and stores a fresh token for it in tx.
func newToken(tx *gorm.DB, userID uint64, opt TokenOptions, now time.Time) (APIToken, string, error) {
	var u User
	if err := tx.Take(&u, userID).Error; err != nil {
		return APIToken{}, "", notFound(err, fmt.Sprintf("user %d", userID))
	}
	if u.DisabledAt != nil {
		return APIToken{}, "", conflict(CodeAccountDisabled)
	}
	fe := FieldErrors{}
	switch {
	case opt.Province == "":
	case !ValidProvince(opt.Province):
		fe.Add("province", CodeNotProvince)
	case u.Role == RoleInstitution:
		fe.Add("province", CodeTokenInstitution)
	case u.Role == RoleOffice && opt.Province != u.Province:
		fe.Add("province", CodeTokenOwnProvince)
	}
	if opt.ExpiresAt != nil && !opt.ExpiresAt.After(now) {
		fe.Add("expires_at", CodeNotFuture)
	}
	if len(fe) > 0 {
		return APIToken{}, "", fe
	}
	token := "pilu_" + randomToken(24)
	t := APIToken{UserID: userID, Hash: sha256Hex(token), CreatedAt: now.UTC().Truncate(time.Second),
		ReadOnly: opt.ReadOnly, Province: opt.Province}
	if opt.ExpiresAt != nil {
		e := opt.ExpiresAt.UTC().Truncate(time.Second)
		t.ExpiresAt = &e
	}
	if err := tx.Create(&t).Error; err != nil {
		return APIToken{}, "", notFound(err, "create token")
	}
	return t, token, nil
}

// RevokeToken revokes an API token of account userID at once; revoking it twice is a conflict.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID uint64, now time.Time) error {
	return s.transact(ctx, func(tx *gorm.DB) error { return revokeToken(tx, userID, tokenID, now) })
}

func revokeToken(tx *gorm.DB, userID, tokenID uint64, now time.Time) error {
	var t APIToken
	if err := tx.Where("id = ? AND user_id = ?", tokenID, userID).Take(&t).Error; err != nil {
		return notFound(err, fmt.Sprintf("token %d", tokenID))
	}
	res := tx.Model(&APIToken{}).Where("id = ? AND revoked_at IS NULL", tokenID).Update("revoked_at", now.UTC().Truncate(time.Second))
	if res.Error != nil {
		return notFound(res.Error, "revoke token")
	}
	if res.RowsAffected != 1 {
		return conflict(CodeTokenRevoked)
	}
	return nil
}

// RotateToken revokes an API token of account userID and makes its successor, with the same
// limits, in one transaction; the new token is returned in clear, once. An expired token's
// successor expires as long after now as the old one lasted.
func (s *Store) RotateToken(ctx context.Context, userID, tokenID uint64, now time.Time) (APIToken, string, error) {
	var t APIToken
	var token string
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var old APIToken
		if err := tx.Where("id = ? AND user_id = ?", tokenID, userID).Take(&old).Error; err != nil {
			return notFound(err, fmt.Sprintf("token %d", tokenID))
		}
		if err := revokeToken(tx, userID, tokenID, now); err != nil {
			return err
		}
		opt := TokenOptions{ReadOnly: old.ReadOnly, Province: old.Province}
		if old.ExpiresAt != nil {
			e := now.Add(old.ExpiresAt.Sub(old.CreatedAt))
			opt.ExpiresAt = &e
		}
		var err error
		t, token, err = newToken(tx, userID, opt, now)
		return err
	})
	return t, token, err
}

// AccountProvince is the province of the account with e-mail email: "" when there is no such
// account or it is national. It files a failed login under the province of the account it tried.
func (s *Store) AccountProvince(ctx context.Context, email string) string {
	var u User
	if err := s.db.WithContext(ctx).Select("province").Where("email = ?", email).Take(&u).Error; err != nil {
		return ""
	}
	return u.Province
}
