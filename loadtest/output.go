package loadtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	o.err = writeHlogHeader(o.hlogBuf)
	return o, nil
}

// writeHlogHeader starts an HdrHistogram interval log: its timestamps are
// seconds since the start of the measured attack (summary.json's
// started_at), its values microseconds, so that its Interval_Max column
// is in seconds.
func writeHlogHeader(w io.Writer) error {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	return errors.Join(lw.OutputLogFormatVersion(),
		lw.OutputComment("[orybench: one interval per second since started_at in summary.json; values in µs, Interval_Max in s]"),
		lw.OutputLegend())
}

// writeHlogSecond logs second t's histograms, tagged corrected and
// uncorrected (a nil one is left out).
func writeHlogSecond(w io.Writer, t int64, corrected, uncorrected *hdrhistogram.Histogram) error {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	for _, h := range []struct {
		tag string
		h   *hdrhistogram.Histogram
	}{{tagCorrected, corrected}, {tagUncorrected, uncorrected}} {
		if h.h == nil {
			continue
		}
		h.h.SetTag(h.tag)
		h.h.SetStartTimeMs(t * 1000)
		h.h.SetEndTimeMs((t + 1) * 1000)
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

func (o *output) series(pt results.SeriesPoint) {
	if o.tsBuf == nil || o.err != nil {
		return
	}
	b, err := json.Marshal(pt)
	if err == nil {
		_, err = o.tsBuf.Write(append(b, '\n'))
	}
	if err == nil && o.bucket != nil {
		err = writeHlogSecond(o.hlogBuf, pt.T, o.bucket.corrected, o.bucket.uncorrected)
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
