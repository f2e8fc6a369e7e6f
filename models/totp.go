package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"
)

// A staff account's second factor is TOTP (RFC 6238: six digits every 30 seconds, SHA-1, as every
// authenticator app reads it from a QR code). Its secret is sealed like other personal data
// (Sealer, purpose "users.totp_secret"); a code is accepted for the step before, at and after the
// present one, and never twice (TOTPLastStep); ten one-time recovery codes stand in for a lost
// authenticator, stored as hashes. Wrong codes are throttled like wrong passwords (LoginDelay),
// under keys of their own, so that a right password does not reset them.
const (
	// TOTPIssuer names the portal in authenticator apps.
	TOTPIssuer = "Pilu"
	// TOTPPeriod is the length of one time step.
	TOTPPeriod = 30
	// RecoveryCodeCount is how many recovery codes an enrolment gives.
	RecoveryCodeCount = 10
	// PendingLoginTTL is how long a login that passed its password waits for its code.
	PendingLoginTTL = 5 * time.Minute
	// PendingLoginMaxFailures is how many wrong codes one pending login takes before it ends and the
	// password must be given again.
	PendingLoginMaxFailures = 5
)

// ErrBadCode is returned for a wrong code, a code already used and a recovery code used before.
var ErrBadCode = errors.New("models: wrong or used code")

// RecoveryCode is one of an account's one-time recovery codes, stored as its SHA-256.
type RecoveryCode struct {
	ID        uint64 `gorm:"primaryKey"`
	UserID    uint64 `gorm:"index;not null"`
	Hash      string `gorm:"size:64;uniqueIndex;not null"`
	UsedAt    *time.Time
	CreatedAt time.Time
}

// PendingLogin is a login whose password was right and whose code is awaited. It is not a session:
// its cookie opens no page; only the code form completes it (a session is then made). Its ID is the
// SHA-256 of the cookie's token.
type PendingLogin struct {
	ID        string `gorm:"primaryKey;size:64"`
	UserID    uint64 `gorm:"index;not null"`
	Next      string `gorm:"size:2048;not null;default:''"`
	Failures  int    `gorm:"not null;default:0"`
	ExpiresAt time.Time
	CreatedAt time.Time
}

// RolePolicy says whether every account of a role must use a second factor; a role without a row
// need not.
type RolePolicy struct {
	Role        string `gorm:"primaryKey;size:16"`
	RequireTOTP bool   `gorm:"column:require_totp;not null;default:false"`
	UpdatedBy   string `gorm:"size:254;not null;default:''"`
	UpdatedAt   time.Time
}

// HasTOTP reports whether the account's second factor is confirmed (a login then needs a code).
func (u User) HasTOTP() bool { return u.TOTPEnabledAt != nil && u.TOTPSecret != "" }

const totpPurpose = "users.totp_secret"

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// StartTOTP begins (or begins again) the enrolment of u's authenticator: a new secret is sealed
// as pending and returned as a key whose URL the QR code carries. The second factor is not in
// force until ConfirmTOTP accepts a first code; an enrolled account must be reset first.
func (s *Store) StartTOTP(ctx context.Context, sl *Sealer, u User) (*otp.Key, error) {
	if u.HasTOTP() {
		return nil, conflict(CodeFactorSet)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: u.Email, Period: TOTPPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("models: generate TOTP secret: %w", err)
	}
	err = s.db.WithContext(ctx).Model(&User{}).Where("id = ?", u.ID).Update("totp_pending", sl.Seal(totpPurpose, key.Secret())).Error
	if err != nil {
		return nil, fmt.Errorf("models: store pending TOTP secret: %w", err)
	}
	return key, nil
}

// PendingTOTP returns the key of u's enrolment in progress (ErrNotFound when none).
func (s *Store) PendingTOTP(ctx context.Context, sl *Sealer, u User) (*otp.Key, error) {
	if u.TOTPPending == "" {
		return nil, fmt.Errorf("models: no enrolment in progress: %w", ErrNotFound)
	}
	secret, err := sl.Open(totpPurpose, u.TOTPPending)
	if err != nil {
		return nil, err
	}
	return totpKey(u.Email, secret)
}

func totpKey(email, secret string) (*otp.Key, error) {
	return otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?issuer=%s&secret=%s&period=%d&digits=6&algorithm=SHA1",
		TOTPIssuer, strings.ReplaceAll(email, "@", "%40"), TOTPIssuer, secret, TOTPPeriod))
}

