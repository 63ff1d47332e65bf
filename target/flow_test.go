package target

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

func TestStartFlowAsEachCaller(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{AdminURL: f.admin.URL})
	for _, mode := range kratosclient.Modes {
		for _, kind := range kratosclient.FlowKinds {
			t.Run(mode.String()+"/"+string(kind), func(t *testing.T) {
				c := newClient(t, tg, mode)
				if kind == kratosclient.Settings {
					if _, err := tg.SignUp(context.Background(), c); err != nil {
						t.Fatal(err)
					}
				}
				id, err := tg.StartFlow(context.Background(), c, kind)
				if err != nil {
					t.Fatalf("StartFlow: %v", err)
				}
				fl, err := tg.ReadFlow(context.Background(), c, kind, id)
				if err != nil || fl.ID != id {
					t.Fatalf("ReadFlow = %q, %v; want flow %s", fl.ID, err, id)
				}
				f.mu.Lock()
				served := *f.flows[id]
				f.mu.Unlock()
				wantType := map[kratosclient.Mode]string{kratosclient.Native: "api", kratosclient.SPA: "browser", kratosclient.Browser: "browser"}[mode]
				if served.Kind != string(kind) || served.Type != wantType || fl.Type != wantType {
					t.Errorf("flow is a %s %s flow (read as %s), want a %s %s flow", served.Type, served.Kind, fl.Type, wantType, kind)
				}
				if c.CSRFToken() != served.CSRF {
					t.Errorf("the client learnt CSRF token %q, the flow's is %q", c.CSRFToken(), served.CSRF)
				}
				wantGroup := map[kratosclient.FlowKind]string{kratosclient.Login: "password", kratosclient.Registration: "password",
					kratosclient.Recovery: "code", kratosclient.Verification: "code", kratosclient.Settings: "profile"}[kind]
				if !slices.Contains(fl.UI.Groups(), wantGroup) {
					t.Errorf("flow groups %v, want %s among them", fl.UI.Groups(), wantGroup)
				}
				again, err := tg.NewFlow(context.Background(), c, kind)
				if err != nil || again.ID == "" || again.ID == id || again.UI.CSRFToken() != c.CSRFToken() {
					t.Errorf("NewFlow = %q (CSRF %q), %v; want another flow with the client's CSRF token", again.ID, again.UI.CSRFToken(), err)
				}
			})
		}
	}
}

func TestABrowserIsSentToTheUIAndReadsTheFlowAsIt(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{})
	c := newClient(t, tg, kratosclient.Browser)
	before := len(f.received("public", ""))
	id, err := tg.StartFlow(context.Background(), c, kratosclient.Login)
	if err != nil {
		t.Fatal(err)
	}
	sent := f.received("public", "")[before:]
	if len(sent) != 2 {
		t.Fatalf("%d requests, want the browser's and the UI's", len(sent))
	}
	create, read := sent[0], sent[1]
	if create.Path != "/self-service/login/browser" || strings.Contains(create.Header.Get("Accept"), "application/json") {
		t.Errorf("the browser asked for %s with Accept %q", create.Path, create.Header.Get("Accept"))
	}
	if read.Path != "/self-service/login/flows" || read.Query.Get("id") != id || read.Header.Get("Accept") != "application/json" ||
		!strings.Contains(read.Header.Get("Cookie"), f.csrfCookieName()+"=") {
		t.Errorf("the UI read %s?%s with Accept %q and cookies %q", read.Path, read.Query.Encode(), read.Header.Get("Accept"), read.Header.Get("Cookie"))
	}

	// Another browser, without the CSRF cookie, may not read it.
	_, err = tg.ReadFlow(context.Background(), newClient(t, tg, kratosclient.Browser), kratosclient.Login, id)
	if err == nil || !strings.Contains(err.Error(), "status 403") || !strings.Contains(err.Error(), "security_csrf_violation") {
		t.Errorf("another browser read the flow: %v", err)
	}
}

