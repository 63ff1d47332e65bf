package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/loadtest/capacity"
	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
)

// defaultSLO is what capacity judges by when --slo is not given.
const defaultSLO = "p99<50ms,error_rate<0.1%"

func newCapacityCmd() *cobra.Command {
	var (
		lt                          loadTarget
		slo, precision, outDir      string
		startRate, minRate, maxRate float64
		step, warmup, maxDuration   time.Duration
		format                      outputFormat
	)
	cmd := command("capacity", "capacity", func(cmd *cobra.Command, _ []string) error {
		if err := format.start(cmd); err != nil {
			return err
		}
		flags := cmd.Flags()
		rules, err := parseSLO(slo)
		if err != nil {
			return err
		}
		prec, err := parseFraction(precision)
		if err != nil {
			return fmt.Errorf("--precision: %w", err)
		}
		sc, err := lt.resolve()
		if err != nil {
			return err
		}
		opts := []capacity.Option{capacity.WithSLO(rules...), capacity.WithPrecision(prec),
			capacity.WithStartRate(startRate), capacity.WithMinRate(minRate),
			capacity.WithStepDuration(step), capacity.WithWarmup(warmup), capacity.WithMaxDuration(maxDuration),
			capacity.WithLoadOptions(lt.options()...)}
		if flags.Changed("max-rate") { // else the default, within what the target allows
			opts = append(opts, capacity.WithMaxRate(maxRate))
		}
		var remote *loadtest.RemoteRateError
		if err := capacity.Check(sc, opts...); errors.As(err, &remote) {
			return fmt.Errorf("--max-rate %g: %w: pass --yes to search above it", maxRate, err)
		} else if err != nil {
			return err
		}
		pace := fmt.Sprintf("load at rates from %g/s, searched between %g/s and %g/s (--start-rate, --min-rate, --max-rate)", startRate, minRate, maxRate)
		err = lt.send(cmd, sc, loadtest.Shard{}, outDir, pace, func(sending []loadtest.Option, out string) (*results.RunInfo, error) {
			w := cmd.OutOrStdout()
			opts = append(opts, capacity.WithOutDir(out), capacity.WithLoadOptions(sending...),
				capacity.WithStepDone(func(st results.CapacityStep) {
					reports.WriteCapacityStepText(w, st) // progress: the summary's error is the one that counts
				}))
			started := time.Now()
			res, err := capacity.Find(cmd.Context(), sc, opts...)
			if res == nil {
				return nil, err
			}
			return &results.RunInfo{Target: res.Target, StartedAt: started.UTC().Format(time.RFC3339), DurationS: res.DurationS},
				errors.Join(err, reports.WriteCapacityText(w, res, out), format.emit(out, results.CapacityFile))
		})
		return verdict(err, capacity.ErrNoSustainableRate)
	})
	f := cmd.Flags()
	lt.register(f)
	f.StringVar(&slo, "slo", defaultSLO, "comma-separated thresholds every step must hold, as orybench load --threshold takes them")
	f.Float64Var(&startRate, "start-rate", capacity.DefaultStartRate, "first rate tried, requests/s (journeys/s for a journey scenario)")
	f.Float64Var(&minRate, "min-rate", capacity.DefaultMinRate, "lowest rate tried when the start rate fails (halving), requests/s (journeys/s for a journey scenario)")
	f.Float64Var(&maxRate, "max-rate", capacity.DefaultMaxRate, "highest rate tried, requests/s (journeys/s for a journey scenario)")
	f.StringVar(&precision, "precision", "5%", "stop bisecting when the lowest failing rate is at most this much above the highest that held")
	f.DurationVar(&step, "step", capacity.DefaultStepDuration, "measured duration of each step")
	f.DurationVar(&warmup, "warmup", capacity.DefaultWarmup, "unmeasured warm-up of each step, at its rate")
	f.DurationVar(&maxDuration, "max-duration", capacity.DefaultMaxDuration, "wall-clock bound on the whole search")
	f.StringVar(&outDir, "out", "", "output directory (default out/capacity/SCENARIO-TIME)")
	format.register(f, results.CapacityFile)
	return cmd
}

// parseSLO parses comma-separated thresholds, as load's --threshold does.
func parseSLO(s string) ([]loadtest.Threshold, error) {
	out, err := loadtest.ParseThresholds(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("--slo: %w", err)
	case len(out) == 0:
		return nil, fmt.Errorf("--slo: give at least one threshold, e.g. %q", defaultSLO)
	}
	return out, nil
}

// parseFraction reads 0.05 or 5%.
func parseFraction(s string) (float64, error) {
	num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a fraction like 0.05 or 5%%", s)
	}
	if pct {
		v /= 100
	}
	return v, nil
}
