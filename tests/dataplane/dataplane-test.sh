#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# dataplane-test.sh: ipvstop -j's "dataplane" section through the real path, in a network
# namespace of its own on this host's kernel: kube-proxy's nftables tables loaded with the
# real nft from tests/dataplane/gen-kube-nft.py (the API test server's basic scenario),
# kube-proxy's ipsets made with the real ipset (one full), a kube-ipvs0 link with addresses
# made with ip. check-dataplane.py then holds ipvstop's document against what nft -j, ipset
# list -t and ip -j addr say, each read independently. Also: an empty namespace (nothing
# present, no error), --no-dataplane, and a plane without CAP_NET_ADMIN (a clear error, the
# rest of the document whole). Needs root, unshare, nft, ipset, ip: missing ones fail (99).
set -u
: "${IPVSTOP:?set IPVSTOP to the ipvstop binary}"
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib.sh
. "$here/../lib.sh"
for t in unshare nft ipset ip python3 setpriv; do
	command -v "$t" >/dev/null || { echo "dataplane-test: $t is missing (tools/deps.sh installs it)"; exit 99; }
done
[ "$(id -u)" = 0 ] || { echo "dataplane-test: needs root (a network namespace, nft, ipset)"; exit 99; }
unshare -n true 2>/dev/null || { echo "dataplane-test: unshare -n does not work here"; exit 99; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/gen-kube-nft.py" "$here/../kube/scenarios/basic.json" --node worker-1 > "$work/rules.nft"

# In one namespace: the node's state, ipvstop's document, and the witnesses' words on it.
cat > "$work/node.sh" <<'SH'
set -e
cd "$1"
nft -f rules.nft
ipset create KUBE-CLUSTER-IP hash:ip,port maxelem 4
for p in 53 80 443 8080; do ipset add KUBE-CLUSTER-IP 10.96.0.10,tcp:$p; done
ipset create KUBE-LOOP-BACK hash:ip,port,ip maxelem 100
ipset add KUBE-LOOP-BACK 10.244.1.5,tcp:80,10.244.1.5
ipset create not-kube hash:ip
if ! ip link add kube-ipvs0 type dummy 2>/dev/null; then
	ip link add kube-ipvs0 type ifb # a kernel without the dummy driver: the name is what counts
fi
ip addr add 10.96.0.10/32 dev kube-ipvs0
ip addr add 10.96.0.1/32 dev kube-ipvs0
ip addr add 10.96.99.99/32 dev kube-ipvs0
"$IPVSTOP" -j -n 1 --no-kube > doc.json 2> doc.err
LANG=C "$IPVSTOP" -b -n 1 --no-kube > batch.txt 2>&1
nft -j list table ip kube-proxy > nft-ip.json
nft -j list table ip6 kube-proxy > nft-ip6.json
ipset list -t > ipset.txt
ip -j addr show dev kube-ipvs0 > addr.json
"$IPVSTOP" -j -n 1 --no-kube --no-dataplane > nodp.json
# Without CAP_NET_ADMIN (uid 65534, no capabilities): the reads fail, said per plane.
chmod 755 "$1"; chmod 644 "$1"/*
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$IPVSTOP" -j -n 1 --no-kube > nocap.json 2> nocap.err || true
SH
if IPVSTOP=$IPVSTOP unshare -n sh "$work/node.sh" "$work" > "$work/node.log" 2>&1; then
	ok "the node's rules, sets and kube-ipvs0 loaded by nft, ipset and ip; ipvstop -j ran"
else
	not_ok "the node's state could not be made, or ipvstop failed" "$work/node.log"
fi
python3 "$here/check-dataplane.py" "$work" > "$work/check.out" 2>&1
cat "$work/check.out"
passed=$((passed + $(grep -c '^ok - ' "$work/check.out")))
failed=$((failed + $(grep -c '^not ok - ' "$work/check.out")))
grep -qE '^(ok|not ok) - ' "$work/check.out" || not_ok "check-dataplane.py said nothing" "$work/check.out"

# iptables mode, both backends at once (a node between two kube-proxy versions, or a switch
# half done): the same rules restored into iptables-nft and iptables-legacy, ipvstop against
# the generator's truth and what each backend's iptables-save prints.
python3 "$here/gen-kube-iptables.py" --scenario "$here/../kube/scenarios/basic.json" --node worker-2 \
	--out "$work/ipt.rules" --truth "$work/ipt.truth" || not_ok "gen-kube-iptables.py failed"
cat > "$work/ipt.sh" <<'SH'
set -e
cd "$1"
for b in nft legacy; do
	iptables-$b-restore < ipt.rules
	iptables-$b-save -t nat > save-$b.txt
done
"$IPVSTOP" -j -n 1 --no-kube > ipt.json 2> ipt.err
SH
if IPVSTOP=$IPVSTOP unshare -n sh "$work/ipt.sh" "$work" > "$work/ipt.log" 2>&1; then
	ok "iptables: kube-proxy's rules restored into both backends; ipvstop -j ran"
else
	not_ok "iptables: the rules could not be restored, or ipvstop failed" "$work/ipt.log"
fi
python3 - "$work" > "$work/ipt.out" 2>&1 <<'PY'
import json, os, sys
d = sys.argv[1]
doc = json.load(open(os.path.join(d, "ipt.json")))["dataplane"]
truth = sorted(l.strip() for l in open(os.path.join(d, "ipt.truth")) if l.strip())
def line(f):
    eps = ",".join("%s:%d@%.6f" % (e["address"], e["port"], e["share"] or 0) for e in f["endpoints"])
    owner = "%s/%s:%s" % (f["service"]["namespace"], f["service"]["name"], f["service"]["port"]) if f["service"] else "-"
    return "%s %s %s %d %s aff=%d noep=%d eps=%s" % (f["kind"], f["protocol"], f["address"] or "*",
        f["port"], owner, f["affinity"], f["no_endpoints"], eps)
for plane in ("iptables-nft", "iptables-legacy"):
    got = sorted(line(f) for f in doc["frontends"] if f["plane"] == plane)
    p = doc["planes"][plane]
    save = open(os.path.join(d, "save-%s.txt" % plane.split("-")[1])).read().splitlines()
    rules = sum(1 for l in save if l.startswith("-A "))
    svc = sum(1 for l in save if l.startswith("-A KUBE-SERVICES "))
    ok = p["read"] and p["present"] and p["error"] is None
    print(("ok" if ok else "not ok") + " - %s: read, present, no error" % plane)
    print(("ok" if got == truth else "not ok") + " - %s: the %d frontends the scenario implies, with their endpoints and shares" % (plane, len(truth)))
    if got != truth:
        print("    missing: %s; extra: %s" % (sorted(set(truth) - set(got))[:3], sorted(set(got) - set(truth))[:3]))
    # the filter table's rules are counted too where the reader reads them
    print(("ok" if p["services_rules"] == svc and p["rules"] >= rules else "not ok") +
          " - %s: KUBE-SERVICES has %d rules and nat %d, as iptables-save says (ipvstop: %d, %d)" % (plane, svc, rules, p["services_rules"], p["rules"]))
print(("ok" if doc["planes"]["nftables"]["present"] is False else "not ok") + " - iptables-nft's nat table is not taken for kube-proxy's nftables mode")
PY
cat "$work/ipt.out"
passed=$((passed + $(grep -c '^ok - ' "$work/ipt.out")))
failed=$((failed + $(grep -c '^not ok - ' "$work/ipt.out")))
grep -q '^ok - ' "$work/ipt.out" || not_ok "the iptables check said nothing" "$work/ipt.out"

# An empty namespace: every plane read, none present, no error.
unshare -n "$IPVSTOP" -j -n 1 --no-kube > "$work/empty.json" 2>&1
if python3 - "$work/empty.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["dataplane"]
p = d["planes"]["nftables"]
assert p["read"] and not p["present"] and p["error"] is None, p
assert d["frontends"] == [], d["frontends"]
assert d["ipsets"]["sets"] == [] and d["ipsets"]["error"] is None, d["ipsets"]
assert not d["kube_ipvs0"]["present"] and d["kube_ipvs0"]["error"] is None, d["kube_ipvs0"]
PY
then ok "an empty namespace: nothing present, no error"; else not_ok "an empty namespace" "$work/empty.json"; fi
summary
