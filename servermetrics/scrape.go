package servermetrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/orybench/orybench/internal/redact"
)

// DefaultTimeout bounds one scrape when Source.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// maxPage bounds the bytes of one metrics page read (Kratos's is ~30 KB).
const maxPage = 16 << 20

// DatabaseSample is one read of a PostgreSQL database's statistics: its
// counters from pg_stat_database and its connections from
// pg_stat_activity.
type DatabaseSample struct {
	// Commits and Rollbacks are xact_commit and xact_rollback; BlocksRead
	// and BlocksHit blks_read and blks_hit.
	Commits, Rollbacks    uint64
	BlocksRead, BlocksHit uint64
	// Connections are the database's connections open, Active those of
	// them running a statement (state 'active') at the moment of the read.
	Connections, Active int
	// BusyMs is the time, in milliseconds, the database's connections
	// have spent running statements or holding a transaction open
	// (active_time plus idle_in_transaction_time): its growth over a
	// window is how many connections were in use on average.
	BusyMs float64
	// At is when the sample was read.
	At time.Time
}

// Source is where a server's metrics are read, and how.
type Source struct {
	// URL is the metrics page (Kratos: ADMIN/admin/metrics/prometheus).
	URL string
	// Client makes the requests (nil: http.DefaultClient); Timeout bounds
	// each scrape (0: DefaultTimeout).
	Client  *http.Client
	Timeout time.Duration
	// APIKey, when set, is sent as "Authorization: Bearer APIKey". It is
	// never part of a message.
	APIKey string
	// Cores is how many cores the server could use, when known (a local
	// instance: the machine's); 0 otherwise.
	Cores int
	// Database, when set, reads the server's database's statistics at
	// every scrape of a Watch (the local postgres profile); PoolSize is
	// the most connections the server may open to it.
	Database func(ctx context.Context) (DatabaseSample, error)
	PoolSize int
}

// Probe reads the metrics once and returns nil if they are a Kratos
// server's, else an error of one line saying why not.
func (s *Source) Probe(ctx context.Context) error {
	_, err := s.Scrape(ctx)
	return err
}

// Scrape reads the metrics once. Its error is one line naming the metrics
// URL (its password, if any, redacted) and the cause: not the Prometheus
// text format, refused (401, 403), not served (404), another status, no
// answer within the timeout, or the connection refused.
func (s *Source) Scrape(ctx context.Context) (*Snapshot, error) {
	if s.URL == "" {
		return nil, errors.New("no metrics URL given")
	}
	snap, err := s.scrape(ctx)
	if err != nil {
		return nil, fmt.Errorf("metrics at %s: %s", redact.URL(s.URL), err)
	}
	return snap, nil
}

func (s *Source) scrape(ctx context.Context) (*Snapshot, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL, password and all
		}
		return nil, fmt.Errorf("not a URL: %v", err)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	if s.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.APIKey)
	}
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, transportError(ctx, err, timeout)
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, fmt.Errorf("refused (%d %s): they need an API key, or are not exposed to orybench",
			res.StatusCode, http.StatusText(res.StatusCode))
	case http.StatusNotFound:
		return nil, errors.New("the server serves no metrics there (404 Not Found)")
	default:
		return nil, fmt.Errorf("answered %d %s, not 200", res.StatusCode, http.StatusText(res.StatusCode))
	}
	if ct := res.Header.Get("Content-Type"); ct != "" {
		media, _, err := mime.ParseMediaType(ct)
		if err != nil || (media != "text/plain" && media != "application/openmetrics-text") {
			return nil, fmt.Errorf("not the Prometheus text format: Content-Type %q", redact.Clip(ct, 80))
		}
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxPage))
	if err != nil {
		return nil, transportError(ctx, err, timeout)
	}
	return Parse(bytes.NewReader(body), time.Now())
}

// transportError says in a few words why a scrape got no answer.
func transportError(ctx context.Context, err error, timeout time.Duration) error {
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused: nothing listens there")
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("timeout: no answer within %s", timeout)
	case ctx.Err() != nil:
		return fmt.Errorf("stopped: %v", ctx.Err())
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return errors.New(oneLine(redact.Prose(err.Error())))
}
