# orybench — everything a fresh machine needs is built or installed from here.
#
#   make run     build, start the local Kratos, check and load it, print the report
#   make test    vet, unit tests and the conformance suite against local Kratos (SQLite and PostgreSQL)
#   make bench   orybench, the vegeta CLI and wrk side by side on loopback
#   make kratos  build the pinned Ory Kratos into bin/kratos (once)
#   make dist    release binaries for linux and darwin, amd64 and arm64, and their SHA256SUMS, in bin/dist/
#   make image   the container image without Docker: an OCI layout (linux/amd64, linux/arm64) and a docker-load tarball, in bin/image/
#   make test-postgres  the conformance suite against Kratos on PostgreSQL
#   make bench-db       whoami, login-flow, registration and browser-login capacity, PostgreSQL vs SQLite, bcrypt cost 12 and 4
#   make capacity-check orybench capacity finds a test server's known capacity (about 3 minutes)
#   make fuzz-replay    orybench fuzz for DURATION=5m on the local default profile, then every finding replayed by its curl command
#   make soak           the conformance suite RUNS=20 times on the local profiles, the username profile and through --target at PostgreSQL: its flake count

GO            ?= go
KRATOS_VERSION = v1.3.1
BIN            = $(CURDIR)/bin
OUT           ?= $(CURDIR)/out
RUN_ID        := $(shell date -u +%Y%m%dT%H%M%SZ)

export ORYBENCH_KRATOS_BIN = $(BIN)/kratos

.PHONY: all build dist image image-check kratos run test vet unit browser conformance schemas schemas-check bench fuzz fuzz-smoke fuzz-live-smoke fuzz-replay clean postgres test-postgres bench-db deploy-check capacity-check soak

all: build kratos

## build: bin/orybench, the one binary users run, stamped with VERSION
## (git describe; empty outside a git checkout, where the version the go
## command records stands). -buildvcs=auto records the VCS revision and
## whether the tree was modified even where GOFLAGS turns that off (the go
## command finds no VCS in a git worktree, whose .git is a file: there the
## describe output's hash is the revision). Static (CGO_ENABLED=0), as dist
## and the image build it: one set of compiled packages serves all three.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
GOBUILD  = CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=auto -ldflags "-X main.version=$(VERSION)"
build:
	$(GOBUILD) -o $(BIN)/orybench ./cmd/orybench

## dist: bin/dist/orybench-<os>-<arch> for linux and darwin, amd64 and arm64,
## static (CGO_ENABLED=0) and stamped as build does, and SHA256SUMS of them.
## On darwin every command works but those that start a local Kratos (local
## up, and conform, load, capacity and fuzz without --target): they need Linux.
DIST_PLATFORMS = linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
DIST           = $(BIN)/dist
dist:
	@rm -rf $(DIST) && mkdir -p $(DIST)
	@for p in $(DIST_PLATFORMS); do \
	  echo "building orybench-$${p%/*}-$${p#*/}"; \
	  CGO_ENABLED=0 GOOS=$${p%/*} GOARCH=$${p#*/} $(GOBUILD) -o $(DIST)/orybench-$${p%/*}-$${p#*/} ./cmd/orybench || exit 1; \
	done
	cd $(DIST) && sha256sum orybench-* > SHA256SUMS

## image: orybench's container image, built without Docker by deploy/image
## (go-containerregistry, in its own module) from dist's linux binaries,
## built into bin/image/dist: on an empty base, orybench, the build
## machine's CA bundle, user 65532 and a writable /work; no shell, no Kratos.
## An OCI layout of linux/amd64 and linux/arm64 in bin/image/oci, and a
## tarball of the host's for docker load or podman load. The image and its
## files are dated at the commit, so the same binaries make the same digests.
image:
	@$(MAKE) --no-print-directory dist DIST=$(BIN)/image/dist DIST_PLATFORMS="linux/amd64 linux/arm64"
	cd deploy/image && $(GO) run . -in $(BIN)/image/dist -out $(BIN)/image \
	  -version "$(or $(VERSION),dev)" -revision "$$(git rev-parse HEAD 2>/dev/null)" \
	  -created "$$(git log -1 --format=%ct 2>/dev/null || echo 0)"

