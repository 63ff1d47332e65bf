#!/usr/bin/env bash
# make bench-db: the capacity of Kratos on PostgreSQL (the postgres
# profile) vs SQLite on a file (the default profile), measured in one run,
# and the tables of the README's performance section: whoami and native
# login-flow creation (requests/s), and the registration and browser-login
# journeys (journeys/s) with bcrypt cost 12 (Kratos's default) and cost 4.
#
# Both Kratos instances run side by side (`orybench local up --profile
# postgres --profile default`) and are loaded in turn at each step of a
# rate sweep, so that whatever else the machine does hits both alike. A
# step is `orybench load --target ... --rate R --duration 10s --threshold
# 'p99<50ms'`: it holds when p99 (from each request's intended send time)
# is under 50 ms, fewer than 0.1% of answers are unexpected and at least
# 99% of the requested rate went out. A failed step is tried once more.
# A profile's capacity is the highest rate that held; its sweep ends after
# two rates in a row that did not. REPEAT sweeps give the median capacity
# and the median of the sweeps' PostgreSQL / SQLite ratios.
#
# Capacity on a shared machine moves with its neighbours; CPU time per
# request moves much less. Every step also measures the CPU time Kratos
# (and, on PostgreSQL, the server's processes) spent on it, from /proc,
# less what making and removing the step's fixtures cost (measured once
# per sweep), over the requests sent (warm-up included); the table gives it
# at the highest rate both profiles held, where idle work weighs least.
#
# A journey scenario (registration, login-browser) is judged on whole
# journeys: its rate is journeys/s, its SLO a journey threshold
# (journey:p99<1s) and its CPU time is per journey (CPU per request times
# the requests a journey made).
#
# Needs bin/orybench and bin/kratos (make build kratos), PostgreSQL's
# server binaries (make postgres) and jq. Settings from the environment:
#   SCENARIOS="whoami ..."  what to load          HASHER=bcrypt:4  local up --hasher
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
HASHER=${HASHER:-bcrypt:4}
PROFILES=(postgres default)
read -r -a SCENARIOS <<<"${SCENARIOS:-whoami bench/login-flow-native.yaml}"

. bench/needs-jq.sh capacity-db
mkdir -p "$OUT"

# Both Kratos instances, stopped (with their PostgreSQL server) on exit.
SCRIPT=capacity-db
. bench/local-up.sh
local_up "$OUT/local.txt" --profile postgres --profile default --hasher "$HASHER"
declare -A PUBLIC ADMIN PID
while read -r _ profile _ public _ admin _ pid _; do
	PUBLIC[$profile]=$public
	ADMIN[$profile]=$admin
	PID[$profile]=${pid%,}
done < <(grep '^kratos ' "$OUT/local.txt")
postmaster=$(pgrep -P "$up" -x postgres || true)
[ -n "$postmaster" ] || { echo "capacity-db: no postmaster under orybench (pid $up)" >&2; exit 2; }
pool=$(grep -o 'max_conns=[0-9]*&max_idle_conns=[0-9]*' "$OUT/local.txt" || true)
hz=$(getconf CLK_TCK)

