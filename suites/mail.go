package suites

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/internal/mailbox"
	"github.com/orybench/orybench/kratosclient"
)

// This file holds what the recovery and verification specs share: the two
// flows that mail a one-time code and take it back.

// mailWait bounds the wait for one mailed code. A local courier polls its
// queue every 100ms; a remote courier is read through the admin API.
const mailWait = 15 * time.Second

// WaitForCode returns the next code of kind mailed to address, from the
// target's mailbox. The mailbox hands out each code once, oldest first, so
// a spec that registers address (which mails a verification code) and then
// asks for a verification code of its own must take the first one out.
func (f *Fixture) WaitForCode(ctx context.Context, address string, kind mailbox.Kind) string {
	GinkgoHelper()
	Expect(f.t.mail).NotTo(BeNil(), "target %s declares %s but has no mailbox (give it an admin URL)", f.t.name, MailCodes)
	ctx, cancel := context.WithTimeout(ctx, mailWait)
	defer cancel()
	code, err := f.t.mail.WaitForCode(ctx, address, kind)
	Expect(err).NotTo(HaveOccurred())
	return code
}

// mailFlow is the part of a recovery or verification flow the specs read.
type mailFlow struct {
	ID           string                 `json:"id"`
	Type         string                 `json:"type"`
	State        string                 `json:"state"`
	ExpiresAt    time.Time              `json:"expires_at"`
	UI           flowUI                 `json:"ui"`
	ContinueWith []mailFlowContinueWith `json:"continue_with"`
}

// mailFlowMessage is a message of a flow the specs mail codes for.
type mailFlowMessage = flowMessage

type mailFlowContinueWith struct {
	Action          string `json:"action"`
	OrySessionToken string `json:"ory_session_token"`
	Flow            struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	} `json:"flow"`
}

func decodeMailFlow(r *kratosclient.Response) mailFlow {
	GinkgoHelper()
	var fl mailFlow
	Expect(r.Decode(&fl)).To(Succeed())
	return fl
}

// Kratos's UI text ids (text.ID) the recovery and verification specs see.
const (
	textInvalidInput            = 4000001 // validation failed (bad email, undecodable body)
	textRecoveryEmailSent       = 1060003
	textRecoveryCodeInvalid     = 4060006
	textVerificationEmailSent   = 1080003
	textVerificationCodeInvalid = 4070006
	textVerificationSuccessful  = 1080002
)

// codeSubmissionsBeforeReplace: a verification flow takes five wrong codes;
// the sixth submission replaces it.
const codeSubmissionsBeforeReplace = 5

// startMailFlow creates a recovery or verification flow as c's kind does
// and returns it as c's UI sees it.
func (f *Fixture) startMailFlow(ctx context.Context, c *kratosclient.Client, flow kratosclient.FlowKind) mailFlow {
	GinkgoHelper()
	id := f.startFlow(ctx, c, flow)
	ui := c
	if c.Mode() == kratosclient.Browser {
		// A server-rendered UI reads the flow as JSON with the browser's cookies.
		ui = f.Client(kratosclient.SPA)
		ui.ShareCookies(c)
	}
	r, err := ui.GetFlow(ctx, flow, id)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "fetch %s flow: %s", flow, r.Body)
	return decodeMailFlow(r)
}

// sleepPastMailFlowExpiry waits until fl has expired, and a little longer.
func sleepPastMailFlowExpiry(ctx context.Context, fl mailFlow) {
	GinkgoHelper()
	Expect(fl.ExpiresAt).NotTo(BeZero(), "flow without expires_at")
	d := time.Until(fl.ExpiresAt) + 100*time.Millisecond
	Expect(d).To(BeNumerically("<", 10*time.Second), "the flow lives for %s: not a short-lifespan target", d)
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// expectUIURL checks that raw (a Location, a redirect_browser_to) points at
// the self-service UI page (e.g. "/recovery") with a ?flow=, and returns that
// flow id. On a local target the UI's base URL is known; elsewhere only the
// page is checked.
func (f *Fixture) expectUIURL(raw, page string) string {
	GinkgoHelper()
	u, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	if f.t.local != nil {
		Expect(u.Scheme+"://"+u.Host+u.Path).To(Equal(localkratos.UIURL+page), "URL %s", raw)
	} else {
		Expect(u.Path).To(HaveSuffix(page), "URL %s", raw)
	}
	id := u.Query().Get("flow")
	Expect(id).NotTo(BeEmpty(), "no ?flow= in %s", raw)
	return id
}

// setCookieNamed returns the cookie r sets whose name starts with prefix.
func setCookieNamed(r *kratosclient.Response, prefix string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if strings.HasPrefix(c.Name, prefix) {
			return c
		}
	}
	return nil
}

// Cookie names Kratos sets: the CSRF cookie's name ends in a hash of the
// public base URL, so only its prefix is fixed.
const (
	csrfCookiePrefix = "csrf_token_"
	sessionCookie    = "ory_kratos_session"
)

// randomFlowID is a well-formed flow id no target has issued.
func randomFlowID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// evilReturnTo is a return_to no target allows.
var evilReturnTo = url.Values{"return_to": {"https://evil.example.org/"}}

// expiredDetails is the error.details of an error body (an expired flow's "api" or "redirect_to").
func expiredDetails(r *kratosclient.Response) map[string]any {
	GinkgoHelper()
	var body struct {
		Error struct {
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	Expect(r.Decode(&body)).To(Succeed())
	return body.Error.Details
}

// redirectBrowserTo is the redirect_browser_to of a 422.
func redirectBrowserTo(r *kratosclient.Response) string {
	GinkgoHelper()
	var body struct {
		RedirectBrowserTo string `json:"redirect_browser_to"`
	}
	Expect(r.Decode(&body)).To(Succeed())
	return body.RedirectBrowserTo
}

// useFlowID is the use_flow_id of a 410: the flow that replaces the old one.
func useFlowID(r *kratosclient.Response) string {
	GinkgoHelper()
	var body struct {
		UseFlowID string `json:"use_flow_id"`
	}
	Expect(r.Decode(&body)).To(Succeed())
	return body.UseFlowID
}
