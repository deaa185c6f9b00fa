#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dataplane-tui-test.sh: the dashboard's data planes through the real path. The whole test
# runs in a network namespace of its own on this host's kernel (no IPVS here: the IPVS part
# says so): kube-proxy's nftables tables loaded with the real nft (gen-kube-nft.py, the API
# test server's basic scenario, and one frontend of a shape no kube-proxy writes), the real
# ipvstop dashboard in tmux, its screen held against ipvstop -j's dataplane section read
# from the same namespace (itself held against nft by dataplane-test.sh) and against
# gen-kube-iptables.py's own truth. Then kube-proxy's iptables rules restored into both
# backends while the dashboard runs (a migration half done): the header's data-plane line
# and the key that goes through the planes. Then kube-proxy's mode from its /proxyMode answer
# (with the API test server) choosing the plane shown, and a run without CAP_NET_ADMIN.
# Needs root, unshare, nft, iptables-nft/-legacy, tmux, python3, openssl, setpriv: a missing
# one fails (99), never a silent skip.
set -u
: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
dir=$(cd "$(dirname "$0")" && pwd)
for t in unshare nft iptables-nft-restore iptables-legacy-restore ip setpriv kubectl; do
	command -v "$t" >/dev/null || { echo "dataplane-tui-test: $t is missing (tools/deps.sh installs it)"; exit 99; }
done
[ "$(id -u)" = 0 ] || { echo "dataplane-tui-test: needs root (a network namespace, nft)"; exit 99; }
if [ -z "${IPVSTOP_TUI_NETNS:-}" ]; then
	unshare -n true 2>/dev/null || { echo "dataplane-tui-test: unshare -n does not work here"; exit 99; }
	# Everything from here on (tmux's server, the API test server, kube-proxy's stand-in)
	# lives in the namespace, and goes with it.
	exec env IPVSTOP_TUI_NETNS=1 unshare -n bash "$0" "$@"
fi
ip link set lo up

sock="ipvstop-dptui-$$"
here=$dir/../kube # kube-lib.sh's own directory: its API test server
# shellcheck source=tests/kube/kube-lib.sh
. "$here/kube-lib.sh"
proxy_pid=""
trap '[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null; cleanup' EXIT
not_ok_details() { echo "---- screen ----"; cat "$work/screen"; echo "----------------"; }
expect() { if wait_for "$2" "${3:-8}"; then ok "$1"; else not_ok "$1 (wanted /$2/)"; fi; }
expect_not() {
	capture
	if grep -qE -- "$2" "$work/screen"; then not_ok "$1 (did not want /$2/)"; else ok "$1"; fi
}
keys() { T send-keys -t a "$@"; sleep 0.3; }
# start WIDTH HEIGHT ARGS...: the dashboard in tmux session a, in this namespace, on a fresh
# tmux server each time (a dying one must not take the new session with it).
nstart=0
start() {
	local w=$1 h=$2; shift 2
	T kill-server 2>/dev/null
	nstart=$((nstart + 1))
	sock="ipvstop-dptui-$$-$nstart"
	T -f /dev/null new-session -d -s a -x "$w" -y "$h" \
		"env LANG=C.UTF-8 TERM=screen-256color KUBECONFIG=$KUBECONFIG $* ; echo EXITED rc=\$?; sleep 30"
}
# rows NAME ARGS...: tui-rows.py's checks of the screen, counted here.
rows() {
	capture
	python3 "$dir/tui-rows.py" "$work/screen" "$@" > "$work/rows.out" 2>&1
	cat "$work/rows.out"
	passed=$((passed + $(grep -c '^ok - ' "$work/rows.out")))
	local bad
	bad=$(grep -c '^not ok - ' "$work/rows.out")
	failed=$((failed + bad))
	[ "$bad" = 0 ] || not_ok_details
	grep -qE '^(ok|not ok) - ' "$work/rows.out" || not_ok "tui-rows.py said nothing ($*)"
}
re_escape() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

scenario=$here/scenarios/basic.json
python3 "$dir/gen-kube-nft.py" "$scenario" --node worker-1 > "$work/rules.nft" ||
	not_ok "gen-kube-nft.py failed"
