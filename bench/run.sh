#!/usr/bin/env bash
# make bench: orybench, the vegeta CLI and wrk side by side on loopback, one
# table. Needs bin/orybench (make build); bin/kratos (make kratos) adds the
# Kratos rows. Takes about five minutes; see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
mkdir -p bin
[ -x bin/orybench ] || $GO build -trimpath -o bin/orybench ./cmd/orybench
# vegeta's CLI from the module cache: the same version as the library.
[ -x bin/vegeta ] || $GO build -trimpath -o bin/vegeta github.com/tsenart/vegeta/v12
if ! command -v wrk >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } || true
	fi
fi
exec $GO run ./bench -orybench bin/orybench -vegeta bin/vegeta "$@"
