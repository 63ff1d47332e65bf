package deploy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
)

// The CI workflows in ci/ are for people to copy; these tests run their
// shell as a runner would, with the real orybench, against a local Kratos
// standing in for the staging project their secrets name.

// githubWorkflow is what the test reads of ci/github-actions.yml; a key it
// does not know is an error.
type githubWorkflow struct {
	Name        string
	On          map[string]any `yaml:"on"`
	Permissions map[string]string
	Env         map[string]string
	Jobs        map[string]struct {
		RunsOn         string `yaml:"runs-on"`
		TimeoutMinutes int    `yaml:"timeout-minutes"`
		Env            map[string]string
		Steps          []githubStep
	}
}

type githubStep struct {
	Name, ID, If, Uses, Run, Shell string
	With                           map[string]string
	Env                            map[string]string
}

// gitlabJob is what the test reads of the job in ci/gitlab-ci.yml.
type gitlabJob struct {
	Image        string
	Timeout      string
	Variables    map[string]string
	BeforeScript []string `yaml:"before_script"`
	Script       []string
	Artifacts    struct {
		When     string
		ExpireIn string `yaml:"expire_in"`
		Paths    []string
		Reports  struct {
			JUnit string `yaml:"junit"`
		}
	}
}

// decodeStrictYAML decodes a file into v, refusing keys v lacks.
func decodeStrictYAML(t *testing.T, path string, v any) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return data
}

// ciRun is one run of a workflow's shell: a workspace to run it in, a
// local Kratos for its secrets to name, and the orybench release its
// install step downloads, served by a curl stub.
type ciRun struct {
	kratos    *localkratos.Instance
	workspace string
	stubs     string // first on PATH: curl serving dist, an orybench that must not run
	dist      string // what the release download serves
	downloads string // the URLs curl was asked for, one a line
	apiKey    string // the stand-in for the ORY_API_KEY secret, found in no output
}

// distNames are the files `make dist` writes, read from the Makefile: the
// binary of each of DIST_PLATFORMS, and the checksum file.
func distNames(t *testing.T) []string {
	t.Helper()
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	platforms := regexp.MustCompile(`(?m)^DIST_PLATFORMS\s*=\s*(.+)$`).FindSubmatch(mk)
	sums := regexp.MustCompile(`sha256sum orybench-\* > (\S+)`).FindSubmatch(mk)
	if platforms == nil || sums == nil {
		t.Fatal("the Makefile's dist target no longer sets DIST_PLATFORMS or writes sha256sum orybench-* > FILE: update this test")
	}
	var names []string
	for _, p := range strings.Fields(string(platforms[1])) {
		names = append(names, "orybench-"+strings.Replace(p, "/", "-", 1))
	}
	return append(names, string(sums[1]))
}

