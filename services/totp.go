package services

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTPEnrolment is what the enrolment page shows: the secret (for typing), the
// otpauth URL and its QR code as a PNG.
type TOTPEnrolment struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// BeginTOTP makes a new secret for the user, kept pending until confirmed with a code.
func (a *Accounts) BeginTOTP(ctx context.Context, p Principal) (TOTPEnrolment, error) {
	u, err := a.user(ctx, p.Person())
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if u.TOTPEnabled {
		return TOTPEnrolment{}, Conflict("account.totp_already_on")
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: a.Brands.NameOr(ctx, "en", a.issuer), AccountName: u.Email})
	if err != nil {
		return TOTPEnrolment{}, Internal(err)
	}
	if err := a.db.SetTOTPSecret(ctx, u.ID, key.Secret()); err != nil {
		return TOTPEnrolment{}, Internal(err)
	}
	return enrolmentFor(key)
}

// PendingTOTP re-shows the pending secret (after a wrong confirmation code).
func (a *Accounts) PendingTOTP(ctx context.Context, p Principal) (TOTPEnrolment, error) {
	u, err := a.user(ctx, p.Person())
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if u.TOTPSecret == "" || u.TOTPEnabled {
		return a.BeginTOTP(ctx, p)
	}
	v := url.Values{}
	v.Set("secret", u.TOTPSecret)
	v.Set("issuer", a.issuer)
	key, err := otp.NewKeyFromURL("otpauth://totp/" + url.PathEscape(a.issuer+":"+u.Email) + "?" + v.Encode())
	if err != nil {
		return TOTPEnrolment{}, Internal(err)
	}
	return enrolmentFor(key)
}

func enrolmentFor(key *otp.Key) (TOTPEnrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPEnrolment{}, Internal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, Internal(err)
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: buf.Bytes()}, nil
}

// ConfirmTOTP turns two-factor sign-in on once the app shows a valid code, and
// returns the recovery codes, shown once.
func (a *Accounts) ConfirmTOTP(ctx context.Context, p Principal, code string) ([]string, error) {
	u, err := a.user(ctx, p.Person())
	if err != nil {
		return nil, err
	}
	if u.TOTPSecret == "" {
		return nil, Conflict("account.totp_not_started")
	}
	if !totp.Validate(strings.TrimSpace(code), u.TOTPSecret) {
		return nil, Invalid(map[string]string{"code": "auth.totp_wrong"})
	}
	codes := make([]string, 8)
	hashes := make([]string, 8)
	for i := range codes {
		b := make([]byte, 5)
		rand.Read(b)
		c := hex.EncodeToString(b)
		codes[i] = c[:5] + "-" + c[5:]
		hashes[i] = hashRecovery(codes[i])
	}
	if err := a.db.EnableTOTP(ctx, u.ID, hashes); err != nil {
		return nil, Internal(err)
	}
	a.audit.Record(ctx, p, "account.totp_enabled", SeveritySecurity, "user", "", "")
	return codes, nil
}

// DisableTOTP turns two-factor sign-in off after checking the password.
func (a *Accounts) DisableTOTP(ctx context.Context, p Principal, password string) error {
	u, err := a.user(ctx, p.Person())
	if err != nil {
		return err
	}
	ok, err := a.checkOwnPassword(p, u, password)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid(map[string]string{"password": "account.current_password_wrong"})
	}
	if err := a.db.DisableTOTP(ctx, u.ID); err != nil {
		return Internal(err)
	}
	a.audit.Record(ctx, p, "account.totp_disabled", SeveritySecurity, "user", "", "")
	return nil
}

// hashRecovery hashes a recovery code; codes are random, so a fast hash suffices.
func hashRecovery(code string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(code))))
	return hex.EncodeToString(sum[:])
}

// VerifySecondFactor finishes a sign-in with an authenticator code or a recovery code.
func (a *Accounts) VerifySecondFactor(ctx context.Context, userID int64, code, ip string) error {
	u, err := a.user(ctx, userID)
	if err != nil {
		return err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return Invalid(map[string]string{"code": "form.required"})
	}
	done, err := a.attempt(ip, u.Email)
	if err != nil {
		return err
	}
	if step, ok := totpStep(code, u.TOTPSecret, time.Now()); u.TOTPEnabled && ok {
		if fresh, err := a.db.UseTOTPStep(ctx, u.ID, step); err != nil {
			done(false)
			return Internal(err)
		} else if !fresh {
			// A code already used to sign in: someone may have watched it typed.
			done(true)
			return Invalid(map[string]string{"code": "auth.totp_used"})
		}
		done(false)
		a.audit.Record(ctx, Principal{UserID: u.ID, IP: ip}, "auth.signin", SeverityInfo, "user", "", "totp")
		return nil
	}
	if strings.Contains(code, "-") {
		codes, err := a.db.UnusedRecoveryCodes(ctx, u.ID)
		if err != nil {
			done(false)
			return Internal(err)
		}
		want := hashRecovery(code)
		for _, c := range codes {
			if subtle.ConstantTimeCompare([]byte(c.Hash), []byte(want)) == 1 && a.db.UseRecoveryCode(ctx, c.ID) == nil {
				done(false)
				a.audit.Record(ctx, Principal{UserID: u.ID, IP: ip}, "auth.signin_recovery_code", SeveritySecurity, "user", "", "")
				return nil
			}
		}
	}
	done(true)
	return Invalid(map[string]string{"code": "auth.totp_wrong"})
}

// TOTPCode is the code an authenticator app shows at t (used by tests and the CLI).
func TOTPCode(secret string, t time.Time) (string, error) { return totp.GenerateCode(secret, t) }

// totpStep finds the 30-second time step whose code matches, allowing one step
// of clock drift either way, as totp.Validate does.
func totpStep(code, secret string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	for _, skew := range []int64{0, -1, 1} {
		t := now.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCode(secret, t)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return t.Unix() / 30, true
		}
	}
	return 0, false
}
