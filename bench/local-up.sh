# Sourced by the bench scripts that run Kratos as a self-hosted deployment:
# local_up FILE ARGS... starts `orybench local up ARGS...` in the
# background, its console in FILE, stops it (and what it started) when the
# script exits, and returns once it is ready, setting up (its pid), public
# and admin (the first instance's URLs). It stops the script, naming it
# ($SCRIPT), when the instance does not start within a minute.
local_up() {
	local file=$1
	shift
	"$ORYBENCH" local up --kratos-bin "$KRATOS" "$@" >"$file" 2>&1 &
	up=$!
	trap 'kill -INT $up 2>/dev/null; wait $up 2>/dev/null || true' EXIT
	for _ in $(seq 1 600); do
		grep -q '^ready' "$file" && break
		kill -0 $up 2>/dev/null || { cat "$file" >&2; exit 2; }
		sleep 0.1
	done
	grep -q '^ready' "$file" || { echo "$SCRIPT: local Kratos not ready in 60s" >&2; cat "$file" >&2; exit 2; }
	public=$(awk '/^kratos/{print $4; exit}' "$file")
	admin=$(awk '/^kratos/{print $6; exit}' "$file")
}
