#!/usr/bin/env bash
# make bench-db: the whoami and native login-flow creation capacity of
# Kratos on PostgreSQL (the postgres profile) vs in-memory SQLite (the
# default profile), measured in one run, and the table of the README's
# performance section.
#
# Both Kratos instances run side by side (`orybench local up --profile
# postgres --profile default`) and are loaded in turn at each step of a
# rate sweep, so that whatever else the machine does hits both alike. A
# step is `orybench load --target ... --rate R --duration 10s --threshold
# 'p99<50ms'`: it holds when p99 (from each request's intended send time)
# is under 50 ms, fewer than 0.1% of answers are unexpected and at least
# 99% of the requested rate went out. A profile's capacity is the highest
# rate that held; its sweep ends at the first step that fails twice in a row
# (one retry, for the noise of a shared machine). REPEAT sweeps give the
# median capacity and the median of each sweep's PostgreSQL / SQLite ratio.
#
# Needs bin/orybench and bin/kratos (make build kratos), PostgreSQL's
# server binaries (make postgres) and jq. Settings from the environment:
#   RATES="25 50 ..."  requested rates, rising   DURATION=10s  each step
#   SLO='p99<50ms'     the latency threshold     REPEAT=1      sweeps
#   OUT=dir            results (default out/capacity-db/TIME)
set -euo pipefail
cd "$(dirname "$0")/.."
ORYBENCH=${ORYBENCH:-bin/orybench}
KRATOS=${KRATOS:-bin/kratos}
RATES=${RATES:-25 50 75 100 125 150 200 250 300 400 500 700 1000}
DURATION=${DURATION:-10s}
SLO=${SLO:-p99<50ms}
REPEAT=${REPEAT:-1}
OUT=${OUT:-out/capacity-db/$(date -u +%Y%m%dT%H%M%SZ)}
PROFILES=(postgres default)
SCENARIOS=(whoami bench/login-flow-native.yaml)

if ! command -v jq >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y -qq jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
	else
		echo "capacity-db: needs jq" >&2
		exit 2
	fi
fi
mkdir -p "$OUT"

# Both Kratos instances, stopped (with their PostgreSQL server) on exit.
"$ORYBENCH" local up --kratos-bin "$KRATOS" --profile postgres --profile default >"$OUT/local.txt" 2>&1 &
up=$!
trap 'kill -INT $up 2>/dev/null; wait $up 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
	grep -q '^ready' "$OUT/local.txt" && break
	kill -0 $up 2>/dev/null || { cat "$OUT/local.txt" >&2; exit 2; }
	sleep 0.1
done
grep -q '^ready' "$OUT/local.txt" || { echo "capacity-db: local Kratos not ready in 60s" >&2; cat "$OUT/local.txt" >&2; exit 2; }
declare -A PUBLIC ADMIN
while read -r _ profile _ public _ admin _; do
	PUBLIC[$profile]=$public
	ADMIN[$profile]=$admin
done < <(grep '^kratos ' "$OUT/local.txt")
pool=$(grep -o 'max_conns=[0-9]*&max_idle_conns=[0-9]*' "$OUT/local.txt" || true)

# step SWEEP SCENARIO PROFILE RATE: one measured step; adds a row to
# steps.tsv and succeeds when it held.
step() {
	local sweep=$1 sc=$2 profile=$3 rate=$4 dir rc=0
	dir="$OUT/$sweep-$(basename "$sc" .yaml)-$profile-$rate"
	[ ! -e "$dir" ] || dir="$dir-retry"
	"$ORYBENCH" load --scenario "$sc" --target "${PUBLIC[$profile]}" --admin-url "${ADMIN[$profile]}" \
		--rate "$rate" --duration "$DURATION" --threshold "$SLO" --out "$dir" --progress=false \
		>"$dir.txt" 2>&1 || rc=$?
	[ -f "$dir/summary.json" ] || { echo "capacity-db: no summary in $dir:" >&2; tail -5 "$dir.txt" >&2; exit 2; }
	jq -r --arg w "$sweep" --arg sc "$(basename "$sc" .yaml)" --arg p "$profile" --arg r "$rate" \
		'[$w, $sc, $p, $r, (.rate.achieved|floor), .latency_ms.p50, .latency_ms.p99, .errors.total,
		  (if .passed then "held" else "failed" end)] | @tsv' "$dir/summary.json" >>"$OUT/steps.tsv"
	tail -1 "$OUT/steps.tsv" >&2
	return $rc
}

