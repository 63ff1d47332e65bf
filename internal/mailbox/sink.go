package mailbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Sink is the HTTP endpoint a local Kratos's courier delivers to
// (courier.delivery_strategy: http). It keeps every message in memory.
type Sink struct {
	mu   sync.Mutex
	msgs []Message
	seq  int

	srv *http.Server
	ln  net.Listener
}

// courierPayload is what Kratos v1.3.1's default HTTP courier body template
// sends (courier/http_channel.go with the schema's default jsonnet).
type courierPayload struct {
	Recipient        string  `json:"recipient"`
	TemplateType     string  `json:"template_type"`
	Subject          string  `json:"subject"`
	Body             string  `json:"body"`
	RecoveryCode     *string `json:"recovery_code"`
	VerificationCode *string `json:"verification_code"`
	RecoveryURL      *string `json:"recovery_url"`
	VerificationURL  *string `json:"verification_url"`
}

// first is the first of vs that is set and not empty, or "".
func first(vs ...*string) string {
	for _, v := range vs {
		if v != nil && *v != "" {
			return *v
		}
	}
	return ""
}

// StartSink listens on a free loopback port.
func StartSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("courier sink: %w", err)
	}
	s := &Sink{ln: ln}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is where the courier posts messages.
func (s *Sink) URL() string { return "http://" + s.ln.Addr().String() + "/mail" }

// Close stops the sink.
func (s *Sink) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ServeHTTP stores one posted message.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a courier message", http.StatusMethodNotAllowed)
		return
	}
	var p courierPayload
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
		http.Error(w, "not a courier message: "+err.Error(), http.StatusBadRequest)
		return
	}
	code, link := contents(p.TemplateType, p.Body, first(p.RecoveryCode, p.VerificationCode), first(p.RecoveryURL, p.VerificationURL))
	s.mu.Lock()
	s.seq++
	s.msgs = append(s.msgs, Message{
		ID:           strconv.Itoa(s.seq),
		Recipient:    p.Recipient,
		TemplateType: p.TemplateType,
		Subject:      p.Subject,
		Body:         p.Body,
		Code:         code,
		Link:         link,
		Received:     time.Now(),
	})
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Messages lists what was delivered to recipient.
func (s *Sink) Messages(_ context.Context, recipient string) ([]Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.msgs {
		if m.Recipient == recipient {
			out = append(out, m)
		}
	}
	return out, nil
}

// Count is how many messages the sink holds.
func (s *Sink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}
