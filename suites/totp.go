package suites

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

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

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

// totpCode is RFC 6238 TOTP over RFC 4226 HOTP with HMAC-SHA1: the counter
// is the number of whole steps since the Unix epoch.
func totpCode(key []byte, t time.Time, step time.Duration, digits int) string {
	return hotpCode(key, uint64(t.Unix()/int64(step/time.Second)), digits)
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

// EnrolTOTP adds an authenticator app to the identity c is signed in as (a
// session token for a native client, cookies for a browser or SPA) through a
// settings flow of c's kind, and returns the app's secret. Use it on a target
// with the TOTP capability, soon after signing in: enrolment is a privileged
// change.
//
// Kratos upgrades the session that enrols to aal2 in place; sign in again
// with the password alone (SignInWithPassword) for an aal1 session that still
// owes the second factor.
func (f *Fixture) EnrolTOTP(ctx context.Context, c *kratosclient.Client) (secret string) {
	GinkgoHelper()
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	flowID := f.startFlow(ctx, c, kratosclient.Settings)
	reader := f.uiOf(c)
	r, err := reader.GetSettingsFlow(ctx, flowID)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "fetch the settings flow: %s", uiMessages(r))
	secret = totpSecretOf(r)
	Expect(secret).NotTo(BeEmpty(), "the settings flow has no totp_secret_key node: is the totp method enabled on %s, and the identity not enrolled yet?", f.t.name)

	code, err := TOTPCode(secret, time.Now())
	Expect(err).NotTo(HaveOccurred())
	r, err = c.UpdateSettingsFlow(ctx, flowID, c.Submission(kratosclient.Fields{"method": "totp", "totp_code": code}))
	Expect(err).NotTo(HaveOccurred())
	// A settings flow shows the secret in more places than redact knows
	// of (the QR code, the text node): failures quote only its messages.
	if c.Mode() == kratosclient.Browser {
		Expect(r.Status).To(Equal(http.StatusSeeOther), "enrol TOTP by form: %s", uiMessages(r))
		r, err = reader.GetSettingsFlow(ctx, flowID)
		Expect(err).NotTo(HaveOccurred())
	}
	Expect(r.Status).To(Equal(http.StatusOK), "enrol TOTP: %s", uiMessages(r))
	var fl struct {
		State string `json:"state"`
	}
	Expect(r.Decode(&fl)).To(Succeed())
	Expect(fl.State).To(Equal("success"), "enrol TOTP: %s", uiMessages(r))
	return secret
}

// SignInWithPassword signs c in as creds through a login flow of c's kind
// and returns Kratos's answer to the submission; c keeps what it is given (a
// session token, session cookies). For an identity with a second factor the
// session is aal1 and the answer says so: a native app gets 200, an SPA a 422
// and a browser a 303, both pointing at the aal2 login.
func (f *Fixture) SignInWithPassword(ctx context.Context, c *kratosclient.Client, creds Credentials) *kratosclient.Response {
	GinkgoHelper()
	flowID := f.startFlow(ctx, c, kratosclient.Login)
	r, err := c.UpdateLoginFlow(ctx, flowID, c.Submission(passwordLogin(creds)))
	Expect(err).NotTo(HaveOccurred())
	return r
}

// passwordLogin are the fields of a password login as creds.
func passwordLogin(creds Credentials) kratosclient.Fields {
	identifier := creds.Identifier
	if identifier == "" {
		identifier = creds.Email
	}
	return kratosclient.Fields{"method": "password", "identifier": identifier, "password": creds.Password}
}

// uiOf is who reads c's flows as JSON: c itself for a native app, else a
// self-service UI that shares c's cookies (so c's CSRF token is learnt too).
func (f *Fixture) uiOf(c *kratosclient.Client) *kratosclient.Client {
	if c.Mode() == kratosclient.Native {
		return c
	}
	ui := f.Client(kratosclient.SPA)
	ui.ShareCookies(c)
	return ui
}

// totpSecretOf reads the secret of the totp_secret_key text node of a
// settings flow ("" if there is none).
func totpSecretOf(r *kratosclient.Response) string {
	var fl struct {
		UI struct {
			Nodes []struct {
				Attributes struct {
					ID   string `json:"id"`
					Text struct {
						Text    string `json:"text"`
						Context struct {
							Secret string `json:"secret"`
						} `json:"context"`
					} `json:"text"`
				} `json:"attributes"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	if r.Decode(&fl) != nil {
		return ""
	}
	for _, n := range fl.UI.Nodes {
		if n.Attributes.ID != "totp_secret_key" {
			continue
		}
		if s := n.Attributes.Text.Context.Secret; s != "" {
			return s
		}
		return n.Attributes.Text.Text
	}
	return ""
}

// uiMessages summarises what a flow or error answer says, without the rest
// of the body: the status, error.id and reason, and the ids and texts of the
// flow's messages, which never hold a secret.
func uiMessages(r *kratosclient.Response) string {
	var body struct {
		Error struct {
			ID     string `json:"id"`
			Reason string `json:"reason"`
		} `json:"error"`
		UI struct {
			Messages []uiMessage `json:"messages"`
			Nodes    []struct {
				Attributes struct {
					Name string `json:"name"`
				} `json:"attributes"`
				Messages []uiMessage `json:"messages"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	_ = r.Decode(&body)
	var b strings.Builder
	fmt.Fprintf(&b, "status %d", r.Status)
	if body.Error.ID != "" || body.Error.Reason != "" {
		fmt.Fprintf(&b, "; error %s: %s", body.Error.ID, body.Error.Reason)
	}
	for _, m := range body.UI.Messages {
		fmt.Fprintf(&b, "; %d %s", m.ID, m.Text)
	}
	for _, n := range body.UI.Nodes {
		for _, m := range n.Messages {
			fmt.Fprintf(&b, "; %s: %d %s", n.Attributes.Name, m.ID, m.Text)
		}
	}
	return b.String()
}

type uiMessage struct {
	ID   int    `json:"id"`
	Text string `json:"text"`
}
