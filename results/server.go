package results

// ServerView is what the target said about itself over a measured run:
// the figures of its Prometheus metrics (Kratos's admin API serves them at
// /admin/metrics/prometheus) read at the run's start and end and once a
// second between, and, for a local PostgreSQL profile, its database's
// statistics. It sits beside what orybench measured as a client, so that
// a reader can tell Kratos's own latency from the network's and the
// queue's, and see which resource ran short.
//
// Latencies are in milliseconds. Server percentiles come from the
// histogram's buckets (Prometheus's histogram_quantile: linear within the
// bucket that holds the rank), so they are as fine as BucketsMs: a p99 of
// 7.5 lies somewhere in the 5–10 ms bucket.
type ServerView struct {
	// Source is the metrics URL read (never with a secret in it).
	Source string `json:"source"`
	// Missing says why there are no server figures ("the target serves no
	// metrics at …: 404"); the other fields are then empty.
	Missing string `json:"missing,omitempty"`
	// Warnings are the scrapes that failed during the run, one line each
	// (the figures come from those that worked).
	Warnings []string `json:"warnings,omitempty"`
	// WindowS is the time between the first and the last scrape of the
	// run; Scrapes counts the scrapes read.
	WindowS float64 `json:"window_s"`
	Scrapes int     `json:"scrapes"`

	// Requests counts the requests the server counted in the window on the
	// endpoints the run's requests went to (http_requests_total);
	// ClientRequests those orybench sent and got an answer to in the same
	// window, and CountDiff (Requests - ClientRequests) / ClientRequests.
	Requests       uint64  `json:"requests"`
	ClientRequests uint64  `json:"client_requests"`
	CountDiff      float64 `json:"count_diff"`
	// Endpoints are the server's figures by endpoint (Kratos's route, its
	// parameters as {name}) and method, the run's own endpoints only.
	Endpoints []ServerEndpoint `json:"endpoints"`
	// Latency is the server's time to answer over all of Endpoints, from
	// http_requests_duration_seconds; Mean from its sum and count.
	Latency ServerLatency `json:"latency_ms"`
	// BucketsMs are the upper bounds of the duration histogram's buckets.
	BucketsMs []float64 `json:"buckets_ms,omitempty"`

	// CPUSeconds is the CPU time the server process used in the window
	// (process_cpu_seconds_total); CPUPerRequestMs that over Requests.
	CPUSeconds      float64 `json:"cpu_seconds"`
	CPUPerRequestMs float64 `json:"cpu_per_request_ms"`
	// CPUCores is the mean number of cores the server kept busy
	// (CPUSeconds / WindowS), CPUCoresPeak the most over any one second
	// between two scrapes; Cores the cores it could use, when known (0
	// for a target orybench did not start).
	CPUCores     float64 `json:"cpu_cores"`
	CPUCoresPeak float64 `json:"cpu_cores_peak"`
	Cores        int     `json:"cores,omitempty"`
	// GeneratorCores is the mean number of cores orybench itself, the load
	// generator, kept busy over the same window: on one machine with the
	// target, both draw on Cores.
	GeneratorCores float64 `json:"generator_cores,omitempty"`
	// MachineCores is the mean number of cores busy on the whole machine
	// over the window, every process counted (the server, its database,
	// orybench, anything else): for a target orybench started, on Linux.
	MachineCores float64 `json:"machine_cores,omitempty"`
	// RSSBytesMax is the most resident memory seen
	// (process_resident_memory_bytes); GoroutinesMax the most goroutines
	// (go_goroutines); OpenFDsMax the most open file descriptors of
	// MaxFDs.
	RSSBytesMax   uint64 `json:"rss_bytes_max"`
	GoroutinesMax uint64 `json:"goroutines_max"`
	OpenFDsMax    uint64 `json:"open_fds_max,omitempty"`
	MaxFDs        uint64 `json:"max_fds,omitempty"`

	// Database is set for a target whose database orybench runs (the
	// local postgres profile).
	Database *DatabaseView `json:"database,omitempty"`
}

// ServerEndpoint is the server's count and latency of one endpoint and
// method over a run.
type ServerEndpoint struct {
	Endpoint string `json:"endpoint"`
	Method   string `json:"method"`
	// Requests counts them all; Statuses by status code.
	Requests uint64            `json:"requests"`
	Statuses map[string]uint64 `json:"statuses"`
	Latency  ServerLatency     `json:"latency_ms"`
}

// ServerLatency are percentiles from a duration histogram's buckets, and
// the mean from its sum; in milliseconds.
type ServerLatency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Mean float64 `json:"mean"`
}

// DatabaseView is a PostgreSQL database's statistics over a run
// (pg_stat_database, pg_stat_activity), and the pool Kratos keeps to it.
type DatabaseView struct {
	// Commits and Rollbacks count the transactions of the run's window.
	Commits   uint64 `json:"commits"`
	Rollbacks uint64 `json:"rollbacks"`
	// BlocksRead were read from disk (or the OS cache), BlocksHit found in
	// PostgreSQL's buffer cache; HitRatio = hit / (hit + read).
	BlocksRead uint64  `json:"blocks_read"`
	BlocksHit  uint64  `json:"blocks_hit"`
	HitRatio   float64 `json:"hit_ratio"`
	// ConnectionsMax is the most connections to the database seen open,
	// ActiveMax the most of them running a statement at once; PoolSize the
	// most Kratos may open (its DSN's max_conns).
	ConnectionsMax int `json:"connections_max"`
	ActiveMax      int `json:"active_max"`
	PoolSize       int `json:"pool_size"`
	// BusyConnections is how many connections were in use on average over
	// the window: running a statement or holding a transaction open
	// (PostgreSQL's active_time and idle_in_transaction_time). ActiveMax,
	// read once a second, misses most statements of a millisecond; this
	// misses none.
	BusyConnections float64 `json:"busy_connections"`
}

// CapacityLimit names what was closest to its limit at the lowest rate a
// capacity search saw fail, from the server's figures at that rate and at
// the highest rate that held.
type CapacityLimit struct {
	// Rate is the failing rate judged.
	Rate float64 `json:"rate"`
	// Closest is the resource nearest its limit: "cpu" (the server's
	// process), "machine-cpu" (the server and orybench together, on one
	// machine), "db-pool", or "outside-server" (the server's latency
	// stayed flat while the client's grew: the load generator, the network
	// or a queue in front of the server's handlers).
	Closest string `json:"closest"`
	// Reason says it in a sentence, with the figures.
	Reason string `json:"reason"`
	// Resources are each resource's use at Rate, nearest its limit first.
	Resources []ResourceUse `json:"resources"`
}

// ResourceUse is how much of one resource a run used: Used of Limit, and
// Fraction = Used / Limit (for "outside-server", the share of the client's
// p99 the server's p99 does not explain).
type ResourceUse struct {
	Resource string  `json:"resource"`
	Used     float64 `json:"used"`
	Limit    float64 `json:"limit"`
	Fraction float64 `json:"fraction"`
	Unit     string  `json:"unit"`
}
