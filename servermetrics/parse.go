package servermetrics

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/orybench/orybench/internal/redact"
)

// The metric families a Snapshot reads, as Kratos v1.3.1 names them.
const (
	requestsFamily   = "http_requests_total"
	durationsFamily  = "http_requests_duration_seconds"
	cpuFamily        = "process_cpu_seconds_total"
	rssFamily        = "process_resident_memory_bytes"
	startFamily      = "process_start_time_seconds"
	goroutinesFamily = "go_goroutines"
	openFDsFamily    = "process_open_fds"
	maxFDsFamily     = "process_max_fds"
)

// ErrNotKratos is returned, wrapped, by Parse for a page in the
// Prometheus text format that has neither http_requests_total nor
// process_cpu_seconds_total: not the metrics of a Kratos server.
var ErrNotKratos = errors.New("neither http_requests_total nor process_cpu_seconds_total: not a Kratos server's metrics")

// Series names one series of Kratos's request metrics: the route (its
// parameters as {param}, as Kratos labels it), the method in upper case,
// and the status code.
type Series struct {
	Endpoint string
	Method   string
	Code     string
}

// Histogram is one series of a Prometheus histogram: the upper bounds of
// its buckets in ascending order, the last +Inf, and the cumulative count
// of observations in each; Sum and Count of all observations.
type Histogram struct {
	Bounds []float64
	Counts []float64
	Sum    float64
	Count  float64
}

// Snapshot is one read of a Kratos server's metrics. A family the page
// lacks leaves its field zero (nil for the maps).
type Snapshot struct {
	// At is when the page was read.
	At time.Time
	// Requests are http_requests_total by series.
	Requests map[Series]float64
	// Durations are http_requests_duration_seconds by series, in seconds.
	Durations map[Series]Histogram
	// CPUSeconds is process_cpu_seconds_total; StartTime
	// process_start_time_seconds (a new value: the process restarted).
	CPUSeconds float64
	StartTime  float64
	// RSSBytes is process_resident_memory_bytes, Goroutines go_goroutines,
	// OpenFDs and MaxFDs process_open_fds and process_max_fds.
	RSSBytes   float64
	Goroutines float64
	OpenFDs    float64
	MaxFDs     float64
}

// Parse reads a page in the Prometheus text format, read at time at, into
// a Snapshot. Its error is one line: the parser's, or ErrNotKratos.
func Parse(r io.Reader, at time.Time) (*Snapshot, error) {
	// TextParser's zero value is ready to use in this version of expfmt
	// (v0.55), which validates names by its default legacy scheme.
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		// The parser quotes what it could not read: scrubbed and clipped.
		return nil, fmt.Errorf("not the Prometheus text format: %s", redact.Clip(redact.Text(oneLine(err.Error())), 200))
	}
	if families[requestsFamily] == nil && families[cpuFamily] == nil {
		return nil, ErrNotKratos
	}
	s := &Snapshot{At: at}
	if f := families[requestsFamily]; f != nil {
		s.Requests = make(map[Series]float64, len(f.GetMetric()))
		for _, m := range f.GetMetric() {
			s.Requests[seriesOf(m)] += value(m)
		}
	}
	if f := families[durationsFamily]; f != nil && f.GetType() == dto.MetricType_HISTOGRAM {
		s.Durations = make(map[Series]Histogram, len(f.GetMetric()))
		for _, m := range f.GetMetric() {
			s.Durations[seriesOf(m)] = histogramOf(m.GetHistogram())
		}
	}
	for name, field := range map[string]*float64{
		cpuFamily: &s.CPUSeconds, startFamily: &s.StartTime, rssFamily: &s.RSSBytes,
		goroutinesFamily: &s.Goroutines, openFDsFamily: &s.OpenFDs, maxFDsFamily: &s.MaxFDs,
	} {
		if f := families[name]; f != nil && len(f.GetMetric()) > 0 {
			*field = value(f.GetMetric()[0])
		}
	}
	return s, nil
}

// seriesOf is the series a metric of Kratos's request families is of.
func seriesOf(m *dto.Metric) Series {
	var s Series
	for _, l := range m.GetLabel() {
		switch l.GetName() {
		case "endpoint":
			s.Endpoint = l.GetValue()
		case "method":
			s.Method = strings.ToUpper(l.GetValue())
		case "code":
			s.Code = l.GetValue()
		}
	}
	return s
}

// value is the value of a counter, gauge or untyped metric.
func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}

// histogramOf copies a parsed histogram, its +Inf bucket made explicit
// (the text format may leave it to the count).
func histogramOf(h *dto.Histogram) Histogram {
	out := Histogram{Sum: h.GetSampleSum(), Count: float64(h.GetSampleCount())}
	for _, b := range h.GetBucket() {
		out.Bounds = append(out.Bounds, b.GetUpperBound())
		out.Counts = append(out.Counts, float64(b.GetCumulativeCount()))
	}
	if n := len(out.Bounds); n == 0 || !math.IsInf(out.Bounds[n-1], 1) {
		out.Bounds = append(out.Bounds, math.Inf(1))
		out.Counts = append(out.Counts, out.Count)
	}
	return out
}

// oneLine joins the lines of a message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
