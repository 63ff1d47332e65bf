package results

import (
	"path/filepath"
	"sort"
)

// FuzzFile is the name of a fuzz run's result document.
const FuzzFile = "fuzz.json"

// Fuzz is fuzz.json: what a run of generated requests found.
type Fuzz struct {
	Format
	Target    TargetInfo `json:"target"`
	Contract  *Contract  `json:"contract,omitempty"`
	Orybench  string     `json:"orybench_version"`
	Command   string     `json:"command,omitempty"`
	StartedAt string     `json:"started_at"`
	DurationS float64    `json:"duration_s"`
	// Seed makes the run's requests: the same seed, the same requests.
	Seed uint64 `json:"seed"`
	// Cases is how many generated requests were sent; ShrinkRequests how
	// many more shrinking the findings took; SetupErrors how many cases
	// could not be sent because their live flow or session could not be
	// made.
	Cases          int `json:"cases"`
	ShrinkRequests int `json:"shrink_requests"`
	SetupErrors    int `json:"setup_errors"`
	// Operations counts the cases sent per operation.
	Operations map[string]int `json:"operations"`
	// Stopped says why the run ended: "duration", "max-requests",
	// "interrupted" or "target-unreachable: ...".
	Stopped  string        `json:"stopped"`
	Findings []FuzzFinding `json:"findings"`
	// Stale are the allow-list's entries no finding of the run matched.
	Stale []string `json:"stale,omitempty"`
}

// FuzzFinding is one distinct problem: every answer with the same key
// (operation, status, check, detail) is the same finding.
type FuzzFinding struct {
	Key       string `json:"key"`
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	// Check is what the answer failed: "server-error", "undocumented-status",
	// "schema", "content-type" or "secret-echo".
	Check string `json:"check"`
	// Detail is the error id, the schema pointer, the Content-Type or the
	// kind of secret that tells this finding from others of its check.
	Detail  string `json:"detail,omitempty"`
	Message string `json:"message"`
	Mode    string `json:"mode"`
	// Case is the index of the first generated request that showed it,
	// which Seed reproduces; Count how many cases showed it.
	Case  int `json:"case"`
	Count int `json:"count"`
	// Input is the shrunk request (live values as {{flow}}, {{csrf_token}},
	// {{session_token}} placeholders), Shrinks how many simplifications
	// still reproduced it.
	Input   any    `json:"input"`
	Shrinks int    `json:"shrinks"`
	Curl    string `json:"curl"`
	Allowed bool   `json:"allowed,omitempty"`
}

// Failed reports whether the run found anything not allowed, or an
// allow-list entry went stale.
func (f *Fuzz) Failed() bool {
	for _, x := range f.Findings {
		if !x.Allowed {
			return true
		}
	}
	return len(f.Stale) > 0
}

// Write writes fuzz.json into dir, at FormatVersion, and returns its path.
func (f *Fuzz) Write(dir string) (string, error) {
	sort.SliceStable(f.Findings, func(i, j int) bool { return f.Findings[i].Key < f.Findings[j].Key })
	return writeDocumentIn(dir, FuzzFile, f)
}

// ReadFuzz reads a fuzz.json.
func ReadFuzz(path string) (*Fuzz, error) { return readAs[Fuzz](path) }

// FuzzRun is one saved fuzz run, as orybench fuzz leaves it in its output
// directory: fuzz.json, which carries the facts of its run itself.
type FuzzRun struct {
	Dir    string
	Result Fuzz
}

// ReadFuzzRun reads the fuzz run saved in dir. Its error matches
// fs.ErrNotExist when dir holds no fuzz.json.
func ReadFuzzRun(dir string) (*FuzzRun, error) {
	f, err := ReadFuzz(filepath.Join(dir, FuzzFile))
	if err != nil {
		return nil, err
	}
	return &FuzzRun{Dir: dir, Result: *f}, nil
}
