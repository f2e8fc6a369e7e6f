package models_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"pilu/models"
	"pilu/models/dbtest"
)

// enrol sets up u's authenticator at now and returns its secret and recovery codes.
func enrol(t *testing.T, st *models.Store, sl *models.Sealer, u models.User, now time.Time) (string, []string) {
	t.Helper()
	key, err := st.StartTOTP(ctx, sl, u)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(key.Secret(), now)
	codes, err := st.ConfirmTOTP(ctx, sl, u.ID, code, "10.0.0.1", now)
	if err != nil || len(codes) != models.RecoveryCodeCount {
		t.Fatalf("confirm with the right code: %v, %d codes", err, len(codes))
	}
	return key.Secret(), codes
}

// TestTOTPEnrolment: a secret is only in force once a first code confirms it; a wrong first code
// leaves it pending; the secret is sealed in the database.
func TestTOTPEnrolment(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		sl := models.NewSealer("test-secret")
		u, _, _, err := st.CreateUser(ctx, models.NewUser{Role: models.RoleOffice, Email: "enrol@example.cn", Province: "440000"})
		if err != nil {
			t.Fatal(err)
		}
		now := at("2026-12-01 08:00")
		key, err := st.StartTOTP(ctx, sl, u)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := st.UserByID(ctx, u.ID)
		if got.HasTOTP() || got.TOTPPending == "" || strings.Contains(got.TOTPPending, key.Secret()) {
			t.Fatalf("after starting: in force %v, pending %q (must be sealed)", got.HasTOTP(), got.TOTPPending)
		}
		if must, _ := st.MustEnrolTOTP(ctx, got); must {
			t.Fatal("no policy: nobody must enrol")
		}
		// Enrolment without confirmation: a login asks no code, and the pending secret opens nothing.
		tok, _ := st.StartPendingLogin(ctx, got, "", now)
		code, _ := totp.GenerateCode(key.Secret(), now)
		if _, err := st.CompletePendingLogin(ctx, sl, tok, code, "10.0.0.1", now); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("a code of an unconfirmed enrolment logs in: %v", err)
		}
		for _, bad := range []string{"000000", "", "12345", "abcdefgh", code + "1"} {
			if bad == code {
				continue
			}
			if _, err := st.ConfirmTOTP(ctx, sl, u.ID, bad, "10.0.0.9", now); !errors.Is(err, models.ErrBadCode) {
				t.Fatalf("confirm with %q: %v, want ErrBadCode", bad, err)
			}
			now = now.Add(time.Hour) // past any wait
		}
		if got, _ := st.UserByID(ctx, u.ID); got.HasTOTP() {
			t.Fatal("wrong first codes put the second factor in force")
		}
		code, _ = totp.GenerateCode(key.Secret(), now)
		codes, err := st.ConfirmTOTP(ctx, sl, u.ID, code, "10.0.0.1", now)
		if err != nil || len(codes) != models.RecoveryCodeCount {
			t.Fatalf("confirm: %v %v", err, codes)
		}
		got, _ = st.UserByID(ctx, u.ID)
		if !got.HasTOTP() || got.TOTPPending != "" || strings.Contains(got.TOTPSecret, key.Secret()) {
			t.Fatalf("after confirming: in force %v, secret %q", got.HasTOTP(), got.TOTPSecret)
		}
		if _, err := st.StartTOTP(ctx, sl, got); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("starting again while enrolled: %v, want conflict", err)
		}
		// The code that confirmed cannot log in again (replay within its window).
		tok, _ = st.StartPendingLogin(ctx, got, "", now)
		if _, err := st.CompletePendingLogin(ctx, sl, tok, code, "10.0.0.1", now.Add(10*time.Second)); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("the confirming code replayed: %v", err)
		}
	})
}

