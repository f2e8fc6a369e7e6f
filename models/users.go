package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
	"gorm.io/gorm"
)

// ErrBadLogin is returned for an unknown account and for a wrong password alike.
var ErrBadLogin = errors.New("models: wrong email or password")

// ErrThrottled is returned while logins from a client address (to one account or to any) have to
// wait after repeated failures; Until is when the next attempt is checked.
type ErrThrottled struct{ Until time.Time }

func (e ErrThrottled) Error() string {
	return "models: too many failed logins; try again after " + e.Until.UTC().Format(time.RFC3339)
}

// Login throttling follows OWASP's advice against online guessing (Authentication Cheat Sheet,
// "Login Throttling") without letting a stranger lock anyone out: failures are counted per account
// and client address together, with a delay that grows with each failure, and per client address
// alone, with a looser limit against one address trying many accounts. Nothing is counted per
// account alone, so failures from one address never stop the right password from another. Counts
// older than LoginWindow are forgotten and their rows deleted.
const (
	// LoginFreeFailures is how many failed logins an account and address pair may make before each
	// further attempt waits.
	LoginFreeFailures = 3
	// LoginFirstDelay is the wait after the first failure past LoginFreeFailures; each further
	// failure doubles it, up to LoginMaxDelay.
	LoginFirstDelay = 2 * time.Second
	// LoginMaxDelay is the longest wait between two attempts of one account and address pair.
	LoginMaxDelay = 15 * time.Minute
	// MaxAddressFailures is how many failed logins one client address may make, over all accounts,
	// in a LoginWindow; past it the address waits for the window to end.
	MaxAddressFailures = 30
	// LoginWindow is how long failures are remembered: a pair's count starts again after a
	// LoginWindow without failures (past its last wait), an address's count every LoginWindow.
	LoginWindow = 15 * time.Minute
	// SessionLifetime is how long a browser session lasts at most, however busy.
	SessionLifetime = 12 * time.Hour
	// SessionIdle is how long a browser session lasts without a request: each request moves its end
	// (ExpiresAt) to SessionIdle later, never past SessionLifetime after it began.
	SessionIdle = 30 * time.Minute
)

// LoginDelay is the wait before the next attempt of an account and address pair after failures
// failed logins: none up to LoginFreeFailures, then LoginFirstDelay doubling up to LoginMaxDelay.
func LoginDelay(failures int) time.Duration {
	if failures < LoginFreeFailures {
		return 0
	}
	d := LoginFirstDelay
	for i := LoginFreeFailures; i < failures && d < LoginMaxDelay; i++ {
		d *= 2
	}
	return min(d, LoginMaxDelay)
}

// loginKeys are the throttling keys of an attempt: the account and address pair (hashed, so that a
// long address fits the key column) and the address alone.
func loginKeys(email, client string) (pair, address string) {
	return "pair:" + sha256Hex(email+"\x00"+client), "client:" + client
}

// NewUser describes an account to create.
type NewUser struct {
	Role, Email, Province, InstitutionUSCC string
	Password                               string // empty: a random one is generated
}

