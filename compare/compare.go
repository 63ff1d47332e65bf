// Package compare is orybench's release comparison: is a candidate Kratos
// worse than a baseline, judged from the runs saved for each? It reads two
// results directories and returns a results.Comparison, which package
// reports renders and results writes as compare.json.
//
// The contract is compared case by case: every conformance case whose
// outcome changed, a case the candidate fails and the baseline did not
// being a regression. Latency is compared step by step: the change of the
// median over a run's seconds of each second's p50 and p99, with a
// confidence interval from a circular moving-block bootstrap of the
// per-second series (seconds next to each other are alike, so they are
// resampled in blocks), flagged only when the interval excludes no change
// and the change is beyond a tolerance. The server's own figures, when the
// runs read them (results.ServerView), are set beside the latency: their
// change, with no interval, since they come from histogram buckets.
package compare

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/internal/resample"
	"github.com/orybench/orybench/results"
)

// Options tune Dirs; the zero value is the defaults.
type Options struct {
	// Tolerance is the smallest relative change flagged (DefaultTolerance).
	Tolerance float64
	// Level and Resamples tune the bootstrap (its defaults).
	Level     float64
	Resamples int
	// Contract, when set, is the contract both sides must have been judged
	// against (results.Runs.CheckContract).
	Contract *results.Contract
}

// DefaultTolerance is the default of Options.Tolerance: 10 %.
const DefaultTolerance = 0.10

// ErrIncompleteCandidate is returned, wrapped, by Dirs when the candidate
// did not check what the baseline did, so no verdict can be given: its
// conformance run was interrupted or ended before cases it selected, or
// label-filtered by another filter than the baseline's, or a load run of
// it stopped early (interrupted, target down).
var ErrIncompleteCandidate = errors.New("the candidate is incomplete: no verdict")

// ErrNothingComparable is returned, wrapped, by Dirs when the two sides
// share nothing that can be judged.
var ErrNothingComparable = errors.New("nothing comparable")

// Dirs reads the results saved under baseline and candidate (each a run's
// directory or a directory of runs, as results.ReadRuns takes) and
// compares them: the conformance runs case by case, the load runs step by
// step, matched by scenario (and by directory name when a side holds
// several runs of one scenario). Its error matches results.ErrNoResults
// when a side holds no results, and ErrNothingComparable when the sides
// share nothing that can be judged.
func Dirs(baseline, candidate string, o Options) (*results.Comparison, error) {
	if o.Tolerance <= 0 {
		o.Tolerance = DefaultTolerance
	}
	if o.Level <= 0 || o.Level >= 1 {
		o.Level = resample.DefaultLevel
	}
	rb, err := results.ReadRuns(baseline)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	rc, err := results.ReadRuns(candidate)
	if err != nil {
		return nil, fmt.Errorf("candidate: %w", err)
	}
	if o.Contract != nil {
		if err := errors.Join(rb.CheckContract(o.Contract), rc.CheckContract(o.Contract)); err != nil {
			return nil, err
		}
	}
	if why := incomplete(rb, rc); why != "" {
		return nil, fmt.Errorf("%w: %s: %s", ErrIncompleteCandidate, candidate, why)
	}
	c := &results.Comparison{Baseline: sideOf(baseline, rb), Candidate: sideOf(candidate, rc),
		Tolerance: o.Tolerance, Level: o.Level, GeneratedAt: time.Now().UTC(), Steps: []results.StepDiff{}}

	switch {
	case rb.Conformance != nil && rc.Conformance != nil:
		if b, k := rb.Conformance.Contract, rc.Conformance.Contract; !b.Same(k) {
			c.Notes = append(c.Notes, fmt.Sprintf("the sides were judged against different contracts (baseline %s, candidate %s): a case may have changed with the contract, not the release", b.Name, k.Name))
		}
		c.Contract = diffContract(rb.Conformance, rc.Conformance)
		for _, ch := range c.Contract.Changes {
			if ch.Regression {
				c.Verdict.ContractRegressions++
			}
		}
		c.Verdict.LostPairs = len(c.Contract.LostPairs)
		if why := rb.Conformance.Incomplete(); why != "" {
			c.Notes = append(c.Notes, "the baseline's conformance run is incomplete ("+why+"): pairs it did not judge are not compared")
		}
	case rb.Conformance != nil:
		c.Notes = append(c.Notes, "only the baseline holds a conformance run: the contract is not compared")
	case rc.Conformance != nil:
		c.Notes = append(c.Notes, "only the candidate holds a conformance run: the contract is not compared")
	}

	pairs, unmatched := pairLoads(rb.Loads, rc.Loads)
	c.Notes = append(c.Notes, unmatched...)
	for _, p := range pairs {
		steps, err := diffLoad(p, o)
		if err != nil {
			return nil, err
		}
		c.Steps = append(c.Steps, steps...)
	}
	for _, s := range c.Steps {
		if s.NotJudged == "" {
			c.Verdict.JudgedSteps++
		}
		for _, m := range s.Metrics {
			if m.Verdict == results.Regressed {
				c.Verdict.LatencyRegressions++
			}
		}
	}
	if c.Contract == nil && c.Verdict.JudgedSteps == 0 {
		why := []string{"no conformance run on both sides"}
		switch {
		case len(pairs) == 0:
			why = append(why, "no load scenario on both sides")
		default:
			for _, s := range c.Steps {
				why = append(why, s.Run+" "+s.Step+": "+s.NotJudged)
			}
		}
		return nil, fmt.Errorf("%w in %s and %s: %s", ErrNothingComparable, baseline, candidate, strings.Join(why, "; "))
	}
	return c, nil
}

