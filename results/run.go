package results

// RunInfoFile is the name of a run's metadata (RunInfo).
const RunInfoFile = "run.json"

// RunInfo is what a result document may not say about its run: how it was
// started and against what. The CLI writes it as run.json next to a load
// run's or a capacity search's files; conformance.json carries the same
// facts itself.
type RunInfo struct {
	Format
	Target        string  `json:"target,omitempty"`
	KratosVersion string  `json:"kratos_version,omitempty"`
	Orybench      string  `json:"orybench_version,omitempty"`
	StartedAt     string  `json:"started_at,omitempty"`
	DurationS     float64 `json:"duration_s,omitempty"`
	Command       string  `json:"command,omitempty"`
}

// Write writes run.json into dir, at FormatVersion, and returns its path.
func (r *RunInfo) Write(dir string) (string, error) { return writeDocumentIn(dir, RunInfoFile, r) }

// ReadRunInfo reads a run.json. Its error matches fs.ErrNotExist when there
// is none, and ErrNewerFormat when a newer orybench wrote it.
func ReadRunInfo(path string) (*RunInfo, error) { return readAs[RunInfo](path) }
