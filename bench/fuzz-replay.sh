#!/usr/bin/env bash
# make fuzz-replay: a fuzz run against the local default profile, then every
# finding replayed by its own curl command, as a user would paste it.
#
# One Kratos (`orybench local up --profile default`) serves both: orybench
# fuzz sends DURATION of generated requests to it through --target (with
# --admin-url, so that the run removes what it registered), then, for each
# finding in fuzz.json, this script makes the live values the command names
# with curl alone: a fresh flow of the operation's kind ($FLOW, $CSRF_TOKEN,
# the cookie jar as $COOKIES), a new identity signed in where the operation
# needs a session ($SESSION_TOKEN or the session cookie), a new identity's
# $IDENTIFIER, $EMAIL and $PASSWORD; then runs the finding's curl command
# and compares the status (and error id) with the finding's. The table it
# prints (and writes to OUT/replay.md) is what the closing note quotes.
#
# Needs bin/orybench and bin/kratos (make build kratos), curl and jq.
# Settings from the environment:
#   DURATION=5m   how long to fuzz         SEED=1   the run's seed
#   FUZZ=file     replay this fuzz.json instead of fuzzing (its target's URL
#                 is replaced by the local instance's)
#   OUT=dir       results (default out/fuzz-replay/TIME)
set -uo pipefail
cd "$(dirname "$0")/.."
ORYBENCH=${ORYBENCH:-bin/orybench}
KRATOS=${KRATOS:-bin/kratos}
DURATION=${DURATION:-5m}
SEED=${SEED:-1}
OUT=${OUT:-out/fuzz-replay/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
. bench/needs-jq.sh fuzz-replay
command -v curl >/dev/null || { echo "fuzz-replay: needs curl" >&2; exit 2; }

SCRIPT=fuzz-replay
. bench/local-up.sh
local_up "$OUT/local-up.txt" --profile default

fuzz_json=${FUZZ:-}
if [ -z "$fuzz_json" ]; then
	echo "fuzz: $DURATION, seed $SEED, against $public"
	start=$(date +%s.%N)
	"$ORYBENCH" fuzz --target "$public" --admin-url "$admin" --seed "$SEED" --duration "$DURATION" --out "$OUT/fuzz" 2>&1 | tee "$OUT/fuzz.log" | grep -v '^  '
	echo "fuzz took $(echo "$(date +%s.%N) - $start" | bc) s"
	fuzz_json=$OUT/fuzz/fuzz.json
fi
[ -s "$fuzz_json" ] || { echo "fuzz-replay: no $fuzz_json" >&2; exit 2; }
recorded=$(jq -r '.target.url' "$fuzz_json")

jar=$OUT/jar
n=0
# field: a jq path of the last answer ($OUT/answer), or nothing.
field() { jq -r "$1 // empty" "$OUT/answer" 2>/dev/null; }
csrf_of() { field '.ui.nodes[] | select(.attributes.name == "csrf_token") | .attributes.value'; }

# new_identity sets IDENTIFIER, EMAIL and PASSWORD to a new identity's.
new_identity() {
	n=$((n + 1))
	# a password unlike the address: Kratos refuses one too similar
	EMAIL="orybench-replay-$$-$n@orybench.test" IDENTIFIER=$EMAIL PASSWORD="Ob-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')!"
	export EMAIL IDENTIFIER PASSWORD
}

# sign_up mode: registers a new identity as a native app (sets
# SESSION_TOKEN) or a browser (its session cookie lands in the jar).
sign_up() {
	new_identity
	local body
	if [ "$1" = native ]; then
		curl -sS -o "$OUT/answer" -H 'Accept: application/json' "$public/self-service/registration/api"
		body=$(jq -nc --arg e "$EMAIL" --arg p "$PASSWORD" '{method:"password",traits:{email:$e},password:$p}')
		curl -sS -o "$OUT/answer" -H 'Accept: application/json' -H 'Content-Type: application/json' \
			--data-binary "$body" "$public/self-service/registration?flow=$(field .id)"
		SESSION_TOKEN=$(field .session_token)
		export SESSION_TOKEN
	else
		curl -sS -o "$OUT/answer" -b "$jar" -c "$jar" -H 'Accept: application/json' "$public/self-service/registration/browser"
		body=$(jq -nc --arg e "$EMAIL" --arg p "$PASSWORD" --arg c "$(csrf_of)" '{method:"password",traits:{email:$e},password:$p,csrf_token:$c}')
		curl -sS -o "$OUT/answer" -b "$jar" -c "$jar" -H 'Accept: application/json' -H 'Content-Type: application/json' \
			--data-binary "$body" "$public/self-service/registration?flow=$(field .id)"
	fi
}

# start_flow kind mode: a fresh flow of the kind, as the mode's caller
# makes one (sets FLOW and CSRF_TOKEN; a browser's cookies in the jar).
start_flow() {
	if [ "$2" = native ]; then
		curl -sS -o "$OUT/answer" -H 'Accept: application/json' ${SESSION_TOKEN:+-H "X-Session-Token: $SESSION_TOKEN"} "$public/self-service/$1/api"
	else
		curl -sS -o "$OUT/answer" -b "$jar" -c "$jar" -H 'Accept: application/json' "$public/self-service/$1/browser"
	fi
	FLOW=$(field .id) CSRF_TOKEN=$(csrf_of)
	export FLOW CSRF_TOKEN
}

{
	echo "| # | finding | mode | replayed | reproduced |"
	echo "|---|---|---|---|---|"
} >"$OUT/replay.md"
total=$(jq '.findings | length' "$fuzz_json")
reproduced=0
for i in $(seq 0 $((total - 1))); do
	f=$(jq -c ".findings[$i]" "$fuzz_json")
	key=$(jq -r .key <<<"$f")
	op=$(jq -r .operation <<<"$f")
	mode=$(jq -r .mode <<<"$f")
	want=$(jq -r .status <<<"$f")
	check=$(jq -r .check <<<"$f")
	detail=$(jq -r '.detail // ""' <<<"$f")
	cmd=$(jq -r .curl <<<"$f")
	cmd=${cmd//"$recorded"/"$public"}

	rm -f "$jar"
	: >"$jar"
	unset FLOW CSRF_TOKEN SESSION_TOKEN
	COOKIES=$jar
	export COOKIES
	case $op in *Settings* | *Session* | *Logout*) sign_up "$mode" ;; esac
	kind=
	for k in login registration recovery verification settings; do
		case $op in *"${k^}Flow"*) kind=$k ;; esac
	done
	[ -n "$kind" ] && start_flow "$kind" "$mode"
	new_identity
	got=$(eval "$cmd -o '$OUT/answer' -w '%{http_code}'" 2>"$OUT/curl.err")
	id=$(jq -r '.error.id // empty' "$OUT/answer" 2>/dev/null)
	ok=no
	if [ "$got" = "$want" ] && { [ "$check" != server-error ] && [ "$check" != undocumented-status ] || [ -z "$detail" ] || [ "$id" = "$detail" ]; }; then
		ok=yes
		reproduced=$((reproduced + 1))
	fi
	printf '| %d | `%s` | %s | %s%s | %s |\n' $((i + 1)) "$key" "$mode" "$got" "${id:+ $id}" "$ok" >>"$OUT/replay.md"
done
echo "$reproduced of $total findings reproduced by their curl commands" >>"$OUT/replay.md"
cat "$OUT/replay.md"
echo "results: $OUT"
[ "$reproduced" = "$total" ]