// incomplete says why the candidate's runs cannot be judged against the
// baseline's, "" when they can: an interrupted conformance run, one
// filtered otherwise than the baseline's, a load run stopped early.
func incomplete(rb, rc *results.Runs) string {
	var why []string
	if k := rc.Conformance; k != nil && k.Completeness != nil {
		comp := *k.Completeness
		filter := ""
		if b := rb.Conformance; b != nil && b.Completeness != nil {
			filter = b.Completeness.LabelFilter
		}
		if comp.Interrupted != "" || comp.CasesRun < comp.CasesSelected {
			comp.LabelFilter = "" // said below, if it matters
			why = append(why, "conformance "+comp.Incomplete())
		}
		if k.Completeness.Filtered() && k.Completeness.LabelFilter != filter {
			why = append(why, fmt.Sprintf("conformance label-filtered by %q, the baseline by %q", k.Completeness.LabelFilter, filter))
		}
	}
	for _, l := range rc.Loads {
		if w := l.Summary.Incomplete(); w != "" {
			why = append(why, fmt.Sprintf("load %s (%s) %s", l.Summary.Scenario, filepath.Base(l.Dir), w))
		}
	}
	return strings.Join(why, "; ")
}

func sideOf(dir string, r *results.Runs) results.CompareSide {
	s := results.CompareSide{Dir: dir, Conformance: r.Conformance != nil}
	if r.Conformance != nil {
		s.KratosVersion, s.Contract = r.Conformance.KratosVersion, r.Conformance.Contract
	}
	for _, l := range r.Loads {
		s.Loads = append(s.Loads, fmt.Sprintf("%s (%s)", l.Summary.Scenario, filepath.Base(l.Dir)))
		s.KratosVersion = cmp.Or(s.KratosVersion, l.Run.KratosVersion)
		if s.Contract == nil {
			s.Contract = l.Run.Contract
		}
	}
	return s
}

// --- contract ---

func caseKey(k results.Case) string {
	return fmt.Sprintf("%s\x00%d\x00%s\x00%s", k.Operation, k.Status, k.Client, k.Name)
}

// keyed indexes cases by operation, status, client and name; a name that
// repeats gets its occurrence number.
func keyed(cases []results.Case) (map[string]results.Case, []string) {
	m, seen := map[string]results.Case{}, map[string]int{}
	var order []string
	for _, k := range cases {
		key := caseKey(k)
		seen[key]++
		if n := seen[key]; n > 1 {
			key += fmt.Sprintf("\x00#%d", n)
		}
		m[key] = k
		order = append(order, key)
	}
	return m, order
}

