package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Paths and the user inside the image.
const (
	binaryPath = "/usr/local/bin/orybench"
	caPath     = "/etc/ssl/certs/ca-certificates.crt"
	workDir    = "/work"
	nonroot    = 65532
)

// passwd and group name root and nonroot, so that a tool (or a shell in a
// debugging sidecar) that looks up uid 65532 finds a name and a home.
const (
	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/work:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\n"
)

// entry is one file or directory of a layer.
type entry struct {
	path     string // without the leading slash
	dir      bool
	mode     int64
	uid, gid int
	body     []byte
}

// baseLayer is what every platform's image shares, below orybench: the
// directories, passwd and group, a world-writable /tmp, the working
// directory owned by nonroot, and the CA bundle read from caFile (the
// build machine's: scratch has none, and orybench speaks HTTPS to Ory
// Network). It is the same layer, with the same digest, on every platform.
func baseLayer(caFile string, created time.Time) (v1.Layer, error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("CA bundle for the image: %w", err)
	}
	if len(ca) == 0 {
		return nil, fmt.Errorf("CA bundle for the image: %s is empty", caFile)
	}
	return layer(created,
		entry{path: "etc/", dir: true, mode: 0o755},
		entry{path: "etc/passwd", mode: 0o644, body: []byte(passwd)},
		entry{path: "etc/group", mode: 0o644, body: []byte(group)},
		entry{path: "etc/ssl/", dir: true, mode: 0o755},
		entry{path: "etc/ssl/certs/", dir: true, mode: 0o755},
		entry{path: caPath[1:], mode: 0o644, body: ca},
		entry{path: "tmp/", dir: true, mode: 0o1777},
		entry{path: "usr/", dir: true, mode: 0o755},
		entry{path: "usr/local/", dir: true, mode: 0o755},
		entry{path: "usr/local/bin/", dir: true, mode: 0o755},
		entry{path: workDir[1:] + "/", dir: true, mode: 0o755, uid: nonroot, gid: nonroot},
	)
}

// binaryLayer holds the orybench binary read from file, owned by root and
// executable by everyone.
func binaryLayer(file string, created time.Time) (v1.Layer, error) {
	bin, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("orybench binary: %w", err)
	}
	return layer(created, entry{path: binaryPath[1:], mode: 0o755, body: bin})
}

// layer writes entries, in order, into a tar stream whose every header is
// fixed by its arguments (modification time created, no user or group
// names beyond the ids, USTAR format), so that the same files make the same
// layer digest on every build.
func layer(created time.Time, entries ...entry) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.path,
			Mode:    e.mode,
			Uid:     e.uid,
			Gid:     e.gid,
			ModTime: created,
			Format:  tar.FormatUSTAR,
		}
		if e.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.path, err)
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.path, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
