package target

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

// Kratos's TOTP method (v1.3.1, github.com/pquerna/otp defaults): HMAC-SHA1,
// 30-second steps, 6 digits, and one step of clock skew either way.
const (
	totpStep   = 30 * time.Second
	totpDigits = 6
)

// TOTPCode is the RFC 6238 code of secret at t, as an authenticator app
// computes it from the secret Kratos shows in the settings flow's
// totp_secret_key node (base32, usually without padding).
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return totpCode(key, t, totpStep, totpDigits), nil
}

// totpCode is RFC 6238 TOTP over RFC 4226 HOTP with HMAC-SHA1: the counter
// is the number of whole steps since the Unix epoch.
func totpCode(key []byte, t time.Time, step time.Duration, digits int) string {
	return hotpCode(key, uint64(t.Unix()/int64(step/time.Second)), digits)
}

// decodeTOTPSecret reads a base32 secret the way authenticator apps do:
// case, spaces and padding do not matter.
func decodeTOTPSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.Join(strings.Fields(secret), ""))
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, errors.New("empty TOTP secret")
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("TOTP secret is not base32: %w", err)
	}
	return key, nil
}

// hotpCode is RFC 4226 section 5.3: HMAC-SHA1 of the big-endian counter,
// dynamically truncated to 31 bits, reduced to digits decimal digits.
func hotpCode(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// EnrolTOTP adds an authenticator app to the identity c is signed in as,
// through a settings flow of c's kind, and returns the app's secret. Use
// it on a target with the TOTP capability, soon after signing in:
// enrolment is a privileged change.
//
// Kratos upgrades the session that enrols to aal2 in place; sign in again
// with the password alone (SignIn) for an aal1 session that still owes the
// second factor. Errors quote only a flow's messages: a settings flow shows
// the secret in more places than redaction knows of (the QR code, a text
// node).
func (t *Target) EnrolTOTP(ctx context.Context, c *kratosclient.Client) (secret string, err error) {
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	fl, err := t.NewFlow(ctx, c, kratosclient.Settings)
	if err != nil {
		return "", err
	}
	if secret = fl.UI.TOTPSecret(); secret == "" {
		return "", fmt.Errorf("the settings flow has no totp_secret_key node: is the totp method enabled on %s, and the identity not enrolled yet?", t.name)
	}
	code, err := TOTPCode(secret, time.Now())
	if err != nil {
		return "", err
	}
	r, err := c.UpdateSettingsFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "totp", "totp_code": code}))
	if err != nil {
		return "", err
	}
	if c.Mode() == kratosclient.Browser {
		if r.Status != http.StatusSeeOther {
			return "", answer("enrol TOTP by form", r)
		}
		if fl, err = t.ReadFlow(ctx, c, kratosclient.Settings, fl.ID); err != nil {
			return "", err
		}
	} else {
		if r.Status != http.StatusOK {
			return "", answer("enrol TOTP", r)
		}
		if fl, err = r.Flow(); err != nil {
			return "", err
		}
	}
	if fl.State != "success" {
		return "", fmt.Errorf("enrol TOTP: the settings flow is %q, not success: %s", fl.State, fl.UI.Summary())
	}
	return secret, nil
}
