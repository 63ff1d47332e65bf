// Package servermetrics reads what a Kratos server says about itself while
// orybench loads it: the Prometheus metrics its admin API serves
// (/admin/metrics/prometheus on Kratos v1.3.1) and, for a local PostgreSQL
// profile, its database's statistics.
//
// Parse turns one metrics page into a Snapshot, with the maintained parser
// of the Prometheus text format (github.com/prometheus/common/expfmt). A
// Source is where the metrics are: Probe reads them once and says in one
// line why it cannot (not the text format, refused, not served, no answer).
// Watch reads them at a run's start, once a second during it and, at End,
// once more, and makes of the first and last reads a results.ServerView:
// the requests the server counted on the run's own endpoints beside the
// count orybench made, the server's latency percentiles from its duration
// histogram, the CPU time and memory it used and, when the Source can read
// the database, its transactions, blocks and connections.
//
// A load run uses it like this:
//
//	src := &servermetrics.Source{URL: adminURL + "/admin/metrics/prometheus"}
//	if err := src.Probe(ctx); err != nil {
//		summary.Server = servermetrics.Missing(src.URL, err.Error())
//	} else {
//		w := src.Watch(ctx, maxRunTime)
//		// ... the run ...
//		summary.Server = w.End(ctx, servermetrics.ClientCounts{Requests: answered, Paths: paths})
//	}
//
// For a local postgres profile, Source.Database is target.Target's
// DatabaseSample method and Source.PoolSize its DatabasePoolSize.
//
// Nothing here prints or logs: a scrape that fails during a run becomes a
// warning line of the view, and a view the figures cannot be made for says
// why in its Missing field.
package servermetrics
