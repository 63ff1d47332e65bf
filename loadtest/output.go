package loadtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// output holds the files a run streams while it runs: results.bin and
// timeseries.jsonl. With no directory it writes nothing.
type output struct {
	dir     string
	results *os.File
	resBuf  *bufio.Writer
	enc     vegeta.Encoder
	ts      *os.File
	tsBuf   *bufio.Writer
	err     error // the first write error; writing stops there
}

func newOutput(dir string) (*output, error) {
	o := &output{dir: dir}
	if dir == "" {
		return o, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: output directory: %w", ErrUsage, err)
	}
	var err error
	if o.results, err = os.Create(o.path("results.bin")); err != nil {
		return nil, err
	}
	o.resBuf = bufio.NewWriterSize(o.results, 64<<10)
	o.enc = vegeta.NewEncoder(o.resBuf)
	if o.ts, err = os.Create(o.path("timeseries.jsonl")); err != nil {
		o.results.Close()
		return nil, err
	}
	o.tsBuf = bufio.NewWriter(o.ts)
	return o, nil
}

func (o *output) path(name string) string { return filepath.Join(o.dir, name) }

func (o *output) encode(r *vegeta.Result) {
	if o.err == nil {
		o.err = o.enc.Encode(r)
	}
}

func (o *output) series(pt SeriesPoint) {
	if o.tsBuf == nil || o.err != nil {
		return
	}
	b, err := json.Marshal(pt)
	if err == nil {
		_, err = o.tsBuf.Write(append(b, '\n'))
	}
	if err == nil {
		err = o.tsBuf.Flush() // a second at a time, so an interrupted run keeps it
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
	return errors.Join(errs...)
}

// writeFiles finishes the streamed files and writes the histograms and the
// summary.
func (r *runner) writeFiles(sum *Summary) error {
	r.closeBuckets(r.bucketN + 1) // the last, partial second
	r.showProgress(r.began().Add(r.elapsed()), true)
	if r.out.dir == "" {
		return nil
	}
	errs := []error{r.out.close()}
	sum.Files = []string{"summary.json", "results.bin", "timeseries.jsonl"}
	hgrm := func(name string, h *hdrhistogram.Histogram) {
		f, err := os.Create(r.out.path(name))
		if err != nil {
			errs = append(errs, err)
			return
		}
		errs = append(errs, writeHgrm(f, h), f.Close())
		sum.Files = append(sum.Files, name)
	}
	hgrm("overall.hgrm", r.overall.corrected)
	hgrm("overall.uncorrected.hgrm", r.overall.uncorrected)
	for i, st := range r.plan.sc.Steps {
		hgrm("step-"+st.Name+".hgrm", r.steps[i].corrected)
		hgrm("step-"+st.Name+".uncorrected.hgrm", r.steps[i].uncorrected)
	}
	errs = append(errs, writeJSON(r.out.path("summary.json"), sum))
	return errors.Join(errs...)
}
