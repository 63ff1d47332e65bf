package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Options says what to build the image from and where to write it.
type Options struct {
	// In holds the binaries, named orybench-linux-<arch> as make dist names them.
	In string
	// Out receives the OCI layout (Out/oci) and the tarball.
	Out string
	// Arches are the linux architectures of the OCI layout's index.
	Arches []string
	// TarballArch is the architecture of the docker-load-able tarball; it
	// must be one of Arches.
	TarballArch string
	// Version and Revision label the image; Version (made a valid tag) tags it.
	Version, Revision string
	// Created is the image's and every file's time: the commit's time,
	// so that the same binaries make the same digests.
	Created time.Time
	// CAFile is the CA bundle copied into the image.
	CAFile string
}

// Validate checks that o names at least one architecture, the tarball's
// among them, and that every binary and the CA bundle are there, each
// failure in one line that says what to do.
func (o Options) Validate() error {
	if len(o.Arches) == 0 {
		return errors.New("no architectures to build (-arches)")
	}
	if !slices.Contains(o.Arches, o.TarballArch) {
		return fmt.Errorf("tarball architecture %s is not among the architectures %s", o.TarballArch, strings.Join(o.Arches, ","))
	}
	for _, a := range o.Arches {
		if _, err := os.Stat(binaryFile(o.In, a)); err != nil {
			return fmt.Errorf("no linux/%s binary: %w (run make dist, or pass -in)", a, err)
		}
	}
	if _, err := os.Stat(o.CAFile); err != nil {
		return fmt.Errorf("no CA bundle to copy into the image: %w (install ca-certificates, or pass -ca)", err)
	}
	return nil
}

// binaryFile is the linux/arch binary in dir, as make dist names it.
func binaryFile(dir, arch string) string {
	return filepath.Join(dir, "orybench-linux-"+arch)
}

// Result is what Build wrote.
type Result struct {
	// Layout is the OCI image layout directory; its index.json names one
	// image index, of every platform, annotated with the tag.
	Layout string
	// Index is that image index's digest: what a registry serves for the tag.
	Index v1.Hash
	// Tarball is the docker-save tarball of TarballArch's image.
	Tarball string
	// Ref is the tarball's repository and tag.
	Ref string
	// Images maps each platform ("linux/amd64") to its image manifest's digest.
	Images map[string]v1.Hash
}

// refName is the OCI annotation that names a layout's entry, as skopeo's
// oci:DIR:NAME and other tools look it up.
const refName = "org.opencontainers.image.ref.name"

// Build writes the orybench image: one image per architecture, each of a
// base layer shared by all (CA bundle, passwd, /tmp, /work) and a layer with
// the binary; an OCI layout of their index; and a tarball of one of them
// for docker load or podman load.
func Build(o Options) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	tag, err := name.NewTag("orybench:" + Tag(o.Version))
	if err != nil {
		return Result{}, err
	}
	base, err := baseLayer(o.CAFile, o.Created)
	if err != nil {
		return Result{}, err
	}
	res := Result{
		Layout:  filepath.Join(o.Out, "oci"),
		Tarball: filepath.Join(o.Out, "orybench-"+tag.TagStr()+"-linux-"+o.TarballArch+".tar"),
		Ref:     "orybench:" + tag.TagStr(),
		Images:  map[string]v1.Hash{},
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range o.Arches {
		img, err := platformImage(o, base, arch)
		if err != nil {
			return Result{}, err
		}
		platform := v1.Platform{OS: "linux", Architecture: arch}
		if res.Images[platform.String()], err = img.Digest(); err != nil {
			return Result{}, err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &platform}})
		if arch == o.TarballArch {
			if err := os.MkdirAll(o.Out, 0o755); err != nil {
				return Result{}, err
			}
			if err := tarball.WriteToFile(res.Tarball, tag, img); err != nil {
				return Result{}, fmt.Errorf("tarball %s: %w", res.Tarball, err)
			}
		}
	}
	if res.Index, err = idx.Digest(); err != nil {
		return Result{}, err
	}
	// A layout keeps every blob ever written to it: start afresh, so that
	// it holds this build only.
	if err := os.RemoveAll(res.Layout); err != nil {
		return Result{}, err
	}
	p, err := layout.Write(res.Layout, empty.Index)
	if err != nil {
		return Result{}, fmt.Errorf("OCI layout %s: %w", res.Layout, err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{refName: tag.TagStr()})); err != nil {
		return Result{}, fmt.Errorf("OCI layout %s: %w", res.Layout, err)
	}
	return res, nil
}

// platformImage is the image for linux/arch: base and the binary
// binaryFile(In, arch), configured as deploy/Dockerfile's image runs
// (orybench the entrypoint, user 65532) but with a working directory
// nonroot can write into, since orybench writes out/ relative to it.
func platformImage(o Options, base v1.Layer, arch string) (v1.Image, error) {
	bin, err := binaryLayer(binaryFile(o.In, arch), o.Created)
	if err != nil {
		return nil, err
	}
	created := v1.Time{Time: o.Created}
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.ConfigFile(img, &v1.ConfigFile{
		Architecture: arch,
		OS:           "linux",
		Created:      created,
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			Entrypoint: []string{binaryPath},
			User:       fmt.Sprintf("%d:%d", nonroot, nonroot),
			WorkingDir: workDir,
			Env: []string{
				"PATH=/usr/local/bin:/usr/bin:/bin",
				"SSL_CERT_FILE=" + caPath,
			},
			Labels: Labels(o.Version, o.Revision, o.Created),
		},
	})
	if err != nil {
		return nil, err
	}
	return mutate.Append(img,
		mutate.Addendum{Layer: base, History: v1.History{Created: created, CreatedBy: "deploy/image: CA bundle, passwd, /tmp, /work"}},
		mutate.Addendum{Layer: bin, History: v1.History{Created: created, CreatedBy: "deploy/image: " + binaryPath}},
	)
}

// Labels are the image's OCI annotations (org.opencontainers.image.*).
func Labels(version, revision string, created time.Time) map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":       "orybench",
		"org.opencontainers.image.description": "Conformance and load checks for Ory Kratos's FrontendApi (no Kratos inside)",
		"org.opencontainers.image.source":      "https://github.com/orybench/orybench",
		"org.opencontainers.image.licenses":    "Apache-2.0",
		"org.opencontainers.image.version":     version,
		"org.opencontainers.image.created":     created.UTC().Format(time.RFC3339),
	}
	if revision != "" {
		l["org.opencontainers.image.revision"] = revision
	}
	return l
}

// Tag makes version a valid image tag: characters a tag may not hold
// become "-", a leading "." or "-" becomes "_", and an empty version is "dev".
func Tag(version string) string {
	t := strings.Map(func(r rune) rune {
		if r == '_' || r == '.' || r == '-' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '-'
	}, version)
	if t == "" {
		return "dev"
	}
	if t[0] == '.' || t[0] == '-' {
		t = "_" + t[1:]
	}
	if len(t) > 128 {
		t = t[:128]
	}
	return t
}