// failing reports whether a case outcome is a failure: of its contract
// check, or of its set-up (the contract was not checked).
func failing(outcome string) bool { return outcome == results.Failed || outcome == results.SetupFailed }

func diffContract(b, c *results.Conformance) *results.ContractDiff {
	d := &results.ContractDiff{Baseline: b.Coverage, Candidate: c.Coverage, Cases: [2]int{len(b.Cases), len(c.Cases)}, Changes: []results.CaseChange{},
		LostPairs: results.LostPairs(b.Pairs, c.Pairs)}
	for i, p := range d.LostPairs {
		d.LostPairs[i].Reason = redact.Clip(redact.Prose(p.Reason), 400)
	}
	bm, border := keyed(b.Cases)
	cm, corder := keyed(c.Cases)
	add := func(k results.Case, from, to, reason string) {
		d.Changes = append(d.Changes, results.CaseChange{Operation: k.Operation, Status: k.Status, Client: k.Client, Name: k.Name,
			From: from, To: to, Reason: redact.Clip(redact.Prose(reason), 400), Regression: failing(to) && !failing(from)})
	}
	for _, key := range corder {
		kc := cm[key]
		kb, ok := bm[key]
		switch {
		case !ok:
			add(kc, results.Absent, kc.Outcome, kc.Reason)
		case kb.Outcome != kc.Outcome:
			reason := kc.Reason
			if reason == "" {
				reason = kb.Reason
			}
			add(kc, kb.Outcome, kc.Outcome, reason)
		}
	}
	for _, key := range border {
		if _, ok := cm[key]; !ok {
			kb := bm[key]
			add(kb, kb.Outcome, results.Absent, kb.Reason)
		}
	}
	sort.SliceStable(d.Changes, func(i, j int) bool {
		a, b := d.Changes[i], d.Changes[j]
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		if a.Status != b.Status {
			return a.Status < b.Status
		}
		if a.Client != b.Client {
			return a.Client < b.Client
		}
		return a.Name < b.Name
	})
	return d
}

// --- latency ---

type loadPair struct {
	name string
	b, c *results.LoadRun
}

// pairLoads matches the runs of both sides by scenario; a scenario run
// several times on a side is matched by directory name. It returns the
// pairs and a note for each run left alone.
func pairLoads(base, cand []*results.LoadRun) ([]loadPair, []string) {
	byScenario := func(ls []*results.LoadRun) (map[string][]*results.LoadRun, []string) {
		m := map[string][]*results.LoadRun{}
		var order []string
		for _, l := range ls {
			s := l.Summary.Scenario
			if _, ok := m[s]; !ok {
				order = append(order, s)
			}
			m[s] = append(m[s], l)
		}
		return m, order
	}
	bm, border := byScenario(base)
	cm, corder := byScenario(cand)
	var (
		pairs []loadPair
		notes []string
	)
	alone := func(side string, l *results.LoadRun) {
		notes = append(notes, fmt.Sprintf("load run %s (%s) is only in the %s: not compared", l.Summary.Scenario, filepath.Base(l.Dir), side))
	}
	for _, s := range border {
		bs, cs := bm[s], cm[s]
		if len(bs) == 1 && len(cs) == 1 {
			pairs = append(pairs, loadPair{name: s, b: bs[0], c: cs[0]})
			continue
		}
		used := map[*results.LoadRun]bool{}
		for _, lb := range bs {
			var match *results.LoadRun
			for _, lc := range cs {
				if !used[lc] && filepath.Base(lc.Dir) == filepath.Base(lb.Dir) {
					match = lc
					break
				}
			}
			if match == nil {
				alone("baseline", lb)
				continue
			}
			used[match] = true
			pairs = append(pairs, loadPair{name: s + " (" + filepath.Base(lb.Dir) + ")", b: lb, c: match})
		}
		for _, lc := range cs {
			if !used[lc] {
				alone("candidate", lc)
			}
		}
	}
	for _, s := range corder {
		if _, ok := bm[s]; !ok {
			for _, lc := range cm[s] {
				alone("candidate", lc)
			}
		}
	}
	return pairs, notes
}