func TestStartFlowSaysWhatTheTargetAnswered(t *testing.T) {
	f := startFake(t, fakeConfig{Recovery: "disabled"})
	_, tg := f.open(t, Options{})
	for _, mode := range kratosclient.Modes {
		_, err := tg.StartFlow(context.Background(), newClient(t, tg, mode), kratosclient.Recovery)
		if err == nil || !strings.Contains(err.Error(), "create "+mode.String()+" recovery flow: status 400") {
			t.Errorf("%s: %v; want the 400 of a disabled flow", mode, err)
		}
	}
}

func TestNativeFlows(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{})
	ids, err := tg.NativeFlows(context.Background(), kratosclient.Login, 4)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, id := range ids {
		if fl := f.flows[id]; fl == nil || fl.Type != "api" || fl.Kind != "login" || slices.Index(ids, id) != i {
			t.Errorf("flow %d: %q is not a new native login flow", i, id)
		}
	}
}

// recoveryMailed signs a new identity up on a fake of cfg read through its
// admin API and has a recovery mail (by cfg's method) sent to it.
func recoveryMailed(t *testing.T, ctx context.Context, cfg fakeConfig) (*fakeKratos, *Target, Identity, kratosclient.Flow) {
	t.Helper()
	f := startFake(t, cfg)
	_, tg := f.open(t, Options{AdminURL: f.admin.URL})
	c := newClient(t, tg, kratosclient.Native)
	id, err := tg.SignUp(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := tg.NewFlow(ctx, c, kratosclient.Recovery)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.UpdateRecoveryFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": cfg.mailMethod("recovery"), "email": id.Email}))
	if err != nil || r.Status != 200 {
		t.Fatalf("updateRecoveryFlow: %v, %v", r, err)
	}
	return f, tg, id, fl
}

func TestWaitForMailReadsTheAdminCourierAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// Registering mailed a verification code; a recovery code was asked for.
	f, tg, id, _ := recoveryMailed(t, ctx, fakeConfig{})
	mailed := f.mailed(id.Email)
	if len(mailed) != 2 {
		t.Fatalf("%d mails to %s, want 2", len(mailed), id.Email)
	}
	for _, want := range []struct {
		kind MailKind
		code string
	}{{RecoveryMail, mailed[1]}, {VerificationMail, mailed[0]}} {
		if got, err := tg.WaitForMail(ctx, id.Email, want.kind); err != nil || got.Code != want.code {
			t.Errorf("WaitForMail(%s) = code %q, %v; want %q", want.kind, got.Code, err, want.code)
		}
	}
	for _, r := range f.received("admin", "GET /admin/courier/messages") {
		if r.Query.Get("recipient") != id.Email {
			t.Errorf("courier messages asked for recipient %q", r.Query.Get("recipient"))
		}
	}

	_, noAdmin := startFake(t, fakeConfig{}).open(t, Options{})
	if _, err := noAdmin.WaitForMail(ctx, id.Email, RecoveryMail); !errors.Is(err, ErrUnsupported) {
		t.Errorf("WaitForMail without an admin API: %v, want ErrUnsupported", err)
	}
}

func TestShardsNumberAddressesApart(t *testing.T) {
	const shards, each = 3, 4
	f := startFake(t, fakeConfig{})
	seen := map[string]int{}
	for shard := 1; shard <= shards; shard++ {
		s, tg := f.open(t, Options{ShardIndex: shard, ShardCount: shards})
		s.names.runID = "20260101t000000-abcdef01" // one run, several shards
		for range each {
			id, err := tg.NewIdentity()
			if err != nil {
				t.Fatal(err)
			}
			if prev, ok := seen[id.Email]; ok {
				t.Fatalf("shard %d made %s, as shard %d did", shard, id.Email, prev)
			}
			seen[id.Email] = shard
			local, _, _ := strings.Cut(id.Email, "@")
			n, err := strconv.Atoi(local[strings.LastIndex(local, "-")+1:])
			if err != nil || n%shards != shard-1 {
				t.Errorf("shard %d of %d made %s: its number is not %d modulo %d", shard, shards, id.Email, shard-1, shards)
			}
		}
	}
}

