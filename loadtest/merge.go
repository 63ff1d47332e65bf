package loadtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/orybench/orybench/results"
)

// ErrShardStopped is returned, wrapped, by Merge when a shard ended early,
// interrupted or because its target went down: the merge is written, but
// it is not a whole run, and its thresholds do not decide.
var ErrShardStopped = errors.New("a shard stopped early")

// ShardDirs returns the output directories of shards among paths: each
// path that holds a summary.json, and for one that does not, each of its
// subdirectories that does, except a merge (so that a run's merge may be
// written beside its shards).
func ShardDirs(paths ...string) ([]string, error) {
	var dirs []string
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(p, "summary.json")); err == nil {
			dirs = append(dirs, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		found := false
		for _, e := range entries {
			sub := filepath.Join(p, e.Name())
			if _, err := os.Stat(filepath.Join(sub, "summary.json")); e.IsDir() && err == nil && !isMerge(sub) {
				dirs, found = append(dirs, sub), true
			}
		}
		if !found {
			return nil, usageErr("%s: no summary.json, here or one level down", p)
		}
	}
	return dirs, nil
}

// isMerge reports whether dir holds a merge's summary.json.
func isMerge(dir string) bool {
	s, err := results.ReadLoadSummary(filepath.Join(dir, results.LoadSummaryFile))
	return err == nil && s.Shard != nil && s.Shard.Index == 0
}

// shardRun is what one shard wrote.
type shardRun struct {
	dir     string
	sum     results.LoadSummary
	started time.Time
	overall *stats
	steps   []*stats // in the order of sum.Steps
	series  []results.SeriesPoint
	seconds map[int64]*stats // the histograms of each second
}

// Merge combines the output directories that the shards of one run wrote
// (WithShard) into out, exactly: histograms are added bucket by bucket,
// never percentiles averaged; counts, statuses and errors are summed; the
// time series is summed second by second, each shard's seconds counted from
// its own start (started_at) and aligned to the nearest second of the
// earliest shard's. It writes summary.json, the histograms (.hgrm and .hdr),
// timeseries.jsonl and timeseries.hlog, as a run does, and judges the
// thresholds on the merged figures: those every shard recorded (they must
// agree), or the given ones instead.
//
// Shards must be of one run: the same scenario, rate, duration, max hits,
// steps, thresholds and number of shards, each index once. Errors match
// ErrUsage when they are not, or when a file is missing or unreadable;
// the merged summary is returned with an error wrapping
// ErrThresholdsFailed when a threshold is breached, and ErrShardStopped
// when a shard ended early.
func Merge(dirs []string, out string, thresholds ...Threshold) (*results.LoadSummary, error) {
	if len(dirs) == 0 {
		return nil, usageErr("no shard directories")
	}
	runs := make([]*shardRun, 0, len(dirs))
	for _, dir := range dirs {
		r, err := readShard(dir)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	if err := checkShards(runs); err != nil {
		return nil, err
	}
	ts, err := mergeThresholds(runs[0], thresholds)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, usageErr("output directory: %v", err)
	}

	m, overall, steps, err := mergeRuns(runs)
	if err != nil {
		return nil, err
	}
	stepRate := map[string]results.RateSummary{}
	totalWeight := 0
	for _, st := range m.Steps {
		totalWeight += max(st.Weight, 1)
	}
	for i, st := range m.Steps {
		achieved := 0.0
		for _, r := range runs {
			if r.sum.DurationS > 0 {
				achieved += float64(r.sum.Steps[i].Requests) / r.sum.DurationS
			}
		}
		share := float64(max(st.Weight, 1)) / float64(totalWeight)
		stepRate[st.Name] = results.RateSummary{Requested: m.Rate.Requested * share, Achieved: achieved}
	}
	m.Thresholds, m.Passed = judgeAll(ts, func(step string) measures {
		if step == "" {
			return overall.measures(m.Rate.Achieved, m.Rate.Requested)
		}
		rate := stepRate[step]
		return steps[slices.IndexFunc(m.Steps, func(s results.StepSummary) bool { return s.Name == step })].measures(rate.Achieved, rate.Requested)
	})

	names := make([]string, len(m.Steps))
	for i, st := range m.Steps {
		names[i] = st.Name
	}
	files, werr := writeHistograms(out, overall, names, steps)
	serr := writeMergedSeries(out, runs)
	m.Files = append([]string{results.LoadSummaryFile, results.SeriesFile, hlogFile}, files...)
	_, sumErr := m.Write(out)
	werr = errors.Join(werr, serr, sumErr)

	var errs []error
	if werr != nil {
		errs = append(errs, fmt.Errorf("writing the merge: %w", werr))
	}
	for _, r := range runs {
		// Stopped by a breached threshold is a verdict; anything else
		// leaves the run incomplete.
		if r.sum.Incomplete() != "" {
			errs = append(errs, fmt.Errorf("%w: shard %s %s", ErrShardStopped, r.sum.Shard.Shard, r.sum.Stopped))
		}
	}
	if err := breached(m); err != nil {
		errs = append(errs, err)
	}
	return m, errors.Join(errs...)
}