// CreateUser validates and stores an account and a first API token; it returns the password and the
// token in clear, which are shown once and never stored.
func (s *Store) CreateUser(ctx context.Context, nu NewUser) (u User, password, token string, err error) {
	nu.Email = strings.ToLower(strings.TrimSpace(nu.Email))
	fe := FieldErrors{}
	if a, perr := mail.ParseAddress(nu.Email); perr != nil || a.Address != nu.Email {
		fe.Add("email", CodeNotEmail)
	}
	switch nu.Role {
	case RoleAdmin:
		if nu.Province != "" || nu.InstitutionUSCC != "" {
			fe.Add("role", CodeAdminUnbound)
		}
	case RoleOffice:
		if !ValidProvince(nu.Province) {
			fe.Add("province", CodeNotProvince)
		}
	case RoleInstitution:
		uscc, _, uerr := ParseUSCC(nu.InstitutionUSCC)
		if uerr != nil {
			fe.Add("institution", CodeUSCC, usccArgs(uerr))
		} else {
			nu.InstitutionUSCC = uscc
			var n int64
			if err := s.db.WithContext(ctx).Model(&Institution{}).Where("uscc = ?", uscc).Count(&n).Error; err != nil {
				return u, "", "", notFound(err, "find institution")
			}
			if n == 0 {
				fe.Add("institution", CodeUnknownInstitution)
			}
		}
	default:
		fe.Add("role", CodeOneOf, Args{"values": []string{RoleAdmin, RoleOffice, RoleInstitution}, "vocabulary": "role"})
	}
	if len(fe) > 0 {
		return u, "", "", fe
	}
	password = nu.Password
	if password == "" {
		password = randomToken(12)
	}
	token = "pilu_" + randomToken(24)
	u = User{Role: nu.Role, Email: nu.Email, Province: nu.Province, InstitutionUSCC: nu.InstitutionUSCC,
		PasswordHash: HashPassword(password)}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			return notFound(err, "create user "+nu.Email)
		}
		AuditRecordOf(ctx, "user", strconv.FormatUint(u.ID, 10))
		AuditDetailOf(ctx, u.Role+" "+u.Email)
		return tx.Create(&APIToken{UserID: u.ID, Hash: sha256Hex(token)}).Error
	})
	if err != nil {
		return User{}, "", "", err
	}
	return u, password, token, nil
}

// Authenticate checks an email and password, throttled as the Login constants say: while the
// account and address pair or the address must wait, the password is not checked and ErrThrottled
// names the time of the next attempt. A success forgets the pair's failures (not the address's: one
// own account must not reset a guessing run over others).
func (s *Store) Authenticate(ctx context.Context, email, password, client string, now time.Time) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	pair, address := loginKeys(email, client)
	var held []LoginAttempt
	if err := s.db.WithContext(ctx).Where("`key` IN ? AND locked_until > ?", []string{pair, address}, now).Find(&held).Error; err != nil {
		return User{}, fmt.Errorf("models: load login attempts: %w", err)
	}
	if len(held) > 0 {
		until := held[0].LockedUntil
		for _, a := range held[1:] {
			if a.LockedUntil.After(until) {
				until = a.LockedUntil
			}
		}
		return User{}, ErrThrottled{Until: until}
	}
	var u User
	err := s.db.WithContext(ctx).Where("email = ?", email).Take(&u).Error
	ok := err == nil && VerifyPassword(u.PasswordHash, password) && u.DisabledAt == nil
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, notFound(err, "load user")
	}
	if !ok {
		// Same work for an unknown account, so that timing tells nothing.
		if err != nil {
			VerifyPassword(dummyHash, password)
		}
		if ferr := s.recordFailure(ctx, pair, address, now); ferr != nil {
			return User{}, ferr
		}
		return User{}, ErrBadLogin
	}
	s.db.WithContext(ctx).Where("`key` = ?", pair).Delete(&LoginAttempt{})
	return u, nil
}

// recordFailure counts a failed login for its pair and its address and deletes the rows of
// failures older than LoginWindow. A row's LockedUntil is the end of its wait, or the time of its
// last failure when there is none.
func (s *Store) recordFailure(ctx context.Context, pair, address string, now time.Time) error {
	return s.transact(ctx, func(tx *gorm.DB) error {
		old := now.Add(-LoginWindow)
		if err := tx.Where("window_start < ? AND locked_until < ?", old, old).Delete(&LoginAttempt{}).Error; err != nil {
			return fmt.Errorf("models: prune login attempts: %w", err)
		}
		for _, key := range []string{pair, address} {
			var a LoginAttempt
			err := tx.Where("`key` = ?", key).Take(&a).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				a = LoginAttempt{Key: key, WindowStart: now}
			case err != nil:
				return fmt.Errorf("models: load login attempt: %w", err)
			}
			if key == pair {
				if now.Sub(a.LockedUntil) > LoginWindow {
					a.Failures, a.WindowStart = 0, now
				}
				a.Failures++
				a.LockedUntil = now.Add(LoginDelay(a.Failures))
			} else {
				if now.Sub(a.WindowStart) > LoginWindow {
					a.Failures, a.WindowStart = 0, now
				}
				a.Failures++
				a.LockedUntil = now
				if a.Failures >= MaxAddressFailures {
					a.LockedUntil = a.WindowStart.Add(LoginWindow)
				}
			}
			if err := tx.Save(&a).Error; err != nil {
				return fmt.Errorf("models: record login failure: %w", err)
			}
		}
		return nil
	})
}

