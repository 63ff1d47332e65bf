// Command image builds orybench's container image without Docker, with
// go-containerregistry: from static linux binaries as `make dist` builds
// them (make image builds them into bin/image/dist), on an empty (scratch) base, it writes an OCI image layout of
// every platform's image (linux/amd64 and linux/arm64) and a tarball of the
// host's for `docker load` or `podman load`. `make image` runs it.
//
// The image holds orybench, a CA bundle, passwd and group files, /tmp and
// a working directory /work owned by the user it runs as (65532): no shell
// and no Kratos. deploy/Dockerfile builds the image the Kubernetes Jobs in
// deploy/kubernetes need (their commands run in a shell).
//
// It is its own module, as deploy/ and kratos/ are, so that
// go-containerregistry stays out of orybench's go.mod.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, builds the image and prints where it went: exit 0 when
// it was written, 1 when writing failed, 2 on bad input.
func run(args []string, stdout, stderr io.Writer) int {
	f := flag.NewFlagSet("image", flag.ContinueOnError)
	f.SetOutput(stderr)
	var (
		o       Options
		arches  string
		created int64
	)
	f.StringVar(&o.In, "in", "", "directory of the binaries orybench-linux-<arch> (required)")
	f.StringVar(&o.Out, "out", "", "directory for the OCI layout (oci/) and the tarball (required)")
	f.StringVar(&arches, "arches", "amd64,arm64", "linux architectures of the OCI layout, comma-separated")
	f.StringVar(&o.TarballArch, "tarball-arch", runtime.GOARCH, "architecture of the tarball for docker load")
	f.StringVar(&o.Version, "version", "dev", "version: the image's tag and its version label")
	f.StringVar(&o.Revision, "revision", "", "VCS revision for the image's revision label")
	f.Int64Var(&created, "created", 0, "creation time of the image and its files, in Unix seconds (the commit's, for reproducible digests)")
	f.StringVar(&o.CAFile, "ca", "/etc/ssl/certs/ca-certificates.crt", "CA bundle to copy into the image")
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.In == "" || o.Out == "" {
		fmt.Fprintln(stderr, "image: -in and -out are required")
		return 2
	}
	if f.NArg() > 0 {
		fmt.Fprintf(stderr, "image: unexpected argument %q\n", f.Arg(0))
		return 2
	}
	for _, a := range strings.Split(arches, ",") {
		if a = strings.TrimSpace(a); a != "" {
			o.Arches = append(o.Arches, a)
		}
	}
	o.Created = time.Unix(created, 0).UTC()
	if err := o.Validate(); err != nil {
		fmt.Fprintf(stderr, "image: %v\n", err)
		return 2
	}
	res, err := Build(o)
	if err != nil {
		fmt.Fprintf(stderr, "image: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "OCI layout: %s (index %s)\n", res.Layout, res.Index)
	for _, a := range o.Arches {
		fmt.Fprintf(stdout, "  linux/%s: %s\n", a, res.Images["linux/"+a])
	}
	fmt.Fprintf(stdout, "tarball:    %s (%s, linux/%s)\n", res.Tarball, res.Ref, o.TarballArch)
	return 0
}