printf 'sweep\tscenario\tprofile\trequested\tachieved\tp50_ms\tp99_ms\terrors\tresult\n' >"$OUT/steps.tsv"
printf 'sweep\tscenario\tprofile\tcapacity\tp99_ms\n' >"$OUT/capacity.tsv"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for sweep in $(seq 1 "$REPEAT"); do
	for sc in "${SCENARIOS[@]}"; do
		declare -A cap=([postgres]=0 [default]=0) p99=([postgres]=0 [default]=0) over=()
		for rate in $RATES; do
			for profile in "${PROFILES[@]}"; do
				[ -z "${over[$profile]:-}" ] || continue
				if step "$sweep" "$sc" "$profile" "$rate" || step "$sweep" "$sc" "$profile" "$rate"; then
					cap[$profile]=$rate
					p99[$profile]=$(tail -1 "$OUT/steps.tsv" | cut -f7)
				else
					over[$profile]=1
				fi
			done
		done
		for profile in "${PROFILES[@]}"; do
			printf '%s\t%s\t%s\t%s\t%s\n' "$sweep" "$(basename "$sc" .yaml)" "$profile" "${cap[$profile]}" "${p99[$profile]}" >>"$OUT/capacity.tsv"
		done
		unset cap p99 over
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The table: the median capacity of each profile (each sweep's in
# brackets when there were several), and the median of the sweeps' ratios.
pgversion=$(ls -d /usr/lib/postgresql/*/ 2>/dev/null | xargs -rn1 basename | sort -n | tail -1)
{
	echo "Kratos v1.3.1 on $(nproc) cores; PostgreSQL ${pgversion:-?} ($pool); $REPEAT sweep(s) of $DURATION steps, SLO $SLO;"
	echo "load average before $load_before, after $load_after."
	echo
	echo "| scenario | SQLite (in-memory) | PostgreSQL | PostgreSQL / SQLite |"
	echo "|---|---|---|---|"
	awk -F'\t' '
		function median(list,   a, n, i, j, t) {
			n = split(list, a, " ")
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		function cell(sc, p,   m) {
			m = median(caps[sc, p])
			return m == 0 ? "below the first step" : sprintf("%g/s%s", m, sweeps > 1 ? " (" caps[sc, p] ")" : sprintf(" (p99 %.1f ms)", p99s[sc, p]))
		}
		NR == 1 { next }
		{
			if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
			caps[$2, $3] = caps[$2, $3] (caps[$2, $3] == "" ? "" : " ") $4
			p99s[$2, $3] = $5
			c[$1, $2, $3] = $4
			if ($1 > sweeps) sweeps = $1
		}
		END {
			name["whoami"] = "whoami (toSession, 100 sessions)"
			name["login-flow-native"] = "native login flow creation"
			for (i = 1; i <= n; i++) {
				sc = order[i]; ratios = ""
				for (w = 1; w <= sweeps; w++) if (c[w, sc, "default"] > 0) ratios = ratios " " c[w, sc, "postgres"] / c[w, sc, "default"]
				printf "| %s | %s | %s | %s |\n", name[sc], cell(sc, "default"), cell(sc, "postgres"),
					ratios == "" ? "–" : sprintf("%.2f", median(ratios))
			}
		}' "$OUT/capacity.tsv"
} | tee "$OUT/capacity.md"
echo
echo "every step: $OUT/steps.tsv"
