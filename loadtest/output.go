package loadtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target"
)

// output holds the files a run streams while it runs: results.bin,
// timeseries.jsonl and timeseries.hlog. With no directory it writes nothing.
type output struct {
	dir     string
	results *os.File
	resBuf  *bufio.Writer
	enc     vegeta.Encoder
	ts      *os.File
	tsBuf   *bufio.Writer
	hlog    *os.File
	hlogBuf *bufio.Writer
	err     error // the first write error; writing stops there

	// hlogHeader is whether timeseries.hlog's header is written, at the
	// first second, which states began, the start of the measured attack.
	hlogHeader bool
	began      time.Time

	// bucket is the runner's one time series bucket: series logs its
	// histograms, which the runner resets after series returns.
	bucket *stats
}

// File names of the per-second histograms, and the tags of its lines.
const (
	hlogFile       = "timeseries.hlog"
	tagCorrected   = "corrected"
	tagUncorrected = "uncorrected"
)

func newOutput(dir string) (*output, error) {
	o := &output{dir: dir}
	if dir == "" {
		return o, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: output directory: %w", ErrUsage, err)
	}
	var err error
	if o.results, err = os.Create(o.path(results.RequestsFile)); err != nil {
		return nil, err
	}
	o.resBuf = bufio.NewWriterSize(o.results, 64<<10)
	o.enc = vegeta.NewEncoder(o.resBuf)
	if o.ts, err = os.Create(o.path(results.SeriesFile)); err != nil {
		o.results.Close()
		return nil, err
	}
	o.tsBuf = bufio.NewWriter(o.ts)
	if o.hlog, err = os.Create(o.path(hlogFile)); err != nil {
		o.results.Close()
		o.ts.Close()
		return nil, err
	}
	o.hlogBuf = bufio.NewWriter(o.hlog)
	return o, nil
}

// writeHlogHeader starts an HdrHistogram interval log as HdrHistogram's
// readers (Java's HistogramLogReader, hdrhistogram-go's) expect it: the
// format version, the start of the measured attack (summary.json's
// started_at) as #[StartTime:] and, to the whole second, #[BaseTime:],
// a comment stating the unit of its values (microseconds, so that the
// Interval_Max column, the maximum over 10^6, is in seconds) and the
// legend. A run that never began (a zero began) has no start to state:
// its timestamps are then seconds since nothing in particular.
func writeHlogHeader(w io.Writer, began time.Time) error {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	errs := []error{lw.OutputLogFormatVersion()}
	if !began.IsZero() {
		errs = append(errs, lw.OutputStartTime(began.UnixMilli()), lw.OutputBaseTime(began.UnixMilli()))
	}
	errs = append(errs,
		lw.OutputComment("[Histogram values are in microseconds; Interval_Max is in seconds]"),
		lw.OutputComment("[orybench: one interval per second of the measured attack, tagged corrected and uncorrected]"),
		lw.OutputLegend())
	return errors.Join(errs...)
}

// writeHlogSecond logs second t of the attack that began at began, its
// histograms tagged corrected and uncorrected (a nil one is left out).
// Its timestamp is relative to the header's #[BaseTime:] (began to the
// whole second), so that a reader's interval starts at began plus t
// seconds.
func writeHlogSecond(w io.Writer, began time.Time, t int64, corrected, uncorrected *hdrhistogram.Histogram) error {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	var startMs int64
	if !began.IsZero() {
		startMs = began.UnixMilli()
		lw.SetBaseTime(startMs / 1000 * 1000) // as OutputBaseTime writes it
	}
	for _, h := range []struct {
		tag string
		h   *hdrhistogram.Histogram
	}{{tagCorrected, corrected}, {tagUncorrected, uncorrected}} {
		if h.h == nil {
			continue
		}
		h.h.SetTag(h.tag)
		h.h.SetStartTimeMs(startMs + t*1000)
		h.h.SetEndTimeMs(startMs + (t+1)*1000)
		if err := lw.OutputIntervalHistogram(h.h); err != nil {
			return err
		}
	}
	return nil
}

func (o *output) path(name string) string { return filepath.Join(o.dir, name) }

func (o *output) encode(r *vegeta.Result) {
	if o.err == nil {
		o.err = o.enc.Encode(r)
	}
}

// series logs second pt.T of the attack that began at began; the first
// second logged writes timeseries.hlog's header, which states began.
func (o *output) series(pt results.SeriesPoint, began time.Time) {
	if o.tsBuf == nil || o.err != nil {
		return
	}
	if !o.hlogHeader {
		o.hlogHeader, o.began = true, began
		if o.err = writeHlogHeader(o.hlogBuf, began); o.err != nil {
			return
		}
	}
	b, err := json.Marshal(pt)
	if err == nil {
		_, err = o.tsBuf.Write(append(b, '\n'))
	}
	if err == nil && o.bucket != nil {
		err = writeHlogSecond(o.hlogBuf, o.began, pt.T, o.bucket.corrected, o.bucket.uncorrected)
	}
	if err == nil {
		err = o.tsBuf.Flush() // a second at a time, so an interrupted run keeps it
	}
	if err == nil {
		err = o.hlogBuf.Flush()
	}
	o.err = err
}