// CreateSession starts a browser session for u and returns the cookie token.
func (s *Store) CreateSession(ctx context.Context, u User, now time.Time) (string, error) {
	token := randomToken(32)
	err := s.db.WithContext(ctx).Create(&Session{ID: sha256Hex(token), UserID: u.ID, ExpiresAt: now.Add(SessionIdle), CreatedAt: now}).Error
	if err != nil {
		return "", fmt.Errorf("models: create session: %w", err)
	}
	return token, nil
}

// SessionUser returns the user of a live session token (never a disabled account's): one used within
// SessionIdle and begun within SessionLifetime. Using it moves its idle end on (written at most once a
// minute).
func (s *Store) SessionUser(ctx context.Context, token string, now time.Time) (User, error) {
	var sess Session
	if err := s.db.WithContext(ctx).Where("id = ? AND expires_at > ? AND created_at > ?", sha256Hex(token), now, now.Add(-SessionLifetime)).
		Take(&sess).Error; err != nil {
		return User{}, notFound(err, "session")
	}
	end := now.Add(SessionIdle)
	if last := sess.CreatedAt.Add(SessionLifetime); end.After(last) {
		end = last
	}
	if end.Sub(sess.ExpiresAt) > time.Minute {
		if err := s.db.WithContext(ctx).Model(&Session{}).Where("id = ?", sess.ID).Update("expires_at", end).Error; err != nil {
			return User{}, fmt.Errorf("models: extend session: %w", err)
		}
	}
	var u User
	return u, notFound(s.db.WithContext(ctx).Where("disabled_at IS NULL").Take(&u, sess.UserID).Error, "session user")
}

// DeleteSession ends a session (logout); expired sessions are removed on the way.
func (s *Store) DeleteSession(ctx context.Context, token string, now time.Time) error {
	return s.db.WithContext(ctx).Where("id = ? OR expires_at < ?", sha256Hex(token), now).Delete(&Session{}).Error
}

// ErrTokenRevoked and ErrTokenExpired are returned for an API token that was revoked or has
// expired; both are also ErrNotFound (the token authorises nothing).
var (
	ErrTokenRevoked = fmt.Errorf("models: the API token was revoked: %w", ErrNotFound)
	ErrTokenExpired = fmt.Errorf("models: the API token has expired: %w", ErrNotFound)
)

// TokenUser returns the user of a valid API token (never a disabled account's).
func (s *Store) TokenUser(ctx context.Context, token string, now time.Time) (User, error) {
	u, _, err := s.TokenAccess(ctx, token, now)
	return u, err
}

// TokenAccess returns the user of an API token and the token with its limits; the user's
// TokenProvince is the token's province. A revoked or expired token is ErrTokenRevoked or
// ErrTokenExpired, an unknown one ErrNotFound, a disabled account's ErrNotFound.
func (s *Store) TokenAccess(ctx context.Context, token string, now time.Time) (User, APIToken, error) {
	var t APIToken
	if err := s.db.WithContext(ctx).Where("hash = ?", sha256Hex(token)).Take(&t).Error; err != nil {
		return User{}, t, notFound(err, "token")
	}
	switch {
	case t.RevokedAt != nil:
		return User{}, t, ErrTokenRevoked
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return User{}, t, ErrTokenExpired
	}
	s.db.WithContext(ctx).Model(&t).Update("last_used_at", now)
	var u User
	if err := s.db.WithContext(ctx).Where("disabled_at IS NULL").Take(&u, t.UserID).Error; err != nil {
		return User{}, t, notFound(err, "token user")
	}
	u.TokenProvince = t.Province
	return u, t, nil
}

// Argon2id parameters (RFC 9106 second recommended option, memory reduced for a 2-core server).
const (
	argonTime    = 2
	argonMemory  = 32 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

var dummyHash = HashPassword("pilu-dummy-password")

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// VerifyPassword checks password against a hash made by HashPassword in constant time.
func VerifyPassword(hash, password string) bool {
	var m, t uint32
	var p uint8
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// randomToken returns n random bytes, URL-safe encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