// readShard reads what a shard wrote into dir.
func readShard(dir string) (*shardRun, error) {
	sum, err := results.ReadLoadSummary(filepath.Join(dir, results.LoadSummaryFile))
	if err != nil {
		return nil, usageErr("%v", err)
	}
	r := &shardRun{dir: dir, sum: *sum}
	s := &r.sum
	switch {
	case s.Shard == nil:
		return nil, usageErr("%s: not a shard's results (orybench load --shard i/N writes them)", dir)
	case s.Shard.Index == 0:
		return nil, usageErr("%s: already a merge of %d shards", dir, s.Shard.Count)
	}
	if err := Shard(s.Shard.Shard).validate(); err != nil {
		return nil, usageErr("%s: %v", dir, err)
	}
	if s.StartedAt != "" {
		if r.started, err = time.Parse(time.RFC3339Nano, s.StartedAt); err != nil {
			return nil, usageErr("%s: started_at: %v", dir, err)
		}
	}
	if r.overall, err = readStats(dir, "overall", s.Requests, s.RateLimited, s.StatusCodes, s.Errors); err != nil {
		return nil, err
	}
	for _, st := range s.Steps {
		ss, err := readStats(dir, "step-"+st.Name, st.Requests, st.RateLimited, st.StatusCodes, st.Errors)
		if err != nil {
			return nil, err
		}
		r.steps = append(r.steps, ss)
	}
	if r.series, err = results.ReadSeries(filepath.Join(dir, results.SeriesFile)); err != nil {
		return nil, usageErr("%v", err)
	}
	if r.seconds, err = readHlog(filepath.Join(dir, hlogFile), r.started); err != nil {
		return nil, err
	}
	return r, nil
}

// readStats rebuilds the stats of a run or a step from its summary's
// counts and its encoded histograms, base.hdr and base.uncorrected.hdr.
func readStats(dir, base string, requests, rateLimited uint64, codes map[string]uint64, errs results.ErrorSummary) (*stats, error) {
	s := &stats{requests: requests, rateLimited: rateLimited, errors: errs.Total}
	for code, n := range codes {
		c, err := strconv.Atoi(code)
		if err != nil || c <= 0 || c >= len(s.codes) {
			return nil, usageErr("%s: status code %q in summary.json", dir, code)
		}
		s.codes[c] = n
	}
	for kind, n := range errs.ByKind {
		k := slices.Index(kindNames[:], kind)
		if k <= 0 {
			return nil, usageErr("%s: error kind %q in summary.json", dir, kind)
		}
		s.kinds[k] = n
	}
	var err error
	if s.corrected, err = readHdr(filepath.Join(dir, base+".hdr")); err != nil {
		return nil, err
	}
	if s.uncorrected, err = readHdr(filepath.Join(dir, base+".uncorrected.hdr")); err != nil {
		return nil, err
	}
	return s, nil
}

// readHdr reads an encoded histogram into one of the geometry runs record.
func readHdr(path string) (*hdrhistogram.Histogram, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageErr("%s is missing (written by orybench load since it records shards)", path)
	}
	if err != nil {
		return nil, usageErr("%v", err)
	}
	h, err := hdrhistogram.Decode(bytes.TrimSpace(data))
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	return addHistogram(newHistogram(), h, path)
}

// addHistogram adds h's counts to into, which must take every value.
func addHistogram(into, h *hdrhistogram.Histogram, what string) (*hdrhistogram.Histogram, error) {
	if dropped := into.Merge(h); dropped > 0 {
		return nil, usageErr("%s: %d values outside 1µs–60s", what, dropped)
	}
	return into, nil
}

// merge adds o's counts and histograms to s.
func (s *stats) merge(o *stats) error {
	s.requests += o.requests
	s.rateLimited += o.rateLimited
	s.errors += o.errors
	for i := range s.kinds {
		s.kinds[i] += o.kinds[i]
	}
	for i := range s.codes {
		s.codes[i] += o.codes[i]
	}
	if _, err := addHistogram(s.corrected, o.corrected, "histogram"); err != nil {
		return err
	}
	if s.uncorrected != nil && o.uncorrected != nil {
		if _, err := addHistogram(s.uncorrected, o.uncorrected, "histogram"); err != nil {
			return err
		}
	}
	return nil
}

