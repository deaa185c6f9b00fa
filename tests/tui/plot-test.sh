#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# plot-test.sh: ipvstop --replay FILE --plot OUT.svg [--select VS] (issue 15), the real binary:
# the SVG of a recording with known steps, a ramp and known events, parsed with python's xml
# (check-plot.py) point by point; what bad arguments say; and the history's memory budget at
# 20,000 services / 100,000 real servers, as the plot's <desc> reports it.
set -u
: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"

python3 "$here/gen-history-recording.py" 61 10 > "$work/rec.jsonl"

check() { # NAME SVG ROW
	if python3 "$here/check-plot.py" "$2" "$3" > "$work/check" 2>&1; then
		ok "$1 ($(tr '\n' ';' < "$work/check"))"
	else
		cat "$work/check"; not_ok "$1"
	fi
}

if "$IPVSTOP" --replay "$work/rec.jsonl" --plot "$work/svc.svg" --select tcp:10.96.0.1:80 \
	2> "$work/err"; then
	check "--select: the service's lines and markers are the recording's" "$work/svc.svg" svc
else
	not_ok "--plot --select ran" "$work/err"
fi
if grep -q ">tcp 10.96.0.1:80  " "$work/svc.svg"; then ok "the title names the service"
else not_ok "the title names the service" "$work/svc.svg"; fi
if "$IPVSTOP" --replay "$work/rec.jsonl" --plot "$work/all.svg" 2> "$work/err"; then
	check "without --select: the whole table, every marker" "$work/all.svg" total
else
	not_ok "--plot ran" "$work/err"
fi

# Bad input: a clear message, an exit status, no file left half-written or made.
expect_fail() { # NAME PATTERN ARGS...
	local name=$1 pat=$2; shift 2
	if "$IPVSTOP" "$@" > /dev/null 2> "$work/err"; then
		not_ok "$name: it should have failed"
	elif grep -qE -- "$pat" "$work/err"; then
		ok "$name: $(head -1 "$work/err")"
	else
		not_ok "$name (wanted /$pat/)" "$work/err"
	fi
}
expect_fail "--plot without --replay" "--plot needs --replay" --plot "$work/x.svg"
expect_fail "a service not in the recording" "tcp 10.9.9.9:80 is not in the recording" \
	--replay "$work/rec.jsonl" --plot "$work/x.svg" --select tcp:10.9.9.9:80
expect_fail "a --select that is not a service" "--select wants a virtual service" \
	--replay "$work/rec.jsonl" --plot "$work/x.svg" --select nonsense
expect_fail "a recording that is not there" "cannot open recording" \
	--replay "$work/none.jsonl" --plot "$work/x.svg"
head -1 "$work/rec.jsonl" > "$work/one.jsonl"
expect_fail "one record is no history" "fewer than two records" \
	--replay "$work/one.jsonl" --plot "$work/x.svg"
expect_fail "an output that cannot be written" "cannot write" \
	--replay "$work/rec.jsonl" --plot "$work/no/such/dir.svg"
if [ -e "$work/x.svg" ]; then not_ok "no file made by a failed plot"; else ok "no file made by a failed plot"; fi

# The budget at the large size, through the real path: 3 records of 20,000 x 5.
python3 "$here/gen-big-recording.py" 20000 5 3 > "$work/big.jsonl"
/usr/bin/time -f "%M" -o "$work/rss" "$IPVSTOP" --replay "$work/big.jsonl" --plot "$work/big.svg" \
	--select "$(python3 "$here/gen-big-recording.py" 20000 5 3 --expect | awk 'NR == 1 { print tolower($3) ":" $2 }')" \
	2> "$work/err" || cat "$work/err"
desc=$(python3 -c 'import sys, xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().find("{http://www.w3.org/2000/svg}desc").text)' "$work/big.svg" 2>&1)
read -r rows points bytes < <(echo "$desc" | sed -E 's/history: ([0-9]+) rows, ([0-9]+) points a tier, ([0-9]+) bytes/\1 \2 \3/')
# The budget (10 MiB) covers the series; the last sample's shape, 5 bytes a row and its room
# to grow (src/history.c), comes on top.
limit=$((10485760 + 5 * (120001 + 120001 / 32 + 16)))
if [ "${rows:-0}" = 120001 ] && [ "${bytes:-99999999}" -le $limit ] && [ "${points:-0}" -ge 3 ]; then
	ok "20,000 services / 100,000 real servers: $desc (<= 10 MiB + 5 bytes a row; the process's peak RSS $(cat "$work/rss") KB)"
else
	not_ok "20,000 services / 100,000 real servers within 10 MiB + 5 bytes a row (got: $desc)"
fi

summary
