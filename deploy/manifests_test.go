package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/orybench/orybench/loadtest"
)

// manifestFiles are the files a run applies (kubernetes/) and the optional
// results pod.
func manifestFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in kubernetes/: %v", err)
	}
	return append(files, "results-pod.yaml")
}

// objects decoded from the manifests, by kind and name.
type objects struct {
	jobs       map[string]*batchv1.Job
	configMaps map[string]*corev1.ConfigMap
	claims     map[string]*corev1.PersistentVolumeClaim
	pods       map[string]*corev1.Pod
}

// decoder decodes YAML into the Kubernetes API types of batch/v1 and
// core/v1 as the API server's strict field validation does: a field the
// type lacks (matched case-sensitively) or a duplicate key is an error.
var decoder = func() *kjson.Serializer {
	scheme := runtime.NewScheme()
	if err := errors.Join(batchv1.AddToScheme(scheme), corev1.AddToScheme(scheme)); err != nil {
		panic(err)
	}
	return kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
}()

// decodeStrict decodes one YAML document into the API type of its
// apiVersion and kind, and files it in o by name.
func decodeStrict(doc []byte, o *objects) (string, error) {
	obj, _, err := decoder.Decode(doc, nil, nil)
	if err != nil {
		return "", err
	}
	var name string
	switch v := obj.(type) {
	case *batchv1.Job:
		name, o.jobs[v.Name] = v.Name, v
	case *corev1.ConfigMap:
		name, o.configMaps[v.Name] = v.Name, v
	case *corev1.PersistentVolumeClaim:
		name, o.claims[v.Name] = v.Name, v
	case *corev1.Pod:
		name, o.pods[v.Name] = v.Name, v
	default:
		return "", fmt.Errorf("unexpected %T", obj)
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return name, fmt.Errorf("name %q: %s", name, strings.Join(errs, "; "))
	}
	return name, nil
}

func decodeAll(t *testing.T) *objects {
	t.Helper()
	o := newObjects()
	for _, f := range manifestFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(data, []byte("\n---\n")) {
			if _, err := decodeStrict(doc, o); err != nil {
				t.Errorf("%s, document %d: %v", f, i+1, err)
			}
		}
	}
	return o
}

// TestManifestsDecodeStrictly: every manifest is a Kubernetes object with
// no field its API type lacks; a misspelt field is caught.
func TestManifestsDecodeStrictly(t *testing.T) {
	o := decodeAll(t)
	if len(o.jobs) != 2 || len(o.configMaps) != 1 || len(o.claims) != 1 || len(o.pods) != 1 {
		t.Errorf("decoded %d jobs, %d config maps, %d claims, %d pods; want 2, 1, 1, 1",
			len(o.jobs), len(o.configMaps), len(o.claims), len(o.pods))
	}
	data, err := os.ReadFile("kubernetes/shards-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, typo := range []struct{ from, to string }{
		{"completionMode: Indexed", "completionmode: Indexed"},
		{"  parallelism: 4", "  parallelism: 4\n  parallelism: 5"},
		{"claimName: orybench-results", "claimName: orybench-results\n            readonly: true"},
	} {
		bad := strings.Replace(string(data), typo.from, typo.to, 1)
		_, err := decodeStrict([]byte(bad), newObjects())
		t.Logf("%q: %v", typo.to, err)
		if err == nil {
			t.Errorf("%q instead of %q decoded without an error", typo.to, typo.from)
		}
	}
}

func newObjects() *objects {
	return &objects{jobs: map[string]*batchv1.Job{}, configMaps: map[string]*corev1.ConfigMap{},
		claims: map[string]*corev1.PersistentVolumeClaim{}, pods: map[string]*corev1.Pod{}}
}

// TestManifestsAgree checks what the API types do not: the shards Job is
// Indexed with one pod per shard, all at once; every reference (claim,
// config map key) exists; and the scenario is one orybench runs.
func TestManifestsAgree(t *testing.T) {
	o := decodeAll(t)
	cm := o.configMaps["orybench-run"]
	shards, merge := o.jobs["orybench-shards"], o.jobs["orybench-merge"]
	if cm == nil || shards == nil || merge == nil {
		t.Fatalf("want the orybench-run ConfigMap and the orybench-shards and orybench-merge Jobs")
	}
	n := cm.Data["shards"]
	s := shards.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("orybench-shards: completionMode %v, want Indexed", s.CompletionMode)
	}
	if s.Completions == nil || s.Parallelism == nil || fmt.Sprint(*s.Completions) != n || fmt.Sprint(*s.Parallelism) != n {
		t.Errorf("orybench-shards: completions %v, parallelism %v; want both the ConfigMap's shards, %s", s.Completions, s.Parallelism, n)
	}
	sc, err := loadtest.ParseScenario("orybench-run scenario.yaml", []byte(cm.Data["scenario.yaml"]))
	if err != nil {
		t.Errorf("the ConfigMap's scenario: %v", err)
	} else if sc.Sessions < 4 {
		t.Errorf("a session pool of %d leaves a shard without its own sessions", sc.Sessions)
	}
	for _, pod := range []struct {
		name string
		spec corev1.PodSpec
	}{{"orybench-shards", shards.Spec.Template.Spec}, {"orybench-merge", merge.Spec.Template.Spec}, {"orybench-results", o.pods["orybench-results"].Spec}} {
		if pod.spec.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%s: restartPolicy %q, want Never", pod.name, pod.spec.RestartPolicy)
		}
		for _, v := range pod.spec.Volumes {
			if c := v.PersistentVolumeClaim; c != nil && o.claims[c.ClaimName] == nil {
				t.Errorf("%s: volume %s claims %s, which no manifest makes", pod.name, v.Name, c.ClaimName)
			}
			if c := v.ConfigMap; c != nil {
				for _, item := range c.Items {
					if _, ok := o.configMaps[c.Name].Data[item.Key]; !ok {
						t.Errorf("%s: volume %s wants %s key %s, which it lacks", pod.name, v.Name, c.Name, item.Key)
					}
				}
			}
		}
		for _, c := range slices.Concat(pod.spec.InitContainers, pod.spec.Containers) {
			for _, e := range c.Env {
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil {
					if _, ok := o.configMaps[r.Name].Data[r.Key]; !ok && (r.Optional == nil || !*r.Optional) {
						t.Errorf("%s/%s: env %s wants %s key %s, which it lacks", pod.name, c.Name, e.Name, r.Name, r.Key)
					}
				}
			}
		}
	}
}