// close flushes and closes the streamed files and returns the first error.
func (o *output) close() error {
	if o.dir == "" {
		return nil
	}
	errs := []error{o.err}
	if o.resBuf != nil {
		errs = append(errs, o.resBuf.Flush(), o.results.Close())
		o.resBuf = nil
	}
	if o.tsBuf != nil {
		errs = append(errs, o.tsBuf.Flush(), o.ts.Close())
		o.tsBuf = nil
	}
	if o.hlogBuf != nil {
		if !o.hlogHeader && o.err == nil { // no second was logged
			errs = append(errs, writeHlogHeader(o.hlogBuf, time.Time{}))
		}
		errs = append(errs, o.hlogBuf.Flush(), o.hlog.Close())
		o.hlogBuf = nil
	}
	return errors.Join(errs...)
}

// writeFiles names in the summary how the target hashes passwords (a
// WithKratos target's hasher, else target.RemoteHasher: orybench did not
// start it), finishes the streamed files and writes the histograms and the
// summary.
func (r *runner) writeFiles(sum *results.LoadSummary) error {
	sum.Hasher = target.RemoteHasher
	if r.cfg.kratos != nil {
		sum.Hasher = r.cfg.kratos.Hasher()
	}
	r.closeBuckets(r.bucketN + 1) // the last, partial second
	r.showProgress(r.began().Add(r.elapsed()), true)
	if r.out.dir == "" {
		return nil
	}
	errs := []error{r.out.close()}
	sum.Files = []string{results.LoadSummaryFile, results.RequestsFile, results.SeriesFile, hlogFile}
	names := make([]string, len(r.plan.sc.Steps))
	for i, st := range r.plan.sc.Steps {
		names[i] = st.Name
	}
	files, err := writeHistograms(r.out.dir, r.overall, names, r.steps)
	sum.Files = append(sum.Files, files...)
	if r.jstats != nil {
		jfiles, jerr := writeHistogramPair(r.out.dir, JourneyName, &stats{corrected: r.jstats.corrected, uncorrected: r.jstats.uncorrected})
		sum.Files, err = append(sum.Files, jfiles...), errors.Join(err, jerr)
	}
	_, werr := sum.Write(r.out.dir)
	errs = append(errs, err, werr)
	return errors.Join(errs...)
}

// writeHistograms writes the latency histograms of a run and of each
// step (names[i] is steps[i]'s) into dir, each as a percentile
// distribution (.hgrm) and encoded (.hdr), and returns the names of the
// files written.
func writeHistograms(dir string, overall *stats, names []string, steps []*stats) ([]string, error) {
	files, err := writeHistogramPair(dir, "overall", overall)
	errs := []error{err}
	for i, name := range names {
		f, err := writeHistogramPair(dir, "step-"+name, steps[i])
		files, errs = append(files, f...), append(errs, err)
	}
	return files, errors.Join(errs...)
}

// writeHistogramPair writes s's corrected and uncorrected histograms as
// base and base.uncorrected, each a percentile distribution (.hgrm) and
// encoded (.hdr), and returns the names of the files written.
func writeHistogramPair(dir, base string, s *stats) ([]string, error) {
	var (
		files []string
		errs  []error
	)
	write := func(base string, h *hdrhistogram.Histogram) {
		f, err := os.Create(filepath.Join(dir, base+".hgrm"))
		if err != nil {
			errs = append(errs, err)
			return
		}
		errs = append(errs, writeHgrm(f, h), f.Close())
		enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err == nil {
			err = writeFileAtomic(filepath.Join(dir, base+".hdr"), append(enc, '\n'))
		}
		errs = append(errs, err)
		files = append(files, base+".hgrm", base+".hdr")
	}
	write(base, s.corrected)
	write(base+".uncorrected", s.uncorrected)
	return files, errors.Join(errs...)
}

// ReadResults reads a run's results.bin: every measured request in vegeta's
// encoding, as Run wrote it (intended send time, corrected latency, errors
// only for what the step did not expect, no bodies).
func ReadResults(path string) ([]vegeta.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []vegeta.Result
	dec := vegeta.NewDecoder(f)
	for {
		var r vegeta.Result
		switch err := dec.Decode(&r); {
		case errors.Is(err, io.EOF):
			return out, nil
		case err != nil:
			return out, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, r)
	}
}