# ticks PROFILE: CPU ticks (user + system, reaped children included) of the
# profile's Kratos and, for postgres, of the server's processes.
ticks() {
	local pids=("${PID[$1]}") t=0 p f
	[ "$1" != postgres ] || pids+=("$postmaster" $(pgrep -P "$postmaster" || true))
	for p in "${pids[@]}"; do
		# Fields after "pid (comm) ": utime, stime, cutime, cstime are 12-15.
		f=($(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null)) || continue
		[ ${#f[@]} -gt 14 ] && t=$((t + f[11] + f[12] + f[13] + f[14]))
	done
	echo $t
}

# load SCENARIO PROFILE RATE DIR [ARGS]: one orybench load; prints the CPU
# ticks it cost and returns its exit code.
load() {
	local sc=$1 profile=$2 rate=$3 dir=$4 before rc=0
	shift 4
	before=$(ticks "$profile")
	"$ORYBENCH" load --scenario "$sc" --target "${PUBLIC[$profile]}" --admin-url "${ADMIN[$profile]}" \
		--rate "$rate" --out "$dir" --progress=false "$@" >"$dir.txt" 2>&1 || rc=$?
	echo $(($(ticks "$profile") - before))
	return $rc
}

# step SWEEP SCENARIO PROFILE RATE: one measured step; adds a row to
# steps.tsv and succeeds when it held.
step() {
	local sweep=$1 sc=$2 profile=$3 rate=$4 name dir cost rc=0
	name=$(basename "$sc" .yaml)
	dir="$OUT/$sweep-$name-$profile-$rate"
	[ ! -e "$dir" ] || dir="$dir-retry"
	cost=$(load "$sc" "$profile" "$rate" "$dir" --duration "$DURATION" --threshold "$SLO") || rc=$?
	[ -f "$dir/summary.json" ] || { echo "capacity-db: no summary in $dir:" >&2; tail -5 "$dir.txt" >&2; exit 2; }
	# A journey's figures are its whole journeys': rate, latency, journeys
	# stopped, and CPU per journey (per request times requests a journey).
	jq -r --arg w "$sweep" --arg sc "$name" --arg p "$profile" --arg r "$rate" \
		--argjson cpu "$(((cost - ${FIXTURES[$name,$profile]:-0}) * 1000 / hz))" \
		'(.journey // null) as $j | ($cpu / (.requests + .warmup_requests)) as $per
		 | [$w, $sc, $p, $r,
		  (if $j then $j.rate.achieved else .rate.achieved end | floor),
		  (if $j then $j.latency_ms.p50 else .latency_ms.p50 end),
		  (if $j then $j.latency_ms.p99 else .latency_ms.p99 end),
		  (if $j then $j.stopped else .errors.total end),
		  (if $j and $j.started > 0 then $per * .requests / $j.started else $per end | . * 1000 | round / 1000),
		  (if .passed then "held" else "failed" end)] | @tsv' "$dir/summary.json" >>"$OUT/steps.tsv"
	tail -1 "$OUT/steps.tsv" >&2
	return $rc
}

printf 'sweep\tscenario\tprofile\trequested\tachieved\tp50_ms\tp99_ms\terrors\tcpu_ms_per_request\tresult\n' >"$OUT/steps.tsv"
printf 'sweep\tscenario\tprofile\tcapacity\tp99_ms\n' >"$OUT/capacity.tsv"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A FIXTURES
for sweep in $(seq 1 "$REPEAT"); do
	# What each scenario's fixtures (sessions made, revoked, identities
	# deleted) cost: a run of one hit.
	for sc in "${SCENARIOS[@]}"; do
		for profile in "${PROFILES[@]}"; do
			FIXTURES[$(basename "$sc" .yaml),$profile]=$(load "$sc" "$profile" 1 "$OUT/$sweep-fixtures-$(basename "$sc" .yaml)-$profile" --duration 1s --warmup 0s) || true
		done
	done
	for sc in "${SCENARIOS[@]}"; do
		declare -A cap=([postgres]=0 [default]=0) p99=([postgres]=0 [default]=0) misses=([postgres]=0 [default]=0)
		for rate in $RATES; do
			for profile in "${PROFILES[@]}"; do
				[ "${misses[$profile]}" -lt 2 ] || continue
				if step "$sweep" "$sc" "$profile" "$rate" || step "$sweep" "$sc" "$profile" "$rate"; then
					cap[$profile]=$rate
					p99[$profile]=$(tail -1 "$OUT/steps.tsv" | cut -f7)
					misses[$profile]=0
				else
					misses[$profile]=$((misses[$profile] + 1))
				fi
			done
		done
		for profile in "${PROFILES[@]}"; do
			printf '%s\t%s\t%s\t%s\t%s\n' "$sweep" "$(basename "$sc" .yaml)" "$profile" "${cap[$profile]}" "${p99[$profile]}" >>"$OUT/capacity.tsv"
		done
		unset cap p99 misses
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The table: each profile's median capacity (each sweep's in brackets when
# there were several) and the median of the sweeps' ratios; the CPU time
# per request at the highest rate both profiles held, median over sweeps.
pgversion=$(ls -d /usr/lib/postgresql/*/ 2>/dev/null | xargs -rn1 basename | sort -n | tail -1)
{
	echo "Kratos v1.3.1 on $(nproc) cores, passwords hashed with $HASHER; PostgreSQL ${pgversion:-?} ($pool); $REPEAT sweep(s) of $DURATION steps, SLO $SLO;"
	echo "load average before $load_before, after $load_after."
	echo
	echo "| scenario | capacity, SQLite (file) | capacity, PostgreSQL | PostgreSQL / SQLite | CPU per request (journey), SQLite | CPU per request (journey), PostgreSQL (Kratos + server) | PostgreSQL / SQLite |"
	echo "|---|---|---|---|---|---|---|"
	awk -F'\t' '
		function median(list,   a, n, i, j, t) {
			n = split(list, a, " ")
			if (n == 0) return 0
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		function capcell(sc, p,   m) {
			m = median(caps[sc, p])
			if (m == 0) return "below the first step"
			return sprintf("%g/s", m) (sweeps > 1 ? " (" caps[sc, p] ")" : sprintf(" (p99 %.1f ms)", p99s[sc, p]))
		}
		FNR == 1 { next }
		FILENAME == ARGV[1] { if ($10 == "held") { cpu[$1, $2, $3, $4] = $9; held[$1, $2] = held[$1, $2] " " $4 }; next }
		{
			if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
			caps[$2, $3] = caps[$2, $3] (caps[$2, $3] == "" ? "" : " ") $4
			p99s[$2, $3] = $5
			c[$1, $2, $3] = $4
			if ($1 + 0 > sweeps) sweeps = $1 + 0
		}
		END {
			name["whoami"] = "whoami (toSession, 100 sessions)"
			name["login-flow-native"] = "native login flow creation"
			name["registration"] = "registration journey (native: flow, submit), journeys/s"
			name["login-browser"] = "browser login journey (flow, fetch, submit, whoami), journeys/s"
			for (i = 1; i <= n; i++) {
				sc = order[i]; ratios = ""; sl = ""; pl = ""; cr = ""
				for (w = 1; w <= sweeps; w++) {
					pc = c[w, sc, "postgres"]; sc_ = c[w, sc, "default"]
					if (sc_ > 0) ratios = ratios " " pc / sc_
					# the highest rate at which both held a step (a noisy
					# sweep may hold a rate above one it failed)
					both = 0
					nh = split(held[w, sc], hr, " ")
					for (k = 1; k <= nh; k++)
						if (hr[k] + 0 > both && ((w, sc, "default", hr[k]) in cpu) && ((w, sc, "postgres", hr[k]) in cpu)) both = hr[k] + 0
					if (both > 0) {
						sl = sl " " cpu[w, sc, "default", both]; pl = pl " " cpu[w, sc, "postgres", both]
						if (cpu[w, sc, "default", both] > 0) cr = cr " " cpu[w, sc, "postgres", both] / cpu[w, sc, "default", both]
					}
				}
				printf "| %s | %s | %s | %s | %s | %s | %s |\n", name[sc], capcell(sc, "default"), capcell(sc, "postgres"),
					(ratios == "" ? "–" : sprintf("%.2f", median(ratios))),
					(sl == "" ? "–" : sprintf("%.2f ms", median(sl))), (pl == "" ? "–" : sprintf("%.2f ms", median(pl))),
					(cr == "" ? "–" : sprintf("%.2f", median(cr)))
			}
		}' "$OUT/steps.tsv" "$OUT/capacity.tsv"
} | tee "$OUT/capacity.md"
echo
echo "every step: $OUT/steps.tsv"
