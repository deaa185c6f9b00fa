#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# promtool-test.sh: the agent's /metrics document (output_prom) validated by Prometheus' own
# `promtool check metrics` (Debian's prometheus package), through the real path: in a network
# namespace of its own (root, unshare -n), the API test server (tests/kube/apiserver.py) serves
# the basic scenario with kube-proxy configured for ipvs, kube-proxy-metrics.py answers on
# 127.0.0.1:10249 as a hung kube-proxy in ipvs mode, and tests/prom-dump joins a recording
# with that cluster as the agent does (kube_side) and prints output_prom. The documents:
# the table kube-proxy would program on worker-1 with one drift of each kind
# (ipvs-from-scenario.py --drift, counters made distinct), its first two virtual services,
# 2,000 virtual services x 5 real servers with and without a bound of 1,000 real-server
# series, the node's other data planes read for real (kube-proxy's nftables tables loaded by
# nft with drift, a full ipset), and a cluster and table whose names attack the format
# (quotes, backslashes, newlines, a forged sample, escape sequences, bytes that are not
# UTF-8, 10 KB). check-prom.py then holds each value against the recording and each label,
# drift count and kube-proxy figure against `ipvstop --replay REC -j -n 1` of the same
# recording and cluster (the data planes against a live `ipvstop -j -n 1`).
# Run it alone: IPVSTOP=$PWD/ipvstop bash tests/prom/promtool-test.sh (prom-dump is found
# beside ipvstop as tests/prom-dump: make tests/prom-dump; or set PROM_DUMP). PROM_SAVE=DIR
# keeps the documents, their recordings and witnesses there.
set -u
promdir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib.sh
. "$promdir/../lib.sh"
own_netns promtool-test "$@"
sock="ipvstop-prom-$$"
here=$(cd "$promdir/../kube" && pwd)
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
need_tools promtool ip nft ipset
PROM_DUMP=${PROM_DUMP:-$(dirname "$IPVSTOP")/tests/prom-dump}
[ -x "$PROM_DUMP" ] || { echo "promtool-test: $PROM_DUMP is missing (make tests/prom-dump)"; exit 99; }
kp_pid=""
trap 'cleanup; [ -n "$kp_pid" ] && kill "$kp_pid" 2>/dev/null' EXIT

# The cluster: basic.json, kube-proxy configured for ipvs; HOSTILE=1: names that attack the format.
make_scenario() {
	HOSTILE=${1:-0} python3 - "$here/scenarios/basic.json" "$work/scenario.json" <<'PY'
import json, os, sys
sc = json.load(open(sys.argv[1]))
sc["kubeProxyConfig"]["mode"] = "ipvs"
if os.environ["HOSTILE"] == "1":
    # "\udcXX" is the raw byte XX on the wire (apiserver.py); a forged sample after a newline
    FORGE = '"} 1\nipvstop_forged{x="y'
    RAW = "\udcff\udcfe\udce4\udcb8"
    sc["services"].append({
        "metadata": {"name": 'q"uo\\te' + FORGE, "namespace": "ns\n" + RAW, "labels": {}},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.123.123",
                 "ports": [{"name": "p\x1b]2;PWNED\x07\\", "port": 80, "targetPort": 8080}],
                 "selector": {"app": "evil"}},
        "endpoints": [{"ip": "10.244.1.77", "node": "worker-1",
                       "pod": "pod" + FORGE + RAW + "L" * 10240},
                      {"ip": "10.244.1.78", "node": "worker-1", "pod": "服务器" * 20}]})
json.dump(sc, open(sys.argv[2], "w"))
PY
}

