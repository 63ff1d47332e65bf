package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

const testVersion = "v0.0.0-imagetest+x"

// TestImage builds orybench for linux/amd64 and linux/arm64 from this
// repository, builds the image from them, reads the tarball and the OCI
// layout back (each validated: every digest and size matches its content),
// and runs the binary extracted from the host's image.
func TestImage(t *testing.T) {
	if runtime.GOOS != "linux" || (runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64") {
		t.Skipf("the image's binaries run on linux/amd64 and linux/arm64, not on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	in := t.TempDir()
	arches := []string{"amd64", "arm64"}
	for _, a := range arches {
		buildOrybench(t, in, a)
	}
	ca := filepath.Join(t.TempDir(), "ca.crt")
	caBody := []byte("-----BEGIN CERTIFICATE-----\nnot a certificate: the test checks it is copied\n-----END CERTIFICATE-----\n")
	if err := os.WriteFile(ca, caBody, 0o644); err != nil {
		t.Fatal(err)
	}
	o := Options{
		In: in, Out: t.TempDir(), Arches: arches, TarballArch: runtime.GOARCH,
		Version: testVersion, Revision: "0123456789abcdef", Created: time.Unix(1700000000, 0).UTC(), CAFile: ca,
	}
	res, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("tarball", func(t *testing.T) {
		tag, err := name.NewTag("orybench:v0.0.0-imagetest-x")
		if err != nil {
			t.Fatal(err)
		}
		img, err := tarball.ImageFromPath(res.Tarball, &tag)
		if err != nil {
			t.Fatalf("the tarball holds no image tagged %s: %v", tag, err)
		}
		if err := validate.Image(img); err != nil {
			t.Fatalf("the tarball's image does not hold together: %v", err)
		}
		checkConfig(t, img, runtime.GOARCH, o)
		root := t.TempDir()
		headers := extract(t, mutate.Extract(img), root)
		checkFiles(t, headers, root, caBody, o.Created)
		runBinary(t, filepath.Join(root, binaryPath), filepath.Join(root, workDir))
	})

	t.Run("layout", func(t *testing.T) {
		top, err := layout.ImageIndexFromPath(res.Layout)
		if err != nil {
			t.Fatal(err)
		}
		m, err := top.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Manifests) != 1 || m.Manifests[0].Digest != res.Index || m.Manifests[0].Annotations[refName] != Tag(testVersion) {
			t.Fatalf("index.json: %+v, want one entry, the index %s named %s", m.Manifests, res.Index, Tag(testVersion))
		}
		idx, err := top.ImageIndex(res.Index)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Index(idx); err != nil {
			t.Fatalf("the layout's index does not hold together: %v", err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		var platforms []string
		var bases []v1.Hash
		for _, d := range im.Manifests {
			if d.Platform == nil {
				t.Fatalf("index entry %s has no platform", d.Digest)
			}
			p := d.Platform.String()
			platforms = append(platforms, p)
			if d.Digest != res.Images[p] {
				t.Errorf("%s: digest %s, Build said %s", p, d.Digest, res.Images[p])
			}
			img, err := idx.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			checkConfig(t, img, d.Platform.Architecture, o)
			layers, err := img.Layers()
			if err != nil || len(layers) != 2 {
				t.Fatalf("%s: %d layers (%v), want 2: base and binary", p, len(layers), err)
			}
			base, err := layers[0].Digest()
			if err != nil {
				t.Fatal(err)
			}
			bases = append(bases, base)
			rc, err := layers[1].Uncompressed()
			if err != nil {
				t.Fatal(err)
			}
			bin := t.TempDir()
			extract(t, rc, bin)
			checkMachine(t, filepath.Join(bin, binaryPath), d.Platform.Architecture)
		}
		if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(platforms, want) {
			t.Errorf("platforms %v, want %v", platforms, want)
		}
		if len(bases) == 2 && bases[0] != bases[1] {
			t.Errorf("base layers differ between platforms: %v", bases)
		}
	})

	t.Run("reproducible", func(t *testing.T) {
		o2 := o
		o2.Out = t.TempDir()
		again, err := Build(o2)
		if err != nil {
			t.Fatal(err)
		}
		if again.Index != res.Index {
			t.Errorf("index digest %s, then %s from the same binaries", res.Index, again.Index)
		}
		if a, b := fileSum(t, res.Tarball), fileSum(t, again.Tarball); a != b {
			t.Errorf("tarball sha256 %x, then %x from the same binaries", a, b)
		}
	})
}

// buildOrybench builds cmd/orybench of the repository for linux/arch into
// dir as make dist does, stamped with testVersion.
func buildOrybench(t *testing.T, dir, arch string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version="+testVersion,
		"-o", binaryFile(dir, arch), "./cmd/orybench")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build for linux/%s: %v\n%s", arch, err, out)
	}
}

// checkConfig checks img's configuration: linux/arch, run as
// deploy/Dockerfile's image runs, labelled.
func checkConfig(t *testing.T, img v1.Image, arch string, o Options) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if cf.OS != "linux" || cf.Architecture != arch {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, arch)
	}
	if !slices.Equal(c.Entrypoint, []string{binaryPath}) || c.User != "65532:65532" || c.WorkingDir != workDir {
		t.Errorf("entrypoint %q, user %q, working dir %q; want [%s], 65532:65532, %s", c.Entrypoint, c.User, c.WorkingDir, binaryPath, workDir)
	}
	if !cf.Created.Time.Equal(o.Created) {
		t.Errorf("created %v, want %v", cf.Created.Time, o.Created)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.version":  o.Version,
		"org.opencontainers.image.revision": o.Revision,
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.created":  "2023-11-14T22:13:20Z",
	} {
		if got := c.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
}

