#!/usr/bin/env bash
# make soak: the whole conformance suite RUNS times in a row, to count its
# flakes: first on the local profiles orybench starts itself (SQLite), then
# on the username profile (a deployment unlike orybench's own), then through
# --target at one Kratos on PostgreSQL (`orybench local up --profile
# postgres`, started once and reused by every run, as a
# self-hosted deployment would be). Each run is a plain `orybench conform`;
# its exit code and every case that did not pass or deviate as expected are
# tallied. The table at the end is the figure quoted for "no flakes".
#
# Needs bin/orybench and bin/kratos (make build kratos) and PostgreSQL's
# server binaries (make postgres), and jq. Settings from the environment:
#   RUNS=20       runs of each kind       KINDS="local username postgres"  which kinds
#   OUT=dir       results (default out/soak/TIME)
set -uo pipefail
cd "$(dirname "$0")/.."
ORYBENCH=${ORYBENCH:-bin/orybench}
KRATOS=${KRATOS:-bin/kratos}
RUNS=${RUNS:-20}
KINDS=${KINDS:-local username postgres}
OUT=${OUT:-out/soak/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
. bench/needs-jq.sh soak
SCRIPT=soak
. bench/local-up.sh

# failed_cases prints the cases of a conformance.json that failed or whose
# set-up failed, one "operation status client name: reason" line each.
failed_cases() {
	jq -r '.cases[] | select(.outcome == "failed" or .outcome == "setup-failed") | "\(.operation) \(.status) \(.client) \(.name): \(.reason)"' "$1/conformance.json" 2>/dev/null ||
		echo "(no conformance.json: see $1.log)"
}

run_kind() { # kind, then conform's target flags
	local kind=$1 fails=0 i rc
	shift
	for i in $(seq 1 "$RUNS"); do
		"$ORYBENCH" conform "$@" --out "$OUT/$kind/$i" >"$OUT/$kind/$i.log" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			fails=$((fails + 1))
			echo "$kind run $i: exit $rc" | tee -a "$OUT/failures.txt"
			failed_cases "$OUT/$kind/$i" | sed 's/^/  /' | tee -a "$OUT/failures.txt"
		fi
		printf '%s run %2d/%d: exit %d, %s s\n' "$kind" "$i" "$RUNS" $rc "$(jq -r '.duration_s | floor' "$OUT/$kind/$i/conformance.json" 2>/dev/null)"
	done
	echo "$kind: $fails of $RUNS runs failed" >>"$OUT/table.txt"
}

for kind in $KINDS; do
	mkdir -p "$OUT/$kind"
	case $kind in
	local)
		run_kind local --kratos-bin "$KRATOS"
		;;
	username)
		# a deployment unlike orybench's own: a 16-character username,
		# recovery and verification by link (orybench local up --help)
		run_kind username --kratos-bin "$KRATOS" --profile username
		;;
	postgres)
		local_up "$OUT/local-up.txt" --profile postgres
		run_kind postgres --target "$public" --admin-url "$admin" --max-rps 0
		kill -INT $up 2>/dev/null
		wait $up 2>/dev/null
		;;
	*)
		echo "soak: unknown kind $kind (local, username, postgres)" >&2
		exit 2
		;;
	esac
done
echo
cat "$OUT/table.txt"
echo "results: $OUT"
! grep -q '[1-9][0-9]* of' "$OUT/table.txt"