// newCIRun starts the local Kratos and lays out a release as `make dist`
// names it: this host's orybench (built from ../cmd/orybench, or
// $ORYBENCH_BIN) as orybench-linux-amd64, and SHA256SUMS with a line for
// every platform, whose other binaries are absent (the install step's
// --ignore-missing skips them, as it does on a real download).
func newCIRun(t *testing.T) *ciRun {
	t.Helper()
	if testing.Short() {
		t.Skip("builds orybench and starts Kratos")
	}
	kratosBin := os.Getenv("ORYBENCH_KRATOS_BIN")
	if kratosBin == "" {
		kratosBin, _ = filepath.Abs("../bin/kratos")
	}
	if _, err := os.Stat(kratosBin); err != nil {
		t.Skipf("no Kratos binary (make kratos): %v", err)
	}
	r := &ciRun{workspace: t.TempDir(), stubs: t.TempDir(), dist: t.TempDir(), apiKey: "ory_pat_workflowtest" + strings.Repeat("x", 24)}
	r.downloads = filepath.Join(r.stubs, "downloads")

	names := distNames(t)
	const binary, sums = "orybench-linux-amd64", "SHA256SUMS"
	if !slices.Contains(names, binary) || !slices.Contains(names, sums) {
		t.Fatalf("make dist writes %q; the workflows download %s and %s", names, binary, sums)
	}
	bin := filepath.Join(r.dist, binary)
	if prebuilt := os.Getenv("ORYBENCH_BIN"); prebuilt != "" {
		data, err := os.ReadFile(prebuilt)
		if err != nil {
			t.Fatalf("$ORYBENCH_BIN: %v", err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
	} else {
		build := exec.Command("go", "build", "-o", bin, "./cmd/orybench")
		build.Dir = ".."
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build ./cmd/orybench: %v\n%s", err, out)
		}
	}
	var sumLines strings.Builder
	for _, name := range names[:len(names)-1] {
		data, err := os.ReadFile(filepath.Join(r.dist, name))
		if os.IsNotExist(err) {
			data = []byte("absent: " + name)
		} else if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		fmt.Fprintf(&sumLines, "%s  %s\n", hex.EncodeToString(h[:]), name)
	}
	if err := os.WriteFile(filepath.Join(r.dist, sums), []byte(sumLines.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	// curl as the install steps call it (-fsSL --retry N -o FILE URL),
	// serving the URL's last element from dist; an orybench that is found
	// only if the install step failed to put its own first on PATH.
	curl := `#!/bin/sh
out= url=
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift 2 ;;
    --retry) shift 2 ;;
    -fsSL) shift ;;
    https://*) url=$1; shift ;;
    *) echo "curl stub: unexpected argument $1" >&2; exit 2 ;;
  esac
done
echo "$url" >> "$DOWNLOADS"
cp "$DIST/${url##*/}" "$out" || exit 22
`
	stray := "#!/bin/sh\necho 'an orybench other than the one the install step put on PATH' >&2\nexit 97\n"
	for name, text := range map[string]string{"curl": curl, "orybench": stray} {
		if err := os.WriteFile(filepath.Join(r.stubs, name), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	var err error
	if r.kratos, err = localkratos.Start(t.Context(), localkratos.Options{Bin: kratosBin}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.kratos.Stop() })
	return r
}

// env is the environment of a step: a runner's few variables, then vars
// in order (later wins). Nothing else of the test's environment leaks in
// (no real ORY_API_KEY, no ORYBENCH_KRATOS_BIN).
func (r *ciRun) env(path []string, vars ...map[string]string) []string {
	env := map[string]string{
		"PATH":      strings.Join(append(path, r.stubs, os.Getenv("PATH")), ":"),
		"HOME":      os.Getenv("HOME"),
		"CI":        "true",
		"DIST":      r.dist,
		"DOWNLOADS": r.downloads,
	}
	for _, v := range vars {
		maps.Copy(env, v)
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// shell runs script with bash and the given flags in the workspace and
// returns what it printed; it fails the test unless bash exits 0.
func (r *ciRun) shell(t *testing.T, what, script string, env []string, flags ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "step.sh")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append(append([]string{"--noprofile", "--norc"}, flags...), file)...)
	cmd.Dir, cmd.Env = r.workspace, env
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), r.apiKey) {
		t.Errorf("%s printed the API key", what)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
	return string(out)
}

// checkInstall checks what the install step fetched: the release's binary
// and SHA256SUMS, from the pinned version's download URL.
func (r *ciRun) checkInstall(t *testing.T, version string) {
	t.Helper()
	data, err := os.ReadFile(r.downloads)
	if err != nil {
		t.Fatalf("the install step downloaded nothing: %v", err)
	}
	base := "https://github.com/orybench/orybench/releases/download/" + version + "/"
	want := []string{base + "orybench-linux-amd64", base + "SHA256SUMS"}
	if got := strings.Fields(string(data)); !slices.Equal(got, want) {
		t.Errorf("the install step downloaded %q, want %q", got, want)
	}
}

// checkOutputs checks what the orybench steps left under the workspace:
// the JUnit files a report pattern names (one for each run, each JUnit XML
// with test cases), the artifact paths, and a conformance run that went to
// the local Kratos the secrets named (not one orybench started itself).
// It returns the run directories, those of the JUnit files.
func (r *ciRun) checkOutputs(t *testing.T, junitPattern string, artifacts []string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(r.workspace, junitPattern))
	if err != nil || len(files) != 2 {
		t.Fatalf("%s matches %q (%v); want the conformance and the load run's junit.xml", junitPattern, files, err)
	}
	var dirs []string
	for _, f := range files {
		if n, err := junitCases(f); err != nil || n == 0 {
			t.Errorf("%s: %d test cases (%v); want JUnit XML with some", f, n, err)
		}
		dirs = append(dirs, filepath.Dir(f))
	}
	for _, a := range artifacts {
		for _, d := range dirs {
			if !strings.HasPrefix(d, filepath.Join(r.workspace, a)) {
				t.Errorf("artifact path %s leaves out %s", a, d)
			}
		}
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, reports.HTMLFile)); err != nil {
			t.Error(err)
		}
	}
	confs, _ := filepath.Glob(filepath.Join(r.workspace, filepath.Dir(junitPattern), results.ConformanceFile))
	if len(confs) != 1 {
		t.Fatalf("conformance.json: %q, want one beside a junit.xml", confs)
	}
	conf, err := results.ReadConformance(confs[0])
	if err != nil {
		t.Fatal(err)
	}
	if conf.Target.URL != r.kratos.PublicURL || conf.Target.AdminURL != r.kratos.AdminURL || conf.Failed() {
		t.Errorf("conformance.json: target %s, admin %s, failed %v; want %s, %s and a pass",
			conf.Target.URL, conf.Target.AdminURL, conf.Failed(), r.kratos.PublicURL, r.kratos.AdminURL)
	}
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if bytes.Contains(data, []byte(r.apiKey)) {
				t.Errorf("%s holds the API key", path)
			}
			return err
		})
		if err != nil {
			t.Error(err)
		}
	}
	return dirs
}

