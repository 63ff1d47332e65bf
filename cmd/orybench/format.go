package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orybench/orybench/suites"
)

// outputFormat is --format: text, the default, prints for people; json
// prints the run's result document (conformance.json, summary.json,
// capacity.json or fuzz.json), alone, on standard output for a script,
// and everything else on standard error.
type outputFormat struct {
	value  string
	stdout io.Writer // with json: where the document goes
}

func (f *outputFormat) register(fs *pflag.FlagSet, document string) {
	fs.StringVar(&f.value, "format", "text", "text, or json: "+document+" on stdout, alone, for scripts (everything else goes to stderr)")
}

// start checks the value and, for json, sends the command's text output to
// standard error.
func (f *outputFormat) start(cmd *cobra.Command) error {
	switch f.value {
	case "text":
	case "json":
		f.stdout = cmd.OutOrStdout()
		cmd.SetOut(cmd.ErrOrStderr())
	default:
		return fmt.Errorf("--format must be text or json, got %q", f.value)
	}
	return nil
}

// emit prints dir's document file on standard output for --format json;
// the run calls it once it has written the file, passed or failed.
func (f *outputFormat) emit(dir, file string) error {
	if f.stdout == nil {
		return nil
	}
	doc, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return err
	}
	_, err = f.stdout.Write(doc)
	return err
}

// caseProgress prints how far a conformance run has got on one line:
// rewritten in place on a terminal; elsewhere, as in a CI log, a line
// every progressEvery at most, and the last.
type caseProgress struct {
	w       io.Writer
	tty     bool
	printed time.Time
}

const progressEvery = 10 * time.Second

func newCaseProgress(w io.Writer) *caseProgress { return &caseProgress{w: w, tty: isTerminal(w)} }

// update is suites.Options.Progress.
func (p *caseProgress) update(s suites.Progress) {
	line := fmt.Sprintf("cases %d/%d done, %d failed, %s", s.Done, s.Total, s.Failed, s.Elapsed.Round(time.Second))
	switch {
	case p.tty:
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	case s.Done == s.Total || time.Since(p.printed) >= progressEvery:
		fmt.Fprintln(p.w, line)
	default:
		return
	}
	p.printed = time.Now()
}

// end ends the line a terminal's progress left open.
func (p *caseProgress) end() {
	if p.tty && !p.printed.IsZero() {
		fmt.Fprintln(p.w)
	}
}
