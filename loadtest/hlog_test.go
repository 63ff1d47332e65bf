package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// readTestHlog reads every interval of an HdrHistogram log with
// hdrhistogram-go's own log reader, as another tool would.
func readTestHlog(t *testing.T, path string) (header string, intervals []*hdrhistogram.Histogram) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := hdrhistogram.NewHistogramLogReader(f)
	for range 1000 {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h == nil {
			break
		}
		intervals = append(intervals, h)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, `"`) {
			header += line + "\n"
		}
	}
	return header, intervals
}

// TestHlogReadBack writes timeseries.hlog from known answers of an attack
// that began at 12:00:00.437 (second 0: 100 answers of 5 ms; second 1: 99
// of 5 ms and one of 40 ms) and reads it back with hdrhistogram-go's log
// reader: the header states the start and the unit, each interval starts at
// began plus its second, and its values are the recorded microseconds.
func TestHlogReadBack(t *testing.T) {
	dir := t.TempDir()
	began := time.Date(2025, 1, 1, 12, 0, 0, 437_000_000, time.UTC)
	r := seriesRunner(t, dir, began)
	for seq := uint64(0); seq < 200; seq++ {
		lat := 5 * time.Millisecond
		if seq == 150 {
			lat = 40 * time.Millisecond
		}
		r.record(&vegeta.Result{Seq: seq, Code: 200, URL: "http://127.0.0.1:1/#s",
			Timestamp: began.Add(r.plan.profile.Due(seq)), Latency: lat}, true)
	}
	r.closeBuckets(r.bucketN + 1)
	if err := r.out.close(); err != nil {
		t.Fatal(err)
	}

	header, intervals := readTestHlog(t, filepath.Join(dir, hlogFile))
	for _, want := range []string{
		"#[Histogram log format version 1.3]\n",
		fmt.Sprintf("#[StartTime: %d (seconds since epoch), 2025-01-01T12:00:00Z]\n", began.Unix()),
		fmt.Sprintf("#[BaseTime: %d (seconds since epoch)]\n", began.Unix()),
		"#[Histogram values are in microseconds; Interval_Max is in seconds]\n",
		`"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"` + "\n",
	} {
		if !strings.Contains(header, want) {
			t.Errorf("timeseries.hlog's header lacks %q; it is:\n%s", want, header)
		}
	}
	// Two seconds of two histograms each, and the partial last second.
	if len(intervals) < 4 {
		t.Fatalf("read %d intervals, want at least 4", len(intervals))
	}
	// equiv is what a histogram of newHistogram's precision reports for v.
	equiv := func(v int64) int64 {
		h := newHistogram()
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
		return h.Max()
	}
	for i, h := range intervals[:4] {
		sec := int64(i / 2)
		wantTag := []string{tagCorrected, tagUncorrected}[i%2]
		wantStart := began.UnixMilli() + sec*1000
		// The reader turns seconds (a float) into whole ms by truncation.
		if got := h.StartTimeMs(); h.Tag() != wantTag || got < wantStart-1 || got > wantStart {
			t.Errorf("interval %d: tag %q starting at %d ms, want %q at %d ms (began + %d s)",
				i, h.Tag(), got, wantTag, wantStart, sec)
		}
		if h.TotalCount() != 100 {
			t.Errorf("interval %d (%s, second %d) holds %d values, want 100", i, h.Tag(), sec, h.TotalCount())
		}
		if got, want := h.ValueAtQuantile(50), equiv(5000); got != want {
			t.Errorf("interval %d (%s, second %d): p50 %d, want %d (5 ms in µs)", i, h.Tag(), sec, got, want)
		}
	}
	if got, want := intervals[3].Max(), equiv(40_000); got != want {
		t.Errorf("second 1's uncorrected max %d, want %d (40 ms in µs)", got, want)
	}
	if got, want := intervals[1].Max(), equiv(5000); got != want {
		t.Errorf("second 0's uncorrected max %d, want %d (5 ms in µs)", got, want)
	}
}

// TestRunHlogStartTime: a run's timeseries.hlog starts where its
// summary.json says the attack began, and holds the server's delay.
func TestRunHlogStartTime(t *testing.T) {
	const delay = 20 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(delay) }))
	defer srv.Close()
	dir := t.TempDir()
	sum, err := Run(context.Background(), RawScenario("GET", srv.URL, 20, 500*time.Millisecond), WithOutDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	began, err := time.Parse(time.RFC3339Nano, sum.StartedAt)
	if err != nil {
		t.Fatalf("started_at %q: %v", sum.StartedAt, err)
	}
	header, intervals := readTestHlog(t, filepath.Join(dir, hlogFile))
	if want := fmt.Sprintf("#[StartTime: %d (seconds since epoch), ", began.Unix()); !strings.Contains(header, want) {
		t.Errorf("timeseries.hlog's header lacks %q; it is:\n%s", want, header)
	}
	if len(intervals) == 0 {
		t.Fatal("timeseries.hlog has no interval")
	}
	var count int64
	for _, h := range intervals {
		if h.Tag() == tagUncorrected {
			count += h.TotalCount()
		}
	}
	first := intervals[0]
	if got, want := first.StartTimeMs(), began.UnixMilli(); got < want-1 || got > want {
		t.Errorf("first interval starts at %d ms, want started_at %d ms", got, want)
	}
	if min := first.Min(); min < delay.Microseconds() {
		t.Errorf("first interval's fastest answer %d µs, want at least the server's delay %d µs", min, delay.Microseconds())
	}
	if count != int64(sum.Requests) {
		t.Errorf("timeseries.hlog holds %d uncorrected values, summary.json %d requests", count, sum.Requests)
	}
}

// TestReadHlogWithoutStartTime: a log whose intervals are not dated (no
// #[StartTime:], as orybench wrote before) cannot be placed in a shard that
// began at started_at, and says so rather than losing its seconds.
func TestReadHlogWithoutStartTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), hlogFile)
	h := newHistogram()
	if err := h.RecordValue(5000); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	lw := hdrhistogram.NewHistogramLogWriter(&b)
	h.SetTag(tagCorrected)
	h.SetStartTimeMs(0)
	h.SetEndTimeMs(1000)
	if err := errors.Join(lw.OutputLegend(), lw.OutputIntervalHistogram(h)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	if _, err := readHlog(path, began); err == nil || !strings.Contains(err.Error(), "before started_at") {
		t.Errorf("readHlog of an undated log: %v, want an error saying it starts before started_at", err)
	}
	seconds, err := readHlog(path, time.Time{})
	if err != nil || seconds[0] == nil || seconds[0].corrected.TotalCount() != 1 {
		t.Errorf("readHlog of an undated log with no started_at: %v, %v; want its second 0", seconds, err)
	}
}