// ConfirmTOTP checks a first code against u's pending secret (throttled per account and client
// like a password) and puts the second factor in force; it returns the recovery codes in clear,
// once. A wrong code leaves the enrolment pending (ErrBadCode).
func (s *Store) ConfirmTOTP(ctx context.Context, sl *Sealer, userID uint64, code, client string, now time.Time) ([]string, error) {
	pair, address := totpKeys(userID, client)
	if err := s.throttled(ctx, now, pair, address); err != nil {
		return nil, err
	}
	var codes []string
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Take(&u, userID).Error; err != nil {
			return notFound(err, fmt.Sprintf("user %d", userID))
		}
		if u.HasTOTP() {
			return conflict(CodeFactorSet)
		}
		if u.TOTPPending == "" {
			return fmt.Errorf("models: no enrolment in progress: %w", ErrNotFound)
		}
		secret, err := sl.Open(totpPurpose, u.TOTPPending)
		if err != nil {
			return err
		}
		step, ok := matchTOTP(secret, code, now)
		if !ok {
			return ErrBadCode
		}
		at := now.UTC().Truncate(time.Second)
		res := tx.Model(&User{}).Where("id = ? AND totp_pending = ?", u.ID, u.TOTPPending).Updates(map[string]any{
			"totp_secret": u.TOTPPending, "totp_pending": "", "totp_enabled_at": at, "totp_last_step": step})
		if res.Error != nil {
			return fmt.Errorf("models: confirm TOTP: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return conflict(CodeFactorChanged)
		}
		codes, err = newRecoveryCodes(tx, u.ID, at)
		return err
	})
	if errors.Is(err, ErrBadCode) {
		if ferr := s.recordFailure(ctx, pair, address, now); ferr != nil {
			return nil, ferr
		}
	}
	return codes, err
}

// newRecoveryCodes replaces u's recovery codes with RecoveryCodeCount new ones, returned in clear.
func newRecoveryCodes(tx *gorm.DB, userID uint64, now time.Time) ([]string, error) {
	if err := tx.Where("user_id = ?", userID).Delete(&RecoveryCode{}).Error; err != nil {
		return nil, fmt.Errorf("models: delete recovery codes: %w", err)
	}
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10)
		rand.Read(b)
		raw := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:16]
		codes[i] = raw[:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:]
		if err := tx.Create(&RecoveryCode{UserID: userID, Hash: recoveryHash(userID, raw), CreatedAt: now}).Error; err != nil {
			return nil, fmt.Errorf("models: store recovery code: %w", err)
		}
	}
	return codes, nil
}

// recoveryHash is the stored form of a recovery code (80 random bits; normalised: lower case, no
// hyphens or spaces), bound to its account.
func recoveryHash(userID uint64, normalised string) string {
	return sha256Hex("recovery\x00" + strconv.FormatUint(userID, 10) + "\x00" + normalised)
}

// normaliseCode drops spaces and hyphens and lowers the case of a code as typed.
func normaliseCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
}

// matchTOTP returns the time step of the code for secret at now, one step either side (clocks
// drift), or false.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = normaliseCode(code)
	if len(code) != 6 {
		return 0, false
	}
	for _, skew := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(skew*TOTPPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / TOTPPeriod, true
		}
	}
	return 0, false
}

// RemainingRecoveryCodes counts u's unused recovery codes.
func (s *Store) RemainingRecoveryCodes(ctx context.Context, userID uint64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", userID).Count(&n).Error
	return n, notFound(err, "count recovery codes")
}

// RegenerateRecoveryCodes gives an enrolled account new recovery codes (the old ones stop
// working) and returns them in clear, once.
func (s *Store) RegenerateRecoveryCodes(ctx context.Context, userID uint64, now time.Time) ([]string, error) {
	var codes []string
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Take(&u, userID).Error; err != nil {
			return notFound(err, fmt.Sprintf("user %d", userID))
		}
		if !u.HasTOTP() {
			return conflict(CodeNoFactor)
		}
		var err error
		codes, err = newRecoveryCodes(tx, userID, now.UTC().Truncate(time.Second))
		return err
	})
	return codes, err
}

