package mailbox

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, s *Sink, body string) {
	t.Helper()
	res, err := http.Post(s.URL(), "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("sink answered %d", res.StatusCode)
	}
}

func TestCodesFromTheCourierSinkAreHandedOutOnceInOrder(t *testing.T) {
	s, err := StartSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// What Kratos v1.3.1's default HTTP courier template posts.
	post(t, s, `{"recipient":"a@orybench.test","template_type":"verification_code_valid","verification_code":"111111","recovery_code":null,"body":"code 111111"}`)
	post(t, s, `{"recipient":"a@orybench.test","template_type":"recovery_code_valid","recovery_code":"222222","verification_code":null,"body":"code 222222"}`)
	post(t, s, `{"recipient":"a@orybench.test","template_type":"recovery_code_valid","recovery_code":"333333","verification_code":null,"body":"code 333333"}`)
	post(t, s, `{"recipient":"b@orybench.test","template_type":"recovery_code_valid","recovery_code":"444444","verification_code":null,"body":"code 444444"}`)

	m := New(s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, want := range []struct {
		kind Kind
		code string
	}{{Recovery, "222222"}, {Recovery, "333333"}, {Verification, "111111"}} {
		got, err := m.Wait(ctx, "a@orybench.test", want.kind)
		if err != nil || got.Code != want.code {
			t.Errorf("Wait(%s) = code %q, %v; want %q", want.kind, got.Code, err, want.code)
		}
	}
	short, cancel2 := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel2()
	if _, err := m.Wait(short, "a@orybench.test", Recovery); !errors.Is(err, ErrNoCode) {
		t.Errorf("a fourth recovery code: err = %v, want ErrNoCode", err)
	}
}

func TestWaitSeesALateMail(t *testing.T) {
	s, err := StartSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	go func() {
		time.Sleep(100 * time.Millisecond)
		post(t, s, `{"recipient":"late@orybench.test","template_type":"recovery_code_valid","body":"Your code is: 987654"}`)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	got, err := New(s).Wait(ctx, "late@orybench.test", Recovery)
	if err != nil || got.Code != "987654" {
		t.Errorf("got %q, %v", got.Code, err)
	}
}

// TestLinksFromTheCourierSink: a link template's mail is handed out with
// its link (the courier's recovery_url or verification_url, else the one
// in the body) and no code, even where its body has six digits in a row.
func TestLinksFromTheCourierSink(t *testing.T) {
	s, err := StartSink()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const (
		recovery     = "http://127.0.0.1:4433/self-service/recovery?flow=0c2c7a5e-1b9e-4f4e-9d3a-123456789012&token=AbC123"
		verification = "http://127.0.0.1:4433/self-service/verification?flow=5f3e1c2a-0d4b-4c7e-8a9f-000000000001&token=XyZ789"
	)
	// What Kratos v1.3.1's default HTTP courier template posts for the link
	// templates: the URL in its own field and in the body.
	post(t, s, `{"recipient":"l@orybench.test","template_type":"recovery_valid","recovery_url":"`+recovery+`","recovery_code":null,"verification_url":null,"verification_code":null,"body":"please recover access to your account by clicking the following link:\n\n`+recovery+`\n"}`)
	// A body only, its link HTML-escaped, as an HTML template writes it.
	post(t, s, `{"recipient":"l@orybench.test","template_type":"verification_valid","body":"Hi, please verify your account by clicking the following link:\n\n<a href=\"`+strings.ReplaceAll(verification, "&", "&amp;")+`\">link</a>\n"}`)

	m := New(s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, want := range []struct {
		kind Kind
		link string
	}{{Verification, verification}, {Recovery, recovery}} {
		got, err := m.Wait(ctx, "l@orybench.test", want.kind)
		if err != nil || got.Link != want.link || got.Code != "" {
			t.Errorf("Wait(%s) = link %q code %q, %v; want link %q, no code", want.kind, got.Link, got.Code, err, want.link)
		}
	}
}

func TestLinkIn(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"plain text", "click:\n\nhttps://auth.example.com/self-service/verification?flow=f&token=t\n", "https://auth.example.com/self-service/verification?flow=f&token=t"},
		{"in an href, escaped", `<a href="https://a.example/self-service/recovery?flow=f&amp;token=t">go</a>`, "https://a.example/self-service/recovery?flow=f&token=t"},
		{"a code mail's link to a code", "enter 123456 or click http://127.0.0.1:4433/self-service/verification?code=123456&flow=f", "http://127.0.0.1:4433/self-service/verification?code=123456&flow=f"},
		{"no self-service link", "see https://example.com/help?x=1", ""},
		{"no link at all", "your code is 123456", ""},
	} {
		if got := LinkIn(tc.body); got != tc.want {
			t.Errorf("%s: LinkIn = %q, want %q", tc.name, got, tc.want)
		}
	}
}