// junitCases parses a JUnit XML file as a test-report reader does
// (<testsuites> of <testsuite> of <testcase>) and counts its test cases.
func junitCases(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []struct {
			Tests int `xml:"tests,attr"`
			Cases []struct {
				Name string `xml:"name,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return 0, err
	}
	n := 0
	for _, s := range doc.Suites {
		if s.Tests != len(s.Cases) {
			return 0, fmt.Errorf("a suite says tests=%d but holds %d test cases", s.Tests, len(s.Cases))
		}
		n += len(s.Cases)
	}
	return n, nil
}

// shortLoad makes a workflow's load run last 3 s instead of 30 s.
func shortLoad(t *testing.T, script string) string {
	t.Helper()
	short := strings.Replace(script, "--duration 30s", "--duration 3s", 1)
	if strings.Contains(script, "orybench load") && short == script {
		t.Fatal("the load step no longer says --duration 30s: update this test")
	}
	return short
}

// expression matches a GitHub Actions ${{ … }} expression.
var expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// TestGitHubWorkflow runs the shell steps of ci/github-actions.yml in
// order, each with bash -e as the runner's default shell does, against the
// local Kratos: the install step with curl serving a release laid out as
// make dist names it, then conform and a 3 s load. Each step's exit status
// is 0, $GITHUB_STEP_SUMMARY holds the two runs' summary.md, and the
// artifact and test-report steps (not run: they are actions) name files
// that are there, with if: always().
func TestGitHubWorkflow(t *testing.T) {
	var wf githubWorkflow
	raw := decodeStrictYAML(t, "ci/github-actions.yml", &wf)
	for _, on := range []string{"push", "pull_request", "workflow_dispatch"} {
		if _, ok := wf.On[on]; !ok {
			t.Errorf("the workflow does not run on %s", on)
		}
	}
	if wf.Permissions["checks"] != "write" {
		t.Errorf("permissions: checks %q; the test-report action needs write to publish its check run", wf.Permissions["checks"])
	}
	if len(wf.Jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(wf.Jobs))
	}
	r := newCIRun(t)
	// The expressions the workflow may use, as the runner fills them in;
	// any other fails the test. An unset secret or variable is "".
	values := map[string]string{
		"secrets.ORY_SDK_URL":     r.kratos.PublicURL,
		"secrets.ORY_API_KEY":     r.apiKey,
		"vars.ORYBENCH_ADMIN_URL": r.kratos.AdminURL,
	}
	for _, m := range expression.FindAllSubmatch(raw, -1) {
		if _, ok := values[string(m[1])]; !ok {
			t.Fatalf("the workflow uses ${{ %s }}, which this test does not fill in: add it to values", m[1])
		}
	}
	fill := func(s string) string {
		return expression.ReplaceAllStringFunc(s, func(e string) string { return values[expression.FindStringSubmatch(e)[1]] })
	}
	fillAll := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = fill(v)
		}
		return out
	}

	summary := filepath.Join(t.TempDir(), "step-summary.md")
	runner := map[string]string{"GITHUB_STEP_SUMMARY": summary, "GITHUB_WORKSPACE": r.workspace, "RUNNER_TEMP": t.TempDir(), "GITHUB_ACTIONS": "true"}
	var (
		path       []string // what steps added through $GITHUB_PATH, latest first
		uses       = map[string]githubStep{}
		installed  bool
		jobEnv     map[string]string
		orybenchRn int
	)
	for _, job := range wf.Jobs {
		jobEnv = job.Env
		for i, step := range job.Steps {
			what := fmt.Sprintf("step %d (%s)", i+1, step.Name)
			if step.Uses != "" {
				uses[strings.Split(step.Uses, "@")[0]] = step
				continue
			}
			if step.Shell != "" || step.If != "" {
				t.Fatalf("%s: shell %q, if %q: this test runs steps with the default shell, in order", what, step.Shell, step.If)
			}
			ghPath := filepath.Join(t.TempDir(), "github-path")
			env := r.env(path, fillAll(wf.Env), fillAll(job.Env), fillAll(step.Env), runner, map[string]string{"GITHUB_PATH": ghPath})
			out := r.shell(t, what, shortLoad(t, fill(step.Run)), env, "-e")
			if step.ID == "install" {
				installed = true
				t.Logf("%s ran with curl serving this build as the release (no network here):\n%s", what, out)
			} else if strings.Contains(step.Run, "orybench ") {
				orybenchRn++
			}
			added, _ := os.ReadFile(ghPath)
			for _, p := range strings.Fields(string(added)) {
				path = append([]string{p}, path...)
			}
		}
	}
	if !installed || orybenchRn != 2 {
		t.Fatalf("ran the install step: %v, %d orybench steps; want an install step (id: install) and conform and load", installed, orybenchRn)
	}
	r.checkInstall(t, jobEnv["ORYBENCH_VERSION"])

	artifact, report := uses["actions/upload-artifact"], uses["mikepenz/action-junit-report"]
	for name, s := range map[string]githubStep{"actions/upload-artifact": artifact, "mikepenz/action-junit-report": report} {
		if s.If != "always()" {
			t.Errorf("%s: if %q, want always(): a failed run's report matters most", name, s.If)
		}
	}
	dirs := r.checkOutputs(t, report.With["report_paths"], []string{artifact.With["path"]})

	// Each run appended its summary.md, and nothing else was written.
	job, err := os.ReadFile(summary)
	if err != nil {
		t.Fatalf("$GITHUB_STEP_SUMMARY: %v", err)
	}
	rest := string(job)
	for _, d := range dirs {
		md, err := os.ReadFile(filepath.Join(d, reports.MarkdownFile))
		if err != nil || len(md) == 0 || !strings.Contains(rest, string(md)+"\n") {
			t.Errorf("$GITHUB_STEP_SUMMARY lacks %s's summary.md (%v):\n%s", d, err, job)
			continue
		}
		rest = strings.Replace(rest, string(md)+"\n", "", 1)
	}
	if rest != "" {
		t.Errorf("$GITHUB_STEP_SUMMARY holds more than the runs' summaries: %q", rest)
	}
}

// TestGitLabJob runs the job of ci/gitlab-ci.yml as GitLab's runner does:
// before_script (the install, with curl serving a release laid out as make
// dist names it) and script in one bash with -e and pipefail, the project's
// CI/CD variables naming the local Kratos (GitLab sets no
// $GITHUB_STEP_SUMMARY); then checks the files its artifacts and
// reports:junit name.
func TestGitLabJob(t *testing.T) {
	var jobs map[string]gitlabJob
	decodeStrictYAML(t, "ci/gitlab-ci.yml", &jobs)
	job, ok := jobs["orybench"]
	if !ok || len(jobs) != 1 {
		t.Fatalf("jobs %v, want orybench alone", slices.Collect(maps.Keys(jobs)))
	}
	if job.Artifacts.When != "always" || job.Artifacts.Reports.JUnit == "" {
		t.Errorf("artifacts when %q, reports:junit %q; want always, and the JUnit files", job.Artifacts.When, job.Artifacts.Reports.JUnit)
	}
	r := newCIRun(t)
	settings := map[string]string{"ORY_SDK_URL": r.kratos.PublicURL, "ORY_API_KEY": r.apiKey, "ORYBENCH_ADMIN_URL": r.kratos.AdminURL}
	env := r.env(nil, settings, job.Variables, map[string]string{"CI_PROJECT_DIR": r.workspace, "GITLAB_CI": "true"})
	script := strings.Join(slices.Concat(job.BeforeScript, job.Script), "\n")
	out := r.shell(t, "the orybench job", shortLoad(t, script), env, "-e", "-o", "pipefail")
	t.Logf("the job's before_script ran with curl serving this build as the release (no network here); its output ends:\n%s", tail(out, 5))
	r.checkInstall(t, job.Variables["ORYBENCH_VERSION"])
	r.checkOutputs(t, job.Artifacts.Reports.JUnit, job.Artifacts.Paths)
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