// shellOf returns the script a container runs with /bin/sh -c.
func shellOf(t *testing.T, c corev1.Container) string {
	t.Helper()
	if !slices.Equal(c.Command, []string{"/bin/sh", "-c"}) || len(c.Args) != 1 {
		t.Fatalf("container %s: command %q, args %q; want /bin/sh -c SCRIPT", c.Name, c.Command, c.Args)
	}
	return c.Args[0]
}

// runScript runs a container's script with /results and /config moved to
// root, the container's env from the ConfigMap, extra env, and a stub
// orybench first on PATH.
func runScript(t *testing.T, script, root string, env ...string) (int, string) {
	t.Helper()
	script = strings.NewReplacer("/results", root+"/results", "/config", root+"/config").Replace(script)
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append([]string{"PATH=" + root + "/bin:" + os.Getenv("PATH")}, env...)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// TestShardScripts runs the shell of the shards Job and of the merge's
// wait with a stub orybench: completion index k runs shard k+1 of N into
// its own directory and leaves exit-code; the pod fails only when orybench
// could not judge (exit 2); the wait ends when every shard has left
// exit-code, and gives up, bounded, when one has not.
func TestShardScripts(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	o := decodeAll(t)
	cm := o.configMaps["orybench-run"].Data
	shard := shellOf(t, o.jobs["orybench-shards"].Spec.Template.Spec.Containers[0])
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The stub writes its arguments where the run's --out is, and exits $STUB_RC.
	stub := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ROOT/args-$JOB_COMPLETION_INDEX\"\nexit \"$STUB_RC\"\n"
	if err := os.WriteFile(filepath.Join(root, "bin", "orybench"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"ROOT=" + root, "RUN_ID=" + cm["run-id"], "SHARDS=" + cm["shards"], "TARGET=" + cm["target"], "ADMIN_URL=" + cm["admin-url"]}
	shardsDir := filepath.Join(root, "results", cm["run-id"], "shards")
	for k, rc := range []int{0, 1, 2, 0} {
		code, out := runScript(t, shard, root, append(env, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", k), fmt.Sprintf("STUB_RC=%d", rc))...)
		if want := map[bool]int{true: 0, false: 1}[rc <= 1]; code != want {
			t.Errorf("index %d, orybench exit %d: pod exit %d, want %d\n%s", k, rc, code, want, out)
		}
		dir := filepath.Join(shardsDir, fmt.Sprintf("shard-%d", k+1))
		if got, _ := os.ReadFile(filepath.Join(dir, "exit-code")); strings.TrimSpace(string(got)) != fmt.Sprint(rc) {
			t.Errorf("index %d: exit-code %q, want %d", k, got, rc)
		}
		args, _ := os.ReadFile(filepath.Join(root, fmt.Sprintf("args-%d", k)))
		want := []string{"load", "--scenario", root + "/config/scenario.yaml", "--target", cm["target"],
			"--shard", fmt.Sprintf("%d/%s", k+1, cm["shards"]), "--sync-dir", shardsDir, "--out", dir, "--progress=false", "--yes",
			"--admin-url", cm["admin-url"]}
		if got := strings.Split(strings.TrimSpace(string(args)), "\n"); !slices.Equal(got, want) {
			t.Errorf("index %d: orybench %q, want %q", k, got, want)
		}
	}

	merge := o.jobs["orybench-merge"].Spec.Template.Spec
	wait := shellOf(t, merge.InitContainers[0])
	if code, out := runScript(t, wait, root, env...); code != 0 {
		t.Errorf("wait with every shard done: exit %d\n%s", code, out)
	}
	os.Remove(filepath.Join(shardsDir, "shard-3", "exit-code"))
	short := strings.Replace(strings.Replace(wait, "seq 1 1440", "seq 1 2", 1), "sleep 5", "sleep 0", 1)
	if short == wait {
		t.Fatal("the wait is no longer a bounded seq loop with sleep 5: update this test")
	}
	if code, out := runScript(t, short, root, env...); code != 2 || !strings.Contains(out, "only 3 of 4 shards") {
		t.Errorf("wait with a shard missing: exit %d, %q; want 2 and how many are done", code, out)
	}
	// The merge reads the shards' directory of the run and writes beside it.
	args := strings.Join(merge.Containers[0].Args, " ")
	if args != "report merge --in /results/$(RUN_ID)/shards --out /results/$(RUN_ID)/merged" ||
		!slices.ContainsFunc(merge.Containers[0].Env, func(e corev1.EnvVar) bool { return e.Name == "RUN_ID" }) {
		t.Errorf("merge: args %q with env %v", args, merge.Containers[0].Env)
	}
}