// ResetTOTP removes an account's second factor (an admin's help for a lost authenticator): its
// secret, enrolment in progress, recovery codes, waiting logins and sessions go; at its next login
// it enrols again when its role requires it.
func (s *Store) ResetTOTP(ctx context.Context, userID uint64) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Take(&u, userID).Error; err != nil {
			return notFound(err, fmt.Sprintf("user %d", userID))
		}
		if u.TOTPSecret == "" && u.TOTPPending == "" {
			return conflict(CodeNoFactor)
		}
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"totp_secret": "", "totp_pending": "", "totp_enabled_at": nil, "totp_last_step": 0}).Error; err != nil {
			return fmt.Errorf("models: reset TOTP: %w", err)
		}
		for _, rec := range []any{&RecoveryCode{}, &PendingLogin{}, &Session{}} {
			if err := tx.Where("user_id = ?", userID).Delete(rec).Error; err != nil {
				return fmt.Errorf("models: reset TOTP: %w", err)
			}
		}
		return nil
	})
}

// RolePolicies returns, for each role, whether its accounts must use a second factor.
func (s *Store) RolePolicies(ctx context.Context) (map[string]bool, error) {
	var rows []RolePolicy
	if err := s.db.WithContext(ctx).Find(&rows).Error; err != nil {
		return nil, notFound(err, "role policies")
	}
	out := map[string]bool{RoleAdmin: false, RoleOffice: false, RoleInstitution: false}
	for _, r := range rows {
		out[r.Role] = r.RequireTOTP
	}
	return out, nil
}

// SetRoleRequiresTOTP makes the second factor required (or optional again) for every account of
// role; by names the admin.
func (s *Store) SetRoleRequiresTOTP(ctx context.Context, role string, required bool, by string, now time.Time) error {
	if !OneOf(role, []string{RoleAdmin, RoleOffice, RoleInstitution}) {
		return Invalid("role", CodeOneOf, Args{"values": []string{RoleAdmin, RoleOffice, RoleInstitution}, "vocabulary": "role"})
	}
	return s.transact(ctx, func(tx *gorm.DB) error {
		p := RolePolicy{Role: role, RequireTOTP: required, UpdatedBy: by, UpdatedAt: now.UTC().Truncate(time.Second)}
		return notFound(tx.Save(&p).Error, "save role policy")
	})
}