func TestEnrolTOTPAsEachCaller(t *testing.T) {
	f := startFake(t, fakeConfig{Methods: []string{"password", "totp"}})
	_, tg := f.open(t, Options{AdminURL: f.admin.URL})
	if !tg.Has(TOTP) {
		t.Fatalf("no totp capability: %v", tg.Capabilities())
	}
	for _, mode := range kratosclient.Modes {
		c := newClient(t, tg, mode)
		id, err := tg.SignUp(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		secret, err := tg.EnrolTOTP(context.Background(), c)
		f.mu.Lock()
		enrolled := f.identities[id.ID].TOTPSecret
		f.mu.Unlock()
		if err != nil || secret == "" || secret != enrolled {
			t.Errorf("%s: EnrolTOTP = %q, %v; the identity enrolled %q", mode, secret, err, enrolled)
		}
		if _, err := tg.EnrolTOTP(context.Background(), c); err == nil || !strings.Contains(err.Error(), "no totp_secret_key node") {
			t.Errorf("%s: enrolling twice: %v", mode, err)
		}
	}
}

func TestWhatARemoteTargetCannotDo(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{AdminURL: f.admin.URL})
	if tg.Local() || tg.UIURL() != "" {
		t.Errorf("a remote target is local (%v) or has a known UI (%q)", tg.Local(), tg.UIURL())
	}
	_, lockErr := tg.LockDB(context.Background())
	_, returnErr := tg.AllowedReturnTo("/x")
	_, _, socialErr := tg.SocialSignInForApp(context.Background(), "a@orybench.test")
	for name, err := range map[string]error{"LockDB": lockErr, "AllowedReturnTo": returnErr, "SocialSignInForApp": socialErr} {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v, want ErrUnsupported", name, err)
		}
	}
}

// TestStartFlowRedirectedToError: a browser flow Kratos could not create
// (it sends the browser to the error UI with ?id=) is an error that says
// why, read from the error Kratos keeps, not a flow of that id.
func TestStartFlowRedirectedToError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/self-service/registration/browser":
			http.Redirect(w, r, "http://ui.example/error?id=5b7c2e9a-0c1f-4d43-9a53-2b1f8f2c7e11", http.StatusSeeOther)
		case "/self-service/errors":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"5b7c2e9a-0c1f-4d43-9a53-2b1f8f2c7e11","error":{"code":500,"message":"An internal server error occurred, please contact the system administrator","reason":"database is locked"}}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
		}
	}))
	defer srv.Close()
	c, err := kratosclient.New(srv.URL, kratosclient.Browser)
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&Target{}).StartFlow(context.Background(), c, kratosclient.Registration)
	want := "create browser registration flow: redirected to the error page: 500 An internal server error occurred, please contact the system administrator: database is locked"
	if err == nil || err.Error() != want {
		t.Errorf("StartFlow = %v, want %q", err, want)
	}
}

// TestWaitForMailReadsALinkThroughTheAdminCourierAPI: on a target that
// recovers by link, the recovery mail is handed out with its link, read
// from the body the admin courier API lists, and no code.
func TestWaitForMailReadsALinkThroughTheAdminCourierAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	f, tg, id, fl := recoveryMailed(t, ctx, fakeConfig{Recovery: "link", Verification: "link"})
	f.mu.Lock()
	var want string
	for _, m := range f.mails {
		if m.To == id.Email && m.Template == "recovery_valid" {
			want = m.Link
		}
	}
	f.mu.Unlock()
	if !strings.HasPrefix(want, f.public.URL+"/self-service/recovery?") || !strings.Contains(want, fl.ID) {
		t.Fatalf("the fake mailed %q, not a link to flow %s", want, fl.ID)
	}
	got, err := tg.WaitForMail(ctx, id.Email, RecoveryMail)
	if err != nil || got != (Mail{Link: want}) {
		t.Errorf("WaitForMail(recovery) = %+v, %v; want link %q and no code", got, err, want)
	}
}
