package loadtest

import (
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type vegetaTarget = vegeta.Target

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		msg  string
		want ErrorKind
	}{
		{`Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused`, KindRefused},
		{`Get "http://127.0.0.1:80/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, KindTimeout},
		{`Get "http://127.0.0.1:80/": dial tcp 127.0.0.1:80: i/o timeout`, KindTimeout},
		{`Get "http://127.0.0.1:80/": read tcp 127.0.0.1:5->127.0.0.1:80: read: connection reset by peer`, KindReset},
		{`Get "http://127.0.0.1:80/": EOF`, KindReset},
		{`Post "http://127.0.0.1:80/": write tcp: broken pipe`, KindReset},
		{`Get "https://127.0.0.1/": tls: failed to verify certificate: x509: certificate signed by unknown authority`, KindTLS},
		{`Get "http://[::1]:80/": unsupported protocol scheme`, KindOther},
	} {
		if got := classify(c.msg); got != c.want {
			t.Errorf("classify(%q) = %s, want %s", c.msg, got, c.want)
		}
	}
}

func TestJudge(t *testing.T) {
	expect := Statuses(200, 401)
	for _, c := range []struct {
		name string
		res  vegeta.Result
		want judgement
	}{
		{"expected 200", vegeta.Result{Code: 200}, judgement{measured: true}},
		{"expected 401", vegeta.Result{Code: 401, Error: "401 Unauthorized"}, judgement{measured: true}},
		{"unexpected 404", vegeta.Result{Code: 404}, judgement{kind: KindStatus, measured: true}},
		{"unexpected 201", vegeta.Result{Code: 201}, judgement{kind: KindStatus, measured: true}},
		{"429 apart", vegeta.Result{Code: 429}, judgement{rateLimited: true, measured: true}},
		{"timeout measured", vegeta.Result{Error: "Client.Timeout exceeded"}, judgement{kind: KindTimeout, measured: true}},
		{"refused not measured", vegeta.Result{Error: "connect: connection refused"}, judgement{kind: KindRefused}},
	} {
		if got := judge(&c.res, &expect); got != c.want {
			t.Errorf("%s: judge = %+v, want %+v", c.name, got, c.want)
		}
	}
	with429 := Statuses(200, 429)
	if got := judge(&vegeta.Result{Code: 429}, &with429); got != (judgement{measured: true}) {
		t.Errorf("expected 429: %+v", got)
	}
}

func TestStats(t *testing.T) {
	s := newStats(true)
	expect := Statuses(200)
	add := func(code uint16, errMsg string, lat time.Duration) {
		r := &vegeta.Result{Code: code, Error: errMsg, Latency: lat}
		s.add(r, judge(r, &expect), 2*lat)
	}
	add(200, "", 10*time.Millisecond)
	add(200, "", 20*time.Millisecond)
	add(500, "500 Internal Server Error", 30*time.Millisecond)
	add(429, "", time.Millisecond)
	add(0, "connection refused", time.Microsecond)
	add(200, "", 2*time.Minute) // beyond the histogram: recorded as 60s
	if s.requests != 6 || s.errors != 2 || s.rateLimited != 1 || s.kinds[KindStatus] != 1 || s.kinds[KindRefused] != 1 {
		t.Errorf("stats = %+v", s)
	}
	if got := s.statusCodes(); len(got) != 3 || got["200"] != 3 || got["500"] != 1 || got["429"] != 1 {
		t.Errorf("status codes = %v", got)
	}
	if got := s.errorKinds(); len(got) != 2 || got["unexpected_status"] != 1 || got["connection_refused"] != 1 {
		t.Errorf("error kinds = %v", got)
	}
	if n := s.corrected.TotalCount(); n != 5 {
		t.Errorf("measured %d latencies, want 5 (not the refused one)", n)
	}
	if l := latencyOf(s.uncorrected); !within(l.Max, 60000, 0.001) || !within(l.P50, 20, 0.001) {
		t.Errorf("uncorrected = %+v", l)
	}
	if l := latencyOf(s.corrected); !within(l.P50, 40, 0.001) {
		t.Errorf("corrected = %+v", l)
	}
}