# The table kube-proxy would program on worker-1 (drift of each kind), counters made distinct;
# HOSTILE=1: schedulers and the host name that attack the format too.
make_table() {
	python3 "$here/ipvs-from-scenario.py" "$work/scenario.json" --drift > "$work/raw.jsonl" &&
	HOSTILE=${1:-0} python3 - "$work/raw.jsonl" "$work/table.jsonl" <<'PY'
import json, os, sys, time
r = json.loads(open(sys.argv[1]).readline())
# read now: kube-proxy's health is judged at the table's time, its stand-in's clock is now
r["time"] = round(time.time(), 3)
for i, v in enumerate(r["ipvs"]["services"]):
    v["stats"] = {"conns": 1000 * i + 7, "inpkts": 3000 * i + 11, "outpkts": 2000 * i + 13,
                  "inbytes": 400000 * i + 17, "outbytes": 9000000 * i + 19}
    for j, d in enumerate(v["destinations"]):
        d["active_conns"] = (i * 7 + j * 3) % 23
        d["inactive_conns"] = (i + j) % 5
        d["stats"] = {"conns": 100 * i + j, "inpkts": 10 * i + j, "outpkts": 9 * i + j,
                      "inbytes": 1234 * i + j, "outbytes": 4321 * i + j}
if os.environ["HOSTILE"] == "1":
    r["host"] = 'h"o\\st\n\udcff'
    r["ipvs"]["services"][0]["scheduler"] = 'r"\\\n\udcff'
    r["ipvs"]["services"][1]["scheduler"] = "\x1b]2;P\x07"
with open(sys.argv[2], "w", encoding="utf-8", errors="surrogateescape") as f:
    f.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
}

# kube_proxy STATE: kube-proxy's port on this node (ipvs mode) in that state.
kube_proxy() {
	[ -n "$kp_pid" ] && kill "$kp_pid" 2>/dev/null && wait "$kp_pid" 2>/dev/null
	python3 "$here/kube-proxy-metrics.py" --mode ipvs --state "$1" > "$work/kp.out" 2>&1 &
	kp_pid=$!
	for _ in $(seq 1 50); do grep -q ready "$work/kp.out" && return 0; sleep 0.1; done
	echo "kube-proxy-metrics.py did not start"; cat "$work/kp.out"; exit 99
}

# document NAME REC [PROM-DUMP OPTIONS]: prom-dump's document of REC into $work/NAME.prom,
# checked by promtool (no error, no lint problem), and the witness -j into $work/NAME.json.
document() {
	local name=$1 rec=$2
	shift 2
	if ! timeout 60 "$PROM_DUMP" --node worker-1 "$@" "$rec" > "$work/$name.prom" 2> "$work/$name.err"; then
		not_ok "$name: prom-dump ran" "$work/$name.err"
		return
	fi
	if promtool check metrics < "$work/$name.prom" > "$work/$name.lint" 2>&1 && [ ! -s "$work/$name.lint" ]; then
		ok "$name: promtool check metrics accepts the document ($(grep -vc '^#' "$work/$name.prom") samples)"
	else
		not_ok "$name: promtool check metrics" "$work/$name.lint"
	fi
	timeout 60 "$IPVSTOP" --replay "$rec" -j -n 1 --node worker-1 > "$work/$name.json" 2> "$work/$name.jerr" ||
		not_ok "$name: the witness ipvstop --replay -j -n 1 ran" "$work/$name.jerr"
}

# checks NAME ARGS...: check-prom.py's lines, counted.
checks() {
	local name=$1
	shift
	python3 "$promdir/check-prom.py" "$@" > "$work/check.out" 2>&1
	sed "s/^\(not \)\{0,1\}ok - /&$name: /" "$work/check.out"
	passed=$((passed + $(grep -c '^ok - ' "$work/check.out")))
	failed=$((failed + $(grep -c '^not ok - ' "$work/check.out")))
	grep -q '^ok - ' "$work/check.out" || not_ok "$name: check-prom.py said nothing" "$work/check.out"
}

make_scenario 0
start_server
kube_proxy hung
make_table 0 || { echo "the recording could not be made"; exit 99; }

# The node's whole table, joined.
document cluster "$work/table.jsonl"
checks cluster table "$work/cluster.prom" "$work/table.jsonl" --witness "$work/cluster.json"

for want in '^ipvstop_kube_proxy_sync_hung 1$' '^ipvstop_kube_proxy_mode_info{configured="ipvs",running="ipvs"} 1$' \
	'^ipvstop_reader_up{reader="kube-proxy"} 1$'; do
	if grep -q "$want" "$work/cluster.prom"; then ok "cluster: /$want/"; else not_ok "cluster: /$want/"; fi