// readHlog reads the per-second histograms of timeseries.hlog, of an
// attack that began at began (a zero began when summary.json has no
// started_at). The reader gives each interval's start since the epoch
// (base time plus timestamp); second t is its distance from began.
func readHlog(path string, began time.Time) (map[int64]*stats, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageErr("%s is missing (written by orybench load since it records shards)", path)
	}
	if err != nil {
		return nil, usageErr("%v", err)
	}
	defer f.Close()
	seconds := map[int64]*stats{}
	lr := hdrhistogram.NewHistogramLogReader(bufio.NewReader(f))
	for {
		h, err := lr.NextIntervalHistogram()
		if err != nil {
			return nil, usageErr("%s: %v", path, err)
		}
		if h == nil {
			return seconds, nil
		}
		t := h.StartTimeMs() / 1000
		if !began.IsZero() {
			t = int64(math.Round(float64(h.StartTimeMs()-began.UnixMilli()) / 1000))
		}
		if t < 0 { // no #[StartTime:]: an older orybench's log
			return nil, usageErr("%s: an interval starts %d s before started_at in summary.json (a log without #[StartTime:]?)", path, -t)
		}
		s := seconds[t]
		if s == nil {
			s = newStats(true)
			seconds[t] = s
		}
		into := s.corrected
		switch h.Tag() {
		case tagCorrected:
		case tagUncorrected:
			into = s.uncorrected
		default:
			return nil, usageErr("%s: second %d: unknown tag %q", path, t, h.Tag())
		}
		if _, err := addHistogram(into, h, path); err != nil {
			return nil, err
		}
	}
}

