// Package loadtest load-tests the Ory Kratos public API on the vegeta library,
// measuring what vegeta does not:
//
//   - Latency from each hit's intended send time, as wrk2 does, besides the
//     time from its actual send: when every worker is busy and a hit waits,
//     the wait counts. A Profile knows when hit n is due; a vegeta Result's
//     Seq says which hit it was.
//   - HdrHistogram (1 µs–60 s, 3 significant digits) per step and overall,
//     corrected and uncorrected, not a t-digest.
//   - Statuses judged against what each step expects: Kratos answers 400,
//     401, 403, 410 and 422 on purpose. A 429 is counted apart as rate
//     limited; transport errors are classified (timeout, connection
//     refused, reset, TLS, other).
//   - A one-second time series, thresholds that decide pass or fail, and
//     results in vegeta's own encoding for `vegeta report` and `vegeta plot`.
//
// Fixtures (session tokens, login flows) are made before the clock starts,
// so targeters only hand out pre-built targets. Load goes to loopback only
// unless allowed, and every run is bounded in time and hits. Session
// tokens and passwords never reach an output file.
//
// A scenario may be a Journey: each arrival is one virtual user that runs
// its steps in order (create a flow, submit it with its CSRF token, use the
// session, log out), measured per step and per journey.
//
// Run is the entry point; scenarios come from ParseScenario or are built in
// Go. A run's outcome is a results.LoadSummary, written as summary.json
// beside its time series (results.SeriesPoint a second), histograms and
// results.bin.
package loadtest