done

# Two virtual services.
python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
r["ipvs"]["services"] = r["ipvs"]["services"][:2]
print(json.dumps(r))' "$work/table.jsonl" > "$work/two.jsonl"
document two "$work/two.jsonl"
checks two table "$work/two.prom" "$work/two.jsonl" --witness "$work/two.json"
n=$(grep -c '^ipvstop_virtual_service_connections_total{' "$work/two.prom")
if [ "$n" = 2 ]; then ok "two: 2 virtual services"; else not_ok "two: 2 virtual services, not $n"; fi

# Many: 2,000 virtual services x 5 real servers (no Service owns them), then 1,000 at most.
python3 "$here/../tui/gen-big-recording.py" 2000 5 1 > "$work/many.jsonl"
document many "$work/many.jsonl"
checks many table "$work/many.prom" "$work/many.jsonl" --witness "$work/many.json"
document bound "$work/many.jsonl" --max-real-servers 1000
checks bound bound "$work/bound.prom" "$work/many.jsonl" --witness "$work/bound.json" --max 1000

# The node's other data planes, read by prom-dump --dataplane and by the witness ipvstop -j -n 1
# (this host has no IPVS: its table part is not compared): kube-proxy's nftables tables made
# for a cluster where web lost its endpoint 10.244.1.10 and a Service "ghost" exists (drift
# in the rules), and kube-proxy's KUBE-CLUSTER-IP ipset full.
python3 - "$work/scenario.json" "$work/node.json" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1]))
for s in sc["services"]:
    if s["metadata"]["name"] == "web":
        s["endpoints"] = [e for e in s["endpoints"] if e["ip"] != "10.244.1.10"]
sc["services"].append({
    "metadata": {"name": "ghost", "namespace": "default", "labels": {}},
    "spec": {"type": "ClusterIP", "clusterIP": "10.96.222.222",
             "ports": [{"name": "http", "port": 80, "targetPort": 8080}], "selector": {}},
    "endpoints": [{"ip": "10.244.1.99", "node": "worker-1"}]})
json.dump(sc, open(sys.argv[2], "w"))
PY
if ! { python3 "$here/../dataplane/gen-kube-nft.py" "$work/node.json" --node worker-1 > "$work/rules.nft" &&
	nft -f "$work/rules.nft" && ipset create KUBE-CLUSTER-IP hash:ip,port maxelem 4 &&
	for p in 53 80 443 8080; do ipset add KUBE-CLUSTER-IP "10.96.0.10,tcp:$p" || exit 1; done; } > "$work/node.log" 2>&1; then
	echo "the node's rules could not be loaded"; cat "$work/node.log"; exit 99
fi
document planes "$work/table.jsonl" --dataplane
timeout 60 "$IPVSTOP" -j -n 1 --node worker-1 > "$work/live.json" 2> "$work/live.err" ||
	not_ok "planes: the witness ipvstop -j -n 1 ran" "$work/live.err"
checks planes planes "$work/planes.prom" "$work/table.jsonl" --witness "$work/live.json"

# Hostile names, from the cluster and from the kernel.
make_scenario 1
start_server
make_table 1 || { echo "the hostile recording could not be made"; exit 99; }
document hostile "$work/table.jsonl"
checks hostile table "$work/hostile.prom" "$work/table.jsonl" --witness "$work/hostile.json"
if grep -q '^ipvstop_forged' "$work/hostile.prom"; then
	not_ok "hostile: no forged sample"
else
	ok "hostile: no forged sample"
fi
if grep -qF 'service="q\"uo\\te\"} 1\nipvstop_forged{x=\"y",port_name="p' "$work/hostile.prom"; then
	ok "hostile: the Service's name escaped on one line"
else
	not_ok "hostile: the Service's name escaped on one line" "$work/hostile.err"
fi
if [ -n "${PROM_SAVE:-}" ]; then
	mkdir -p "$PROM_SAVE" && cp "$work"/*.prom "$work"/*.json "$work"/*.jsonl "$PROM_SAVE/"
fi
summary