// checkShards checks that the shards belong to one run, each once.
func checkShards(runs []*shardRun) error {
	first := runs[0]
	want := first.sum.Shard
	seen := map[int]string{}
	for _, r := range runs {
		s := r.sum.Shard
		differ := func(what string, a, b any) error {
			return usageErr("%s and %s are not shards of one run: %s %v and %v", first.dir, r.dir, what, a, b)
		}
		switch {
		case r.sum.Scenario != first.sum.Scenario:
			return differ("scenario", first.sum.Scenario, r.sum.Scenario)
		case s.Count != want.Count:
			return differ("shard count", want.Count, s.Count)
		case s.Rate != want.Rate:
			return differ("rate", want.Rate, s.Rate)
		case s.DurationS != want.DurationS:
			return differ("planned duration (s)", want.DurationS, s.DurationS)
		case s.MaxHits != want.MaxHits:
			return differ("max hits", want.MaxHits, s.MaxHits)
		case !slices.Equal(stepNames(r.sum), stepNames(first.sum)):
			return differ("steps", stepNames(first.sum), stepNames(r.sum))
		case !slices.Equal(thresholdKeys(r.sum), thresholdKeys(first.sum)):
			return differ("thresholds", thresholdKeys(first.sum), thresholdKeys(r.sum))
		}
		if prev, ok := seen[s.Index]; ok {
			return usageErr("%s and %s are both shard %s", prev, r.dir, s.Shard)
		}
		seen[s.Index] = r.dir
	}
	var missing []string
	for i := 1; i <= want.Count; i++ {
		if _, ok := seen[i]; !ok {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		return usageErr("shards %s of %d are missing (got %d directories)", strings.Join(missing, ", "), want.Count, len(runs))
	}
	return nil
}

func stepNames(s results.LoadSummary) []string {
	var out []string
	for _, st := range s.Steps {
		out = append(out, st.Name)
	}
	return out
}

func thresholdKeys(s results.LoadSummary) []string {
	var out []string
	for _, t := range s.Thresholds {
		out = append(out, t.Step+":"+t.Expr)
	}
	return out
}

// mergeThresholds returns the thresholds to judge the merge by: the given
// ones, or else those the shards recorded, parsed again.
func mergeThresholds(r *shardRun, given []Threshold) ([]Threshold, error) {
	steps := stepNames(r.sum)
	for _, t := range given {
		if t.Step != "" && !slices.Contains(steps, t.Step) {
			return nil, usageErr("threshold %q names no step of scenario %s", t.Expr, r.sum.Scenario)
		}
	}
	if len(given) > 0 {
		return given, nil
	}
	var ts []Threshold
	for _, rec := range r.sum.Thresholds {
		t, err := ParseThreshold(rec.Expr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.dir, err)
		}
		if t.Step == "" {
			t.Step = rec.Step // a step's own threshold is written without it
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// mergeRuns adds the shards' figures up into a summary, without thresholds.
func mergeRuns(runs []*shardRun) (*results.LoadSummary, *stats, []*stats, error) {
	first := runs[0].sum
	overall, steps := newStats(true), make([]*stats, len(first.Steps))
	for i := range steps {
		steps[i] = newStats(true)
	}
	m := &results.LoadSummary{Scenario: first.Scenario, Target: first.Target, Hasher: first.Hasher, Passed: true}
	var (
		stopped, cleanup []string
		earliest         time.Time
	)
	sort.Slice(runs, func(i, j int) bool { return runs[i].sum.Shard.Index < runs[j].sum.Shard.Index })
	for _, r := range runs {
		s := &r.sum
		if err := overall.merge(r.overall); err != nil {
			return nil, nil, nil, err
		}
		for i := range steps {
			if err := steps[i].merge(r.steps[i]); err != nil {
				return nil, nil, nil, err
			}
		}
		m.DurationS = math.Max(m.DurationS, s.DurationS)
		m.Rate.Requested += s.Rate.Requested
		m.Rate.Achieved += s.Rate.Achieved
		m.Unsent += s.Unsent
		m.Canceled += s.Canceled
		m.WarmupRequests += s.WarmupRequests
		if s.Stopped != "" {
			stopped = append(stopped, fmt.Sprintf("shard %s %s", s.Shard.Shard, s.Stopped))
		}
		if s.CleanupError != "" {
			cleanup = append(cleanup, fmt.Sprintf("shard %s: %s", s.Shard.Shard, s.CleanupError))
		}
		if !r.started.IsZero() && (earliest.IsZero() || r.started.Before(earliest)) {
			earliest = r.started
		}
	}
	m.Rate = results.RateSummary{Requested: round3(m.Rate.Requested), Achieved: round3(m.Rate.Achieved)}
	m.Requests = overall.requests
	m.Latency, m.LatencyUncorrected = latencyOf(overall.corrected), latencyOf(overall.uncorrected)
	m.StatusCodes, m.RateLimited = overall.statusCodes(), overall.rateLimited
	m.Errors = results.ErrorSummary{Total: overall.errors, ByKind: overall.errorKinds()}
	for i, st := range first.Steps {
		ss := steps[i]
		m.Steps = append(m.Steps, results.StepSummary{
			Name: st.Name, Weight: st.Weight, Requests: ss.requests,
			Latency: latencyOf(ss.corrected), LatencyUncorrected: latencyOf(ss.uncorrected),
			StatusCodes: ss.statusCodes(), RateLimited: ss.rateLimited,
			Errors: results.ErrorSummary{Total: ss.errors, ByKind: ss.errorKinds()},
		})
	}
	m.Stopped = strings.Join(stopped, "; ")
	m.CleanupError = strings.Join(cleanup, "; ")
	if !earliest.IsZero() {
		m.StartedAt = earliest.UTC().Format(time.RFC3339Nano)
	}
	sh := *first.Shard
	sh.Index = 0
	m.Shard = &sh
	return m, overall, steps, nil
}

// writeMergedSeries writes the shards' time series, second by second, as
// timeseries.jsonl and timeseries.hlog into out. Each shard's second t is
// second t+offset of the merge, offset being how many whole seconds (to
// the nearest) it started after the earliest shard.
func writeMergedSeries(out string, runs []*shardRun) error {
	var earliest time.Time
	for _, r := range runs {
		if !r.started.IsZero() && (earliest.IsZero() || r.started.Before(earliest)) {
			earliest = r.started
		}
	}
	seconds := map[int64]*stats{}
	last := int64(-1)
	for _, r := range runs {
		offset := int64(0)
		if !r.started.IsZero() {
			offset = int64(math.Round(r.started.Sub(earliest).Seconds()))
		}
		for _, pt := range r.series {
			t := pt.T + offset
			s := seconds[t]
			if s == nil {
				s = newStats(true)
				seconds[t] = s
			}
			s.requests += pt.Requests
			s.errors += pt.Errors
			s.rateLimited += pt.RateLimited
			for code, n := range pt.StatusCodes {
				if c, err := strconv.Atoi(code); err == nil && c > 0 && c < len(s.codes) {
					s.codes[c] += n
				}
			}
			if h := r.seconds[pt.T]; h != nil {
				if err := s.merge(h); err != nil {
					return err
				}
			}
			last = max(last, t)
		}
	}
	var jsonl, hlog bytes.Buffer
	if err := writeHlogHeader(&hlog, earliest); err != nil {
		return err
	}
	for t := int64(0); t <= last; t++ {
		s := seconds[t]
		if s == nil {
			s = newStats(true)
		}
		b, err := json.Marshal(s.seriesPoint(t))
		if err != nil {
			return err
		}
		jsonl.Write(append(b, '\n'))
		if err := writeHlogSecond(&hlog, earliest, t, s.corrected, s.uncorrected); err != nil {
			return err
		}
	}
	return errors.Join(writeFileAtomic(filepath.Join(out, results.SeriesFile), jsonl.Bytes()),
		writeFileAtomic(filepath.Join(out, hlogFile), hlog.Bytes()))
}
