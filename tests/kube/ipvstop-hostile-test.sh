#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ipvstop-hostile-test.sh: a cluster whose strings attack the terminal, against the real
# ipvstop. The API test server (apiserver.py) serves a Service, namespace, port and pods named
# with CSI clear-screen, OSC title and OSC 52 clipboard sequences, C0/C1 controls, raw bytes
# that are not UTF-8, 10 KB and CJK text; a node named with an OSC sequence; kube-proxy log
# lines with them; a ConfigMap scheduler with them; an API error message with them. Checked in
# -b, -j, the dashboard (tmux: what is on screen, the pane title, the clipboard, every byte
# sent), and the command-line mode switch (its log lines and config.conf diff). Also: SIGTERM,
# SIGHUP and ^C while the dashboard's mode picker or its confirmation is open (the terminal
# restored, nothing written to the cluster), and a closed pipe behind -j/-b with the cluster on.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
# shellcheck source=tests/tui/fault-lib.sh
. "$here/../tui/fault-lib.sh"
control() { python3 "$here/apiserver.py" control --state "$work/state" "$1" > /dev/null; }

# The hostile cluster: basic.json plus one hostile Service (on worker-1, so that this node's
# table has it), a hostile node, hostile kube-proxy log lines and a hostile scheduler.
# "\udcXX" in a scenario string is the raw byte XX on the wire (apiserver.py, raw_bytes).
python3 - "$here/scenarios/basic.json" "$work/scenario.json" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1]))
ESC = "\x1b"
TITLE = ESC + "]2;PWNED-TITLE\x07"
CLIP = ESC + "]52;c;UFdORUQtQ0xJUA==\x07"
CLEAR = ESC + "[2J" + ESC + "[H"
C1 = "\u009b2J\u009d2;PWNED-C1\u009c"
RAW = "\udc9b2J\udcff\udcfe\udce4\udcb8"
CJK = "服务器负载均衡"
ALL = CLEAR + TITLE + CLIP + C1 + RAW + "\x08\r\n\t\x7f"
sc["services"].append({
    "metadata": {"name": "evil" + TITLE + CJK, "namespace": "ns" + CLEAR, "labels": {}},
    "spec": {"type": "ClusterIP", "clusterIP": "10.96.123.123",
             "ports": [{"name": "p" + CLIP + RAW, "port": 80, "targetPort": 8080}],
             "selector": {"app": "evil"}},
    "endpoints": [{"ip": "10.244.1.77", "node": "worker-1", "pod": "pod" + ALL + "L" * 10240},
                  {"ip": "10.244.1.78", "node": "worker-1", "pod": CJK * 20}]})
lines = ["I1126 08:00:00.000000       1 evil.go:1] " + ALL + CJK, "E1126 08:00:01.000000 1 x.go:2] " + CLIP]
sc["nodes"].append({"name": "evil" + TITLE, "internalIP": "192.168.122.66", "controlPlane": False,
                    "ready": True, "kubeProxy": {"mode": "ipvs", "logLines": lines,
                                                 "nftablesSupported": False}})
for n in sc["nodes"]:
    if n["name"] == "worker-2":
        n["kubeProxy"]["logLines"] = lines
# kube-proxy in ipvs mode, so that the header shows the scheduler (15 bytes at most).
sc["kubeProxyConfig"]["mode"] = "ipvs"
sc["kubeProxyConfig"]["scheduler"] = "r" + ESC + "]2;PWN\x07服"
json.dump(sc, open(sys.argv[2], "w"))
PY
start_server
python3 "$here/ipvs-from-scenario.py" "$work/scenario.json" > "$work/table.jsonl"
# clean FILE: every character printable or a newline, valid UTF-8.
clean() {
	python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1], "rb").read().decode("utf-8")
m = re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", t)
assert not m, "control %r at %d: %r" % (m.group(), m.start(), t[max(0, m.start() - 40):m.start() + 10])
print("clean:", len(t), "characters")
PY
}