// TestTOTPLogin: the right code completes a pending login once; a wrong code, a replayed code and
// a recovery code used twice are refused; wrong codes are throttled and end the pending login
// after PendingLoginMaxFailures; a reset removes everything and a policy makes enrolment due.
func TestTOTPLogin(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		sl := models.NewSealer("test-secret")
		u, _, _, err := st.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "second@example.cn"})
		if err != nil {
			t.Fatal(err)
		}
		now := at("2026-12-01 08:00")
		secret, recovery := enrol(t, st, sl, u, now)
		u, _ = st.UserByID(ctx, u.ID)
		now = now.Add(time.Minute)

		tok, err := st.StartPendingLogin(ctx, u, "/admin", now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SessionUser(ctx, tok, now); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a pending login's token is a session: %v", err)
		}
		if _, err := st.CompletePendingLogin(ctx, sl, tok, "000000", "10.0.0.1", now); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("wrong code: %v", err)
		}
		code, _ := totp.GenerateCode(secret, now)
		sf, err := st.CompletePendingLogin(ctx, sl, tok, code, "10.0.0.1", now)
		if err != nil || sf.User.ID != u.ID || sf.Next != "/admin" || sf.Recovery {
			t.Fatalf("right code: %+v %v", sf, err)
		}
		if _, err := st.CompletePendingLogin(ctx, sl, tok, code, "10.0.0.1", now); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a completed pending login again: %v, want not found", err)
		}
		// Replay: the same code, and an earlier one, in a new pending login within the window.
		tok2, _ := st.StartPendingLogin(ctx, u, "", now)
		for _, c := range []string{code, mustCode(t, secret, now.Add(-30*time.Second))} {
			if _, err := st.CompletePendingLogin(ctx, sl, tok2, c, "10.0.0.2", now.Add(5*time.Second)); !errors.Is(err, models.ErrBadCode) {
				t.Fatalf("replayed code %s: %v, want ErrBadCode", c, err)
			}
		}
		// Recovery code: formatted freely, once.
		sf, err = st.CompletePendingLogin(ctx, sl, tok2, strings.ToUpper(strings.ReplaceAll(recovery[0], "-", " ")), "10.0.0.2", now.Add(6*time.Second))
		if err != nil || !sf.Recovery || sf.RecoveryLeft != models.RecoveryCodeCount-1 {
			t.Fatalf("recovery code: %+v %v", sf, err)
		}
		tok3, _ := st.StartPendingLogin(ctx, u, "", now)
		if _, err := st.CompletePendingLogin(ctx, sl, tok3, recovery[0], "10.0.0.3", now.Add(7*time.Second)); !errors.Is(err, models.ErrBadCode) {
			t.Fatalf("a recovery code used twice: %v", err)
		}
		// Throttled like passwords: past the free failures the pair waits, even for the right code.
		later := now.Add(2 * time.Minute)
		tok4, _ := st.StartPendingLogin(ctx, u, "", later)
		for i := 0; i < models.LoginFreeFailures; i++ {
			st.CompletePendingLogin(ctx, sl, tok4, "111111", "10.0.0.4", later)
		}
		var th models.ErrThrottled
		if _, err := st.CompletePendingLogin(ctx, sl, tok4, mustCode(t, secret, later), "10.0.0.4", later); !errors.As(err, &th) {
			t.Fatalf("after %d wrong codes: %v, want throttled", models.LoginFreeFailures, err)
		}
		// More wrong codes (after each wait) end the pending login.
		for i := models.LoginFreeFailures; i < models.PendingLoginMaxFailures; i++ {
			later = later.Add(models.LoginMaxDelay / 10)
			st.CompletePendingLogin(ctx, sl, tok4, "111111", "10.0.0.4", later)
		}
		later = later.Add(models.LoginMaxDelay / 10)
		if _, err := st.CompletePendingLogin(ctx, sl, tok4, mustCode(t, secret, later), "10.0.0.4", later); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("after %d wrong codes the pending login: %v, want ended", models.PendingLoginMaxFailures, err)
		}
		// Expired pending login.
		tok5, _ := st.StartPendingLogin(ctx, u, "", later)
		if _, err := st.PendingLoginUser(ctx, tok5, later.Add(models.PendingLoginTTL+time.Second)); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("an expired pending login: %v", err)
		}
		// Policy and reset.
		if err := st.SetRoleRequiresTOTP(ctx, models.RoleAdmin, true, "root@example.cn", later); err != nil {
			t.Fatal(err)
		}
		if err := st.SetRoleRequiresTOTP(ctx, "nobody", true, "root@example.cn", later); err == nil {
			t.Fatal("a policy for an unknown role")
		}
		if must, _ := st.MustEnrolTOTP(ctx, u); must {
			t.Fatal("an enrolled admin must enrol")
		}
		if err := st.ResetTOTP(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		u, _ = st.UserByID(ctx, u.ID)
		if must, _ := st.MustEnrolTOTP(ctx, u); !must || u.HasTOTP() {
			t.Fatalf("after a reset under a policy: must enrol %v, has %v", must, u.HasTOTP())
		}
		if n, _ := st.RemainingRecoveryCodes(ctx, u.ID); n != 0 {
			t.Fatalf("recovery codes after a reset: %d", n)
		}
		if err := st.ResetTOTP(ctx, u.ID); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("a second reset: %v", err)
		}
	})
}

func mustCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTokenLimits: expired and revoked tokens are refused with their own errors; limits are kept
// and checked when made; a rotated token keeps its limits.
func TestTokenLimits(t *testing.T) {
	dbtest.Stores(t, func(t *testing.T, st *models.Store) {
		now := at("2026-12-01 08:00")
		office, _, _, err := st.CreateUser(ctx, models.NewUser{Role: models.RoleOffice, Email: "tok@example.cn", Province: "440000"})
		if err != nil {
			t.Fatal(err)
		}
		admin, _, _, _ := st.CreateUser(ctx, models.NewUser{Role: models.RoleAdmin, Email: "tokadmin@example.cn"})
		day := now.Add(24 * time.Hour)
		past := now.Add(-time.Hour)
		for _, c := range []struct {
			name  string
			user  uint64
			opt   models.TokenOptions
			field string
		}{
			{"office, another province", office.ID, models.TokenOptions{Province: "330000"}, "province"},
			{"office, no such province", office.ID, models.TokenOptions{Province: "990000"}, "province"},
			{"expiry in the past", admin.ID, models.TokenOptions{ExpiresAt: &past}, "expires_at"},
		} {
			_, _, err := st.CreateToken(ctx, c.user, c.opt, now)
			var fe models.FieldErrors
			if !errors.As(err, &fe) || len(fe[c.field]) == 0 {
				t.Errorf("%s: %v, want a field error on %s", c.name, err, c.field)
			}
		}
		rec, tok, err := st.CreateToken(ctx, admin.ID, models.TokenOptions{ReadOnly: true, Province: "440000", ExpiresAt: &day}, now)
		if err != nil {
			t.Fatal(err)
		}
		u, got, err := st.TokenAccess(ctx, tok, now)
		if err != nil || !got.ReadOnly || got.Province != "440000" || u.TokenProvince != "440000" {
			t.Fatalf("limited token: %+v %+v %v", u, got, err)
		}
		if _, _, err := st.TokenAccess(ctx, tok, day); !errors.Is(err, models.ErrTokenExpired) || !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("expired token: %v", err)
		}
		next, tok2, err := st.RotateToken(ctx, admin.ID, rec.ID, now.Add(time.Hour))
		if err != nil || !next.ReadOnly || next.Province != "440000" || next.ExpiresAt == nil || !next.ExpiresAt.Equal(day.Add(time.Hour)) {
			t.Fatalf("rotated: %+v %v", next, err)
		}
		if _, _, err := st.TokenAccess(ctx, tok, now.Add(time.Hour)); !errors.Is(err, models.ErrTokenRevoked) {
			t.Fatalf("revoked token: %v", err)
		}
		if _, _, err := st.TokenAccess(ctx, tok2, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.CreateToken(ctx, office.ID, models.TokenOptions{Province: "440000"}, now); err != nil {
			t.Fatalf("office token limited to its own province: %v", err)
		}
	})
}
