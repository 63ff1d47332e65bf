package mailbox

import (
	"bytes"
	"context"
	"errors"
	"net/http"
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
		got, err := m.WaitForCode(ctx, "a@orybench.test", want.kind)
		if err != nil || got != want.code {
			t.Errorf("WaitForCode(%s) = %q, %v; want %q", want.kind, got, err, want.code)
		}
	}
	short, cancel2 := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel2()
	if _, err := m.WaitForCode(short, "a@orybench.test", Recovery); !errors.Is(err, ErrNoCode) {
		t.Errorf("a fourth recovery code: err = %v, want ErrNoCode", err)
	}
}

func TestWaitForCodeSeesALateMail(t *testing.T) {
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
	got, err := New(s).WaitForCode(ctx, "late@orybench.test", Recovery)
	if err != nil || got != "987654" {
		t.Errorf("got %q, %v", got, err)
	}
}