# --- -b and -j ------------------------------------------------------------------------------
LC_ALL=C.UTF-8 "$IPVSTOP" -b -n 1 --replay "$work/table.jsonl" --node worker-1 > "$work/batch" 2>&1
grep -q "ns?\[2J?\[H/evil?\]2;PWNED-TITLE?服务器负载均衡:p?\]52;c;" "$work/batch" \
	&& ok "-b: the hostile Service owns its virtual service, shown with ? for controls" \
	|| not_ok "-b: the hostile Service owns its virtual service, shown with ? for controls" "$work/batch"
grep -q "10\.244\.1\.77:8080 .* ns?\[2J?\[H/pod?\[2J" "$work/batch" && ok "-b: the hostile pod (10 KB name) is shown made safe" \
	|| not_ok "-b: the hostile pod (10 KB name) is shown made safe" "$work/batch"
grep -q "evil?\]2;PWNED-TITLE? ipvs" "$work/batch" && ok "-b: the hostile node in kube-proxy's modes" || not_ok "-b: the hostile node in kube-proxy's modes" "$work/batch"
grep -q "scheduler r?\]2;PWN?服" "$work/batch" && ok "-b: the ConfigMap's hostile scheduler" || not_ok "-b: the ConfigMap's hostile scheduler" "$work/batch"
clean "$work/batch" > "$work/check.out" 2>&1
result "-b: every character printable, valid UTF-8" $? "$work/check.out"
aligned "-b: columns line up on the rows of hostile Services and pods" "$work/batch" "OUT B/S" "^(TCP|UDP|SCTP|FWM) |^ +-> "
"$IPVSTOP" -j -n 1 --replay "$work/table.jsonl" --node worker-1 > "$work/json" 2> "$work/json.err"
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$work/json" "$work/json.err" && not_ok "-j: no raw control character" "$work/json" \
	|| ok "-j: no raw control character"

# --- the dashboard ----------------------------------------------------------------------------
start dash 200 50 LANG=C.UTF-8 TERM=screen-256color KUBECONFIG=$KUBECONFIG -- --replay "$work/table.jsonl" --node worker-1 -d 600
expect "dashboard: the cluster is read" "nodes: .*evil" 10
expect "dashboard: the hostile node made safe in the header" "evil\?\]2;PWNED-TITLE\? ipvs"
expect "dashboard: the hostile scheduler made safe in the header" "scheduler r\?\]2;PWN\?服"
expect "dashboard: the hostile Service made safe in its column" "10\.96\.123\.123:80 .*ns\?\[2J\?\[H/evil\?\]2;PWNED"
keys /; keys -l 'evil'; keys Enter
expect "dashboard: / finds the hostile Service" "Virtual services: 1 of [0-9]+ match /evil/"
keys Enter
expect "dashboard: its pods, made safe" "10\.244\.1\.77:8080 .*ns\?\[2J\?\[H/pod\?\[2J"
aligned "dashboard: real server columns line up beside the hostile pods" "$work/screen" "WEIGHT" " 10\.244\.1\.7[78]:8080 " 2
keys Escape Escape
# An API error whose message attacks the terminal: shown in the header, made safe.
control '{"action":"fault","code":500,"pathPrefix":"/api/v1/services","count":0,"message":"boom\u001b]2;PWNED-ERR\u0007\u001b]52;c;QUJD\u0007\udcff"}'
control '{"action":"compact"}'
expect "dashboard: the API server's hostile error message is shown made safe" "boom\?\]2;PWNED-ERR\?\?\]52;c;QUJD\?\?" 20
control '{"action":"clear-faults"}'
keys '?'
expect "dashboard: keys still answered" "ipvstop keys" 3
keys x
[ "$(title)" = "$(cat "$work/$tag.title-before")" ] && ok "dashboard: the pane title is untouched ($(title))" \
	|| not_ok "dashboard: the pane title is untouched (was $(cat "$work/$tag.title-before"), now $(title))"
[ -z "$(T list-buffers)" ] && ok "dashboard: no OSC 52 reached the clipboard" || not_ok "dashboard: no OSC 52 reached the clipboard ($(T list-buffers))"
keys q
expect "dashboard: quits" "EXITED rc=0"
restored "dashboard"
sleep 0.2
scan "dashboard: every byte sent to the terminal is curses' own, valid UTF-8" "$work/$tag.raw" utf8