python3 "$dir/gen-kube-iptables.py" --scenario "$scenario" --node worker-1 \
	--out "$work/ipt.rules" --truth "$work/ipt.truth" || not_ok "gen-kube-iptables.py failed"
# A frontend whose Service chain has no load-balancing rule: a shape no kube-proxy writes.
cat >> "$work/rules.nft" <<'NFT'
add chain ip kube-proxy service-ODDSHAPE-default/odd/tcp/http
add rule ip kube-proxy service-ODDSHAPE-default/odd/tcp/http counter
add element ip kube-proxy service-ips { 10.96.99.1 . tcp . 80 : goto service-ODDSHAPE-default/odd/tcp/http }
NFT
if nft -f "$work/rules.nft" > "$work/nft.log" 2>&1; then
	ok "kube-proxy's nftables tables loaded by nft"
else
	not_ok "nft -f refused the rules" "$work/nft.log"
fi
"$IPVSTOP" -j -n 1 --no-kube > "$work/nft.json" 2> "$work/nft.err" || not_ok "ipvstop -j failed" "$work/nft.err"
n_nft=$(python3 "$dir/tui-rows.py" /dev/null --doc "$work/nft.json" --plane nftables --count)

# --- nftables alone: the pane shows its frontends, tagged; the IPVS part says it is absent ---
start 150 50 "$IPVSTOP" --no-kube -d 1 --record "$work/rec.jsonl"
expect "the IPVS part says IPVS is not there" "^IPVS is not available"
expect "the key bar says Enter shows endpoints" "EnterEndpoints +cConns"
expect "the services pane shows nftables' $n_nft frontends, tagged" "^ Frontends: $n_nft +\[nftables\]"
rows --doc "$work/nft.json" --plane nftables
expect "one data plane: the header's data-plane line names it, no key to switch" \
	"^Data planes: nftables $n_nft frontends *$"
expect "the rule shape no kube-proxy writes shows as unrecognised" \
	"^TCP +10\.96\.99\.1:80 +ClusterIP +0 +unrecognised +default/odd:http"
