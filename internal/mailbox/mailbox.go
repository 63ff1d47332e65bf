// Package mailbox reads the one-time codes and links Kratos mails for
// recovery and verification, from whichever source a target offers: a
// courier sink that orybench runs for a local Kratos, or the admin courier
// API of a remote one.
package mailbox

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Kind selects which mails a wait accepts.
type Kind string

const (
	// Recovery mails carry a recovery code (template recovery_code_valid)
	// or link (recovery_valid).
	Recovery Kind = "recovery"
	// Verification mails carry a verification code (verification_code_valid)
	// or link (verification_valid).
	Verification Kind = "verification"
	// Login mails carry a one-time login code (login_code_valid).
	Login Kind = "login"
	// Registration mails carry a one-time registration code.
	Registration Kind = "registration"
)

// Message is one mail Kratos's courier sent.
type Message struct {
	ID           string
	Recipient    string
	TemplateType string
	Subject      string
	Body         string
	Code         string // the one-time code, "" if the mail has none
	Link         string // the link to follow, "" if the mail has none
	Received     time.Time
}

// Kind tells which kind of code or link the message carries, from its
// template: <kind>_code_valid for a code, <kind>_valid for a link.
func (m Message) Kind() Kind {
	for _, k := range []Kind{Recovery, Verification, Login, Registration} {
		if strings.HasPrefix(m.TemplateType, string(k)+"_code") || m.TemplateType == string(k)+"_valid" {
			return k
		}
	}
	return ""
}

// byLink reports whether templateType is a link template (recovery_valid,
// verification_valid), whose mail carries no code.
func byLink(templateType string) bool {
	return strings.HasSuffix(templateType, "_valid") && !strings.Contains(templateType, "_code_")
}

// Source lists the messages sent to one recipient so far.
type Source interface {
	Messages(ctx context.Context, recipient string) ([]Message, error)
}

// ErrNoCode is returned when no matching mail arrived before the deadline.
var ErrNoCode = errors.New("no code or link arrived")

// Mailbox hands out each mail once, oldest first, so that a test that asks
// twice for a recovery code (or link) gets the second mail the second time.
type Mailbox struct {
	src      Source
	poll     time.Duration
	mu       sync.Mutex
	consumed map[string]bool
}

// New reads mails from src.
func New(src Source) *Mailbox {
	return &Mailbox{src: src, poll: 50 * time.Millisecond, consumed: map[string]bool{}}
}

// Wait waits until a mail of kind to address carries a code or a link
// and was not handed out before, and returns it. It gives up when ctx is
// done.
func (m *Mailbox) Wait(ctx context.Context, address string, kind Kind) (Message, error) {
	t := time.NewTicker(m.poll)
	defer t.Stop()
	for {
		msgs, err := m.src.Messages(ctx, address)
		if err != nil {
			return Message{}, fmt.Errorf("read mail for %s: %w", address, err)
		}
		if msg, ok := m.take(msgs, kind); ok {
			return msg, nil
		}
		select {
		case <-ctx.Done():
			return Message{}, fmt.Errorf("%w: %s mail to %s: %w", ErrNoCode, kind, address, ctx.Err())
		case <-t.C:
		}
	}
}

func (m *Mailbox) take(msgs []Message, kind Kind) (Message, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best *Message
	for i := range msgs {
		msg := &msgs[i]
		if msg.Code == "" && msg.Link == "" || msg.Kind() != kind || m.consumed[msg.ID] {
			continue
		}
		if best == nil || msg.Received.Before(best.Received) {
			best = msg
		}
	}
	if best == nil {
		return Message{}, false
	}
	m.consumed[best.ID] = true
	return *best, true
}

var codePattern = regexp.MustCompile(`\b(\d{6})\b`)

// CodeIn finds the six-digit one-time code in a mail body.
func CodeIn(body string) string {
	if m := codePattern.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// linkPattern is a self-service link in a mail body, up to the first space,
// quote or angle bracket (an HTML body writes it as href="..." too).
var linkPattern = regexp.MustCompile(`https?://[^\s"'<>]+/self-service/[a-z]+\?[^\s"'<>]+`)

// LinkIn finds the first self-service link (.../self-service/recovery?flow=…&token=…)
// in a mail body, HTML entities decoded; "" if there is none or it does
// not parse.
func LinkIn(body string) string {
	raw := html.UnescapeString(linkPattern.FindString(body))
	if raw == "" {
		return ""
	}
	if _, err := url.Parse(raw); err != nil {
		return ""
	}
	return raw
}

// contents is what a mail of templateType carries: its code and its link,
// as the courier sent them (code, link: "" when it did not) or else as
// found in body. A link template's mail carries no code (a six-digit run
// in its body is not one).
func contents(templateType, body, code, link string) (string, string) {
	if link == "" {
		link = LinkIn(body)
	}
	if code == "" && !byLink(templateType) {
		code = CodeIn(body)
	}
	return code, link
}