// checkFiles checks the image's filesystem, extracted into root with its
// tar headers: the binary, the CA bundle, the users and the working dir.
func checkFiles(t *testing.T, headers map[string]*tar.Header, root string, caBody []byte, created time.Time) {
	t.Helper()
	for _, c := range []struct {
		path      string
		mode, uid int64
	}{
		{binaryPath, 0o755, 0},
		{caPath, 0o644, 0},
		{"/etc/passwd", 0o644, 0},
		{"/tmp", 0o1777, 0},
		{workDir, 0o755, nonroot},
	} {
		h, ok := headers[strings.TrimPrefix(c.path, "/")]
		if !ok {
			t.Errorf("no %s in the image", c.path)
			continue
		}
		if h.Mode != c.mode || int64(h.Uid) != c.uid || !h.ModTime.Equal(created) {
			t.Errorf("%s: mode %o, uid %d, time %v; want %o, %d, %v", c.path, h.Mode, h.Uid, h.ModTime, c.mode, c.uid, created)
		}
	}
	if got, err := os.ReadFile(filepath.Join(root, caPath)); err != nil || !bytes.Equal(got, caBody) {
		t.Errorf("%s in the image: %q, %v; want the CA bundle given", caPath, got, err)
	}
	if got, err := os.ReadFile(filepath.Join(root, "etc/passwd")); err != nil || !strings.Contains(string(got), "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd in the image: %q, %v; want a nonroot user of uid 65532", got, err)
	}
}

// runBinary runs the image's orybench in dir: --version prints the version
// it was stamped with, conform --help its usage.
func runBinary(t *testing.T, bin, dir string) {
	t.Helper()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--version"}, []string{testVersion}},
		{[]string{"conform", "--help"}, []string{"Run the conformance suites", "-out"}},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("orybench %s from the image: %v\n%s", strings.Join(c.args, " "), err, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("orybench %s from the image printed no %q:\n%s", strings.Join(c.args, " "), w, out)
			}
		}
	}
}

// checkMachine checks that file is an ELF executable for arch.
func checkMachine(t *testing.T, file, arch string) {
	t.Helper()
	want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[arch]
	f, err := elf.Open(file)
	if err != nil {
		t.Fatalf("%s binary: %v", arch, err)
	}
	defer f.Close()
	if f.Machine != want {
		t.Errorf("%s image's binary is for %v, want %v", arch, f.Machine, want)
	}
}

// extract unpacks the tar stream rc into root (regular files and
// directories, which are all the image holds) and returns its headers by
// path; an entry that would land outside root fails the test.
func extract(t *testing.T, rc io.ReadCloser, root string) map[string]*tar.Header {
	t.Helper()
	defer rc.Close()
	headers := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return headers
		}
		if err != nil {
			t.Fatal(err)
		}
		rel := filepath.Clean(h.Name)
		if !filepath.IsLocal(rel) {
			t.Fatalf("image entry %q is outside the root", h.Name)
		}
		headers[filepath.ToSlash(rel)] = h
		p := filepath.Join(root, rel)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, body, os.FileMode(h.Mode).Perm()); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("image entry %q has type %c: the image holds only files and directories", h.Name, h.Typeflag)
		}
	}
}

// fileSum is file's SHA-256.
func fileSum(t *testing.T, file string) [sha256.Size]byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestTag checks that versions become valid tags.
func TestTag(t *testing.T) {
	for _, c := range []struct{ version, want string }{
		{"", "dev"},
		{"v1.2.0", "v1.2.0"},
		{"v1.2.0-3-gabcdef0-dirty", "v1.2.0-3-gabcdef0-dirty"},
		{"v1.2.0+meta", "v1.2.0-meta"},
		{"-x", "_x"},
		{".x", "_x"},
		{strings.Repeat("a", 200), strings.Repeat("a", 128)},
	} {
		got := Tag(c.version)
		if got != c.want {
			t.Errorf("Tag(%q) = %q, want %q", c.version, got, c.want)
		}
		if _, err := name.NewTag("orybench:" + got); err != nil {
			t.Errorf("Tag(%q) = %q, not a valid tag: %v", c.version, got, err)
		}
	}
}

// TestBadInput checks that what the image cannot be built from is refused
// with one line and exit code 2, before anything is written.
func TestBadInput(t *testing.T) {
	in := t.TempDir()
	for _, a := range []string{"amd64", "arm64"} {
		if err := os.WriteFile(binaryFile(in, a), []byte("binary"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ca := filepath.Join(in, "ca.crt")
	if err := os.WriteFile(ca, []byte("ca"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no binary", []string{"-in", t.TempDir(), "-ca", ca}, "run make dist"},
		{"no CA bundle", []string{"-in", in, "-ca", filepath.Join(in, "none.crt")}, "no CA bundle"},
		{"tarball architecture not built", []string{"-in", in, "-ca", ca, "-arches", "amd64", "-tarball-arch", "arm64"}, "tarball architecture arm64 is not among"},
		{"no architectures", []string{"-in", in, "-ca", ca, "-arches", ","}, "no architectures"},
		{"argument", []string{"-in", in, "-ca", ca, "extra"}, `unexpected argument "extra"`},
		{"no -in", []string{"-in", "", "-ca", ca}, "-in and -out are required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"-out", out, "-tarball-arch", "amd64"}, c.args...), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), c.want) || strings.Count(stderr.String(), "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", code, stderr.String(), c.want)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("wrote %d entries into -out on bad input", len(entries))
			}
		})
	}
}
