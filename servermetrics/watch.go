package servermetrics

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// DefaultLimit bounds a Watch whose limit is not positive.
const DefaultLimit = time.Hour

// Interval is the time between two scrapes of a Watch.
const Interval = time.Second

// minPeakWindow is the shortest time between two scrapes that CPUCoresPeak
// is measured over: process_cpu_seconds_total moves in steps of 10 ms, too
// coarse for the fraction of a second between the last tick and End.
const minPeakWindow = Interval / 2

// ClientCounts are what orybench itself counted over the run a Watch
// watched.
type ClientCounts struct {
	// Requests are the requests orybench sent and got an answer to.
	Requests uint64
	// Paths are where they went: request paths (/sessions/whoami,
	// /self-service/login/api?refresh=true) or route templates
	// (/admin/identities/{id}). The view counts only the server's
	// endpoints one of them matches; with none, every endpoint outside
	// /admin/ and /health/. The metrics endpoint is never counted.
	Paths []string
}

// Watch reads a server's metrics over a run: once when it is made, once
// every Interval until End, and once at End. Make one with Source.Watch.
type Watch struct {
	src   *Source
	start time.Time
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	// agg is written by the scraping goroutine until done is closed, then
	// by End.
	agg aggregate
}

// aggregate is what a Watch keeps of its scrapes: the first and last
// snapshots whole, the rest as running maxima.
type aggregate struct {
	attempts, scrapes  int
	first, last        *Snapshot
	cpuPeak            float64
	peakSeen           bool
	rss, goroutines    float64
	openFDs, maxFDs    float64
	restarted          string
	warnings           []string
	dbFirst, dbLast    *DatabaseSample
	dbReads            int
	connMax, activeMax int
}

// Watch starts watching the metrics over a run: it scrapes once now (the
// run's start), then once every Interval in a goroutine until End is
// called, ctx is done or limit has passed (DefaultLimit if limit is not
// positive). Call End exactly once.
func (s *Source) Watch(ctx context.Context, limit time.Duration) *Watch {
	if limit <= 0 {
		limit = DefaultLimit
	}
	w := &Watch{src: s, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	w.sample(ctx)
	go w.loop(ctx, limit)
	return w
}

// loop scrapes once every Interval, at most limit/Interval times.
func (w *Watch) loop(ctx context.Context, limit time.Duration) {
	defer close(w.done)
	tick := time.NewTicker(Interval)
	defer tick.Stop()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for range int(limit / Interval) {
		select {
		case <-w.stop:
			return
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
		w.sample(ctx)
	}
}

// End scrapes the metrics once more (the run's end), stops the watching
// and returns the server's view of the run, from the first scrape that
// worked to the last. client is what orybench counted over the same run.
func (w *Watch) End(ctx context.Context, client ClientCounts) *results.ServerView {
	w.once.Do(func() { close(w.stop) })
	<-w.done
	w.sample(ctx)
	return w.agg.view(w.src, client)
}

// sample scrapes the metrics, and the database if the source reads it,
// and adds them to the aggregate.
func (w *Watch) sample(ctx context.Context) {
	a := &w.agg
	a.attempts++
	snap, err := w.src.Scrape(ctx)
	if err != nil {
		a.warn(err.Error())
	} else {
		a.add(snap)
	}
	if w.src.Database == nil {
		return
	}
	timeout := w.src.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dbCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	db, err := w.src.Database(dbCtx)
	if err != nil {
		a.warn("database statistics: " + oneLine(redact.Prose(err.Error())))
		return
	}
	a.addDatabase(db)
}

// warn keeps a warning once.
func (a *aggregate) warn(msg string) {
	if !slices.Contains(a.warnings, msg) {
		a.warnings = append(a.warnings, msg)
	}
}

// add takes in one snapshot that worked.
func (a *aggregate) add(s *Snapshot) {
	a.scrapes++
	if prev := a.last; prev != nil {
		if prev.StartTime != 0 && s.StartTime != 0 && s.StartTime != prev.StartTime {
			a.restart("its process_start_time_seconds changed")
		}
		if s.CPUSeconds < prev.CPUSeconds {
			a.restart("its process_cpu_seconds_total went down")
		}
		if dt := s.At.Sub(prev.At); dt >= minPeakWindow {
			a.cpuPeak = max(a.cpuPeak, (s.CPUSeconds-prev.CPUSeconds)/dt.Seconds())
			a.peakSeen = true
		}
	}
	if a.first == nil {
		a.first = s
	}
	a.last = s
	a.rss = max(a.rss, s.RSSBytes)
	a.goroutines = max(a.goroutines, s.Goroutines)
	a.openFDs = max(a.openFDs, s.OpenFDs)
	a.maxFDs = max(a.maxFDs, s.MaxFDs)
}

// restart notes, once, that the server restarted during the run.
func (a *aggregate) restart(why string) {
	if a.restarted == "" {
		a.restarted = "the server restarted during the run (" + why + "): its counters start again, so the run's figures cannot be told"
	}
}

// addDatabase takes in one database read that worked.
func (a *aggregate) addDatabase(d DatabaseSample) {
	a.dbReads++
	if a.dbFirst == nil {
		a.dbFirst = &d
	}
	a.dbLast = &d
	a.connMax = max(a.connMax, d.Connections)
	a.activeMax = max(a.activeMax, d.Active)
}

// Missing is the view of a run whose server figures are missing, and why
// (a Probe's error, say): Source is source with its password redacted.
func Missing(source, why string) *results.ServerView {
	return &results.ServerView{Source: redact.URL(source), Missing: why}
}

// missing says why an aggregate makes no view, "" if it makes one.
func (a *aggregate) missing() string {
	switch {
	case a.scrapes < 2:
		why := fmt.Sprintf("%d of the %d scrapes of the metrics worked, and the figures of a run need two", a.scrapes, a.attempts)
		if len(a.warnings) > 0 {
			why += ": " + a.warnings[0]
		}
		return why
	case a.restarted != "":
		return a.restarted
	}
	return ""
}