// MustEnrolTOTP reports whether u has to set up a second factor before doing anything else: its
// role requires one and it has none.
func (s *Store) MustEnrolTOTP(ctx context.Context, u User) (bool, error) {
	if u.HasTOTP() {
		return false, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Model(&RolePolicy{}).Where("role = ? AND require_totp = ?", u.Role, true).Count(&n).Error
	return n > 0, notFound(err, "role policy")
}

// totpKeys are the throttling keys of a code: the account and address pair, and the address alone
// (shared with password logins, so one address's guesses of either count together).
func totpKeys(userID uint64, client string) (pair, address string) {
	return "totp:" + sha256Hex(strconv.FormatUint(userID, 10)+"\x00"+client), "client:" + client
}

// throttled returns ErrThrottled while any of keys must wait.
func (s *Store) throttled(ctx context.Context, now time.Time, keys ...string) error {
	var held []LoginAttempt
	if err := s.db.WithContext(ctx).Where("`key` IN ? AND locked_until > ?", keys, now).Find(&held).Error; err != nil {
		return fmt.Errorf("models: load login attempts: %w", err)
	}
	if len(held) == 0 {
		return nil
	}
	until := held[0].LockedUntil
	for _, a := range held[1:] {
		if a.LockedUntil.After(until) {
			until = a.LockedUntil
		}
	}
	return ErrThrottled{Until: until}
}

// StartPendingLogin records that u gave the right password and waits for its code; next is where
// the login goes afterwards. The token returned is the pending login's cookie.
func (s *Store) StartPendingLogin(ctx context.Context, u User, next string, now time.Time) (string, error) {
	token := randomToken(32)
	old := now.Add(-PendingLoginTTL)
	s.db.WithContext(ctx).Where("expires_at < ?", old).Delete(&PendingLogin{})
	err := s.db.WithContext(ctx).Create(&PendingLogin{ID: sha256Hex(token), UserID: u.ID, Next: next,
		ExpiresAt: now.Add(PendingLoginTTL), CreatedAt: now}).Error
	if err != nil {
		return "", fmt.Errorf("models: start pending login: %w", err)
	}
	return token, nil
}

// PendingLoginUser returns the account of a live pending login (ErrNotFound when it is unknown,
// expired, or its account disabled).
func (s *Store) PendingLoginUser(ctx context.Context, token string, now time.Time) (User, error) {
	var p PendingLogin
	if err := s.db.WithContext(ctx).Where("id = ? AND expires_at > ?", sha256Hex(token), now).Take(&p).Error; err != nil {
		return User{}, notFound(err, "pending login")
	}
	var u User
	return u, notFound(s.db.WithContext(ctx).Where("disabled_at IS NULL").Take(&u, p.UserID).Error, "pending login user")
}

// SecondFactor is what completing a login with a code tells: the account, where to go, and
// whether a recovery code was used (with how many are left).
type SecondFactor struct {
	User         User
	Next         string
	Recovery     bool
	RecoveryLeft int64
}

// CompletePendingLogin checks a code (six digits from the authenticator, or a recovery code) for
// the pending login token: throttled per account and client like a password; a TOTP code is
// accepted only for a later time step than the last one accepted (no replay), a recovery code only
// once. On success the pending login ends (the caller starts the session). A wrong code answers
// ErrBadCode; after PendingLoginMaxFailures the pending login ends (ErrNotFound next time).
func (s *Store) CompletePendingLogin(ctx context.Context, sl *Sealer, token, code, client string, now time.Time) (SecondFactor, error) {
	var p PendingLogin
	id := sha256Hex(token)
	if err := s.db.WithContext(ctx).Where("id = ? AND expires_at > ?", id, now).Take(&p).Error; err != nil {
		return SecondFactor{}, notFound(err, "pending login")
	}
	pair, address := totpKeys(p.UserID, client)
	if err := s.throttled(ctx, now, pair, address); err != nil {
		return SecondFactor{}, err
	}
	var out SecondFactor
	err := s.transact(ctx, func(tx *gorm.DB) error {
		var u User
		if err := tx.Where("disabled_at IS NULL").Take(&u, p.UserID).Error; err != nil {
			return notFound(err, "pending login user")
		}
		ok, recovery, err := checkSecondFactor(tx, sl, u, code, now)
		switch {
		case err != nil:
			return err
		case !ok:
			return ErrBadCode
		}
		res := tx.Where("id = ?", id).Delete(&PendingLogin{})
		switch {
		case res.Error != nil:
			return fmt.Errorf("models: end pending login: %w", res.Error)
		case res.RowsAffected != 1: // completed meanwhile by another request
			return fmt.Errorf("models: pending login: %w", ErrNotFound)
		}
		out = SecondFactor{User: u, Next: p.Next, Recovery: recovery}
		if recovery {
			err = tx.Model(&RecoveryCode{}).Where("user_id = ? AND used_at IS NULL", u.ID).Count(&out.RecoveryLeft).Error
		}
		return err
	})
	if errors.Is(err, ErrBadCode) {
		if ferr := s.recordFailure(ctx, pair, address, now); ferr != nil {
			return SecondFactor{}, ferr
		}
		res := s.db.WithContext(ctx).Model(&PendingLogin{}).Where("id = ?", id).Update("failures", gorm.Expr("failures + 1"))
		if res.Error == nil && p.Failures+1 >= PendingLoginMaxFailures {
			s.db.WithContext(ctx).Where("id = ?", id).Delete(&PendingLogin{})
		}
		return SecondFactor{}, ErrBadCode
	}
	if err != nil {
		return SecondFactor{}, err
	}
	s.db.WithContext(ctx).Where("`key` = ?", pair).Delete(&LoginAttempt{})
	return out, nil
}

// checkSecondFactor checks code for u in tx and uses it up: a TOTP code moves the account's last
// step on (a code of that step or an earlier one is refused), a recovery code is marked used.
func checkSecondFactor(tx *gorm.DB, sl *Sealer, u User, code string, now time.Time) (ok, recovery bool, err error) {
	if !u.HasTOTP() {
		return false, false, nil
	}
	norm := normaliseCode(code)
	if len(norm) == 6 {
		secret, err := sl.Open(totpPurpose, u.TOTPSecret)
		if err != nil {
			return false, false, err
		}
		step, ok := matchTOTP(secret, norm, now)
		if !ok || step <= u.TOTPLastStep {
			return false, false, nil
		}
		res := tx.Model(&User{}).Where("id = ? AND totp_last_step < ?", u.ID, step).Update("totp_last_step", step)
		return res.Error == nil && res.RowsAffected == 1, false, res.Error
	}
	if len(norm) != 16 {
		return false, false, nil
	}
	res := tx.Model(&RecoveryCode{}).Where("user_id = ? AND hash = ? AND used_at IS NULL", u.ID, recoveryHash(u.ID, norm)).
		Update("used_at", now.UTC().Truncate(time.Second))
	return res.Error == nil && res.RowsAffected == 1, true, res.Error
}
