# Sourced by the bench scripts that read results with jq: installs it
# (Debian's package) when missing and the script runs as root, else stops
# the script, naming it ($1).
if ! command -v jq >/dev/null; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get install -y -qq jq >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
	else
		echo "$1: needs jq" >&2
		exit 2
	fi
fi