## kratos: the real Ory Kratos, from its own module (kratos/go.mod), so that
## Kratos's dependencies stay out of orybench's. Rebuilt only when the pin moves.
kratos: $(BIN)/kratos
$(BIN)/kratos: kratos/go.mod kratos/go.sum
	@echo "building Ory Kratos $(KRATOS_VERSION) (a few minutes the first time)"
	cd kratos && $(GO) build -tags sqlite -trimpath \
		-ldflags "-X github.com/ory/kratos/driver/config.Version=$(KRATOS_VERSION)" \
		-o $(BIN)/kratos github.com/ory/kratos
	@touch $@

## run: the main job against the embedded Kratos: the conformance suites, then
## short whoami and flow-creation load runs, then one report of all three.
## Every step runs even when an earlier one failed; make run exits non-zero
## if any did, after printing the report's path. whoami hashes no password in
## its measured step, only in making its session pool: --hasher bcrypt:4 keeps
## that set-up at seconds, where Kratos's default (bcrypt cost 12) adds ~20 s.
run: build kratos
	@mkdir -p $(OUT)/$(RUN_ID); status=0; \
	$(BIN)/orybench conform --out $(OUT)/$(RUN_ID)/conformance || status=1; \
	$(BIN)/orybench load --scenario whoami --hasher bcrypt:4 --rate 100 --duration 10s --out $(OUT)/$(RUN_ID)/load-whoami || status=1; \
	$(BIN)/orybench load --scenario flow-creation --rate 50 --duration 10s --out $(OUT)/$(RUN_ID)/load-flow-creation || status=1; \
	$(BIN)/orybench report --in $(OUT)/$(RUN_ID) --out $(OUT)/$(RUN_ID) >/dev/null || status=1; \
	echo "report: $(OUT)/$(RUN_ID)/report.html"; exit $$status

## test: everything CI checks.
test: vet schemas-check unit fuzz-smoke conformance test-postgres deploy-check image-check

## deploy-check: the Kubernetes manifests in deploy/ decoded strictly into
## the Kubernetes API types (its own module: k8s.io/api and the YAML parser
## stay out of orybench's go.mod), and their shell run with a stub orybench;
## the CI workflows to copy in deploy/ci/ (GitHub Actions and GitLab CI)
## parsed and their shell run with bin/orybench, installed by their own
## install step from a release laid out as dist names it, against a local
## Kratos standing in for the ORY_SDK_URL project (about a minute).
deploy-check: build kratos
	cd deploy && $(GO) vet ./... && ORYBENCH_BIN=$(BIN)/orybench $(GO) test -count=1 ./...

## image-check: deploy/image's test (its own module): it builds orybench for
## linux/amd64 and linux/arm64, builds the image, reads the tarball and the
## OCI layout back, runs --version and conform --help from the unpacked
## image and builds it twice for the same digests.
image-check:
	cd deploy/image && $(GO) vet ./... && $(GO) test -count=1 ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

## unit: package tests; the report's browser test runs on its own, so that
## Chromium does not starve the load runner's timing tests.
unit: kratos browser postgres
	$(GO) test -race -count=1 -timeout 20m $$($(GO) list ./... | grep -v -e /suites$$ -e /reports$$)
	ORYBENCH_SCREENSHOT_DIR=$(OUT)/screenshots $(GO) test -race -count=1 ./reports/

## browser: headless Chromium and chromedriver (Debian) for the report's
## browser test, installed when missing.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >/dev/null; }

conformance: kratos
	$(GO) test -count=1 ./suites/ -args -ginkgo.no-color

## postgres: PostgreSQL's server binaries (Debian's postgresql package) for
## the postgres profile, installed when missing. orybench runs its own
## throwaway server from them; the package's own cluster is not used.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

## test-postgres: the conformance suite with the postgres profile (the
## default profile on PostgreSQL) as its only target: every spec the default
## profile runs; those that need short lifespans or fault injection are
## skipped here with that reason and run in make conformance.
test-postgres: kratos postgres
	ORYBENCH_PROFILES=postgres $(GO) test -count=1 ./suites/ -args -ginkgo.no-color

