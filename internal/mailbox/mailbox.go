// Package mailbox reads the one-time codes Kratos mails for recovery and
// verification, from whichever source a target offers: a courier sink that
// orybench runs for a local Kratos, or the admin courier API of a remote one.
package mailbox

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Kind selects which mails a wait accepts.
type Kind string

const (
	// Recovery mails carry a recovery code (template recovery_code_valid).
	Recovery Kind = "recovery"
	// Verification mails carry a verification code (verification_code_valid).
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
	Received     time.Time
}

// Kind tells which kind of code the message carries, from its template.
func (m Message) Kind() Kind {
	for _, k := range []Kind{Recovery, Verification, Login, Registration} {
		if strings.HasPrefix(m.TemplateType, string(k)+"_code") {
			return k
		}
	}
	return ""
}

// Source lists the messages sent to one recipient so far.
type Source interface {
	Messages(ctx context.Context, recipient string) ([]Message, error)
}

// ErrNoCode is returned when no matching mail arrived before the deadline.
var ErrNoCode = errors.New("no code arrived")

// Mailbox hands out each code once, oldest first, so that a test that asks
// twice for a recovery code gets the second mail the second time.
type Mailbox struct {
	src      Source
	poll     time.Duration
	mu       sync.Mutex
	consumed map[string]bool
}

// New reads codes from src.
func New(src Source) *Mailbox {
	return &Mailbox{src: src, poll: 50 * time.Millisecond, consumed: map[string]bool{}}
}

// WaitForCode waits until a mail of kind to address carries a code not handed
// out before, and returns that code. It gives up when ctx is done.
func (m *Mailbox) WaitForCode(ctx context.Context, address string, kind Kind) (string, error) {
	t := time.NewTicker(m.poll)
	defer t.Stop()
	for {
		msgs, err := m.src.Messages(ctx, address)
		if err != nil {
			return "", fmt.Errorf("read mail for %s: %w", address, err)
		}
		if code, ok := m.take(msgs, kind); ok {
			return code, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w: %s mail to %s: %w", ErrNoCode, kind, address, ctx.Err())
		case <-t.C:
		}
	}
}

func (m *Mailbox) take(msgs []Message, kind Kind) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var best *Message
	for i := range msgs {
		msg := &msgs[i]
		if msg.Code == "" || msg.Kind() != kind || m.consumed[msg.ID] {
			continue
		}
		if best == nil || msg.Received.Before(best.Received) {
			best = msg
		}
	}
	if best == nil {
		return "", false
	}
	m.consumed[best.ID] = true
	return best.Code, true
}

var codePattern = regexp.MustCompile(`\b(\d{6})\b`)

// CodeIn finds the six-digit one-time code in a mail body.
func CodeIn(body string) string {
	if m := codePattern.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}