# The frontend with the most endpoints, found by the filter, then its endpoints below.
two=$(python3 - "$work/nft.json" <<'PY'
import json, sys
f = [f for f in json.load(open(sys.argv[1]))["dataplane"]["frontends"]
     if f["plane"] == "nftables" and f["kind"] == "cluster-ip" and ":" not in f["address"]]
f.sort(key=lambda f: (-len(f["endpoints"]), f["address"], f["port"]))
print("%s:%d" % (f[0]["address"], f[0]["port"]))
PY
)
keys / "$two" Enter
expect "/ filters the frontends to $two" "^ Frontends: 1 of $n_nft match /$(re_escape "$two")/ +\[nftables\]"
keys Enter
expect "Enter: the endpoints pane of $two" "^ Endpoints of TCP $(re_escape "$two") \([a-z-]+/[a-z-]+:[a-z-]+\): [0-9]+"
rows --doc "$work/nft.json" --plane nftables --endpoints "$two"
keys Escape Escape
expect "Esc, Esc: every frontend again" "^ Frontends: $n_nft +\[nftables\]"
note=$(python3 -c 'import json, sys
print([f["note"] for f in json.load(open(sys.argv[1]))["dataplane"]["frontends"]
       if f["address"] == "10.96.99.1"][0])' "$work/nft.json")
keys / 10.96.99.1 Enter Enter
expect "the unrecognised one's lower pane says what the reader did not understand" \
	"^ Not recognised: $(re_escape "$note")"
keys Escape Escape o
expect "o: frontends sorted by endpoints" "^Sorted by endpoints\. Enter: endpoints\."
expect "o: the EPS column is marked" " EPSv "
keys c
expect "c says connections are IPVS's own" "Connections are IPVS's own list"
keys d
expect "d without the cluster says why there is no drift to show" "^No drift to show: these frontends are not joined"

# --- iptables rules restored into both backends while it runs: a migration half done ---
for b in nft legacy; do
	if iptables-$b-restore < "$work/ipt.rules" > "$work/ipt-$b.log" 2>&1; then
		ok "kube-proxy's iptables rules restored into iptables-$b"
	else
		not_ok "iptables-$b-restore refused the rules" "$work/ipt-$b.log"
	fi
done
"$IPVSTOP" -j -n 1 --no-kube > "$work/all.json" 2> "$work/all.err" || not_ok "ipvstop -j failed" "$work/all.err"
n_ipt=$(python3 "$dir/tui-rows.py" /dev/null --truth "$work/ipt.truth" --count)
n_all=$(python3 "$dir/tui-rows.py" /dev/null --doc "$work/all.json" --plane nftables --count)
expect "the header's data-plane line names every plane present, with counts" \
	"^Data planes: nftables $n_all frontends, iptables-nft $n_ipt, iptables-legacy $n_ipt; v: show the next" 15
expect "the pane stays on the plane with kube-proxy's most frontends" "^ Frontends: $n_all +\[nftables\]"
keys v
expect "v: iptables-nft's $n_ipt frontends" "^ Frontends: $n_ipt +\[iptables-nft\]"
rows --truth "$work/ipt.truth"
keys v
expect "v: iptables-legacy's" "^ Frontends: $n_ipt +\[iptables-legacy\]"
rows --truth "$work/ipt.truth"
keys v
expect "v: the IPVS table, tagged" "^ Virtual services: 0 +\[ipvs\]"
expect "and the key bar's Enter is real servers again" "EnterReal servers +cConns"
expect "and its error still said" "^IPVS is not available"
keys v
expect "v: back to nftables" "^ Frontends: $n_all +\[nftables\]"
keys '?'
expect "the help lists the key" "^ +v +the next data plane in the services pane"
keys q
expect "q quits with status 0" "^EXITED rc=0" 5
# The recording holds each read of the data planes once, in the first record after it.
if python3 - "$work/rec.jsonl" "$n_ipt" > "$work/rec.out" 2>&1 <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
with_dp = [r["dataplane"] for r in recs if "dataplane" in r]
ages = [d["age"] for d in with_dp]
assert len(recs) > len(with_dp) > 1, (len(recs), len(with_dp))
assert all(a < 1.5 for a in ages), ages  # each is recorded as it comes, not later
last = with_dp[-1]["planes"]
assert last["iptables-nft"]["frontends"] == int(sys.argv[2]), last["iptables-nft"]
print("%d records, %d with a data-plane read" % (len(recs), len(with_dp)))
PY
then ok "--record: each data-plane read once, the later ones with iptables' frontends ($(cat "$work/rec.out"))"
else not_ok "--record: each data-plane read once" "$work/rec.out"; fi

# --- kube-proxy says it runs iptables (its /proxyMode on :10249): that plane is shown ---
cp "$scenario" "$work/scenario.json"
start_server
python3 - > "$work/proxy.log" 2>&1 <<'PY' &
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"iptables" if self.path == "/proxyMode" else b"404"
        self.send_response(200 if self.path == "/proxyMode" else 404)
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", 10249), H).serve_forever()
PY
proxy_pid=$!
start 150 50 "$IPVSTOP" --node worker-1 -d 1
expect "the header says which plane kube-proxy runs" \
	"^Data planes: nftables $n_all frontends, iptables-nft $n_ipt, iptables-legacy $n_ipt; kube-proxy runs iptables;" 20
expect "and the pane shows it, not the plane with the most frontends" "^ Frontends: $n_ipt +\[iptables-nft\]"
# kube-proxy runs iptables, so nftables' kube-proxy table (loaded above: nft lists it) is a
# leftover of nftables mode: the header flags it, K says what cleans it; -j agrees.
nft list tables > "$work/tables.txt"
grep -q "^table ip kube-proxy$" "$work/tables.txt" || not_ok "nft does not list table ip kube-proxy" "$work/tables.txt"
"$IPVSTOP" --node worker-1 -j -n 1 > "$work/kube.json" 2> "$work/kube.err" || not_ok "ipvstop -j with the cluster failed" "$work/kube.err"
lo=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["dataplane"]
print(" ".join(e["what"] for e in d["leftovers"] if e["leftover"]))' "$work/kube.json")
[ "$lo" = nftables ] && ok "-j: nftables is the one leftover while kube-proxy runs iptables" \
	|| not_ok "-j: the leftovers are '$lo', not nftables" "$work/kube.json"
expect "the header flags the leftover and points at K" "! leftovers of other modes: nftables \(K\)"
keys K
expect "K: the leftover, its rules and frontends, and what cleans it" \
	"nftables +LEFTOVER of nftables mode: rules: [0-9]+, frontends: $n_all; cleaned by kube-proxy"
expect "K: the other modes' state is listed as in use" "iptables-nft +in use: rules: [0-9]+, frontends: $n_ipt"
keys K
expect "any key closes the K page" "^ Frontends: $n_ipt +\[iptables-nft\]"
# The endpoints' pods, from the data planes' join with the cluster; kubectl says which.
kubectl get endpointslices -A -o json > "$work/slices.json" 2> "$work/kubectl.err" ||
	not_ok "kubectl get endpointslices" "$work/kubectl.err"
keys / "$two" Enter Enter
python3 - "$work/all.json" "$work/slices.json" "$two" > "$work/pods.txt" <<'PY'
import json, sys
fe = [f for f in json.load(open(sys.argv[1]))["dataplane"]["frontends"]
      if f["plane"] == "iptables-nft" and "%s:%d" % (f["address"], f["port"]) == sys.argv[3]][0]
pods = {}
for sl in json.load(open(sys.argv[2]))["items"]:
    for e in sl.get("endpoints") or []:
        for a in e["addresses"]:
            pods[a] = "%s/%s" % (sl["metadata"]["namespace"],
                                 (e.get("targetRef") or {}).get("name", "?"))
for e in fe["endpoints"]:
    print("%s:%d %s" % (e["address"], e["port"], pods.get(e["address"], "NONE")))
PY
while read -r ep pod; do
	expect "the endpoints pane names $ep's pod, as kubectl does ($pod)" \
		"^$(re_escape "$ep") +[0-9.]+% +$(re_escape "$pod")( |$)"
done < "$work/pods.txt"
[ -s "$work/pods.txt" ] || not_ok "no endpoint of $two to look for"
# The cluster's Service beside the rules' one; the frontend no Service explains is drift.
keys Escape Escape v v v
expect "v v v: nftables" "^ Frontends: $n_all +\[nftables\]"
expect "the frontend no Service explains is marked, in text" \
	"^TCP +10\.96\.99\.1:80 +ClusterIP +0 +unrecognised +default/odd:http +! \(no Service\)"
expect "a frontend the cluster explains names the same Service as its rules" \
	"^TCP +$(re_escape "$two") +ClusterIP +[0-9]+ +([a-z-]+/[a-z-]+:[a-z-]+) +\1 *$"
capture
marked=$(grep -cE '^(TCP|UDP|SCTP) .* ! ' "$work/screen")
keys d
expect "d: only the $marked marked frontends" "^ Frontends with drift: $marked of $n_all +\[nftables\]"
expect "d: the unexplained one among them" "^TCP +10\.96\.99\.1:80 .* ! \(no Service\)"
keys d
expect "d again: every frontend" "^ Frontends: $n_all +\[nftables\]"
keys / "no Service" Enter
expect "/ matches the cluster's column too" "^ Frontends: 1 of $n_all match /no Service/ +\[nftables\]"
keys q

# --- --no-dataplane: the IPVS table alone, as before ---
start 150 50 "$IPVSTOP" --no-kube --no-dataplane -d 1
expect "--no-dataplane: the IPVS table" "^ Virtual services: 0 *$"
expect_not "--no-dataplane: no data-plane line" "^(Data planes|Not read):"
keys v
expect "--no-dataplane: v says why there is nothing to switch to" "not read \(a replay, or --no-dataplane\)"
keys q

# --- without CAP_NET_ADMIN: one line says what was not read, the rest goes on ---
chmod 755 "$work"
start 150 50 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all "$IPVSTOP" --no-kube -d 1
expect "no CAP_NET_ADMIN: the data-plane line names the planes not read" \
	"^Data planes: no Service frontends found +Not read: nftables, iptables-nft, iptables-legacy, ipsets \(no CAP_NET_ADMIN: run as root\)"
expect "and the rest goes on" "^ Virtual services: 0 *$"
expect "the header's other lines too" "^Services 0 +Real servers 0"
keys q
expect "q quits with status 0" "^EXITED rc=0" 5
summary