// diffLoad compares a pair of runs: the overall series, and each step's
// when the runs have several.
func diffLoad(p loadPair, o Options) ([]results.StepDiff, error) {
	sb, sc := p.b.Summary, p.c.Summary
	var notes []string
	notJudged := ""
	if rb, rc := sb.Rate.Requested, sc.Rate.Requested; math.Abs(rb-rc) > 0.01*math.Max(rb, rc) {
		notJudged = fmt.Sprintf("the requested rates differ (%s/s and %s/s): latency at different loads is not comparable", decimal(rb, 1), decimal(rc, 1))
	}
	for _, side := range []struct {
		name string
		s    results.LoadSummary
	}{{"baseline", sb}, {"candidate", sc}} {
		if side.s.Stopped != "" {
			notes = append(notes, fmt.Sprintf("the %s run stopped early: %s", side.name, side.s.Stopped))
		}
	}
	// Latency is judged on answers; a candidate that fails fast looks fast.
	if eb, ec := errorRate(sb), errorRate(sc); ec > eb+0.01 {
		notes = append(notes, fmt.Sprintf("the candidate's error rate is %s (the baseline's %s): its latency is that of other answers, and errors are not judged here (load thresholds judge them)",
			percent(sc.Errors.Total, sc.Requests), percent(sb.Errors.Total, sb.Requests)))
	}

	overall := results.StepDiff{Run: p.name, Scenario: sb.Scenario, Step: results.AllSteps, Source: results.SeriesFile,
		Requests: [2]uint64{sb.Requests, sc.Requests}, Errors: [2]uint64{sb.Errors.Total, sc.Errors.Total},
		WholeRun: [2]results.Latency{sb.Latency, sc.Latency}, Notes: notes, NotJudged: notJudged,
		Seconds: [2][]results.SecondLatency{overallSeconds(p.b.Series), overallSeconds(p.c.Series)}}
	if len(sb.Steps) == 1 && len(sc.Steps) == 1 && sb.Steps[0].Name == sc.Steps[0].Name {
		overall.Step = sb.Steps[0].Name // the run is its one step
	}
	overall.Server = diffServer(sb.Server, sc.Server)
	out := []results.StepDiff{overall}
	if len(sb.Steps) > 1 || len(sc.Steps) > 1 {
		steps, err := stepDiffs(p, notes, notJudged)
		if err != nil {
			return nil, err
		}
		out = append(steps, overall)
	}
	for i := range out {
		judge(&out[i], o)
	}
	return out, nil
}

func errorRate(s results.LoadSummary) float64 {
	if s.Requests == 0 {
		return 0
	}
	return float64(s.Errors.Total) / float64(s.Requests)
}

// stepDiffs pairs the steps of two multi-step runs by name, with their
// per-second series from results.bin.
func stepDiffs(p loadPair, notes []string, notJudged string) ([]results.StepDiff, error) {
	bSeconds, bErr := stepSeconds(filepath.Join(p.b.Dir, results.RequestsFile))
	cSeconds, cErr := stepSeconds(filepath.Join(p.c.Dir, results.RequestsFile))
	for _, err := range []error{bErr, cErr} {
		if err != nil && !errors.Is(err, errNoRequestsFile) {
			return nil, err
		}
	}
	cSteps := map[string]results.StepSummary{}
	for _, st := range p.c.Summary.Steps {
		cSteps[st.Name] = st
	}
	var out []results.StepDiff
	for _, bs := range p.b.Summary.Steps {
		cs, ok := cSteps[bs.Name]
		if !ok {
			continue
		}
		d := results.StepDiff{Run: p.name, Scenario: p.b.Summary.Scenario, Step: bs.Name, Source: results.RequestsFile,
			Requests: [2]uint64{bs.Requests, cs.Requests}, Errors: [2]uint64{bs.Errors.Total, cs.Errors.Total},
			WholeRun: [2]results.Latency{bs.Latency, cs.Latency}, Notes: notes, NotJudged: notJudged,
			Seconds: [2][]results.SecondLatency{bSeconds[bs.Name], cSeconds[bs.Name]}}
		switch {
		case d.NotJudged != "":
		case bErr != nil && cErr != nil:
			d.NotJudged = "neither run kept " + results.RequestsFile + ", which holds the per-second latency of each step"
		case bErr != nil:
			d.NotJudged = "the baseline run kept no " + results.RequestsFile + ", which holds the per-second latency of each step"
		case cErr != nil:
			d.NotJudged = "the candidate run kept no " + results.RequestsFile + ", which holds the per-second latency of each step"
		}
		out = append(out, d)
	}
	return out, nil
}