# --- the mode picker and its confirmation, ended by a signal ---------------------------------
# Live (no --replay): the actions need it. Nothing may be written to the cluster.
writes() { grep '"method": *"\(PUT\|PATCH\)"' "$work/state/requests.jsonl" | grep -v '"dryRun"' || true; }
for case in "TERM:picker" "HUP:confirmation" "^C:confirmation" "INT:picker"; do
	how=${case%%:*}; what=${case#*:}
	start "mode-$how-$what" 160 50 LANG=C.UTF-8 TERM=screen-256color KUBECONFIG=$KUBECONFIG -- --node worker-1 --force -d 30
	expect "$how with the $what open: the cluster is read" "kube-proxy configured ipvs" 10
	keys m
	expect "$how with the $what open: m opens the picker" "ipvs \(current\)"
	if [ "$what" = confirmation ]; then
		keys Down Enter
		expect "$how with the $what open: the question is asked" "\[y/N\]" 15
	fi
	t0=$(date +%s%N)
	if [ "$how" = "^C" ]; then T send-keys -t f C-c; else kill -s "$how" "$(pid)"; fi
	if wait_for "EXITED rc=" 5; then ok "$how with the $what open: ends within $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	else not_ok "$how with the $what open: ends" "$work/screen"; kill -KILL "$(pid)" 2>/dev/null; fi
	grep -q "EXITED rc=0" "$work/screen" && ok "$how with the $what open: status 0" || not_ok "$how with the $what open: status 0" "$work/screen"
	restored "$how with the $what open"
	[ -z "$(writes)" ] && ok "$how with the $what open: nothing was written to the cluster" \
		|| not_ok "$how with the $what open: nothing was written to the cluster"
done

# --- the command-line mode switch: log lines and config.conf from the cluster, made safe -------
# nftables cannot run on the hostile node: its kube-proxy crash-loops and its last log lines
# (hostile) are printed; then the switch back.
LC_ALL=C.UTF-8 timeout 120 "$IPVSTOP" --node worker-1 --proxy-mode nftables --yes --force > "$work/cli" 2>&1
grep -q "Node evil?\]2;PWNED-TITLE?: .*CrashLoopBackOff" "$work/cli" && ok "--proxy-mode: the crash-looping hostile node is named, made safe" \
	|| not_ok "--proxy-mode: the crash-looping hostile node is named, made safe" "$work/cli"
grep -q "evil.go:1\] ?\[2J?\[H?\]2;PWNED-TITLE?" "$work/cli" && ok "--proxy-mode: its hostile log lines are printed made safe" \
	|| not_ok "--proxy-mode: its hostile log lines are printed made safe" "$work/cli"
grep -q "^    +mode: " "$work/cli" && ok "--proxy-mode: the config.conf diff is printed" || not_ok "--proxy-mode: the config.conf diff is printed" "$work/cli"
clean "$work/cli" > "$work/check.out" 2>&1
result "--proxy-mode: every character printed is printable, valid UTF-8" $? "$work/check.out"

# --- a closed pipe behind -j and -b, with the cluster read ---------------------------------------
for m in -j -b; do
	t0=$(date +%s%N)
	"$IPVSTOP" $m -d 0.2 --replay "$work/table.jsonl" --node worker-1 2> "$work/pipe.err" | head -c 100 > /dev/null
	rc=${PIPESTATUS[0]}; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$rc" = 0 ] && [ ! -s "$work/pipe.err" ] && ok "$m with the cluster | head -c 100: status 0, nothing on stderr" \
		|| not_ok "$m with the cluster | head -c 100: status 0, nothing on stderr (rc=$rc)" "$work/pipe.err"
	[ "$ms" -lt 8000 ] && ok "$m with the cluster | head -c 100: ends promptly (${ms} ms)" || not_ok "$m with the cluster | head -c 100: ends promptly (${ms} ms)"
done

summary