## bench-db: capacity on the postgres profile vs SQLite, one step sweep
## each, the tables of the README's performance section: whoami and native
## login-flow creation (p99 < 50 ms), then the registration and
## browser-login journeys (journey p99 < 1 s) with bcrypt cost 12 (Kratos's
## default) and with cost 4. About 25 minutes; results in out/capacity-db/.
JOURNEYS = registration login-browser
bench-db: build kratos postgres
	OUT=$(OUT)/capacity-db/$(RUN_ID)-requests bash bench/capacity-db.sh
	OUT=$(OUT)/capacity-db/$(RUN_ID)-journeys-bcrypt12 HASHER=bcrypt:12 SCENARIOS="$(JOURNEYS)" \
	  RATES="1 2 3 4 5 6 8 10 12 16 24" SLO='journey:p99<1s' bash bench/capacity-db.sh
	OUT=$(OUT)/capacity-db/$(RUN_ID)-journeys-bcrypt4 HASHER=bcrypt:4 SCENARIOS="$(JOURNEYS)" \
	  RATES="4 8 12 16 24 32 48 64 96 128" SLO='journey:p99<1s' bash bench/capacity-db.sh

## capacity-check: the capacity search's acceptance check: against a test
## server of known capacity (8 slots of 20 ms: 400 requests/s), orybench
## capacity with its default steps reports a rate within ±10% in under 3
## minutes. make test runs a shorter variant (TestCapacityFindsKnownCapacity).
capacity-check:
	ORYBENCH_CAPACITY_ACCEPTANCE=1 $(GO) test -count=1 -timeout 15m -run '^TestCapacityAcceptance$$' -v ./cmd/orybench/

## schemas: regenerate schemas/<contract>/ for every contract from its pinned
## OpenAPI document: Kratos's spec/api.json (pinned by kratos/go.mod) and the
## Ory Network SDK's api/openapi.yaml (pinned by schemas/sources/network/go.mod).
## The go command downloads each and checks it against its go.sum.
schemas:
	cd schemas/sources/network && $(GO) mod download
	$(GO) run ./cmd/orybench schemas generate

schemas-check: schemas
	@git diff --exit-code -- schemas/ || { echo "schemas/ is out of date: run make schemas and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- schemas/)" || { git status --porcelain -- schemas/; echo "schemas/ is out of date: run make schemas and commit"; exit 1; }

## soak: the whole conformance suite RUNS times in a row on the local
## profiles, RUNS times on the username profile, then RUNS times through
## --target at Kratos on PostgreSQL; the number of runs that failed, and
## each failed case (bench/soak.sh).
RUNS ?= 20
soak: build kratos postgres
	RUNS=$(RUNS) bash bench/soak.sh

bench: build kratos
	bash bench/run.sh

## fuzz: every fuzz target for FUZZTIME each (make fuzz FUZZTIME=10m).
## A crasher lands in the package's testdata/fuzz/: commit it as a
## regression seed, which unit then runs as a plain test.
FUZZ_TARGETS = ./schemas/:FuzzValidate ./loadtest/:FuzzParseScenario ./loadtest/:FuzzParseThreshold ./cmd/orybench/:FuzzLoadArgs
FUZZTIME    ?= 60s
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz $${t#*:} ($${t%%:*}) for $(FUZZTIME)"; \
	  $(GO) test -run='^$$' -fuzz="^$${t#*:}\$$" -fuzztime=$(FUZZTIME) $${t%%:*} || exit 1; \
	done

## fuzz-smoke: the scenario and threshold parsers fuzzed briefly. Every
## target's seed corpus also runs in unit; the flag fuzzer, whose
## instrumented build takes minutes on a cold cache, runs in make fuzz.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=3s FUZZ_TARGETS="./loadtest/:FuzzParseScenario ./loadtest/:FuzzParseThreshold"

## fuzz-live-smoke: `orybench fuzz` sends 150 generated requests (seed 1)
## to the local default profile and writes fuzz.json (TestFuzzLocalSmoke,
## which make test runs in unit with the other package tests).
fuzz-live-smoke: kratos
	ORYBENCH_KRATOS_BIN=$(BIN)/kratos $(GO) test -count=1 -run '^TestFuzzLocalSmoke$$' ./cmd/orybench/

## fuzz-replay: orybench fuzz for DURATION (5m) at seed SEED (1) against
## `orybench local up --profile default`, then each finding's curl command
## run with live values curl itself made; a table of which reproduce
## (bench/fuzz-replay.sh).
DURATION ?= 5m
SEED     ?= 1
fuzz-replay: build kratos
	DURATION=$(DURATION) SEED=$(SEED) bash bench/fuzz-replay.sh

clean:
	rm -rf $(BIN) $(OUT)