// diffServer compares the server's own figures of two runs: its p50 and
// p99 (from histogram buckets) and its CPU per request. Without per-request
// samples there is no interval and no verdict, only the change. nil when
// neither side asked for them; NotMeasured when a side has none.
func diffServer(b, c *results.ServerView) *results.ServerDiff {
	if b == nil && c == nil {
		return nil
	}
	var missing []string
	for _, side := range []struct {
		name string
		v    *results.ServerView
	}{{"baseline", b}, {"candidate", c}} {
		switch {
		case side.v == nil:
			missing = append(missing, "not measured in the "+side.name)
		case side.v.Missing != "":
			missing = append(missing, "not measured in the "+side.name+": "+redact.Prose(side.v.Missing))
		}
	}
	if len(missing) > 0 {
		return &results.ServerDiff{NotMeasured: strings.Join(missing, "; ")}
	}
	d := &results.ServerDiff{}
	for _, m := range []struct {
		name, unit string
		b, c       float64
	}{
		{"server p50", "ms", b.Latency.P50, c.Latency.P50},
		{"server p99", "ms", b.Latency.P99, c.Latency.P99},
		{"cpu per request", "ms", b.CPUPerRequestMs, c.CPUPerRequestMs},
	} {
		rel := 0.0
		if m.b > 0 {
			rel = m.c/m.b - 1
		}
		d.Metrics = append(d.Metrics, results.ServerMetricDiff{Name: m.name, Unit: m.unit, Baseline: m.b, Candidate: m.c, Rel: rel})
	}
	return d
}

// judge bootstraps the change of the median per-second p50 and p99 and
// gives each its verdict.
func judge(d *results.StepDiff, o Options) {
	if d.NotJudged != "" {
		return
	}
	for _, m := range []struct {
		name string
		get  func(results.SecondLatency) float64
	}{{"p50", func(s results.SecondLatency) float64 { return s.P50 }}, {"p99", func(s results.SecondLatency) float64 { return s.P99 }}} {
		b, c := values(d.Seconds[0], m.get), values(d.Seconds[1], m.get)
		ch, err := resample.RelativeChange(b, c, resample.Median,
			resample.Options{Resamples: o.Resamples, Level: o.Level, Seed: seedOf(d.Run, d.Step, m.name)})
		if err != nil {
			d.NotJudged = fmt.Sprintf("%s: %v (%d and %d seconds with answers)", m.name, err, len(b), len(c))
			d.Metrics = nil
			return
		}
		d.Metrics = append(d.Metrics, results.MetricDiff{Name: m.name, RelativeChange: ch, Verdict: verdictOf(ch, o.Tolerance)})
	}
}

// verdictOf judges a change: flagged only when its interval excludes no
// change and its estimate is beyond the tolerance.
func verdictOf(c results.RelativeChange, tolerance float64) string {
	switch {
	case !c.Significant():
		return results.NotSignificant
	case c.Lo > 0 && c.Rel > tolerance:
		return results.Regressed
	case c.Hi < 0 && c.Rel < -tolerance:
		return results.Improved
	}
	return results.WithinTolerance
}

// seedOf seeds a step's bootstrap from what it compares, so that a result
// does not depend on the order of the steps.
func seedOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// decimal formats v with at most prec decimals and no trailing zeros, as
// the reports show numbers.
func decimal(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// percent formats part/total as a percentage.
func percent(part, total uint64) string {
	if total == 0 {
		return "0%"
	}
	return decimal(100*float64(part)/float64(total), 2) + "%"
}
