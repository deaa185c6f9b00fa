#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""apiserver.py: a Kubernetes API server double for ipvstop's tests.

The real kubectl must accept it, so its answers are shaped like a kubeadm
cluster's: discovery (aggregated and legacy), Tables for kubectl get, lists with
limit/continue, watches with bookmarks and 410 Expired, metav1 Status errors,
optimistic concurrency (409 Conflict), strategic merge patches, and a kube-proxy
DaemonSet whose restart rolls new pods out node by node. For ipvstop's node agents
(apiserver_agent.py): RBAC objects, TokenReview, SubjectAccessReview, strict field
validation of deploy/'s kinds, pods/proxy, and agent pods.

Usage:
  apiserver.py --state DIR --port 0 --cert-dir DIR [--scenario FILE]
               [--bind 127.0.0.1] [--generate-services N --endpoints-per-service M]
               [--bookmark-interval SECONDS] [--key-type rsa|ec] [--inline-token-kubeconfig]
  apiserver.py control --state DIR 'JSON'      send one control request, print the answer

Files written to the state directory (see tests/kube/README.md):
  ready.json, ready.env   port, URLs, paths of ca.crt, client.crt/.key, token files
                          (written last: their presence means the server is serving)
  kubeconfig              contexts: ipvstop-test (client cert, current), viewer-cert,
                          token, token-NAME per token, bad-token, anonymous
  kubeconfig-data         the same client-cert user with *-data fields inline
  tokens/NAME             one bearer token per file, mode 0600
  requests.jsonl          one JSON line per request: method, path, query, selected
                          headers, auth kind and user, body of writes, status, fault.
                          Never the Authorization header, never a token.
"""

import argparse
import base64
import calendar
import copy
import gzip
import hashlib
import heapq
import http.server
import ipaddress
import json
import os
import random
import re
import secrets
import select
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import OrderedDict, deque

import apiserver_agent as agent
from apiserver_agent import ApiError, bad_request

# ---------------------------------------------------------------------------------------
# Small helpers

def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_time(s):
    try:
        return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return None


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration, as kubectl's AGE column."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    m = s // 60
    if m < 10:
        return "%dm%ds" % (m, s % 60) if s % 60 else "%dm" % m
    if m < 180:
        return "%dm" % m
    h = s // 3600
    if h < 8:
        return "%dh%dm" % (h, m % 60) if m % 60 else "%dh" % h
    if h < 48:
        return "%dh" % h
    if h < 24 * 8:
        return "%dd%dh" % (h // 24, h % 24) if h % 24 else "%dd" % (h // 24)
    if h < 24 * 365 * 2:
        return "%dd" % (h // 24)
    if h < 24 * 365 * 8:
        dy = (h // 24) % 365
        return "%dy%dd" % (h // 24 // 365, dy) if dy else "%dy" % (h // 24 // 365)
    return "%dy" % (h // 24 // 365)


def age(obj, now=None):
    t = parse_time(obj.get("metadata", {}).get("creationTimestamp"))
    if t is None:
        return "<unknown>"
    return human_duration((now or time.time()) - t)


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"))


# A lone surrogate U+DC80..U+DCFF in a scenario string ("\\udcff" in its JSON) stands for that
# raw byte, as Python's surrogateescape has it: the server sends it as it is, not UTF-8, the way
# a broken or hostile server would. Escaped surrogate pairs (valid characters) are left alone.
RAW_BYTE_ESCAPE = re.compile(rb"(?<!\\ud[89ab][0-9a-f]{2})\\udc([89a-f][0-9a-f])")


def raw_bytes(data):
    """JSON text (bytes) with every lone \\udcXX escape turned into the byte XX."""
    if b"\\udc" not in data:
        return data
    return RAW_BYTE_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def format_labels(labels):
    if not labels:
        return "<none>"
    return ",".join("%s=%s" % (k, labels[k]) for k in sorted(labels))


def format_selector(sel):
    """metav1.FormatLabelSelector for matchLabels (+ simple matchExpressions)."""
    if not sel:
        return "<none>"
    parts = ["%s=%s" % (k, v) for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for e in sel.get("matchExpressions") or []:
        op = e.get("operator", "")
        if op in ("In", "NotIn"):
            parts.append("%s %s (%s)" % (e["key"], op.lower(), ",".join(e.get("values") or [])))
        elif op == "Exists":
            parts.append(e["key"])
        elif op == "DoesNotExist":
            parts.append("!" + e["key"])
    return ",".join(parts) if parts else "<none>"


RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery/pkg/util/rand


def status_obj(code, reason, message, details=None, cont=None):
    st = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
          "message": message, "reason": reason, "code": code}
    if cont:
        st["metadata"]["continue"] = cont
    if details:
        st["details"] = details
    return st


def not_found(res, name):
    d = {"name": name, "kind": res.name}
    if res.group:
        d["group"] = res.group
    return ApiError(404, "NotFound", '%s "%s" not found' % (res.qualified(), name), d)


def invalid(res, name, causes):
    """422 Invalid, as field validation reports it."""
    return agent.invalid_kind(res.kind, res.group, name, causes)


# ---------------------------------------------------------------------------------------
# The resources this double serves (and announces in discovery)

RW = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


class Res:
    def __init__(self, name, group, version, kind, namespaced, short=(), verbs=RW, cats=(),
                 subs=(), singular=None, table=True):
        self.name, self.group, self.version, self.kind = name, group, version, kind
        self.namespaced, self.short, self.verbs, self.cats = namespaced, list(short), verbs, list(cats)
        self.subs = list(subs)
        self.singular = singular or kind.lower()
        self.table = table

    @property
    def api_version(self):
        return self.group + "/" + self.version if self.group else self.version

    def qualified(self):
        return self.name + "." + self.group if self.group else self.name


RESOURCES = [
    Res("namespaces", "", "v1", "Namespace", False, ["ns"],
        ["create", "delete", "get", "list", "patch", "update", "watch"], subs=["status"]),
    Res("nodes", "", "v1", "Node", False, ["no"], subs=["status"]),
    Res("pods", "", "v1", "Pod", True, ["po"], cats=["all"], subs=["log", "proxy", "status"]),
    Res("services", "", "v1", "Service", True, ["svc"],
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        cats=["all"], subs=["status"]),
    Res("configmaps", "", "v1", "ConfigMap", True, ["cm"]),
    Res("daemonsets", "apps", "v1", "DaemonSet", True, ["ds"], cats=["all"], subs=["status"]),
    Res("serviceaccounts", "", "v1", "ServiceAccount", True, ["sa"]),
    Res("endpointslices", "discovery.k8s.io", "v1", "EndpointSlice", True),
    Res("clusterroles", "rbac.authorization.k8s.io", "v1", "ClusterRole", False),
    Res("clusterrolebindings", "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", False),
    Res("roles", "rbac.authorization.k8s.io", "v1", "Role", True),
    Res("rolebindings", "rbac.authorization.k8s.io", "v1", "RoleBinding", True),
    Res("subjectaccessreviews", "authorization.k8s.io", "v1", "SubjectAccessReview", False,
        verbs=["create"], table=False),
    Res("tokenreviews", "authentication.k8s.io", "v1", "TokenReview", False,
        verbs=["create"], table=False),
    Res("selfsubjectaccessreviews", "authorization.k8s.io", "v1", "SelfSubjectAccessReview", False,
        verbs=["create"], table=False),
    Res("selfsubjectrulesreviews", "authorization.k8s.io", "v1", "SelfSubjectRulesReview", True,
        verbs=["create"], table=False),
    Res("selfsubjectreviews", "authentication.k8s.io", "v1", "SelfSubjectReview", False,
        verbs=["create"], table=False),
]
RES_BY_GVR = {(r.group, r.version, r.name): r for r in RESOURCES}
RES_BY_NAME = {r.name: r for r in RESOURCES}
RES_BY_KIND = {(r.group, r.kind): r for r in RESOURCES}
STORED = [r for r in RESOURCES if r.table]


def groups_in_order():
    seen = []
    for r in RESOURCES:
        if r.group and r.group not in seen:
            seen.append(r.group)
    return seen


# ---------------------------------------------------------------------------------------
# Certificates, made with the openssl CLI

def openssl(*args, cwd):
    r = subprocess.run(["openssl"] + list(args), cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (args[0], r.stderr.strip()))


def make_certs(cert_dir, key_type):
    """CA, server cert (127.0.0.1, localhost, 10.0.2.2) and client certs. Reused if present."""
    os.makedirs(cert_dir, exist_ok=True)
    files = ["ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key",
             "viewer.crt", "viewer.key"]
    if all(os.path.exists(os.path.join(cert_dir, f)) for f in files):
        return
    os.chmod(cert_dir, 0o700)

    def newkey(name):
        if key_type == "ec":
            openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", name, cwd=cert_dir)
        else:
            openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", name, cwd=cert_dir)

    newkey("ca.key")
    openssl("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "3650",
            "-subj", "/CN=kubernetes", "-out", "ca.crt",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
            cwd=cert_dir)

    def sign(name, subj, ext):
        newkey(name + ".key")
        openssl("req", "-new", "-key", name + ".key", "-subj", subj, "-out", name + ".csr",
                cwd=cert_dir)
        with open(os.path.join(cert_dir, name + ".ext"), "w") as f:
            f.write(ext)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-sha256", "-days", "365", "-extfile", name + ".ext",
                "-out", name + ".crt", cwd=cert_dir)
        os.unlink(os.path.join(cert_dir, name + ".csr"))
        os.unlink(os.path.join(cert_dir, name + ".ext"))

    sign("server", "/CN=kube-apiserver",
         "basicConstraints=critical,CA:FALSE\n"
         "keyUsage=critical,digitalSignature,keyEncipherment\n"
         "extendedKeyUsage=serverAuth\n"
         "subjectAltName=IP:127.0.0.1,IP:10.0.2.2,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,"
         "DNS:kubernetes.default,DNS:kubernetes.default.svc,"
         "DNS:kubernetes.default.svc.cluster.local\n")
    client_ext = ("basicConstraints=critical,CA:FALSE\n"
                  "keyUsage=critical,digitalSignature,keyEncipherment\n"
                  "extendedKeyUsage=clientAuth\n")
    sign("client", "/O=system:masters/CN=ipvstop-test", client_ext)
    sign("viewer", "/O=ipvstop:viewers/CN=ipvstop-viewer", client_ext)
    for f in os.listdir(cert_dir):
        if f.endswith(".key"):
            os.chmod(os.path.join(cert_dir, f), 0o600)


# ---------------------------------------------------------------------------------------
# kube-proxy's ConfigMap text, as kubeadm writes it (sigs.k8s.io/yaml: sorted keys)

def yaml_scalar(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if s == "" or re.search(r"^[\s\-?:,\[\]{}#&*!|>'\"%@`]|: | #|\s$", s) or \
            s.lower() in ("true", "false", "null", "yes", "no", "on", "off", "~") or \
            re.fullmatch(r"[-+]?[0-9][0-9_.eE+-]*", s):
        return json.dumps(s)
    return s


def kube_proxy_config_text(c):
    """KubeProxyConfiguration YAML (v1alpha1) from a few scenario knobs."""
    exclude = c.get("excludeCIDRs")
    if exclude:
        exclude_text = "  excludeCIDRs:\n" + "".join("  - %s\n" % x for x in exclude)
    else:
        exclude_text = "  excludeCIDRs: null\n"
    q = yaml_scalar
    return (
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
        "bindAddress: 0.0.0.0\n"
        "bindAddressHardFail: false\n"
        "clientConnection:\n"
        "  acceptContentTypes: \"\"\n"
        "  burst: 0\n"
        "  contentType: \"\"\n"
        "  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\n"
        "  qps: 0\n"
        "clusterCIDR: %s\n"
        "configSyncPeriod: 0s\n"
        "conntrack:\n"
        "  maxPerCore: null\n"
        "  min: null\n"
        "  tcpBeLiberal: false\n"
        "  tcpCloseWaitTimeout: null\n"
        "  tcpEstablishedTimeout: null\n"
        "  udpStreamTimeout: 0s\n"
        "  udpTimeout: 0s\n"
        "detectLocal:\n"
        "  bridgeInterface: \"\"\n"
        "  interfaceNamePrefix: \"\"\n"
        "detectLocalMode: \"\"\n"
        "enableProfiling: false\n"
        "healthzBindAddress: \"\"\n"
        "hostnameOverride: \"\"\n"
        "iptables:\n"
        "  localhostNodePorts: null\n"
        "  masqueradeAll: false\n"
        "  masqueradeBit: null\n"
        "  minSyncPeriod: 0s\n"
        "  syncPeriod: 0s\n"
        "ipvs:\n"
        "%s"
        "  minSyncPeriod: 0s\n"
        "  scheduler: %s\n"
        "  strictARP: %s\n"
        "  syncPeriod: 0s\n"
        "  tcpFinTimeout: %s\n"
        "  tcpTimeout: %s\n"
        "  udpTimeout: %s\n"
        "kind: KubeProxyConfiguration\n"
        "logging:\n"
        "  flushFrequency: 0\n"
        "  options:\n"
        "    json:\n"
        "      infoBufferSize: \"0\"\n"
        "    text:\n"
        "      infoBufferSize: \"0\"\n"
        "  verbosity: 0\n"
        "metricsBindAddress: \"\"\n"
        "mode: %s\n"
        "nftables:\n"
        "  masqueradeAll: false\n"
        "  masqueradeBit: null\n"
        "  minSyncPeriod: 0s\n"
        "  syncPeriod: 0s\n"
        "nodePortAddresses: null\n"
        "oomScoreAdj: null\n"
        "portRange: \"\"\n"
        "showHiddenMetricsForVersion: \"\"\n"
        "winkernel:\n"
        "  enableDSR: false\n"
        "  forwardHealthCheckVip: false\n"
        "  networkName: \"\"\n"
        "  rootHnsEndpointName: \"\"\n"
        "  sourceVip: \"\"\n"
    ) % (q(c.get("clusterCIDR", "10.244.0.0/16")), exclude_text, q(c.get("scheduler", "")),
         q(bool(c.get("strictARP", False))), q(c.get("tcpFinTimeout", "0s")),
         q(c.get("tcpTimeout", "0s")), q(c.get("udpTimeout", "0s")), q(c.get("mode", "")))


def parse_simple_yaml(text):
    """Flat {"a.b": value} of the block-mapping scalars in YAML text (enough for
    config.conf: mode, ipvs.scheduler, ipvs.strictARP). Lists and flow maps are skipped."""
    out, stack = {}, []
    for raw in text.splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        m = re.match(r"^(\s*)([A-Za-z0-9_.\-]+):(?:\s+(.*))?$", line)
        if not m:
            continue
        ind = len(m.group(1))
        while stack and stack[-1][0] >= ind:
            stack.pop()
        key = ".".join([k for _, k in stack] + [m.group(2)])
        val = m.group(3)
        if val is None or val == "":
            stack.append((ind, m.group(2)))
            continue
        if len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
            val = val[1:-1]
        out[key] = val
    return out


def effective_mode(config_text):
    """The proxy mode kube-proxy on Linux runs with that config.conf ("" means iptables)."""
    mode = parse_simple_yaml(config_text or "").get("mode", "")
    return mode or "iptables", mode == ""


KUBECONFIG_CONF = """apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://%s
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
"""


# ---------------------------------------------------------------------------------------
# The cluster: builds kubeadm-shaped objects from the scenario

ENDPOINT_STATES = {
    "ready": {"ready": True, "serving": True, "terminating": False},
    "not-ready": {"ready": False, "serving": False, "terminating": False},
    "terminating": {"ready": False, "serving": False, "terminating": True},
    "terminating-serving": {"ready": False, "serving": True, "terminating": True},
}


class Cluster:
    def __init__(self, scenario, seed=1):
        self.sc = scenario
        self.rng = random.Random(seed)
        self.now = time.time()
        created = parse_time(scenario.get("created", ""))
        self.created = created if created else int(self.now) - 30 * 86400
        self.version = scenario.get("kubernetesVersion", "v1.34.1")
        m = re.match(r"v(\d+)\.(\d+)", self.version)
        self.major, self.minor = (int(m.group(1)), int(m.group(2))) if m else (1, 34)
        self.nodes = scenario.get("nodes") or [
            {"name": "cp-1", "internalIP": "192.168.122.10", "controlPlane": True}]
        cp = next((n for n in self.nodes if n.get("controlPlane")), self.nodes[0])
        self.endpoint = scenario.get("controlPlaneEndpoint", cp["internalIP"] + ":6443")
        self.pod_cidr = scenario.get("podCIDR", "10.244.0.0/16")
        self.svc_net = ipaddress.ip_network(scenario.get("serviceCIDR", "10.96.0.0/12"))
        self.svc_net6 = ipaddress.ip_network(scenario.get("serviceCIDR6", "fd00:10:96::/112"))
        self.used_ips = set()
        self.used_node_ports = set()
        self.next_ip = 0x1000   # scenario IPs below; allocations from here
        self.next_node_port = 30000
        self.kp_rev_hash = self.rand_str(10)

    # -- names, uids, times -------------------------------------------------------------
    def rand_str(self, n):
        return "".join(self.rng.choice(RAND_ALPHABET) for _ in range(n))

    def rand_hex(self, n):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def uid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ts(self, offset=0):
        return rfc3339(self.created + offset)

    def meta(self, name, ns=None, offset=0, **kw):
        md = {"name": name}
        if ns is not None:
            md["namespace"] = ns
        md["uid"] = self.uid()
        md["creationTimestamp"] = self.ts(offset)
        md.update({k: v for k, v in kw.items() if v})
        return md

    # -- IP allocation -------------------------------------------------------------------
    def alloc_ip(self, family=4):
        net = self.svc_net if family == 4 else self.svc_net6
        while True:
            ip = str(net.network_address + self.next_ip)
            self.next_ip += 1
            if ip not in self.used_ips:
                self.used_ips.add(ip)
                return ip

    def alloc_node_port(self):
        while self.next_node_port in self.used_node_ports:
            self.next_node_port += 1
        self.used_node_ports.add(self.next_node_port)
        return self.next_node_port

    # -- objects -------------------------------------------------------------------------
    def version_info(self):
        v = {"major": str(self.major), "minor": str(self.minor)}
        if (self.major, self.minor) >= (1, 33):
            v.update({"emulationMajor": str(self.major), "emulationMinor": str(self.minor),
                      "minCompatibilityMajor": str(self.major),
                      "minCompatibilityMinor": str(self.minor - 1)})
        v.update({"gitVersion": self.version,
                  "gitCommit": hashlib.sha1(self.version.encode()).hexdigest(),
                  "gitTreeState": "clean", "buildDate": "2025-09-09T19:44:50Z",
                  "goVersion": "go1.24.6", "compiler": "gc", "platform": "linux/amd64"})
        return v

    def namespace(self, name, offset=0):
        return {"kind": "Namespace", "apiVersion": "v1",
                "metadata": dict(self.meta(name, None, offset),
                                 labels={"kubernetes.io/metadata.name": name}),
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}

    def node(self, i, n):
        name = n["name"]
        labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
                  "kubernetes.io/os": "linux"}
        spec = {"podCIDR": "10.244.%d.0/24" % i, "podCIDRs": ["10.244.%d.0/24" % i]}
        if n.get("controlPlane"):
            labels["node-role.kubernetes.io/control-plane"] = ""
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
            spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
        labels.update(n.get("labels") or {})
        ready = n.get("ready", True)
        hb = rfc3339(self.now - 20)
        conds = [
            {"type": t, "status": "False", "lastHeartbeatTime": hb,
             "lastTransitionTime": self.ts(60 + i), "reason": r, "message": msg}
            for t, r, msg in (
                ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"))]
        conds.append({"type": "Ready", "status": "True" if ready else "Unknown",
                      "lastHeartbeatTime": hb, "lastTransitionTime": self.ts(120 + i),
                      "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                      "message": "kubelet is posting ready status" if ready
                      else "Kubelet stopped posting node status."})
        addrs = [{"address": n["internalIP"], "type": "InternalIP"}]
        if n.get("internalIP6"):
            addrs.append({"address": n["internalIP6"], "type": "InternalIP"})
        if n.get("externalIP"):
            addrs.append({"address": n["externalIP"], "type": "ExternalIP"})
        addrs.append({"address": name, "type": "Hostname"})
        node_info = {"architecture": "amd64", "bootID": self.uid(),
                     "containerRuntimeVersion": n.get("containerRuntime", "containerd://1.7.24"),
                     "kernelVersion": n.get("kernelVersion", "6.1.0-41-amd64"),
                     "kubeProxyVersion": "" if (self.major, self.minor) >= (1, 31) else self.version,
                     "kubeletVersion": n.get("kubeletVersion", self.version),
                     "machineID": self.uid().replace("-", ""), "operatingSystem": "linux",
                     "osImage": n.get("osImage", "Debian GNU/Linux 12 (bookworm)"),
                     "systemUUID": self.uid()}
        res = {"cpu": "4", "ephemeral-storage": "30787492Ki", "hugepages-2Mi": "0",
               "memory": "8141724Ki", "pods": "110"}
        alloc = dict(res, **{"ephemeral-storage": "28373752581", "memory": "8039324Ki"})
        obj = {"kind": "Node", "apiVersion": "v1",
               "metadata": self.meta(name, None, 60 + i * 300, labels=labels, annotations={
                   "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                   "node.alpha.kubernetes.io/ttl": "0",
                   "volumes.kubernetes.io/controller-managed-attach-detach": "true"}),
               "spec": spec,
               "status": {"addresses": addrs, "allocatable": alloc, "capacity": res,
                          "conditions": conds,
                          "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                          "nodeInfo": node_info}}
        if n.get("unschedulable"):
            obj["spec"]["unschedulable"] = True
        return obj

    def service(self, s, offset=0):
        """A Service from a scenario entry (a Service manifest, defaults filled in the
        way the API server's defaulting and allocators would)."""
        s = copy.deepcopy(s)
        s.pop("endpoints", None)
        md = s.get("metadata") or {}
        spec = s.setdefault("spec", {})
        obj = {"kind": "Service", "apiVersion": "v1",
               "metadata": self.meta(md["name"], md.get("namespace", "default"), offset,
                                     labels=md.get("labels"), annotations=md.get("annotations"))}
        self.default_service_spec(spec)
        obj["spec"] = spec
        status = s.get("status") or {}
        status.setdefault("loadBalancer", {})
        for ing in status["loadBalancer"].get("ingress") or []:
            if "ip" in ing:
                ing.setdefault("ipMode", "VIP")
        obj["status"] = status
        return obj

    def default_service_spec(self, spec, old=None):
        t = spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec["sessionAffinity"] == "ClientIP":
            spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {}).setdefault(
                "timeoutSeconds", 10800)
        for p in spec.get("ports") or []:
            p.setdefault("protocol", "TCP")
            if t != "ExternalName":
                p.setdefault("targetPort", p["port"])
            if t in ("NodePort", "LoadBalancer"):
                if not p.get("nodePort"):
                    p["nodePort"] = self.alloc_node_port()
                else:
                    self.used_node_ports.add(p["nodePort"])
        if t == "ExternalName":
            for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                spec.pop(k, None)
            return spec
        if old and not spec.get("clusterIP"):
            for k in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                if k in old:
                    spec[k] = copy.deepcopy(old[k])
        policy = spec.setdefault("ipFamilyPolicy", "SingleStack")
        fams = spec.get("ipFamilies")
        if not fams:
            fams = ["IPv4", "IPv6"] if policy in ("RequireDualStack", "PreferDualStack") else ["IPv4"]
            spec["ipFamilies"] = fams
        ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
        if ips == ["None"]:
            spec["clusterIP"], spec["clusterIPs"] = "None", ["None"]
        else:
            while len(ips) < len(fams):
                ips.append(self.alloc_ip(4 if fams[len(ips)] == "IPv4" else 6))
            for ip in ips:
                self.used_ips.add(ip)
            spec["clusterIPs"] = ips
            spec["clusterIP"] = ips[0]
        spec.setdefault("internalTrafficPolicy", "Cluster")
        if t in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if t == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
            if spec.get("externalTrafficPolicy") == "Local" and not spec.get("healthCheckNodePort"):
                spec["healthCheckNodePort"] = self.alloc_node_port()
        return spec

    def pod_name(self, svc_name):
        return "%s-%s-%s" % (svc_name, self.rand_str(10), self.rand_str(5))

    def endpoint_slices(self, svc, endpoints, offset=0):
        """EndpointSlices as the endpointslice controller writes them: one per address
        family, at most 100 endpoints each. Also returns the pods behind them."""
        spec, md = svc["spec"], svc["metadata"]
        if spec.get("type") == "ExternalName":
            return [], []
        name, ns = md["name"], md.get("namespace", "default")
        slices, pods = [], []
        fams = spec.get("ipFamilies") or ["IPv4"]
        by_fam = {f: [] for f in fams}
        for e in endpoints or []:
            ip = e.get("ip") or e.get("addresses", [None])[0]
            fam = "IPv6" if ":" in ip else "IPv4"
            by_fam.setdefault(fam, []).append(e)
        ports = []
        for p in spec.get("ports") or []:
            tp = p.get("targetPort", p["port"])
            ports.append({"name": p.get("name", ""), "port": tp if isinstance(tp, int) else p["port"],
                          "protocol": p.get("protocol", "TCP")})
        for fam, eps in by_fam.items():
            chunks = [eps[i:i + 100] for i in range(0, len(eps), 100)] or [[]]
            for chunk in chunks:
                out = []
                for e in chunk:
                    ip = e.get("ip") or e["addresses"][0]
                    conds = dict(ENDPOINT_STATES[e.get("state", "ready")])
                    conds.update(e.get("conditions") or {})
                    ep = {"addresses": e.get("addresses") or [ip], "conditions": conds}
                    if e.get("hostname"):
                        ep["hostname"] = e["hostname"]
                    pod = e.get("pod") or (self.pod_name(name) if e.get("node") else None)
                    if pod:
                        pod_obj = self.app_pod(pod, ns, e, svc, conds, ip)
                        pods.append(pod_obj)
                        ep["targetRef"] = {"kind": "Pod", "name": pod, "namespace": ns,
                                           "uid": pod_obj["metadata"]["uid"]}
                    if e.get("node"):
                        ep["nodeName"] = e["node"]
                    if e.get("zone"):
                        ep["zone"] = e["zone"]
                    out.append(ep)
                slices.append(self.slice(svc, fam, out, [dict(p) for p in ports], offset))
        return slices, pods

    def slice(self, svc, fam, endpoints, ports, offset=0, name=None):
        md = svc["metadata"]
        sname, ns = md["name"], md.get("namespace", "default")
        labels = dict(md.get("labels") or {})
        labels.update({"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                       "kubernetes.io/service-name": sname})
        return {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
                "metadata": self.meta(name or "%s-%s" % (sname, self.rand_str(5)), ns, offset + 1,
                                      generateName=None if name else sname + "-",
                                      labels=labels,
                                      annotations={"endpoints.kubernetes.io/last-change-trigger-time":
                                                   self.ts(offset + 1)},
                                      ownerReferences=[{"apiVersion": "v1", "kind": "Service",
                                                        "name": sname, "uid": md["uid"],
                                                        "controller": True,
                                                        "blockOwnerDeletion": True}]),
                "addressType": fam,
                "endpoints": endpoints or None,
                "ports": ports or None}

    def app_pod(self, name, ns, e, svc, conds, ip):
        node = e.get("node")
        nodeip = next((n["internalIP"] for n in self.nodes if n["name"] == node), None)
        labels = dict(svc["spec"].get("selector") or {})
        cports = []
        for p in svc["spec"].get("ports") or []:
            tp = p.get("targetPort", p["port"])
            cports.append({"containerPort": tp if isinstance(tp, int) else p["port"],
                           "protocol": p.get("protocol", "TCP")}
                          if isinstance(tp, int) else
                          {"containerPort": p["port"], "name": tp, "protocol": p.get("protocol", "TCP")})
        ready = conds.get("ready", True)
        md = self.meta(name, ns, 600, labels=labels, generateName=name.rsplit("-", 1)[0] + "-")
        if conds.get("terminating"):
            md["deletionTimestamp"] = rfc3339(self.now + 25)
            md["deletionGracePeriodSeconds"] = 30
        cname = svc["metadata"]["name"]
        image = e.get("image", "registry.example/%s:1.0" % cname)
        cs = {"name": cname, "image": image, "imageID": image + "@sha256:" + self.rand_hex(64),
              "containerID": "containerd://" + self.rand_hex(64), "ready": bool(ready),
              "restartCount": 0, "started": True, "lastState": {},
              "state": {"running": {"startedAt": self.ts(610)}}}
        conditions = [
            {"type": "PodReadyToStartContainers", "status": "True", "lastTransitionTime": self.ts(605)},
            {"type": "Initialized", "status": "True", "lastTransitionTime": self.ts(600)},
            {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": self.ts(615)},
            {"type": "ContainersReady", "status": "True" if ready else "False",
             "lastTransitionTime": self.ts(615)},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": self.ts(600)}]
        for c in conditions:
            c["lastProbeTime"] = None
        pod = {"kind": "Pod", "apiVersion": "v1", "metadata": md,
               "spec": {"containers": [{"name": cname, "image": image, "imagePullPolicy": "IfNotPresent",
                                        "ports": cports, "resources": {},
                                        "terminationMessagePath": "/dev/termination-log",
                                        "terminationMessagePolicy": "File"}],
                        "dnsPolicy": "ClusterFirst", "enableServiceLinks": True,
                        "nodeName": node, "preemptionPolicy": "PreemptLowerPriority",
                        "priority": 0, "restartPolicy": "Always", "schedulerName": "default-scheduler",
                        "securityContext": {}, "serviceAccount": "default",
                        "serviceAccountName": "default", "terminationGracePeriodSeconds": 30},
               "status": {"phase": "Running", "conditions": conditions, "hostIP": nodeip,
                          "hostIPs": [{"ip": nodeip}] if nodeip else None,
                          "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": "BestEffort",
                          "startTime": self.ts(600), "containerStatuses": [cs]}}
        if not node:
            del pod["spec"]["nodeName"]
        return pod

    # -- kube-proxy ----------------------------------------------------------------------
    def kube_proxy_template(self):
        return {
            "metadata": {"creationTimestamp": None, "labels": {"k8s-app": "kube-proxy"}},
            "spec": {
                "containers": [{
                    "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                                "--hostname-override=$(NODE_NAME)"],
                    "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {
                        "apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
                    "image": "registry.k8s.io/kube-proxy:" + self.version,
                    "imagePullPolicy": "IfNotPresent", "name": "kube-proxy", "resources": {},
                    "securityContext": {"privileged": True},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "volumeMounts": [
                        {"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                        {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                        {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True}]}],
                "dnsPolicy": "ClusterFirst", "hostNetwork": True,
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "priorityClassName": "system-node-critical", "restartPolicy": "Always",
                "schedulerName": "default-scheduler", "securityContext": {},
                "serviceAccount": "kube-proxy", "serviceAccountName": "kube-proxy",
                "terminationGracePeriodSeconds": 30,
                "tolerations": [{"operator": "Exists"}],
                "volumes": [
                    {"configMap": {"defaultMode": 420, "name": "kube-proxy"}, "name": "kube-proxy"},
                    {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"},
                     "name": "xtables-lock"},
                    {"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"}]}}

    def kube_proxy_daemonset(self):
        return {"kind": "DaemonSet", "apiVersion": "apps/v1",
                "metadata": self.meta("kube-proxy", "kube-system", 30, generation=1,
                                      labels={"k8s-app": "kube-proxy"},
                                      annotations={"deprecated.daemonset.template.generation": "1"}),
                "spec": {"revisionHistoryLimit": 10,
                         "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                         "template": self.kube_proxy_template(),
                         "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                                            "type": "RollingUpdate"}},
                "status": {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                           "numberMisscheduled": 0, "numberReady": 0, "observedGeneration": 1}}

    def kube_proxy_configmap(self, text):
        return {"kind": "ConfigMap", "apiVersion": "v1",
                "metadata": self.meta("kube-proxy", "kube-system", 30, labels={"app": "kube-proxy"},
                                      annotations={"kubeadm.kubernetes.io/component-config.hash":
                                                   "sha256:" + hashlib.sha256(text.encode()).hexdigest()}),
                "data": {"config.conf": text, "kubeconfig.conf": KUBECONFIG_CONF % self.endpoint}}

    def klog(self, t, sev, where, msg):
        tm = time.gmtime(t)
        return "%s%02d%02d %02d:%02d:%02d.%06d %7d %s] %s" % (
            sev, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
            int((t % 1) * 1e6), 1, where, msg)

    def kube_proxy_log(self, node, mode, defaulted, t, scheduler="", fail=None):
        """What kube-proxy prints when it starts in that mode (or fails to)."""
        legacy = (self.major, self.minor) < (1, 28)
        srv = "server_others.go" if legacy else "server_linux.go"
        lines = []

        def log(sev, where, msg):
            nonlocal t
            t += self.rng.uniform(0.0005, 0.03)
            lines.append(self.klog(t, sev, where, msg))

        if defaulted:
            log("I", srv + ":53", '"Using iptables proxy"')
        ips = [node["internalIP"]] + ([node["internalIP6"]] if node.get("internalIP6") else [])
        log("I", "server.go:256" if not legacy else "node.go:141",
            '"Successfully retrieved NodeIPs" NodeIPs=%s' % jdump(ips))
        log("E", "server.go:287", '"Kube-proxy configuration may be incomplete or incorrect" '
            'err="nodePortAddresses is unset; NodePort connections will be accepted on all local IPs. '
            'Consider using `--nodeport-addresses primary`"')
        log("I", "server.go:319", '"kube-proxy running in dual-stack mode" primary ipFamily="IPv4"')
        if fail:
            err = jdump(fail)
            log("E", "server.go:563", '"Error running ProxyServer" err=%s' % err)
            log("E", "run.go:72", '"command failed" err=%s' % err)
            return "\n".join(lines) + "\n"
        log("I", srv + (":176" if legacy else ":263"), '"Using %s Proxier"' % mode)
        if mode == "ipvs" and not scheduler:
            log("I", "proxier.go:354", '"IPVS scheduler not specified, use rr by default" ipFamily="IPv4"')
        log("I", "server.go:527", '"Version info" version="%s"' % self.version)
        log("I", "server.go:529", '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""')
        for what, where in (("service config", "config.go:200"),
                            ("endpoint slice config", "config.go:106"),
                            ("serviceCIDR config", "config.go:403"),
                            ("node config", "config.go:329")):
            log("I", where, '"Starting %s controller"' % what)
            log("I", "shared_informer.go:349", '"Waiting for caches to sync" controller="%s"' % what)
        for what in ("node config", "service config", "endpoint slice config", "serviceCIDR config"):
            log("I", "shared_informer.go:356", '"Caches are synced" controller="%s"' % what)
        return "\n".join(lines) + "\n"

    def kube_proxy_pod(self, node, ds, state, config_text, t_start, name=None):
        """A kube-proxy pod on node, as the DaemonSet controller and kubelet leave it.
        state: mode (what it runs; default: what config_text says), ready, restarts,
        crashLoop, ipvsSupported, failReason. Returns (pod, logs)."""
        cfg_mode, defaulted = effective_mode(config_text)
        mode = state.get("mode") or cfg_mode
        if state.get("mode") and state["mode"] != cfg_mode:
            defaulted = state["mode"] == "iptables" and state.get("defaulted", True)
        scheduler = parse_simple_yaml(config_text or "").get("ipvs.scheduler", "")
        unsupported = (mode == "ipvs" and not state.get("ipvsSupported", True)) or \
                      (mode == "nftables" and not state.get("nftablesSupported", True))
        crash = state.get("crashLoop") or unsupported
        fail = None
        if crash:
            fail = state.get("failReason") or (
                "can't use the IPVS proxier: error getting ipset version, error: executable file "
                "not found in $PATH" if mode == "ipvs" else
                "unable to create proxier: could not run nftables command: exit status 1")
        restarts = state.get("restarts", 5 if crash else 0)
        ready = state.get("ready", not crash) and not crash
        gen = ds["metadata"]["generation"]
        name = name or "kube-proxy-" + self.rand_str(5)
        image = ds["spec"]["template"]["spec"]["containers"][0]["image"]
        started = t_start + 1.2
        cid = "containerd://" + self.rand_hex(64)
        cs = {"name": "kube-proxy", "image": image,
              "imageID": image.split(":")[0] + "@sha256:" + self.rand_hex(64),
              "containerID": cid, "ready": bool(ready), "restartCount": restarts,
              "started": not crash, "lastState": {},
              "state": {"running": {"startedAt": rfc3339(started)}}}
        # logLines: lines the container prints after its start-up log, verbatim.
        extra_log = "".join(line + "\n" for line in state.get("logLines") or [])
        logs = {"current": self.kube_proxy_log(node, mode, defaulted, started, scheduler, fail) + extra_log,
                "previous": None}
        if crash:
            cs["state"] = {"waiting": {"reason": "CrashLoopBackOff",
                                       "message": "back-off 5m0s restarting failed container=kube-proxy "
                                                  "pod=%s_kube-system(%s)" % (name, "%s")}}
            cs["lastState"] = {"terminated": {"containerID": cid, "exitCode": 1, "reason": "Error",
                                              "startedAt": rfc3339(started),
                                              "finishedAt": rfc3339(started + 0.4)}}
            del cs["containerID"]
            logs = {"current": None, "previous": logs["current"]}
        elif restarts:
            # The container last restarted a while after the pod started.
            again = max(started + 60, time.time() - float(state.get("restartedAgoSeconds", 3 * 3600)))
            cs["lastState"] = {"terminated": {"containerID": "containerd://" + self.rand_hex(64),
                                              "exitCode": 2, "reason": "Error",
                                              "startedAt": rfc3339(started),
                                              "finishedAt": rfc3339(again - 1)}}
            cs["state"] = {"running": {"startedAt": rfc3339(again)}}
            logs = {"current": self.kube_proxy_log(node, mode, defaulted, again, scheduler) + extra_log,
                    "previous": logs["current"]}
        tmpl = copy.deepcopy(ds["spec"]["template"])
        spec = tmpl["spec"]
        spec.update({"nodeName": node["name"], "enableServiceLinks": True,
                     "preemptionPolicy": "PreemptLowerPriority", "priority": 2000001000,
                     "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                         "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                                 "values": [node["name"]]}]}]}}}})
        spec["tolerations"] = spec.get("tolerations", []) + [
            {"effect": "NoExecute", "key": "node.kubernetes.io/%s" % k, "operator": "Exists"}
            for k in ("not-ready", "unreachable")] + [
            {"effect": "NoSchedule", "key": "node.kubernetes.io/%s" % k, "operator": "Exists"}
            for k in ("disk-pressure", "memory-pressure", "pid-pressure", "unschedulable",
                      "network-unavailable")]
        md = {"name": name, "generateName": "kube-proxy-", "namespace": "kube-system",
              "uid": self.uid(), "creationTimestamp": rfc3339(t_start),
              "labels": {"controller-revision-hash": self.kp_rev_hash, "k8s-app": "kube-proxy",
                         "pod-template-generation": str(gen)},
              "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "kube-proxy",
                                   "uid": ds["metadata"]["uid"], "controller": True,
                                   "blockOwnerDeletion": True}]}
        if tmpl["metadata"].get("annotations"):
            md["annotations"] = dict(tmpl["metadata"]["annotations"])
        if crash:
            cs["state"]["waiting"]["message"] %= md["uid"]
        t_ready = rfc3339(started + 0.5)
        conds = [{"type": "PodReadyToStartContainers", "status": "True"},
                 {"type": "Initialized", "status": "True"},
                 {"type": "Ready", "status": "True" if ready else "False"},
                 {"type": "ContainersReady", "status": "True" if ready else "False"},
                 {"type": "PodScheduled", "status": "True"}]
        for c in conds:
            c["lastProbeTime"] = None
            c["lastTransitionTime"] = t_ready if c["type"] in ("Ready", "ContainersReady") \
                else rfc3339(t_start)
            if c["status"] == "False":
                c["reason"] = "ContainersNotReady"
                c["message"] = "containers with unready status: [kube-proxy]"
        ip = node["internalIP"]
        pod = {"kind": "Pod", "apiVersion": "v1", "metadata": md, "spec": spec,
               "status": {"phase": "Running", "conditions": conds, "hostIP": ip,
                          "hostIPs": [{"ip": ip}], "podIP": ip, "podIPs": [{"ip": ip}],
                          "qosClass": "BestEffort", "startTime": rfc3339(t_start),
                          "containerStatuses": [cs]}}
        return pod, {"kube-proxy": logs}


# ---------------------------------------------------------------------------------------
# Generated services for scale tests: made on the fly, page by page, never stored

class Generated:
    """N Services in namespace "scale", each with M endpoints in ceil(M/100) EndpointSlices.
    Names sort in index order, so a continue key maps back to an index by bisection.
    Cheap to make (no uuid/ipaddress calls): 60k slices must list in a few seconds."""

    def __init__(self, n, m, nodes, created, ns="scale"):
        self.n, self.m, self.nodes, self.ns, self.created = n, m, nodes, ns, created
        self.per = max(1, (m + 99) // 100)
        self.rv = "1"
        self.ts = rfc3339(created + 3600)
        self.svc_base = int(ipaddress.ip_address("10.96.0.0")) + 0x10000
        self.ep_base = int(ipaddress.ip_address("10.128.0.0")) + 1
        self.node_names = [n["name"] for n in nodes] if nodes else []

    def count(self, res):
        return {"services": self.n, "endpointslices": self.n * self.per}.get(res, 0)

    def name(self, res, i):
        if res == "services":
            return "svc-%06d" % i
        return "svc-%06d-%03d" % (i // self.per, i % self.per)

    def serves(self, res, ns):
        return self.count(res) > 0 and (ns is None or ns == self.ns)

    def first_after(self, res, start):
        n = self.count(res)
        if start is None or start[0] < self.ns:
            return 0
        if start[0] > self.ns:
            return n
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.name(res, mid) <= start[1]:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def iter(self, res, start):
        for i in range(self.first_after(res, start), self.count(res)):
            yield (self.ns, self.name(res, i)), i

    def index(self, res, name):
        m = re.fullmatch(r"svc-(\d{6})" if res == "services" else r"svc-(\d{6})-(\d{3})", name)
        if not m:
            return None
        i = int(m.group(1)) if res == "services" else int(m.group(1)) * self.per + int(m.group(2))
        return i if i < self.count(res) and self.name(res, i) == name else None

    def labels(self, res, i):
        if res == "services":
            return {"app": "svc-%06d" % i}
        svc = "svc-%06d" % (i // self.per)
        return {"app": svc, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                "kubernetes.io/service-name": svc}

    @staticmethod
    def uid(kind, i):
        """A stable version-4-shaped UUID from (kind, index)."""
        x = ((i + 1) * 0x9E3779B97F4A7C15 + kind * 0xD1B54A32D192ED03) & ((1 << 128) - 1)
        x ^= x >> 61
        h = "%032x" % ((x * 0xBF58476D1CE4E5B9FF51AFD7ED558CCD) & ((1 << 128) - 1))
        return "%s-%s-4%s-8%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:])

    @staticmethod
    def ip(n):
        return "%d.%d.%d.%d" % (n >> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255)

    def obj(self, res, i):
        if res == "services":
            name = "svc-%06d" % i
            ip = self.ip(self.svc_base + i)
            return {"kind": "Service", "apiVersion": "v1",
                    "metadata": {"name": name, "namespace": self.ns, "uid": self.uid(1, i),
                                 "resourceVersion": self.rv, "creationTimestamp": self.ts,
                                 "labels": {"app": name}},
                    "spec": {"clusterIP": ip, "clusterIPs": [ip], "internalTrafficPolicy": "Cluster",
                             "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                             "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
                             "selector": {"app": name}, "sessionAffinity": "None", "type": "ClusterIP"},
                    "status": {"loadBalancer": {}}}
        s, k = divmod(i, self.per)
        svc = "svc-%06d" % s
        eps = []
        nodes, nn = self.node_names, len(self.node_names)
        for e in range(k * 100, min(self.m, (k + 1) * 100)):
            j = s * self.m + e
            ep = {"addresses": [self.ip(self.ep_base + j)],
                  "conditions": {"ready": True, "serving": True, "terminating": False},
                  "targetRef": {"kind": "Pod", "name": "%s-%05d" % (svc, e), "namespace": self.ns,
                                "uid": self.uid(3, j)}}
            if nn:
                ep["nodeName"] = nodes[j % nn]
            eps.append(ep)
        return {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
                "metadata": {"name": "%s-%03d" % (svc, k), "generateName": svc + "-", "namespace": self.ns,
                             "uid": self.uid(2, i), "resourceVersion": self.rv,
                             "creationTimestamp": self.ts,
                             "labels": {"app": svc,
                                        "endpointslice.kubernetes.io/managed-by":
                                            "endpointslice-controller.k8s.io",
                                        "kubernetes.io/service-name": svc},
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": svc,
                                                  "uid": self.uid(1, s), "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "addressType": "IPv4", "endpoints": eps or None,
                "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}


# ---------------------------------------------------------------------------------------
# The store: objects, resourceVersions, the event history watches read from

class Event:
    __slots__ = ("rv", "res", "type", "old", "new")

    def __init__(self, rv, res, etype, old, new):
        self.rv, self.res, self.type, self.old, self.new = rv, res, etype, old, new


class Store:
    def __init__(self, rv0, history_max=10000):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.rv = rv0
        self.objs = {r.name: {} for r in STORED}
        self.history = deque()
        self.history_max = history_max
        self.compacted = rv0          # watches from a resourceVersion below this get 410
        self.epoch = 0                # bumped to end every watch stream
        self.snapshots = OrderedDict()
        self.gen = None
        self.tombstones = set()

    @staticmethod
    def key(obj):
        md = obj["metadata"]
        return (md.get("namespace", ""), md["name"])

    def get(self, res, ns, name):
        o = self.objs[res].get((ns or "", name))
        if o is None and self.gen and (ns or "") == self.gen.ns and (res, ns, name) not in self.tombstones:
            i = self.gen.index(res, name)
            if i is not None:
                o = self.gen.obj(res, i)
        return o

    def write(self, res, obj):
        """Store obj (a fresh dict, never mutated afterwards) with the next resourceVersion."""
        with self.lock:
            md = obj["metadata"]
            old = self.get(res, md.get("namespace"), md["name"])
            self.rv += 1
            md["resourceVersion"] = str(self.rv)
            self.objs[res][self.key(obj)] = obj
            self.tombstones.discard((res, md.get("namespace"), md["name"]))
            self._event(Event(self.rv, res, "ADDED" if old is None else "MODIFIED", old, obj))
            return old

    def remove(self, res, ns, name):
        with self.lock:
            old = self.get(res, ns, name)
            if old is None:
                return None
            self.rv += 1
            self.objs[res].pop((ns or "", name), None)
            if self.gen and self.gen.index(res, name) is not None and (ns or "") == self.gen.ns:
                self.tombstones.add((res, ns, name))
            gone = copy.deepcopy(old)
            gone["metadata"]["resourceVersion"] = str(self.rv)
            self._event(Event(self.rv, res, "DELETED", old, gone))
            return gone

    def _event(self, ev):
        self.history.append(ev)
        while len(self.history) > self.history_max:
            self.compacted = self.history.popleft().rv
        self.cond.notify_all()

    def events_after(self, rv):
        out = []
        for ev in reversed(self.history):
            if ev.rv <= rv:
                break
            out.append(ev)
        out.reverse()
        return out

    def compact(self):
        with self.lock:
            self.history.clear()
            self.compacted = self.rv
            self.snapshots.clear()
            self.epoch += 1
            self.cond.notify_all()

    def drop_watches(self):
        with self.lock:
            self.epoch += 1
            self.cond.notify_all()

    def snapshot(self, res, rv):
        with self.lock:
            snap = self.snapshots.get((res, rv))
            if snap is None and rv == self.rv:
                snap = dict(self.objs[res])
                self.snapshots[(res, rv)] = snap
                while len(self.snapshots) > 64:
                    self.snapshots.popitem(last=False)
            return snap

    def iter_list(self, res, ns, start, snap=None, lsel=None):
        """(key, obj) in key order: stored objects merged with generated ones. With lsel,
        generated objects whose labels do not match are skipped before they are built."""
        objs = snap if snap is not None else self.objs[res]
        keys = sorted(k for k in objs if (ns is None or k[0] == ns) and (start is None or k > start))
        stored = ((k, 0, objs[k]) for k in keys)
        if not (self.gen and self.gen.serves(res, ns)):
            for k, _, o in stored:
                yield k, o
            return
        gen = ((k, 1, i) for k, i in self.gen.iter(res, start))
        last = None
        for k, src, v in heapq.merge(stored, gen, key=lambda x: x[0]):
            if k == last:
                continue
            last = k
            if src == 1:
                if k in objs or (res, k[0], k[1]) in self.tombstones:
                    continue
                if lsel and not labels_match(lsel, self.gen.labels(res, v)):
                    continue
                v = self.gen.obj(res, v)
            yield k, v


# ---------------------------------------------------------------------------------------
# Selectors

def split_top(s, sep=","):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


LABEL_KEY = r"[A-Za-z0-9][-A-Za-z0-9_./]*"


def parse_label_selector(s):
    reqs = []
    for p in split_top(s or ""):
        m = re.fullmatch(r"(%s)\s+(in|notin)\s+\((.*)\)" % LABEL_KEY, p)
        if m:
            reqs.append((m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}))
            continue
        m = re.fullmatch(r"(%s)\s*(==|!=|=)\s*([-A-Za-z0-9_.]*)" % LABEL_KEY, p)
        if m:
            reqs.append((m.group(1), "!=" if m.group(2) == "!=" else "=", m.group(3)))
            continue
        m = re.fullmatch(r"!\s*(%s)" % LABEL_KEY, p)
        if m:
            reqs.append((m.group(1), "!", None))
            continue
        m = re.fullmatch(LABEL_KEY, p)
        if m:
            reqs.append((p, "exists", None))
            continue
        raise bad_request("unable to parse requirement: found '%s', expected: identifier" % p)
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, val in reqs:
        have = key in labels
        v = labels.get(key)
        if op == "=" and v != val:
            return False
        if op == "!=" and v == val:
            return False
        if op == "in" and (not have or v not in val):
            return False
        if op == "notin" and have and v in val:
            return False
        if op == "exists" and not have:
            return False
        if op == "!" and have:
            return False
    return True


FIELDS = {
    "pods": ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
             "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"],
    "nodes": ["spec.unschedulable"],
    "services": ["spec.clusterIP", "spec.type"],
    "namespaces": ["status.phase"],
}


def parse_field_selector(s, res):
    reqs = []
    for p in split_top(s or ""):
        m = re.fullmatch(r"([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*)", p)
        if not m:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (s, p))
        field = m.group(1)
        if field not in ("metadata.name", "metadata.namespace") + tuple(FIELDS.get(res.name, ())):
            raise bad_request('field label not supported: %s' % field)
        reqs.append((field, m.group(2) != "!=", m.group(3)))
    return reqs


def field_value(obj, path):
    v = obj
    for part in path.split("."):
        v = v.get(part) if isinstance(v, dict) else None
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def fields_match(reqs, obj):
    return all((field_value(obj, f) == val) == eq for f, eq, val in reqs)


# ---------------------------------------------------------------------------------------
# Patches: JSON merge patch (RFC 7386), strategic merge patch, JSON patch (RFC 6902)

def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


# patchMergeKey of the list fields this double's objects carry (from the API types' tags)
MERGE_KEYS = {"containers": "name", "initContainers": "name", "ephemeralContainers": "name",
              "env": "name", "volumes": "name", "volumeMounts": "mountPath",
              "imagePullSecrets": "name", "ownerReferences": "uid", "conditions": "type",
              "addresses": "type", "containerStatuses": "name", "hostAliases": "ip",
              "topologySpreadConstraints": "topologyKey"}
PORTS_KEYS = {"containerPort", "port"}


def strategic_merge(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for k, v in patch.items():
        if k.startswith("$setElementOrder/") or k in ("$retainKeys", "$patch"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            out[field] = [x for x in out.get(field) or [] if x not in v]
            continue
        if v is None:
            out.pop(k, None)
            continue
        cur = out.get(k)
        key = MERGE_KEYS.get(k)
        if k == "ports" and isinstance(v, list) and v and isinstance(v[0], dict):
            key = "containerPort" if "containerPort" in v[0] else "port"
        if isinstance(v, list) and key and isinstance(cur, list):
            merged = [copy.deepcopy(x) for x in cur]
            for item in v:
                if not isinstance(item, dict):
                    continue
                idx = next((i for i, x in enumerate(merged)
                            if isinstance(x, dict) and x.get(key) == item.get(key)), None)
                if item.get("$patch") == "delete":
                    if idx is not None:
                        merged.pop(idx)
                elif idx is None:
                    merged.append(strategic_merge({}, item))
                else:
                    merged[idx] = strategic_merge(merged[idx], item)
            out[k] = merged
        elif isinstance(v, dict):
            r = strategic_merge(cur, v)
            if r is None:
                out.pop(k, None)
            else:
                out[k] = r
        else:
            out[k] = copy.deepcopy(v)
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def json_pointer(doc, pointer):
    if pointer == "":
        return None, None
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    cur = doc
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    return cur, parts[-1]


def json_patch(doc, ops):
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise bad_request("json patch must be a list of operations")
    for op in ops:
        try:
            kind = op["op"]
            parent, last = json_pointer(doc, op["path"])
            if kind in ("add", "replace"):
                val = copy.deepcopy(op["value"])
                if isinstance(parent, list):
                    i = len(parent) if last == "-" else int(last)
                    if kind == "add":
                        parent.insert(i, val)
                    else:
                        parent[i] = val
                else:
                    if kind == "replace" and last not in parent:
                        raise KeyError(last)
                    parent[last] = val
            elif kind == "remove":
                if isinstance(parent, list):
                    parent.pop(int(last))
                else:
                    del parent[last]
            elif kind == "test":
                cur = parent[int(last)] if isinstance(parent, list) else parent.get(last)
                if cur != op.get("value"):
                    raise ApiError(422, "Invalid", "the server rejected our request due to an error in "
                                   "our request: testing value %s failed" % op["path"])
            elif kind in ("move", "copy"):
                fparent, flast = json_pointer(doc, op["from"])
                val = fparent[int(flast)] if isinstance(fparent, list) else fparent[flast]
                if kind == "move":
                    if isinstance(fparent, list):
                        fparent.pop(int(flast))
                    else:
                        del fparent[flast]
                parent, last = json_pointer(doc, op["path"])
                if isinstance(parent, list):
                    parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(val))
                else:
                    parent[last] = copy.deepcopy(val)
            else:
                raise bad_request("Unexpected kind: %s" % kind)
        except ApiError:
            raise
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise ApiError(422, "Invalid", "the server rejected our request due to an error in our "
                           "request: jsonpatch %s operation does not apply: %s" % (op.get("op"), e))
    return doc


# ---------------------------------------------------------------------------------------
# Server-side printing: meta.k8s.io/v1 Table, as kubectl get asks for it
# (columns as in kubernetes pkg/printers/internalversion)

NAME_DESC = ("Name must be unique within a namespace. Is required when creating resources, although "
             "some resources may allow a client to request the generation of an appropriate name "
             "automatically. Name is primarily intended for creation idempotence and configuration "
             "definition. Cannot be updated.")
AGE_DESC = ("CreationTimestamp is a timestamp representing the server time when this object was "
            "created. It is not guaranteed to be set in happens-before order across separate operations.")


def col(name, typ="string", fmt="", priority=0, desc=""):
    return {"name": name, "type": typ, "format": fmt, "description": desc, "priority": priority}


TABLE_COLUMNS = {
    "services": [col("Name", fmt="name", desc=NAME_DESC), col("Type", desc="type determines how the Service is exposed."),
                 col("Cluster-IP", desc="clusterIP is the IP address of the service."),
                 col("External-IP", desc="externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
                 col("Port(s)", desc="The list of ports that are exposed by this service."),
                 col("Age", desc=AGE_DESC),
                 col("Selector", priority=1, desc="Route service traffic to pods with label keys and values matching this selector.")],
    "nodes": [col("Name", fmt="name", desc=NAME_DESC), col("Status", desc="The status of the node"),
              col("Roles", desc="The roles of the node"), col("Age", desc=AGE_DESC),
              col("Version", desc="Kubelet Version reported by the node."),
              col("Internal-IP", priority=1, desc="List of addresses reachable to the node."),
              col("External-IP", priority=1, desc="List of addresses reachable to the node."),
              col("OS-Image", priority=1, desc="OS Image reported by the node from /etc/os-release."),
              col("Kernel-Version", priority=1, desc="Kernel Version reported by the node from 'uname -r'."),
              col("Container-Runtime", priority=1, desc="ContainerRuntime Version reported by the node.")],
    "pods": [col("Name", fmt="name", desc=NAME_DESC),
             col("Ready", desc="The aggregate readiness state of this pod for accepting traffic."),
             col("Status", desc="The aggregate status of the containers in this pod."),
             col("Restarts", desc="The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
             col("Age", desc=AGE_DESC), col("IP", priority=1, desc="podIP address allocated to the pod."),
             col("Node", priority=1, desc="NodeName indicates in which node this pod is scheduled."),
             col("Nominated Node", priority=1, desc="nominatedNodeName is set only when this pod preempts other pods on the node."),
             col("Readiness Gates", priority=1, desc="If specified, all readiness gates will be evaluated for pod readiness.")],
    "daemonsets": [col("Name", fmt="name", desc=NAME_DESC),
                   col("Desired", "integer", desc="The total number of nodes that should be running the daemon pod."),
                   col("Current", "integer", desc="The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
                   col("Ready", "integer", desc="numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
                   col("Up-to-date", "integer", desc="The total number of nodes that are running updated daemon pod"),
                   col("Available", "integer", desc="The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
                   col("Node Selector", desc="NodeSelector is a selector which must be true for the pod to fit on a node."),
                   col("Age", desc=AGE_DESC),
                   col("Containers", priority=1, desc="Names of each container in the template."),
                   col("Images", priority=1, desc="Images referenced by each container in the template."),
                   col("Selector", priority=1, desc="A label query over pods that are managed by the daemon set.")],
    "endpointslices": [col("Name", fmt="name", desc=NAME_DESC),
                       col("AddressType", desc="addressType specifies the type of address carried by this EndpointSlice."),
                       col("Ports", desc="ports specifies the list of network ports exposed by each endpoint in this slice."),
                       col("Endpoints", desc="endpoints is a list of unique endpoints in this slice."),
                       col("Age", desc=AGE_DESC)],
    "configmaps": [col("Name", fmt="name", desc=NAME_DESC),
                   col("Data", desc="Data contains the configuration data."), col("Age", desc=AGE_DESC)],
    "namespaces": [col("Name", fmt="name", desc=NAME_DESC), col("Status", desc="The status of the namespace"),
                   col("Age", desc=AGE_DESC)],
}


def more_list(items, limit=3):
    if not items:
        return "<unset>"
    s = ",".join(items[:limit])
    return s + (" + %d more..." % (len(items) - limit) if len(items) > limit else "")


def lb_ingress(svc, wide):
    ing = [i.get("ip") or i.get("hostname") or "" for i in
           (svc.get("status", {}).get("loadBalancer", {}).get("ingress") or [])]
    s = ",".join(x for x in ing if x)
    if not wide and len(s) > 16:
        s = s[:13] + "..."
    return s


def row_cells(resname, o, now):
    md, spec, st = o.get("metadata", {}), o.get("spec", {}), o.get("status", {})
    if resname == "services":
        t = spec.get("type", "ClusterIP")
        ext = spec.get("externalIPs") or []
        if t in ("ClusterIP", "NodePort"):
            external = ",".join(ext) if ext else "<none>"
        elif t == "LoadBalancer":
            lb = lb_ingress(o, False)
            external = ",".join(ext + ([lb] if lb else [])) if ext else (lb or "<pending>")
        elif t == "ExternalName":
            external = spec.get("externalName", "")
        else:
            external = "<unknown>"
        ports = []
        for p in spec.get("ports") or []:
            if p.get("nodePort"):
                ports.append("%d:%d/%s" % (p["port"], p["nodePort"], p.get("protocol", "TCP")))
            else:
                ports.append("%d/%s" % (p["port"], p.get("protocol", "TCP")))
        return [md["name"], t, spec.get("clusterIP") or "<none>", external,
                ",".join(ports) or "<none>", age(o, now), format_labels(spec.get("selector"))]
    if resname == "nodes":
        conds = {c["type"]: c["status"] for c in st.get("conditions") or []}
        status = []
        if "Ready" in conds:
            status.append("Ready" if conds["Ready"] == "True" else "NotReady")
        else:
            status.append("Unknown")
        if spec.get("unschedulable"):
            status.append("SchedulingDisabled")
        roles = sorted(k[len("node-role.kubernetes.io/"):] for k in (md.get("labels") or {})
                       if k.startswith("node-role.kubernetes.io/"))
        addrs = st.get("addresses") or []
        internal = [a["address"] for a in addrs if a["type"] == "InternalIP"]
        external = [a["address"] for a in addrs if a["type"] == "ExternalIP"]
        ni = st.get("nodeInfo", {})
        return [md["name"], ",".join(status), ",".join(roles) or "<none>", age(o, now),
                ni.get("kubeletVersion", ""), internal[0] if internal else "<none>",
                external[0] if external else "<none>", ni.get("osImage", "<unknown>"),
                ni.get("kernelVersion", "<unknown>"), ni.get("containerRuntimeVersion", "<unknown>")]
    if resname == "pods":
        css = st.get("containerStatuses") or []
        total = len(spec.get("containers") or [])
        ready = sum(1 for c in css if c.get("ready"))
        reason = st.get("reason") or st.get("phase", "Unknown")
        restarts, last = 0, None
        for c in css:
            restarts += c.get("restartCount", 0)
            term = (c.get("lastState") or {}).get("terminated")
            if term and parse_time(term.get("finishedAt")):
                last = max(last or 0, parse_time(term["finishedAt"]))
            stt = c.get("state") or {}
            if stt.get("waiting", {}).get("reason"):
                reason = stt["waiting"]["reason"]
            elif stt.get("terminated", {}).get("reason"):
                reason = stt["terminated"]["reason"]
        if md.get("deletionTimestamp"):
            reason = "Terminating"
        rs = str(restarts)
        if restarts and last:
            rs = "%d (%s ago)" % (restarts, human_duration(now - last))
        return [md["name"], "%d/%d" % (ready, total), reason, rs, age(o, now),
                st.get("podIP") or "<none>", spec.get("nodeName") or "<none>",
                st.get("nominatedNodeName") or "<none>", "<none>"]
    if resname == "daemonsets":
        ctrs = spec.get("template", {}).get("spec", {}).get("containers") or []
        return [md["name"], st.get("desiredNumberScheduled", 0), st.get("currentNumberScheduled", 0),
                st.get("numberReady", 0), st.get("updatedNumberScheduled", 0),
                st.get("numberAvailable", 0),
                format_labels(spec.get("template", {}).get("spec", {}).get("nodeSelector")),
                age(o, now), ",".join(c["name"] for c in ctrs), ",".join(c.get("image", "") for c in ctrs),
                format_selector(spec.get("selector"))]
    if resname == "endpointslices":
        ports = []
        for p in o.get("ports") or []:
            ports.append(str(p["port"]) if p.get("port") is not None else (p.get("name") or "*"))
        addrs = [a for e in o.get("endpoints") or [] for a in e.get("addresses") or []]
        return [md["name"], o.get("addressType", ""), more_list(ports), more_list(addrs), age(o, now)]
    if resname == "configmaps":
        return [md["name"], len(o.get("data") or {}) + len(o.get("binaryData") or {}), age(o, now)]
    if resname == "namespaces":
        return [md["name"], st.get("phase", ""), age(o, now)]
    return [md.get("name", ""), age(o, now)]


def partial_meta(o):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": o.get("metadata", {})}


def to_table(res, items, list_meta, include="Metadata", table_version="v1"):
    now = time.time()
    rows = []
    for o in items:
        row = {"cells": row_cells(res.name, o, now)}
        if include == "Object":
            row["object"] = dict(o, kind=res.kind, apiVersion=res.api_version)
        elif include != "None":
            row["object"] = partial_meta(o)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/" + table_version, "metadata": list_meta,
            "columnDefinitions": TABLE_COLUMNS.get(res.name, [col("Name", fmt="name"), col("Created At", fmt="date")]),
            "rows": rows}


# ---------------------------------------------------------------------------------------
# Discovery (legacy and aggregated apidiscovery.k8s.io/v2) and a minimal OpenAPI

def storage_hash(r):
    return base64.b64encode(hashlib.sha256(("%s/%s/%s" % (r.group, r.version, r.kind)).encode())
                            .digest()[:8]).decode()


SUB_VERBS = {"status": ["get", "patch", "update"], "log": ["get"],
             "proxy": ["create", "delete", "get", "patch", "update"]}


def api_resource_list(group, version):
    out = []
    for r in RESOURCES:
        if r.group != group or r.version != version:
            continue
        e = {"name": r.name, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
             "verbs": r.verbs}
        if r.short:
            e["shortNames"] = r.short
        if r.cats:
            e["categories"] = r.cats
        if r.table:
            e["storageVersionHash"] = storage_hash(r)
        out.append(e)
        for s in r.subs:
            out.append({"name": r.name + "/" + s, "singularName": "", "namespaced": r.namespaced,
                        "kind": r.kind, "verbs": SUB_VERBS[s]})
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": group + "/" + version if group else version, "resources": out}


def aggregated_discovery(core, version="v2"):
    groups = [""] if core else groups_in_order()
    items = []
    for g in groups:
        res = []
        for r in RESOURCES:
            if r.group != g:
                continue
            e = {"resource": r.name, "responseKind": {"group": g, "version": r.version, "kind": r.kind},
                 "scope": "Namespaced" if r.namespaced else "Cluster", "singularResource": r.singular,
                 "verbs": r.verbs}
            if r.short:
                e["shortNames"] = r.short
            if r.cats:
                e["categories"] = r.cats
            if r.subs:
                e["subresources"] = [{"subresource": s, "responseKind": {"group": g, "version": r.version,
                                                                         "kind": r.kind},
                                      "verbs": SUB_VERBS[s]} for s in r.subs]
            res.append(e)
        md = {"creationTimestamp": None}
        if g:
            md = {"name": g, "creationTimestamp": None}
        items.append({"metadata": md, "versions": [{"version": "v1", "resources": res,
                                                    "freshness": "Current"}]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/" + version, "metadata": {},
            "items": items}


def openapi_v3_paths(group, version):
    """Enough of /openapi/v3/<gv> for kubectl to see that PATCH takes fieldValidation,
    so that it validates server-side (as against a real server) instead of client-side."""
    paths = {}
    params = [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
              for n in ("dryRun", "fieldManager", "fieldValidation", "pretty")]
    for r in RESOURCES:
        if r.group != group or r.version != version or not r.table:
            continue
        base = "/api/" + version if not group else "/apis/%s/%s" % (group, version)
        item = base + ("/namespaces/{namespace}/" if r.namespaced else "/") + r.name + "/{name}"
        gvk = {"group": group, "version": version, "kind": r.kind}
        ops = {}
        for verb, action in (("get", "get"), ("put", "put"), ("patch", "patch"), ("delete", "delete")):
            ops[verb] = {"operationId": "%s%s" % (action, r.kind), "parameters": params,
                         "responses": {"200": {"description": "OK"}},
                         "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk}
        paths[item] = ops
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "unversioned"},
            "paths": paths, "components": {"schemas": {}}}


# ---------------------------------------------------------------------------------------
# Authentication and RBAC

class Identity:
    def __init__(self, kind, user, groups):
        self.kind, self.user, self.groups = kind, user, list(groups)


PUBLIC_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"]
BUILTIN_BINDINGS = [
    {"name": "cluster-admin", "role": "cluster-admin", "subjects": ["group:system:masters"],
     "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
               {"nonResourceURLs": ["*"], "verbs": ["*"]}]},
    {"name": "system:discovery", "role": "system:discovery", "subjects": ["group:system:authenticated"],
     "rules": [{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                    "/openapi", "/openapi/*", "/readyz", "/version", "/version/"],
                "verbs": ["get"]}]},
    {"name": "system:basic-user", "role": "system:basic-user", "subjects": ["group:system:authenticated"],
     "rules": [{"apiGroups": ["authorization.k8s.io"],
                "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], "verbs": ["create"]},
               {"apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"],
                "verbs": ["create"]}]},
    {"name": "system:public-info-viewer", "role": "system:public-info-viewer",
     "subjects": ["group:system:authenticated", "group:system:unauthenticated"],
     "rules": [{"nonResourceURLs": PUBLIC_URLS, "verbs": ["get"]}]},
]


def rule_matches(rule, a):
    verbs = rule.get("verbs") or []
    if "*" not in verbs and a["verb"] not in verbs:
        return False
    if "path" in a:
        return any(u == "*" or u == a["path"] or (u.endswith("*") and a["path"].startswith(u[:-1]))
                   for u in rule.get("nonResourceURLs") or [])
    if rule.get("nonResourceURLs") and not rule.get("resources"):
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and a.get("group", "") not in groups:
        return False
    res, sub = a.get("resource", ""), a.get("subresource", "")
    full = res + "/" + sub if sub else res
    rs = rule.get("resources") or []
    if not ("*" in rs or full in rs or (sub and (res + "/*" in rs or "*/" + sub in rs))):
        return False
    names = rule.get("resourceNames")
    if names and a.get("name") not in names:
        return False
    nss = rule.get("namespaces")
    if nss and a.get("namespace") not in nss:
        return False
    return True


class Authorizer:
    """The scenario's "rbac" entries, kubeadm's built-in bindings, and the RBAC objects in
    the store (ClusterRoles, ClusterRoleBindings, Roles, RoleBindings: stored())."""

    def __init__(self, bindings, stored=None):
        self.bindings = BUILTIN_BINDINGS + list(bindings or [])
        self.stored = stored

    def all_bindings(self):
        return self.bindings + (self.stored() if self.stored else [])

    def check(self, ident, a):
        for b in self.all_bindings():
            for subj in b.get("subjects") or []:
                kind, _, name = subj.partition(":")
                if (kind == "user" and name == ident.user) or (kind == "group" and name in ident.groups):
                    for rule in b.get("rules") or []:
                        if rule_matches(rule, a):
                            scoped = bool(rule.get("namespaces"))
                            label = (b.get("labels") or {}).get(subj) or \
                                ("User" if kind == "user" else "Group", name)
                            return True, 'RBAC: allowed by %s "%s" of %s "%s" to %s "%s"' % (
                                b.get("bindingKind") or ("RoleBinding" if scoped else "ClusterRoleBinding"),
                                b["name"] + ("/" + a.get("namespace", "") if scoped else ""),
                                b.get("roleKind") or ("Role" if scoped else "ClusterRole"),
                                b.get("role", b["name"]), label[0], label[1])
        return False, ""

    def rules_for(self, ident, ns):
        res, nonres = [], []
        for b in self.all_bindings():
            if not any((s == "user:" + ident.user) or (s.startswith("group:") and s[6:] in ident.groups)
                       for s in b.get("subjects") or []):
                continue
            for r in b.get("rules") or []:
                if r.get("namespaces") and ns not in r["namespaces"]:
                    continue
                if r.get("nonResourceURLs"):
                    nonres.append({"verbs": r["verbs"], "nonResourceURLs": r["nonResourceURLs"]})
                else:
                    e = {"verbs": r["verbs"], "apiGroups": r.get("apiGroups", []),
                         "resources": r.get("resources", [])}
                    if r.get("resourceNames"):
                        e["resourceNames"] = r["resourceNames"]
                    res.append(e)
        return res, nonres


def forbidden(ident, a):
    if "path" in a:
        msg = 'forbidden: User "%s" cannot %s path "%s"' % (ident.user, a["verb"], a["path"])
        return ApiError(403, "Forbidden", msg, {})
    full = a["resource"] + ("/" + a["subresource"] if a.get("subresource") else "")
    what = a["resource"] + ("." + a["group"] if a.get("group") else "")
    if a.get("name"):
        what += ' "%s"' % a["name"]
    scope = 'in the namespace "%s"' % a["namespace"] if a.get("namespace") else "at the cluster scope"
    msg = '%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s" %s' % (
        what, ident.user, a["verb"], full, a.get("group", ""), scope)
    d = {"kind": a["resource"]}
    if a.get("name"):
        d["name"] = a["name"]
    if a.get("group"):
        d["group"] = a["group"]
    return ApiError(403, "Forbidden", msg, d)


# ---------------------------------------------------------------------------------------
# Fault injection

FAULT_KINDS = ("status", "hang", "hang-body", "close", "close-body", "delay", "body", "huge")
DEFAULT_REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                   405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 422: "Invalid",
                   429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
                   504: "Timeout"}
DEFAULT_MESSAGES = {401: "Unauthorized", 403: "forbidden: injected by the test",
                    404: "the server could not find the requested resource",
                    409: "Operation cannot be fulfilled: the object has been modified; please apply "
                         "your changes to the latest version and try again",
                    410: "too old resource version: 1 (2)",
                    429: "Too many requests, please try again later.",
                    500: "Internal error occurred: injected by the test",
                    503: "the server is currently unable to handle the request",
                    504: "Timeout: request did not complete within requested timeout"}


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []
        self.seq = 0

    def add(self, spec):
        f = dict(spec)
        f.pop("action", None)
        f.setdefault("kind", "status" if "code" in f else "hang")
        if f["kind"] not in FAULT_KINDS:
            raise bad_request("fault kind must be one of %s" % ", ".join(FAULT_KINDS))
        if f["kind"] == "status":
            f["code"] = int(f.get("code", 500))
        if f.get("pathRegex"):
            re.compile(f["pathRegex"])
        f.setdefault("count", 1)
        with self.lock:
            self.seq += 1
            f["id"] = self.seq
            self.items.append(f)
        return f

    def clear(self):
        with self.lock:
            self.items = []

    def match(self, method, path, watch):
        with self.lock:
            for f in self.items:
                if f.get("method") and f["method"].upper() != method:
                    continue
                if f.get("path") and f["path"] != path:
                    continue
                if f.get("pathPrefix") and not path.startswith(f["pathPrefix"]):
                    continue
                if f.get("pathRegex") and not re.search(f["pathRegex"], path):
                    continue
                if f.get("watch") is not None and bool(f["watch"]) != watch:
                    continue
                if f.get("skip", 0) > 0:
                    f["skip"] -= 1
                    continue
                if f["count"] > 0:
                    f["count"] -= 1
                    if f["count"] == 0:
                        self.items.remove(f)
                return dict(f)
        return None

    def list(self):
        with self.lock:
            return [dict(f) for f in self.items]


# ---------------------------------------------------------------------------------------
# The application: cluster state, simulation of the kube-proxy DaemonSet controller

def pod_ready(p):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in p.get("status", {}).get("conditions") or [])


def is_kube_proxy_pod(p):
    md = p.get("metadata", {})
    return md.get("namespace") == "kube-system" and (md.get("labels") or {}).get("k8s-app") == "kube-proxy"


class App:
    def __init__(self, args, scenario, state_dir):
        self.args, self.sc, self.state_dir = args, scenario, state_dir
        self.cluster = Cluster(scenario, seed=scenario.get("seed", 1))
        self.store = Store(int(scenario.get("initialResourceVersion", 1000)),
                           int(scenario.get("historySize", 10000)))
        self.bookmark_interval = float(args.bookmark_interval or scenario.get("bookmarkIntervalSeconds", 10))
        self.watch_timeout = float(scenario.get("watchTimeoutSeconds", 600))
        self.anonymous = scenario.get("anonymous", True)
        self.aggregated = scenario.get("aggregatedDiscovery", True)
        self.watch_chunking = scenario.get("watchChunking", "event")
        self.authz = Authorizer(scenario.get("rbac"), lambda: agent.stored_bindings(self.store))
        self.proxy_timeout = float(scenario.get("proxyTimeoutSeconds", 10))
        self.faults = Faults()
        self.stop = threading.Event()
        self.release = threading.Condition()
        self.release_gen = 0
        self.pod_logs = {}
        self.rollout_seq = 0
        self.rollout_paused = False
        self.rollout_lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.log_seq = 0
        self.log_file = open(os.path.join(state_dir, "requests.jsonl"), "a", buffering=1)
        self.tokens = []
        self.watches = 0
        self.tarpit = 0               # connections to accept and then never answer (no TLS)
        self.tarpit_seconds = 0
        self.hung = 0
        self.counts_lock = threading.Lock()
        for f in scenario.get("faults") or []:
            self.faults.add(f)

    # -- tokens ---------------------------------------------------------------------------
    def make_tokens(self):
        tdir = os.path.join(self.state_dir, "tokens")
        os.makedirs(tdir, mode=0o700, exist_ok=True)
        specs = self.sc.get("tokens")
        if specs is None:
            specs = [{"name": "ipvstop", "user": "system:serviceaccount:kube-system:ipvstop",
                      "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system"]}]
        for t in specs:
            t = dict(t)
            t.setdefault("groups", [])
            t["value"] = t.get("value") or secrets.token_urlsafe(32)
            path = os.path.join(tdir, t["name"])
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(t["value"])
            t["path"] = path
            self.tokens.append(t)

    def redact(self, text):
        for t in self.tokens:
            if t["value"] in text:
                text = text.replace(t["value"], "<redacted>")
        return text

    def authenticate(self, h):
        cert = None
        try:
            cert = h.connection.getpeercert()
        except (ValueError, OSError):
            cert = None
        if cert:
            cn, orgs = "", []
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
                    elif k == "organizationName":
                        orgs.append(v)
            return Identity("cert", cn, orgs + ["system:authenticated"])
        auth = h.headers.get("Authorization")
        if auth:
            scheme, _, tok = auth.partition(" ")
            if scheme.lower() == "bearer" and tok.strip():
                tok = tok.strip().encode()
                for t in self.tokens:
                    if secrets.compare_digest(tok, t["value"].encode()):
                        if t.get("expired") or agent.DEFAULT_AUDIENCE not in agent.token_audiences(t):
                            break
                        return Identity("token:" + t["name"], t["user"], t["groups"] + ["system:authenticated"])
            raise ApiError(401, "Unauthorized", "Unauthorized")
        if not self.anonymous:
            raise ApiError(401, "Unauthorized", "Unauthorized")
        return Identity("anonymous", "system:anonymous", ["system:unauthenticated"])

    # -- request log ----------------------------------------------------------------------
    def log_request(self, entry):
        with self.log_lock:
            self.log_seq += 1
            entry["seq"] = self.log_seq
            self.log_file.write(jdump(entry) + "\n")

    # -- building the cluster -------------------------------------------------------------
    def build(self):
        c, st = self.cluster, self.store
        sc = self.sc
        services = list(sc.get("services") or [])
        names = {(s["metadata"].get("namespace", "default"), s["metadata"]["name"]) for s in services}
        if not sc.get("noDefaultServices"):
            if ("default", "kubernetes") not in names:
                services.insert(0, {"metadata": {"name": "kubernetes", "namespace": "default",
                                                 "labels": {"component": "apiserver", "provider": "kubernetes"}},
                                    "spec": {"clusterIP": str(c.svc_net.network_address + 1),
                                             "ports": [{"name": "https", "port": 443, "targetPort": 6443}]},
                                    "_kubernetes": True})
            if ("kube-system", "kube-dns") not in names:
                cp = [n for n in c.nodes if n.get("controlPlane")] or c.nodes
                services.insert(1, {
                    "metadata": {"name": "kube-dns", "namespace": "kube-system",
                                 "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                            "kubernetes.io/name": "CoreDNS"},
                                 "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
                    "spec": {"clusterIP": str(c.svc_net.network_address + 10),
                             "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                                       {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                                       {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}],
                             "selector": {"k8s-app": "kube-dns"}},
                    "endpoints": [{"ip": "10.244.0.%d" % (2 + i), "node": cp[0]["name"],
                                   "pod": "coredns-%s-%s" % ("668d6bf9bc", c.rand_str(5))} for i in range(2)]})
        for s in services:
            for ip in (s.get("spec") or {}).get("clusterIPs") or [(s.get("spec") or {}).get("clusterIP")]:
                if ip:
                    c.used_ips.add(ip)
        nss = ["default", "kube-node-lease", "kube-public", "kube-system"]
        for s in services:
            ns = s["metadata"].get("namespace", "default")
            if ns not in nss:
                nss.append(ns)
        for o in sc.get("objects") or []:
            ns = o.get("metadata", {}).get("namespace")
            if ns and ns not in nss:
                nss.append(ns)
        if self.args.generate_services:
            nss.append("scale")
        for i, ns in enumerate(nss):
            st.write("namespaces", c.namespace(ns, 0 if i < 4 else 3600))
        for i, n in enumerate(c.nodes):
            st.write("nodes", c.node(i, n))
        for i, s in enumerate(services):
            svc = c.service(s, 1800 + 60 * i)
            st.write("services", svc)
            if s.get("_kubernetes"):
                ips = [n["internalIP"] for n in c.nodes if n.get("controlPlane")] or [c.nodes[0]["internalIP"]]
                sl = c.slice(svc, "IPv4", [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips],
                             [{"name": "https", "port": 6443, "protocol": "TCP"}], 0, name="kubernetes")
                sl["metadata"]["labels"] = {"kubernetes.io/service-name": "kubernetes"}
                sl["metadata"].pop("generateName", None)
                sl["metadata"].pop("ownerReferences", None)
                sl["metadata"].pop("annotations", None)
                st.write("endpointslices", sl)
                continue
            if s.get("spec", {}).get("selector") is None and not s.get("endpoints"):
                continue
            slices, pods = c.endpoint_slices(svc, s.get("endpoints"), 1800 + 60 * i)
            for p in pods:
                st.write("pods", p)
            for sl in slices:
                st.write("endpointslices", sl)
        for o in sc.get("objects") or []:
            self.store_raw(o)
        text = sc.get("kubeProxyConfigText") or kube_proxy_config_text(sc.get("kubeProxyConfig") or {})
        st.write("configmaps", c.kube_proxy_configmap(text))
        ds = c.kube_proxy_daemonset()
        st.write("daemonsets", ds)
        for i, n in enumerate(c.nodes):
            state = n.get("kubeProxy") or {}
            if state.get("absent"):
                continue
            started = max(c.created + 40 + 5 * i, time.time() - float(state.get("ageSeconds", 2 * 86400 + 3600 * i)))
            pod, logs = c.kube_proxy_pod(n, ds, state, text, started)
            st.write("pods", pod)
            self.pod_logs[("kube-system", pod["metadata"]["name"])] = logs
        for n in c.nodes:
            if n.get("agent"):
                st.write("pods", agent.agent_pod(c, n, n["agent"]))
        self.refresh_ds_status()
        if self.args.generate_services:
            st.gen = Generated(self.args.generate_services, self.args.endpoints_per_service, c.nodes,
                               c.created)
            st.gen.rv = str(st.rv)
        st.compact()

    def store_raw(self, o):
        o = copy.deepcopy(o)
        res = RES_BY_KIND.get((o.get("apiVersion", "v1").rpartition("/")[0], o.get("kind")))
        if not res:
            raise SystemExit("scenario object of unknown kind: %s %s" % (o.get("apiVersion"), o.get("kind")))
        md = o.setdefault("metadata", {})
        if res.namespaced:
            md.setdefault("namespace", "default")
        md.setdefault("uid", self.cluster.uid())
        md.setdefault("creationTimestamp", self.cluster.ts(1800))
        if res.name == "services":
            self.cluster.default_service_spec(o.setdefault("spec", {}))
            o.setdefault("status", {"loadBalancer": {}})
        self.store.write(res.name, o)

    # -- kube-proxy DaemonSet controller --------------------------------------------------
    def kube_proxy_pods(self, node=None):
        return [p for (ns, _), p in self.store.objs["pods"].items()
                if ns == "kube-system" and is_kube_proxy_pod(p)
                and (node is None or p["spec"].get("nodeName") == node)]

    def refresh_ds_status(self):
        st = self.store
        with st.lock:
            ds = st.get("daemonsets", "kube-system", "kube-proxy")
            if not ds:
                return
            gen = str(ds["metadata"].get("generation", 1))
            nodes = [n["name"] for n in self.cluster.nodes]
            by_node = {}
            for p in self.kube_proxy_pods():
                if not p["metadata"].get("deletionTimestamp"):
                    by_node.setdefault(p["spec"].get("nodeName"), []).append(p)
            desired = len(nodes)
            current = sum(1 for n in nodes if by_node.get(n))
            ready = sum(1 for n in nodes if any(pod_ready(p) for p in by_node.get(n, [])))
            updated = sum(1 for n in nodes if any(p["metadata"]["labels"].get("pod-template-generation") == gen
                                                  for p in by_node.get(n, [])))
            status = {"currentNumberScheduled": current, "desiredNumberScheduled": desired,
                      "numberMisscheduled": 0, "numberReady": ready}
            og = ds.get("status", {}).get("observedGeneration")
            if og:
                status["observedGeneration"] = og
            if updated:
                status["updatedNumberScheduled"] = updated
            if ready:
                status["numberAvailable"] = ready
            if desired - ready > 0:
                status["numberUnavailable"] = desired - ready
            if status != ds.get("status"):
                new = copy.deepcopy(ds)
                new["status"] = status
                st.write("daemonsets", new)

    def start_rollout(self):
        with self.rollout_lock:
            self.rollout_seq += 1
            seq = self.rollout_seq
        threading.Thread(target=self.rollout, args=(seq,), daemon=True).start()

    def rollout(self, seq):
        """RollingUpdate with maxUnavailable 1: node by node, delete the old pod, start a new one,
        wait until it is ready. A new pod that crash-loops stalls the rollout, as for real."""
        def current():
            while self.rollout_paused and seq == self.rollout_seq and not self.stop.wait(0.05):
                pass
            return seq == self.rollout_seq and not self.stop.is_set()
        st = self.store
        if self.stop.wait(0.1) or not current():
            return
        with st.lock:
            if not current():
                return
            ds = st.get("daemonsets", "kube-system", "kube-proxy")
            if not ds:
                return
            gen = ds["metadata"].get("generation", 1)
            new = copy.deepcopy(ds)
            new["status"]["observedGeneration"] = gen
            st.write("daemonsets", new)
        self.refresh_ds_status()
        for node in self.cluster.nodes:
            with st.lock:
                if not current():
                    return
                pods = self.kube_proxy_pods(node["name"])
                if any(p["metadata"]["labels"].get("pod-template-generation") == str(gen) and pod_ready(p)
                       for p in pods):
                    continue
                for p in pods:
                    st.remove("pods", "kube-system", p["metadata"]["name"])
                    self.pod_logs.pop(("kube-system", p["metadata"]["name"]), None)
                self.refresh_ds_status()
            if self.stop.wait(0.15):
                return
            if not self.start_kube_proxy_pod(node, current):
                return

    def start_kube_proxy_pod(self, node, still_wanted):
        """The DaemonSet controller creates a pod, the kubelet starts it: Pending, then
        Running and ready, or CrashLoopBackOff if the node cannot run the configured mode."""
        st, c = self.store, self.cluster
        with st.lock:
            if not still_wanted():
                return False
            ds = st.get("daemonsets", "kube-system", "kube-proxy")
            cm = st.get("configmaps", "kube-system", "kube-proxy")
            if not ds:
                return False
            text = (cm or {}).get("data", {}).get("config.conf", "")
            state = {k: v for k, v in (node.get("kubeProxy") or {}).items()
                     if k in ("ipvsSupported", "nftablesSupported", "failReason", "logLines")}
            state["restarts"] = 0
            pod, logs = c.kube_proxy_pod(node, ds, state, text, time.time())
            if pod["status"]["containerStatuses"][0]["state"].get("waiting"):
                pod["status"]["containerStatuses"][0]["restartCount"] = 1
            pending = copy.deepcopy(pod)
            pst = pending["status"]
            pst["phase"] = "Pending"
            for cond in pst["conditions"]:
                if cond["type"] in ("Ready", "ContainersReady", "PodReadyToStartContainers"):
                    cond["status"] = "False"
                    if cond["type"] != "PodReadyToStartContainers":
                        cond["reason"] = "ContainersNotReady"
                        cond["message"] = "containers with unready status: [kube-proxy]"
            cs = pst["containerStatuses"][0]
            pst["containerStatuses"] = [{"name": "kube-proxy", "image": cs["image"], "imageID": "",
                                         "ready": False, "restartCount": 0, "started": False,
                                         "lastState": {}, "state": {"waiting": {"reason": "ContainerCreating"}}}]
            name = pod["metadata"]["name"]
            st.write("pods", pending)
            self.pod_logs[("kube-system", name)] = {"kube-proxy": {"current": None, "previous": None,
                                                                   "waiting": "ContainerCreating"}}
            self.refresh_ds_status()
        if self.stop.wait(0.3):
            return False
        with st.lock:
            if st.get("pods", "kube-system", name) is None:
                return False
            st.write("pods", pod)
            self.pod_logs[("kube-system", name)] = logs
            self.refresh_ds_status()
        return pod_ready(pod)

    def after_write(self, res, old, new):
        """What controllers do after a write through the API."""
        if res.name == "daemonsets" and new and new["metadata"].get("namespace") == "kube-system" \
                and new["metadata"]["name"] == "kube-proxy" and old \
                and old["spec"].get("template") != new["spec"].get("template"):
            self.start_rollout()
        if res.name == "pods" and new is None and old and is_kube_proxy_pod(old):
            node = next((n for n in self.cluster.nodes if n["name"] == old["spec"].get("nodeName")), None)
            self.pod_logs.pop(("kube-system", old["metadata"]["name"]), None)
            if node:
                def recreate():
                    if self.stop.wait(0.2):
                        return
                    with self.store.lock:
                        self.refresh_ds_status()
                        if self.kube_proxy_pods(node["name"]):
                            return
                    self.start_kube_proxy_pod(node, lambda: not self.stop.is_set())
                threading.Thread(target=recreate, daemon=True).start()
            else:
                self.refresh_ds_status()

    def set_kube_proxy(self, spec):
        """Control: replace the kube-proxy pod on a node with one in the given state."""
        node = next((n for n in self.cluster.nodes if n["name"] == spec.get("node")), None)
        if not node:
            raise bad_request("no node %r" % spec.get("node"))
        st = self.store
        with st.lock:
            ds = st.get("daemonsets", "kube-system", "kube-proxy")
            cm = st.get("configmaps", "kube-system", "kube-proxy")
            text = (cm or {}).get("data", {}).get("config.conf", "")
            old = self.kube_proxy_pods(node["name"])
            name = old[0]["metadata"]["name"] if old and spec.get("keepName") else None
            state = {k: v for k, v in spec.items() if k not in ("action", "node", "keepName", "replace")}
            # What the node can run outlives this pod: later rollouts start pods the same way.
            caps = {k: v for k, v in state.items() if k in ("ipvsSupported", "nftablesSupported", "failReason", "logLines")}
            if caps:
                node.setdefault("kubeProxy", {}).update(caps)
            if spec.get("replace") is False:
                return old[0]["metadata"]["name"] if old else None
            for p in old:
                st.remove("pods", "kube-system", p["metadata"]["name"])
                self.pod_logs.pop(("kube-system", p["metadata"]["name"]), None)
            pod, logs = self.cluster.kube_proxy_pod(node, ds, state, text,
                                                    time.time() - float(state.get("ageSeconds", 0)), name)
            st.write("pods", pod)
            self.pod_logs[("kube-system", pod["metadata"]["name"])] = logs
            self.refresh_ds_status()
            return pod["metadata"]["name"]

    def take_tarpit(self):
        with self.counts_lock:
            if self.tarpit > 0:
                self.tarpit -= 1
                return True
            return False

    def hang(self, seconds, gone=None):
        """Block a request thread until released (control), the server stops, seconds pass,
        or the client goes away."""
        with self.counts_lock:
            self.hung += 1
        try:
            deadline = time.time() + (seconds or 3600)
            with self.release:
                gen = self.release_gen
                while not self.stop.is_set() and gen == self.release_gen:
                    left = deadline - time.time()
                    if left <= 0 or (gone and gone()):
                        break
                    self.release.wait(min(left, 0.5))
        finally:
            with self.counts_lock:
                self.hung -= 1


# ---------------------------------------------------------------------------------------
# HTTP

LOGGED_HEADERS = ("Content-Type", "Accept", "Accept-Encoding", "User-Agent", "Content-Length",
                  "Transfer-Encoding", "Kubectl-Command", "Kubectl-Session", "Impersonate-User",
                  "Impersonate-Group")
AGG_CTYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
STATUS_SUBRESOURCE = {"nodes", "pods", "services", "daemonsets", "namespaces"}
PF_UIDS = (str(uuid.uuid4()), str(uuid.uuid4()))


def truthy(v):
    return (v or "").lower() in ("1", "t", "true")


def encode_continue(rv, key, ns):
    start = key[1] if (ns is not None or not key[0]) else key[0] + "/" + key[1]
    return base64.b64encode(jdump({"v": "meta.k8s.io/v1", "rv": rv, "start": start + "\u0000"})
                            .encode()).decode()


def decode_continue(token, ns, res):
    try:
        d = json.loads(base64.b64decode(token.encode(), validate=False).decode())
        if d.get("v") != "meta.k8s.io/v1" or not isinstance(d.get("rv"), int) or \
                not isinstance(d.get("start"), str):
            raise ValueError("bad token")
        start = d["start"].rstrip("\u0000")
        if ns is not None or not res.namespaced:
            key = (ns or "", start)
        else:
            a, _, b = start.partition("/")
            key = (a, b)
        return d["rv"], key
    except (ValueError, UnicodeDecodeError, TypeError, AttributeError):
        raise bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                          "(version meta.k8s.io/v1)")


def fields_v1(d):
    """A FieldsV1 set covering every field of d (an approximation of structured-merge-diff)."""
    if isinstance(d, dict):
        out = {}
        for k, v in d.items():
            if k in ("kind", "apiVersion", "status") or (k == "metadata" and not isinstance(v, dict)):
                continue
            if k == "metadata":
                v = {kk: vv for kk, vv in v.items() if kk in ("labels", "annotations", "ownerReferences")}
                if not v:
                    continue
            out["f:" + k] = fields_v1(v)
        return out
    if isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        out = {}
        for x in d:
            for key in ("name", "containerPort", "port", "mountPath", "uid", "type"):
                if key in x:
                    kv = {key: x[key]}
                    if key == "port" and "protocol" in x:
                        kv["protocol"] = x["protocol"]
                    inner = fields_v1(x)
                    inner["."] = {}
                    out["k:" + jdump(kv)] = inner
                    break
        return out
    return {}


def pb_fields(buf):
    """Protocol buffers wire format -> {field number: [values]} (bytes for length-delimited)."""
    def varint(i):
        v = shift = 0
        while True:
            b = buf[i]
            i += 1
            v |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                return v, i
    out, i = {}, 0
    while i < len(buf):
        key, i = varint(i)
        fn, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(i)
        elif wt == 2:
            n, i = varint(i)
            v, i = buf[i:i + n], i + n
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("protobuf wire type %d" % wt)
        out.setdefault(fn, []).append(v)
    return out


def pb_map(entries):
    d = {}
    for e in entries:
        f = pb_fields(e)
        d[f.get(1, [b""])[-1].decode()] = f.get(2, [b""])[-1]
    return d


def pb_object_meta(buf):
    """The ObjectMeta fields a client sets when creating (name, generateName, namespace,
    labels, annotations)."""
    f = pb_fields(buf)
    md = {}
    for n, k in ((1, "name"), (2, "generateName"), (3, "namespace")):
        v = f.get(n, [b""])[-1].decode()
        if v:
            md[k] = v
    for n, k in ((11, "labels"), (12, "annotations")):
        m = {kk: vv.decode() for kk, vv in pb_map(f.get(n, [])).items()}
        if m:
            md[k] = m
    return md


PROTOBUF_KINDS = ("SelfSubjectAccessReview", "SelfSubjectRulesReview", "SelfSubjectReview",
                  "Namespace", "ConfigMap")


def decode_protobuf(body):
    """kubectl's typed clients (auth can-i, auth whoami, create namespace|configmap) send
    application/vnd.kubernetes.protobuf: the "k8s\\0" envelope (runtime.Unknown) around
    the generated message. Only the fields those commands set are decoded."""
    if body[:4] != b"k8s\x00":
        raise ValueError("no k8s protobuf envelope")
    unk = pb_fields(body[4:])
    tm = pb_fields(unk.get(1, [b""])[0])
    av, kind = tm.get(1, [b""])[0].decode(), tm.get(2, [b""])[0].decode()
    msg = pb_fields(unk.get(2, [b""])[0])
    spec = pb_fields(msg.get(2, [b""])[0])

    def strs(f, names):
        d = {}
        for n, k in enumerate(names, 1):
            v = f.get(n, [b""])[-1].decode()
            if v:
                d[k] = v
        return d
    out = {"kind": kind, "apiVersion": av, "metadata": {}, "spec": {}}
    if kind in ("Namespace", "ConfigMap"):
        out = {"kind": kind, "apiVersion": av, "metadata": pb_object_meta(msg.get(1, [b""])[0])}
        if kind == "ConfigMap":
            data = {k: v.decode() for k, v in pb_map(msg.get(2, [])).items()}
            if data:
                out["data"] = data
            binary = {k: base64.b64encode(v).decode() for k, v in pb_map(msg.get(3, [])).items()}
            if binary:
                out["binaryData"] = binary
            if msg.get(4):
                out["immutable"] = bool(msg[4][-1])
        return out
    if kind == "SelfSubjectAccessReview":
        if 1 in spec:
            out["spec"]["resourceAttributes"] = strs(pb_fields(spec[1][0]), [
                "namespace", "verb", "group", "version", "resource", "subresource", "name"])
        if 2 in spec:
            out["spec"]["nonResourceAttributes"] = strs(pb_fields(spec[2][0]), ["path", "verb"])
    elif kind == "SelfSubjectRulesReview":
        out["spec"] = strs(spec, ["namespace"])
    return out


def strip_type(o):
    return {k: v for k, v in o.items() if k not in ("kind", "apiVersion")}


def conflict(res, name):
    d = {"name": name, "kind": res.name}
    if res.group:
        d["group"] = res.group
    return ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has been '
                    'modified; please apply your changes to the latest version and try again'
                    % (res.qualified(), name), d)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, socket.timeout, OSError, ValueError):
            self.close_connection = True

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    # -- plumbing -------------------------------------------------------------------------
    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    break
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def flush_log(self):
        if not self.logged:
            self.logged = True
            self.app.log_request(self.entry)

    def start(self, code, headers):
        self.send_response_only(code)
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Date", self.date_time_string())
        for k, v in headers.items():
            self.send_header(k, str(v))
        self.send_header("X-Kubernetes-Pf-Flowschema-Uid", PF_UIDS[0])
        self.send_header("X-Kubernetes-Pf-Prioritylevel-Uid", PF_UIDS[1])
        self.end_headers()
        self.headers_sent = True
        self.entry["status"] = code
        self.flush_log()

    def send_bytes(self, code, ctype, data, headers=None):
        h = {"Content-Type": ctype}
        h.update(headers or {})
        if len(data) > 128 * 1024 and "gzip" in (self.headers.get("Accept-Encoding") or "") \
                and not self.partial:
            data = gzip.compress(data, compresslevel=1)
            h["Content-Encoding"] = "gzip"
        h["Content-Length"] = len(data)
        self.start(code, h)
        if self.command == "HEAD":
            return
        if self.partial:
            self.wfile.write(data[:max(1, len(data) // 2)])
            self.wfile.flush()
            self.finish_partial()
            return
        self.wfile.write(data)

    def send_huge(self, size, chunked):
        """A 200 list of `size` bytes, made on the fly from one block of padding Services
        (never held whole): valid JSON. With a Content-Length, or chunked without one."""
        head = b'{"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":['
        item = b'{"metadata":{"name":"pad","namespace":"huge","annotations":{"pad":"' + \
            b"x" * 900 + b'"}},"spec":{"clusterIP":"None","ports":[]}},'
        tail = b'{"metadata":{"name":"last","namespace":"huge"}}]}'
        block = item * max(1, (1 << 20) // len(item))
        nblocks = max(0, size - len(head) - len(tail)) // len(block)
        rest = (max(0, size - len(head) - len(tail)) - nblocks * len(block)) // len(item)
        total = len(head) + nblocks * len(block) + rest * len(item) + len(tail)
        h = {"Content-Type": "application/json"}
        if chunked:
            h["Transfer-Encoding"] = "chunked"
        else:
            h["Content-Length"] = total
        self.start(200, h)
        out = self.write_chunk if chunked else self.wfile.write
        out(head)
        for _ in range(nblocks):
            out(block)
        if rest:
            out(item * rest)
        out(tail)
        if chunked:
            self.end_chunks()

    def send_json(self, code, obj, headers=None, ctype="application/json"):
        self.send_bytes(code, ctype, raw_bytes(jdump(obj).encode()), headers)

    def send_error_status(self, e):
        self.entry.setdefault("reason", e.reason)
        if self.headers_sent:
            self.abort()
            return
        h = dict(e.headers)
        self.send_json(e.code, status_obj(e.code, e.reason, e.message, e.details, e.cont), h)

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def write_event(self, data):
        """A watch event: one chunk (as the real server), or split across chunks to test
        that a client does not take a chunk for an event ("watchChunking")."""
        mode = self.app.watch_chunking
        if mode == "split" and len(data) > 1:
            cut = len(data) // 2
            self.write_chunk(data[:cut])
            self.write_chunk(data[cut:])
        elif mode == "tiny":
            for i in range(0, len(data), 7):
                self.write_chunk(data[i:i + 7])
        else:
            self.write_chunk(data)

    def end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")

    def abort(self):
        """Close the connection abruptly: no response, or half of one; RST, no TLS close_notify."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def finish_partial(self):
        f = self.partial
        if f["kind"] == "hang-body":
            self.app.hang(f.get("seconds"), self.client_gone)
        self.abort()

    def client_gone(self):
        """True once the client has closed its side (EOF or TLS close_notify)."""
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return True
        if not r:
            return False
        try:
            self.connection.settimeout(0.05)
            self.connection.recv(1)   # EOF, or a byte no watch client sends: either way, done
            return True
        except (ssl.SSLWantReadError, socket.timeout):
            return False
        except (OSError, ValueError):
            return True
        finally:
            try:
                self.connection.settimeout(None)
            except OSError:
                pass

    # -- one request ----------------------------------------------------------------------
    def dispatch(self):
        self.app = self.server.app
        self.logged = False
        self.headers_sent = False
        self.partial = None
        split = urllib.parse.urlsplit(self.path)
        self.urlpath = split.path
        self.rawquery = split.query
        qs = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        self.qs = qs
        self.q = {k: v[-1] for k, v in qs.items()}
        # One reading of the clock: seconds and milliseconds from two readings are a second
        # off when a second ends between them (a retry's gap then looked a second short).
        now = time.time()
        self.entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (now % 1 * 1000),
                      "method": self.command, "path": split.path, "query": qs,
                      "headers": {h: self.app.redact(self.headers[h]) for h in LOGGED_HEADERS if self.headers.get(h)},
                      "remote": self.client_address[0]}
        try:
            self.body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if self.body and self.command in ("POST", "PUT", "PATCH", "DELETE") and \
                "protobuf" in (self.headers.get("Content-Type") or ""):
            self.entry["body"] = {"protobufBytes": len(self.body)}
        elif self.body and self.command in ("POST", "PUT", "PATCH", "DELETE"):
            text = self.app.redact(self.body.decode("utf-8", "replace"))
            try:
                self.entry["body"] = json.loads(text)
            except ValueError:
                self.entry["body"] = text[:65536]
        if "body" in self.entry and self.urlpath.rstrip("/").endswith("/tokenreviews"):
            self.entry["body"] = agent.scrub_token_review(self.entry["body"])
        try:
            if self.urlpath == "/_control" or self.urlpath.startswith("/_control/"):
                self.control()
                return
            self.ident = self.app.authenticate(self)
            self.entry["auth"] = {"kind": self.ident.kind, "user": self.ident.user}
            fault = self.app.faults.match(self.command, self.urlpath, truthy(self.q.get("watch")))
            if fault:
                self.entry["fault"] = {k: fault[k] for k in ("id", "kind", "code") if k in fault}
                if self.apply_fault(fault):
                    return
            self.route()
        except ApiError as e:
            try:
                self.send_error_status(e)
            except OSError:
                self.close_connection = True
        except (ConnectionError, ssl.SSLError, socket.timeout, BrokenPipeError):
            self.close_connection = True
        except Exception as e:  # a bug here must not look like a hang to the client
            import traceback
            traceback.print_exc()
            try:
                self.send_error_status(ApiError(500, "InternalError", "Internal error occurred: %s" % e))
            except OSError:
                self.close_connection = True
        finally:
            self.flush_log()

    def apply_fault(self, f):
        kind = f["kind"]
        if kind == "delay":
            self.app.stop.wait(float(f.get("seconds", 1)))
            return False
        if kind == "status":
            code = f["code"]
            if code == 410 and truthy(self.q.get("watch")) and f.get("asEvent", True):
                # As the watch cache does: 200, then an ERROR event carrying the 410.
                self.start(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
                st = status_obj(410, f.get("reason") or "Expired", f.get("message") or
                                "too old resource version: %s (%d)" % (self.q.get("resourceVersion") or "0",
                                                                         self.app.store.rv))
                self.write_chunk((jdump({"type": "ERROR", "object": st}) + "\n").encode())
                self.end_chunks()
                return True
            headers = {}
            details = None
            if f.get("retryAfter") is not None:
                # Sent as given: "-5", "99999999999", an HTTP date... are the client's problem.
                headers["Retry-After"] = str(f["retryAfter"])
                try:
                    details = {"retryAfterSeconds": int(f["retryAfter"])}
                except ValueError:
                    details = None
            if code == 401:
                details = None
            raise ApiError(code, f.get("reason") or DEFAULT_REASONS.get(code, "InternalError"),
                           f.get("message") or DEFAULT_MESSAGES.get(code, "injected error"),
                           details, headers)
        if kind == "close":
            self.flush_log()
            self.abort()
            return True
        if kind == "body":
            # Any bytes as the answer: not JSON, truncated JSON, JSON of the wrong shape.
            data = f.get("body", "")
            data = data.encode() if isinstance(data, str) else jdump(data).encode()
            self.send_bytes(int(f.get("code", 200)), f.get("contentType") or "application/json", data)
            return True
        if kind == "huge":
            self.send_huge(int(f.get("bytes", 100 << 20)), bool(f.get("chunked")))
            return True
        if kind == "hang":
            self.flush_log()
            self.app.hang(f.get("seconds"), self.client_gone)
            self.abort()
            return True
        self.partial = f      # hang-body, close-body: once the headers and half the body are out
        return False

    def authorize(self, a):
        ok, _ = self.app.authz.check(self.ident, a)
        if not ok:
            raise forbidden(self.ident, a)

    def negotiate(self):
        acc = self.headers.get("Accept") or "*/*"
        for part in acc.split(","):
            items = [x.strip() for x in part.split(";")]
            mt = items[0].lower()
            p = dict(x.split("=", 1) for x in items[1:] if "=" in x)
            if mt not in ("application/json", "*/*", "application/*"):
                continue
            if "as" not in p:
                return ("json", None)
            if p.get("g") == "meta.k8s.io" and p.get("v") in ("v1", "v1beta1"):
                if p["as"] == "Table":
                    return ("Table", p["v"])
                if p["as"] in ("PartialObjectMetadata", "PartialObjectMetadataList"):
                    return ("Partial", p["v"])
        raise ApiError(406, "NotAcceptable", "only the following media types are accepted: "
                       "application/json, application/yaml, application/vnd.kubernetes.protobuf")

    def wants_aggregated(self):
        """The aggregated discovery version to answer with, in the client's order of
        preference: v2 from Kubernetes 1.30, v2beta1 from 1.26 to 1.32 (as real servers)."""
        if not self.app.aggregated:
            return None
        ver = (self.app.cluster.major, self.app.cluster.minor)
        for part in (self.headers.get("Accept") or "").split(","):
            p = dict(x.strip().split("=", 1) for x in part.split(";")[1:] if "=" in x)
            if p.get("as") != "APIGroupDiscoveryList" or p.get("g") != "apidiscovery.k8s.io":
                continue
            if p.get("v") == "v2" and ver >= (1, 30):
                return "v2"
            if p.get("v") == "v2beta1" and (1, 26) <= ver < (1, 33):
                return "v2beta1"
        return None

    def not_found_path(self):
        return ApiError(404, "NotFound", "the server could not find the requested resource", {})

    # -- routes ---------------------------------------------------------------------------
    def route(self):
        path, m, app = self.urlpath, self.command, self.app
        if m not in ("GET", "HEAD") and not path.startswith(("/api/", "/apis/")):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                           "requested resource", {})
        if path in ("/version", "/version/", "/healthz", "/livez", "/readyz") or \
                path.startswith(("/healthz/", "/livez/", "/readyz/")):
            self.authorize({"verb": "get", "path": path})
            if path.startswith("/version"):
                return self.send_json(200, app.cluster.version_info())
            return self.send_bytes(200, "text/plain; charset=utf-8", b"ok",
                                   {"X-Content-Type-Options": "nosniff"})
        if path in ("/api", "/api/"):
            self.authorize({"verb": "get", "path": "/api"})
            agg = self.wants_aggregated()
            if agg:
                return self.send_json(200, aggregated_discovery(True, agg), {"Vary": "Accept"},
                                      AGG_CTYPE.replace("v=v2", "v=" + agg))
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                                        "serverAddress": app.cluster.endpoint}]})
        if path in ("/apis", "/apis/"):
            self.authorize({"verb": "get", "path": "/apis"})
            agg = self.wants_aggregated()
            if agg:
                return self.send_json(200, aggregated_discovery(False, agg), {"Vary": "Accept"},
                                      AGG_CTYPE.replace("v=v2", "v=" + agg))
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                        "groups": [self.api_group(g) for g in groups_in_order()]})
        if path == "/openapi/v3" or path.startswith("/openapi/v3/"):
            self.authorize({"verb": "get", "path": path})
            return self.openapi_v3(path)
        if path == "/openapi/v2":
            self.authorize({"verb": "get", "path": path})
            # An empty but valid document: kubectl then validates server-side (fieldValidation).
            if "protobuf" in (self.headers.get("Accept") or ""):
                return self.send_bytes(200, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                                       b"\x0a\x032.0")
            return self.send_json(200, {"swagger": "2.0", "info": {"title": "Kubernetes",
                                                                   "version": app.cluster.version},
                                        "paths": {}, "definitions": {}})
        parts = [p for p in path.split("/") if p]
        if len(parts) >= 2 and parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        elif len(parts) >= 2 and parts[0] == "apis":
            group = parts[1]
            if group not in groups_in_order():
                raise self.not_found_path()
            if len(parts) == 2:
                self.authorize({"verb": "get", "path": path})
                return self.send_json(200, dict(self.api_group(group), kind="APIGroup", apiVersion="v1"))
            version, rest = parts[2], parts[3:]
        else:
            raise self.not_found_path()
        if not any(r.group == group and r.version == version for r in RESOURCES):
            raise self.not_found_path()
        if not rest:
            self.authorize({"verb": "get", "path": path})
            if m != "GET":
                raise self.not_found_path()
            return self.send_json(200, api_resource_list(group, version))
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
            ns, rest = rest[1], rest[2:]
        if group == "" and ns is not None and len(rest) >= 3 and rest[0] == "pods" and rest[2] == "proxy":
            return self.pod_proxy(ns, rest[1])
        if len(rest) > 3:
            raise self.not_found_path()
        res = RES_BY_GVR.get((group, version, rest[0]))
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if not res or (ns is not None and not res.namespaced) or (sub and sub not in res.subs):
            raise self.not_found_path()
        watch = truthy(self.q.get("watch"))
        verb = {"GET": "watch" if watch else ("get" if name else "list"), "HEAD": "get", "POST": "create",
                "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if name else "deletecollection"}[m]
        self.entry["verb"] = verb
        self.authorize({"verb": verb, "group": group, "resource": res.name, "subresource": sub or "",
                        "namespace": ns or "", "name": name or ""})
        if not res.table:
            if m != "POST" or name:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                               "requested resource", {})
            return self.review(res)
        if res.namespaced and ns is None and (m not in ("GET", "HEAD") or name):
            raise self.not_found_path()
        if m in ("GET", "HEAD"):
            if sub == "log":
                return self.pod_log(ns, name)
            if watch:
                return self.serve_watch(res, ns, name)
            if name:
                return self.get_one(res, ns, name)
            return self.list_objects(res, ns)
        if m == "POST":
            if name:
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                               "requested resource", {})
            return self.create(res, ns)
        if m in ("PUT", "PATCH"):
            if not name or sub == "log":
                raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                               "requested resource", {})
            return self.update(res, ns, name, sub, m == "PATCH")
        if m == "DELETE":
            if not name:
                raise ApiError(405, "MethodNotAllowed", "deletecollection is not supported by this test server", {})
            return self.delete(res, ns, name)

    def api_group(self, g):
        gv = {"groupVersion": g + "/v1", "version": "v1"}
        return {"name": g, "versions": [gv], "preferredVersion": gv}

    def openapi_v3(self, path):
        gvs = []
        for r in RESOURCES:
            gv = "api/v1" if not r.group else "apis/%s/%s" % (r.group, r.version)
            if r.table and gv not in gvs:
                gvs.append(gv)
        if path == "/openapi/v3":
            return self.send_json(200, {"paths": {gv: {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (
                gv, hashlib.sha512(gv.encode()).hexdigest()[:128].upper())} for gv in gvs}})
        gv = path[len("/openapi/v3/"):]
        if gv not in gvs:
            raise self.not_found_path()
        p = gv.split("/")
        group, version = ("", p[1]) if p[0] == "api" else (p[1], p[2])
        doc = openapi_v3_paths(group, version)
        doc["info"]["version"] = self.app.cluster.version
        return self.send_json(200, doc, {"Cache-Control": "public, immutable",
                                         "Etag": '"%s"' % hashlib.sha1(gv.encode()).hexdigest()})

    # -- reads ----------------------------------------------------------------------------
    def render(self, res, obj, fmt):
        if fmt[0] == "Table":
            return to_table(res, [obj], {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                            self.q.get("includeObject", "Metadata"), fmt[1])
        if fmt[0] == "Partial":
            return dict(partial_meta(obj), apiVersion="meta.k8s.io/" + fmt[1])
        return dict({"kind": res.kind, "apiVersion": res.api_version}, **strip_type(obj))

    def get_one(self, res, ns, name):
        fmt = self.negotiate()
        with self.app.store.lock:
            obj = self.app.store.get(res.name, ns, name)
        if obj is None:
            raise not_found(res, name)
        self.send_json(200, self.render(res, obj, fmt))

    def list_objects(self, res, ns):
        st, q = self.app.store, self.q
        fmt = self.negotiate()
        lsel = parse_label_selector(q.get("labelSelector"))
        fsel = parse_field_selector(q.get("fieldSelector"), res)
        try:
            limit = max(0, int(q.get("limit") or 0))
        except ValueError:
            raise bad_request('strconv.ParseInt: parsing "%s": invalid syntax' % q.get("limit"))
        cont = q.get("continue") or ""
        rvq = q.get("resourceVersion", "")
        if rvq and not rvq.isdigit():
            raise ApiError(400, "BadRequest", 'resourceVersion: Invalid value: "%s": must be a valid '
                           'resourceVersion' % rvq)
        if cont and rvq and rvq != "0":
            raise bad_request("specifying resource version is not allowed when using continue")
        with st.lock:
            snap = None
            if cont:
                rv, start = decode_continue(cont, ns, res)
                if rv < st.compacted:
                    raise ApiError(410, "Expired",
                                   "The provided continue parameter is too old to display a consistent "
                                   "list result. You can start a new list without the continue parameter, "
                                   "or use the continue token in this response to retrieve the remainder "
                                   "of the results. Continuing with the provided token results in an "
                                   "inconsistent list - objects that were created, modified, or deleted "
                                   "between the time the first chunk was returned and now may show up in "
                                   "the list.", cont=encode_continue(st.rv, start, ns))
                snap = st.snapshots.get((res.name, rv))
                list_rv = rv
            else:
                start, list_rv = None, st.rv
            items, last, more = [], None, False
            for k, o in st.iter_list(res.name, ns, start, snap, lsel):
                if lsel and not labels_match(lsel, o["metadata"].get("labels")):
                    continue
                if fsel and not fields_match(fsel, o):
                    continue
                if limit and len(items) >= limit:
                    more = True
                    break
                items.append(o)
                last = k
            meta = {"resourceVersion": str(list_rv)}
            if more:
                if snap is None and not cont:
                    st.snapshot(res.name, list_rv)
                meta["continue"] = encode_continue(list_rv, last, ns)
                if not lsel and not fsel:
                    meta["remainingItemCount"] = sum(1 for _ in st.iter_list(res.name, ns, last, snap)) \
                        if not (st.gen and st.gen.serves(res.name, ns)) else self.remaining(res, ns, last, snap)
            self.entry["items"] = len(items)
            if fmt[0] == "Table":
                body = to_table(res, items, meta, self.q.get("includeObject", "Metadata"), fmt[1])
            elif fmt[0] == "Partial":
                body = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/" + fmt[1],
                        "metadata": meta, "items": [partial_meta(o) for o in items]}
            else:
                body = {"kind": res.kind + "List", "apiVersion": res.api_version, "metadata": meta,
                        "items": [strip_type(o) for o in items]}
            data = raw_bytes(jdump(body).encode())
        self.send_bytes(200, "application/json", data)

    def remaining(self, res, ns, last, snap):
        st = self.app.store
        objs = snap if snap is not None else st.objs[res.name]
        n = sum(1 for k in objs if (ns is None or k[0] == ns) and k > last)
        return n + st.gen.count(res.name) - st.gen.first_after(res.name, last)

    def serve_watch(self, res, ns, name):
        app, st, q = self.app, self.app.store, self.q
        fmt = self.negotiate()
        lsel = parse_label_selector(q.get("labelSelector"))
        fsel = parse_field_selector(q.get("fieldSelector"), res)
        if name:
            fsel.append(("metadata.name", True, name))
        rvq = q.get("resourceVersion", "")
        bookmarks = truthy(q.get("allowWatchBookmarks"))
        send_initial = truthy(q.get("sendInitialEvents"))
        try:
            timeout = float(q.get("timeoutSeconds") or app.watch_timeout)
        except ValueError:
            raise bad_request("timeoutSeconds: invalid value")

        def matches(o):
            if ns is not None and o["metadata"].get("namespace") != ns:
                return False
            return labels_match(lsel, o["metadata"].get("labels")) and fields_match(fsel, o)

        def encode(etype, o):
            if etype == "BOOKMARK" or etype == "ERROR":
                obj = o
            else:
                obj = self.render(res, o, fmt)
            return raw_bytes((jdump({"type": etype, "object": obj}) + "\n").encode())

        def bookmark(rv, initial_end=False):
            md = {"resourceVersion": str(rv), "creationTimestamp": None}
            if initial_end:
                md["annotations"] = {"k8s.io/initial-events-end": "true"}
            return encode("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version, "metadata": md})

        error = None
        with st.lock:
            epoch = st.epoch
            initial = []
            if rvq not in ("", "0"):
                try:
                    pos = int(rvq)
                except ValueError:
                    raise ApiError(400, "BadRequest", 'resourceVersion: Invalid value: "%s"' % rvq)
                if pos < st.compacted:
                    error = status_obj(410, "Expired", "too old resource version: %d (%d)" % (pos, st.compacted))
            if send_initial or rvq in ("", "0"):
                initial = [o for _, o in st.iter_list(res.name, ns, None) if matches(o)]
                pos = st.rv
                error = None
        with app.counts_lock:
            app.watches += 1
        try:
            self.start(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
            if self.partial:
                first = encode("ADDED", initial[0]) if initial else bookmark(pos)
                self.wfile.write(b"%x\r\n%s" % (len(first), first[:max(1, len(first) // 2)]))
                self.finish_partial()
                return
            if error:
                self.write_event(encode("ERROR", error))
                self.end_chunks()
                return
            for o in initial:
                self.write_event(encode("ADDED", o))
            if send_initial and bookmarks:
                self.write_event(bookmark(pos, True))
            deadline = time.time() + timeout
            next_bm = time.time() + app.bookmark_interval
            while True:
                now = time.time()
                if now >= deadline:
                    break
                with st.cond:
                    evs = st.events_after(pos)
                    if not evs and st.epoch == epoch and not app.stop.is_set():
                        wait = deadline - now
                        if bookmarks:
                            wait = min(wait, max(0.01, next_bm - now))
                        st.cond.wait(min(wait, 1.0))
                        evs = st.events_after(pos)
                    dropped = st.epoch != epoch or app.stop.is_set()
                    lost = not evs and pos < st.compacted
                    cur_rv = st.rv
                if self.client_gone():
                    self.close_connection = True
                    return
                if lost:
                    self.write_event(encode("ERROR", status_obj(
                        410, "Expired", "too old resource version: %d (%d)" % (pos, st.compacted))))
                    break
                out = []
                for ev in evs:
                    if ev.res != res.name:
                        continue
                    was = ev.old is not None and matches(ev.old)
                    if ev.type == "DELETED":
                        if was:
                            out.append(("DELETED", ev.new))
                        continue
                    now_in = matches(ev.new)
                    if now_in and was:
                        out.append(("MODIFIED", ev.new))
                    elif now_in:
                        out.append(("ADDED", ev.new))
                    elif was:
                        out.append(("DELETED", ev.new))
                if evs:
                    pos = evs[-1].rv
                for etype, o in out:
                    self.write_event(encode(etype, o))
                if dropped:
                    break
                if bookmarks and time.time() >= next_bm:
                    self.write_event(bookmark(max(pos, cur_rv) if not evs else pos))
                    next_bm = time.time() + app.bookmark_interval
            self.end_chunks()
        finally:
            with app.counts_lock:
                app.watches -= 1

    def pod_log(self, ns, name):
        app, q = self.app, self.q
        with app.store.lock:
            pod = app.store.get("pods", ns, name)
        res = RES_BY_NAME["pods"]
        if pod is None:
            raise not_found(res, name)
        ctrs = [c["name"] for c in pod["spec"].get("containers") or []]
        cname = q.get("container")
        if not cname:
            if len(ctrs) != 1:
                raise bad_request("a container name must be specified for pod %s, choose one of: [%s]"
                                  % (name, " ".join(ctrs)))
            cname = ctrs[0]
        if cname not in ctrs:
            raise bad_request("container %s is not valid for pod %s" % (cname, name))
        logs = app.pod_logs.get((ns, name), {}).get(cname)
        if logs is None:
            t = parse_time(pod["metadata"].get("creationTimestamp")) or time.time()
            logs = {"current": "%s Starting %s\n%s Listening on :%s\n" % (
                rfc3339(t + 1), cname, rfc3339(t + 2),
                (pod["spec"]["containers"][0].get("ports") or [{"containerPort": 8080}])[0]["containerPort"]),
                "previous": None}
        if truthy(q.get("previous")):
            text = logs.get("previous")
            if text is None:
                raise bad_request('previous terminated container "%s" in pod "%s" not found' % (cname, name))
        else:
            text = logs.get("current")
            if text is None:
                text = logs.get("previous")
            if text is None:
                raise bad_request('container "%s" in pod "%s" is waiting to start: %s'
                                  % (cname, name, logs.get("waiting", "ContainerCreating")))
        lines = text.splitlines(True)
        if q.get("tailLines"):
            try:
                n = int(q["tailLines"])
            except ValueError:
                raise bad_request("tailLines: invalid value")
            lines = lines[-n:] if n > 0 else []
        if truthy(q.get("timestamps")):
            t0 = parse_time(pod["metadata"].get("creationTimestamp")) or time.time()
            lines = ["%s.%09dZ %s" % (rfc3339(t0 + 1 + i * 0.001)[:-1], i * 1000, ln) for i, ln in enumerate(lines)]
        data = "".join(lines).encode("utf-8", "surrogateescape")
        if q.get("limitBytes"):
            data = data[:max(0, int(q["limitBytes"]))]
        if truthy(q.get("follow")):
            self.start(200, {"Content-Type": "text/plain", "Transfer-Encoding": "chunked"})
            if data:
                self.write_chunk(data)
            self.follow_wait()
            self.end_chunks()
            return
        self.send_bytes(200, "text/plain", data)

    def follow_wait(self):
        """kubectl logs -f: nothing new is ever logged; keep the stream open until the client
        goes away or the server stops."""
        while not self.app.stop.wait(0.5):
            if self.client_gone():
                self.close_connection = True
                return

    # -- writes ---------------------------------------------------------------------------
    def dry_run(self):
        vals = self.qs.get("dryRun") or []
        for v in vals:
            if v != "All":
                raise ApiError(400, "BadRequest", 'dryRun: Unsupported value: "%s": supported values: "All"' % v)
        return bool(vals)

    def field_manager(self):
        fm = self.q.get("fieldManager")
        if fm:
            return fm
        ua = self.headers.get("User-Agent") or "unknown"
        return ua.split("/")[0]

    def parse_body(self, res=None):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/vnd.kubernetes.protobuf":
            if res is None or res.kind not in PROTOBUF_KINDS:
                raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                               "format - accepted media types include: application/json, application/yaml "
                               "(this test server decodes protobuf only for %s)" % ", ".join(PROTOBUF_KINDS), {})
            try:
                obj = decode_protobuf(self.body)
            except (ValueError, IndexError, UnicodeDecodeError) as e:
                raise bad_request("failed to decode protobuf: %s" % e)
            self.entry["body"] = obj
            return obj
        try:
            obj = json.loads(self.body or b"")
        except ValueError as e:
            raise bad_request("couldn't get version/kind; json parse error: %s" % e)
        if not isinstance(obj, dict):
            raise bad_request("couldn't get version/kind; json parse error: json: cannot unmarshal "
                              "array into Go value of type struct")
        if res:
            av, kind = obj.get("apiVersion"), obj.get("kind")
            if av and av != res.api_version:
                raise bad_request("the API version in the data (%s) does not match the expected API "
                                  "version (%s)" % (av, res.api_version))
            if kind and kind != res.kind:
                raise bad_request("the object provided is unrecognized (must be of type %s): couldn't "
                                  "get version/kind; json parse error" % res.kind)
        return obj

    def managed(self, res, obj, op, fields, sub=None):
        md = obj["metadata"]
        manager = self.field_manager()
        mf = [e for e in md.get("managedFields") or []
              if not (e.get("manager") == manager and e.get("operation") == op
                      and e.get("subresource") == sub)]
        e = {"manager": manager, "operation": op, "apiVersion": res.api_version,
             "time": rfc3339(time.time()), "fieldsType": "FieldsV1", "fieldsV1": fields_v1(fields)}
        if sub:
            e["subresource"] = sub
        mf.append(e)
        md["managedFields"] = mf
        self.entry["fieldManager"] = manager

    def check_fields(self, res, obj, old):
        """Strict decoding (fieldValidation: Strict fails on unknown fields, Warn, the
        default, warns, Ignore passes) and required fields; returns the Warning header."""
        mode = self.q.get("fieldValidation") or "Warn"
        if mode not in ("Strict", "Warn", "Ignore"):
            raise bad_request('fieldValidation: Unsupported value: "%s": supported values: "Ignore", '
                              '"Strict", "Warn"' % mode)
        warnings = agent.strict_decode(res.kind, res.api_version, obj, mode)
        causes = agent.required_causes(res.kind, obj, old)
        if causes:
            raise invalid(res, obj["metadata"].get("name", ""), causes)
        if not warnings:
            return {}
        self.entry["warnings"] = warnings
        return {"Warning": ", ".join('299 - "%s"' % w.replace('"', '\\"') for w in warnings)}

    def validate(self, res, new, old):
        name = new["metadata"]["name"]
        if res.name == "services":
            spec = new.setdefault("spec", {})
            t = spec.get("type", "ClusterIP")
            if t not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
                raise invalid(res, name, [("spec.type", 'Unsupported value: "%s": supported values: '
                                           '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' % t)])
            if t != "ExternalName" and not spec.get("ports") and spec.get("clusterIP") != "None":
                raise invalid(res, name, [("spec.ports", "Required value")])
            if old:
                oldspec = old.get("spec", {})
                for p in spec.get("ports") or []:
                    if not p.get("nodePort") and t in ("NodePort", "LoadBalancer"):
                        for op in oldspec.get("ports") or []:
                            if op.get("port") == p.get("port") and op.get("protocol", "TCP") == p.get("protocol", "TCP") \
                                    and op.get("nodePort"):
                                p["nodePort"] = op["nodePort"]
                new_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
                old_ips = oldspec.get("clusterIPs") or []
                if new_ips and old_ips and new_ips[0] != old_ips[0] and t != "ExternalName" \
                        and oldspec.get("type") != "ExternalName":
                    raise invalid(res, name, [("spec.clusterIPs[0]", 'Invalid value: []string{"%s"}: may not '
                                               'change once set' % new_ips[0])])
            else:
                for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
                    if ip != "None" and ip in self.app.cluster.used_ips:
                        raise invalid(res, name, [("spec.clusterIPs", 'Invalid value: []string{"%s"}: failed '
                                                   'to allocate IP %s: provided IP is already allocated' % (ip, ip))])
            self.app.cluster.default_service_spec(spec, old.get("spec") if old else None)
        if res.name == "configmaps":
            for k, v in (new.get("data") or {}).items():
                if not isinstance(v, str):
                    raise bad_request("json: cannot unmarshal %s into Go struct field ConfigMap.data of type string"
                                      % type(v).__name__)
            if old and old.get("immutable") and (old.get("data") != new.get("data")
                                                 or old.get("binaryData") != new.get("binaryData")):
                raise invalid(res, name, [("data", "Forbidden: field is immutable when `immutable` is set")])
        if res.name == "daemonsets":
            spec = new.get("spec") or {}
            sel = (spec.get("selector") or {}).get("matchLabels") or {}
            tl = (spec.get("template") or {}).get("metadata", {}).get("labels") or {}
            if not labels_match([(k, "=", v) for k, v in sel.items()], tl):
                raise invalid(res, name, [("spec.template.metadata.labels", "Invalid value: %s: `selector` "
                                           "does not match template `labels`" % jdump(tl))])
            if old and old["spec"].get("selector") != spec.get("selector"):
                raise invalid(res, name, [("spec.selector", "Invalid value: %s: field is immutable"
                                           % jdump(spec.get("selector")))])

    def create(self, res, ns):
        app, st, c = self.app, self.app.store, self.app.cluster
        obj = self.parse_body(res)
        md = obj.setdefault("metadata", {})
        if res.namespaced:
            if md.get("namespace") and md["namespace"] != ns:
                raise bad_request("the namespace of the provided object does not match the namespace sent "
                                  "on the request")
            md["namespace"] = ns
        dry = self.dry_run()
        with st.lock:
            if res.namespaced and st.get("namespaces", None, ns) is None:
                raise not_found(RES_BY_NAME["namespaces"], ns)
            if not md.get("name"):
                if not md.get("generateName"):
                    raise invalid(res, "", [("metadata.name", "Required value: name or generateName is required")])
                md["name"] = md["generateName"] + c.rand_str(5)
            name = md["name"]
            if st.get(res.name, ns, name) is not None:
                d = {"name": name, "kind": res.name}
                if res.group:
                    d["group"] = res.group
                raise ApiError(409, "AlreadyExists", '%s "%s" already exists' % (res.qualified(), name), d)
            if md.get("resourceVersion"):
                raise ApiError(500, "InternalError", "Internal error occurred: resourceVersion should not "
                               "be set on objects to be created")
            obj["kind"], obj["apiVersion"] = res.kind, res.api_version
            warn = self.check_fields(res, obj, None)
            self.validate(res, obj, None)
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = rfc3339(time.time())
            if res.name == "daemonsets":
                md["generation"] = 1
                md.setdefault("annotations", {})["deprecated.daemonset.template.generation"] = "1"
                obj["status"] = {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                                 "numberMisscheduled": 0, "numberReady": 0}
            elif res.name == "services":
                obj["status"] = {"loadBalancer": {}}
            elif res.name == "pods":
                obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
            elif res.name == "namespaces":
                obj.setdefault("spec", {"finalizers": ["kubernetes"]})
                obj["status"] = {"phase": "Active"}
                md.setdefault("labels", {})["kubernetes.io/metadata.name"] = name
            self.managed(res, obj, "Update", copy.deepcopy(obj))
            if not dry:
                st.write(res.name, obj)
        if not dry:
            app.after_write(res, None, obj)
        self.send_json(201, obj, warn)

    def update(self, res, ns, name, sub, is_patch):
        app, st = self.app, self.app.store
        dry = self.dry_run()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        with st.lock:
            old = st.get(res.name, ns, name)
            if is_patch:
                if old is None:
                    raise not_found(res, name)
                try:
                    patch = json.loads(self.body or b"")
                except ValueError as e:
                    raise bad_request("error decoding patch: %s" % e)
                if ctype == "application/json-patch+json":
                    new = json_patch(old, patch)
                elif ctype == "application/merge-patch+json":
                    new = merge_patch(old, patch)
                elif ctype == "application/strategic-merge-patch+json":
                    new = strategic_merge(old, patch)
                elif ctype == "application/apply-patch+yaml":
                    new = merge_patch(old, patch)
                else:
                    raise ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                                   "format - accepted media types include: application/json-patch+json, "
                                   "application/merge-patch+json, application/apply-patch+yaml, "
                                   "application/strategic-merge-patch+json", {})
                if not isinstance(new, dict):
                    raise bad_request("patch did not produce an object")
                fields = patch if isinstance(patch, dict) else new
                op = "Apply" if ctype == "application/apply-patch+yaml" else "Update"
            else:
                new = self.parse_body(res)
                if old is None:
                    raise not_found(res, name)
                fields, op = new, "Update"
            md = new.setdefault("metadata", {})
            if md.get("name", name) != name:
                raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                                  % (md.get("name"), name))
            if res.namespaced and md.get("namespace", ns) != ns:
                raise bad_request("the namespace of the provided object does not match the namespace sent "
                                  "on the request")
            if new.get("kind", res.kind) != res.kind or new.get("apiVersion", res.api_version) != res.api_version:
                raise bad_request("the object provided is unrecognized (must be of type %s)" % res.kind)
            rv = md.get("resourceVersion")
            if rv and rv != old["metadata"]["resourceVersion"]:
                raise conflict(res, name)
            omd = old["metadata"]
            for k in ("uid", "creationTimestamp", "generation", "deletionTimestamp",
                      "deletionGracePeriodSeconds", "managedFields", "generateName"):
                if k in omd:
                    md[k] = copy.deepcopy(omd[k])
                else:
                    md.pop(k, None)
            md["name"] = name
            if res.namespaced:
                md["namespace"] = ns
            md["resourceVersion"] = omd["resourceVersion"]
            new["kind"], new["apiVersion"] = res.kind, res.api_version
            if sub == "status":
                merged = copy.deepcopy(old)
                merged["status"] = new.get("status")
                new = merged
            elif res.name in STATUS_SUBRESOURCE and "status" in old:
                new["status"] = copy.deepcopy(old["status"])
            warn = {}
            if sub != "status":
                warn = self.check_fields(res, new, old)
                self.validate(res, new, old)
            if res.name == "daemonsets" and old.get("spec") != new.get("spec"):
                md["generation"] = omd.get("generation", 1) + 1
                if old["spec"].get("template") != new["spec"].get("template"):
                    tg = int((omd.get("annotations") or {}).get("deprecated.daemonset.template.generation", "1"))
                    md.setdefault("annotations", {})["deprecated.daemonset.template.generation"] = str(tg + 1)
            if new == old:
                self.entry["noop"] = True
                return self.send_json(200, old, warn)
            self.managed(res, new, op, fields, sub)
            if not dry:
                st.write(res.name, new)
        if not dry:
            app.after_write(res, old, new)
        self.send_json(200, new, warn)

    def delete(self, res, ns, name):
        app, st = self.app, self.app.store
        opts = {}
        if self.body:
            try:
                opts = json.loads(self.body)
            except ValueError as e:
                raise bad_request("error decoding DeleteOptions: %s" % e)
        dry = self.dry_run() or "All" in (opts.get("dryRun") or [])
        with st.lock:
            old = st.get(res.name, ns, name)
            if old is None:
                raise not_found(res, name)
            pre = opts.get("preconditions") or {}
            for k, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
                if pre.get(k) and pre[k] != old["metadata"].get(k):
                    d = {"name": name, "kind": res.name}
                    raise ApiError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": Precondition '
                                   'failed: %s in precondition: %s, %s in object meta: %s'
                                   % (res.qualified(), name, label, pre[k], label, old["metadata"].get(k)), d)
            if dry:
                gone = old
            elif res.name in ("pods", "namespaces"):
                marked = copy.deepcopy(old)
                grace = opts.get("gracePeriodSeconds", 30)
                marked["metadata"]["deletionTimestamp"] = rfc3339(time.time() + (grace or 0))
                if res.name == "pods":
                    marked["metadata"]["deletionGracePeriodSeconds"] = grace
                else:
                    marked["status"] = {"phase": "Terminating"}
                st.write(res.name, marked)
                st.remove(res.name, ns, name)
                gone = marked
                if res.name == "namespaces":      # the namespace controller empties it
                    for r in STORED:
                        if r.namespaced:
                            for (ons, oname) in [k for k in st.objs[r.name] if k[0] == name]:
                                st.remove(r.name, ons, oname)
            else:
                gone = st.remove(res.name, ns, name)
        if not dry:
            app.after_write(res, old, None)
        if res.name in ("pods", "namespaces"):
            return self.send_json(200, dict({"kind": res.kind, "apiVersion": res.api_version}, **strip_type(gone)))
        d = {"name": name, "kind": res.name, "uid": old["metadata"].get("uid")}
        if res.group:
            d["group"] = res.group
        self.send_json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                             "details": d})

    def pod_proxy(self, ns, name_field):
        """GET (any method) /api/v1/namespaces/NS/pods/[https:]NAME[:PORT]/proxy/PATH: needs
        "get pods/proxy" (the verb of the method), the name as it stands in the URL."""
        verb = {"GET": "get", "HEAD": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete"}[self.command]
        self.entry["verb"] = verb
        self.authorize({"verb": verb, "group": "", "resource": "pods", "subresource": "proxy",
                        "namespace": ns, "name": name_field})
        marker = "/pods/%s/proxy" % name_field
        rest = self.urlpath[self.urlpath.index(marker) + len(marker):]
        agent.proxy_to_pod(self, ns, name_field, rest, self.app.proxy_timeout)

    def review(self, res):
        obj = self.parse_body(res)
        spec = obj.get("spec") or {}
        ident = self.ident
        out = {"kind": res.kind, "apiVersion": res.api_version, "metadata": {"creationTimestamp": None}}
        if res.name == "tokenreviews":
            status = agent.token_review(spec, self.app.tokens)
            out.update(spec={k: v for k, v in spec.items() if k != "token"}, status=status)
            self.entry["review"] = {"authenticated": status["authenticated"],
                                    "user": status["user"].get("username")}
        elif res.name == "subjectaccessreviews":
            user, groups = agent.sar_subject(spec)
            a = agent.review_attributes(spec, res.kind)
            allowed, reason = self.app.authz.check(Identity("review", user, groups), a)
            status = {"allowed": allowed}
            if reason:
                status["reason"] = reason
            out.update(spec=spec, status=status)
            self.entry["review"] = dict(a, user=user, groups=groups, allowed=allowed)
        elif res.name == "selfsubjectaccessreviews":
            a = agent.review_attributes(spec, res.kind)
            allowed, reason = self.app.authz.check(ident, a)
            status = {"allowed": allowed}
            if reason:
                status["reason"] = reason
            out.update(spec=spec, status=status)
            self.entry["review"] = dict(a, allowed=allowed)
        elif res.name == "selfsubjectrulesreviews":
            rr, nr = self.app.authz.rules_for(ident, spec.get("namespace", ""))
            out.update(spec=spec, status={"resourceRules": rr, "nonResourceRules": nr, "incomplete": False})
        else:
            out["status"] = {"userInfo": {"username": ident.user, "groups": ident.groups}}
        self.send_json(201, out)

    # -- control --------------------------------------------------------------------------
    def control(self):
        if self.client_address[0] not in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "10.0.2.2"):
            raise ApiError(403, "Forbidden", "the control endpoint answers only 127.0.0.1 and 10.0.2.2", {})
        self.entry["control"] = True
        if self.command == "GET":
            return self.send_json(200, self.app.control({"action": "state"}))
        if self.command != "POST":
            raise ApiError(405, "MethodNotAllowed", "GET or POST /_control", {})
        try:
            spec = json.loads(self.body or b"{}")
        except ValueError as e:
            raise bad_request("control: %s" % e)
        if isinstance(spec, list):
            return self.send_json(200, [self.app.control(a) for a in spec])
        self.send_json(200, self.app.control(spec))


def app_control(self, a):
    """Control actions (POST /_control, or 'apiserver.py control'); see README.md."""
    act = a.get("action")
    st = self.store
    if act == "state":
        with st.lock:
            ds = st.get("daemonsets", "kube-system", "kube-proxy")
            return {"resourceVersion": st.rv, "compacted": st.compacted, "watches": self.watches,
                    "hung": self.hung, "faults": self.faults.list(),
                    "bookmarkIntervalSeconds": self.bookmark_interval,
                    "daemonSetStatus": (ds or {}).get("status"),
                    "kubeProxyPods": sorted(p["metadata"]["name"] for p in self.kube_proxy_pods())}
    if act == "requests":
        return self.query_requests(int(a.get("since", 0)), a.get("match") or {}, a.get("list"))
    if act == "fault":
        return {"ok": True, "fault": self.faults.add(a)}
    if act == "clear-faults":
        self.faults.clear()
        return {"ok": True}
    if act == "release":
        with self.release:
            self.release_gen += 1
            self.release.notify_all()
        return {"ok": True}
    if act == "drop-watches":
        st.drop_watches()
        return {"ok": True, "resourceVersion": st.rv}
    if act == "compact":
        st.compact()
        return {"ok": True, "compacted": st.compacted}
    if act == "watch-chunking":
        if a.get("mode") not in ("event", "split", "tiny"):
            raise bad_request("watch-chunking mode: event, split or tiny")
        self.watch_chunking = a["mode"]
        return {"ok": True}
    if act == "tarpit":
        with self.counts_lock:
            self.tarpit = int(a.get("count", 1))
            self.tarpit_seconds = float(a.get("seconds", 0))
        return {"ok": True}
    if act == "pause-rollout":
        self.rollout_paused = bool(a.get("paused", True))
        return {"ok": True, "paused": self.rollout_paused}
    if act == "bookmark-interval":
        self.bookmark_interval = float(a["seconds"])
        return {"ok": True}
    if act in ("apply", "delete", "touch"):
        res = RES_BY_NAME.get(a.get("resource", ""))
        if act == "apply":
            o = a.get("object") or {}
            res = RES_BY_KIND.get((o.get("apiVersion", "v1").rpartition("/")[0], o.get("kind")))
        if not res or not res.table:
            raise bad_request("control %s: unknown resource" % act)
        with st.lock:
            if act == "apply":
                o = copy.deepcopy(a["object"])
                md = o.setdefault("metadata", {})
                if res.namespaced:
                    md.setdefault("namespace", "default")
                old = st.get(res.name, md.get("namespace"), md["name"])
                if old:
                    for k in ("uid", "creationTimestamp", "generation"):
                        if k in old["metadata"]:
                            md.setdefault(k, old["metadata"][k])
                    if res.name == "services":
                        self.cluster.default_service_spec(o.setdefault("spec", {}), old.get("spec"))
                        o.setdefault("status", old.get("status", {"loadBalancer": {}}))
                    md.pop("resourceVersion", None)
                    st.write(res.name, o)
                    new = o
                else:
                    self.store_raw(o)
                    new = st.get(res.name, md.get("namespace"), md["name"])
            elif act == "delete":
                old = st.get(res.name, a.get("namespace"), a["name"])
                new = None
                if old is None:
                    raise not_found(res, a["name"])
                st.remove(res.name, a.get("namespace"), a["name"])
            else:
                old = st.get(res.name, a.get("namespace"), a["name"])
                if old is None:
                    raise not_found(res, a["name"])
                new = copy.deepcopy(old)
                new["metadata"].setdefault("annotations", {})["ipvstop.test/touched"] = rfc3339(time.time())
                for k, v in (a.get("annotations") or {}).items():
                    new["metadata"]["annotations"][k] = v
                st.write(res.name, new)
        self.after_write(res, old, new)
        return {"ok": True, "resourceVersion": st.rv,
                "object": None if new is None else new["metadata"]}
    if act == "service":
        c = self.cluster
        s = copy.deepcopy(a)
        s.pop("action", None)
        md = s.setdefault("metadata", {})
        ns = md.setdefault("namespace", "default")
        with st.lock:
            if st.get("namespaces", None, ns) is None:
                st.write("namespaces", c.namespace(ns))
            old = st.get("services", ns, md["name"])
            svc = c.service(s, 0)
            svc["metadata"]["creationTimestamp"] = rfc3339(time.time())
            if old:
                svc["metadata"]["uid"] = old["metadata"]["uid"]
                svc["metadata"]["creationTimestamp"] = old["metadata"]["creationTimestamp"]
            st.write("services", svc)
            self.replace_slices(svc, a.get("endpoints"))
        return {"ok": True, "resourceVersion": st.rv}
    if act == "endpoints":
        with st.lock:
            svc = st.get("services", a.get("namespace", "default"), a["service"])
            if not svc:
                raise not_found(RES_BY_NAME["services"], a["service"])
            self.replace_slices(svc, a.get("endpoints"))
        return {"ok": True, "resourceVersion": st.rv}
    if act == "kube-proxy":
        return {"ok": True, "pod": self.set_kube_proxy(a)}
    if act == "kube-proxy-config":
        with st.lock:
            cm = st.get("configmaps", "kube-system", "kube-proxy")
            new = copy.deepcopy(cm)
            new["data"]["config.conf"] = a.get("text") or kube_proxy_config_text(a)
            st.write("configmaps", new)
        return {"ok": True, "resourceVersion": st.rv}
    if act in ("agent", "node", "proxy-timeout"):
        return app_control_agents(self, a)
    raise bad_request("unknown control action %r" % act)


def app_control_agents(self, a):
    """Control: "agent" (create, replace or with absent: true delete node's ipvstop-agent pod),
    "node" (change a node's internalIP or readiness: the Node object is written again),
    "proxy-timeout" (seconds the pods/proxy waits for a pod)."""
    act, st, c = a["action"], self.store, self.cluster
    if act == "proxy-timeout":
        self.proxy_timeout = float(a["seconds"])
        return {"ok": True}
    i, node = next(((i, n) for i, n in enumerate(c.nodes) if n["name"] == a.get("node")), (None, None))
    if node is None:
        raise not_found(RES_BY_NAME["nodes"], str(a.get("node")))
    with st.lock:
        if act == "node":
            for k in ("internalIP", "internalIP6", "externalIP", "ready", "unschedulable", "labels"):
                if k in a:
                    node[k] = a[k]
            old = st.get("nodes", None, node["name"])
            new = c.node(i, node)
            for k in ("uid", "creationTimestamp"):
                new["metadata"][k] = old["metadata"][k]
            st.write("nodes", new)
            return {"ok": True, "resourceVersion": st.rv}
        spec = {k: v for k, v in a.items() if k not in ("action", "node")}
        pod = agent.agent_pod(c, node, spec)
        name = pod["metadata"]["name"]
        if st.get("pods", "kube-system", name) is not None:
            st.remove("pods", "kube-system", name)
        if spec.get("absent"):
            node.pop("agent", None)
            return {"ok": True, "resourceVersion": st.rv}
        node["agent"] = spec or True
        st.write("pods", pod)
        return {"ok": True, "resourceVersion": st.rv, "pod": name}


MISSING = object()


def entry_value(entry, path):
    """entry["a"]["b"] for path "a.b"; "\\." is a literal dot (annotation keys)."""
    v = entry
    for k in re.split(r"(?<!\\)\.", path):
        k = k.replace("\\.", ".")
        if isinstance(v, dict) and k in v:
            v = v[k]
        elif isinstance(v, list) and k.isdigit() and int(k) < len(v):
            v = v[int(k)]
        else:
            return MISSING
    if path.startswith("query.") and isinstance(v, list) and len(v) == 1:
        v = v[0]
    return v


def entry_matches(entry, match):
    for path, want in match.items():
        v = entry_value(entry, path)
        present = v is not MISSING and v not in ("", None, [], {})
        if want is True or want is False:
            if present != want:
                return False
        elif isinstance(want, dict) and "re" in want:
            if v is MISSING or not re.search(want["re"], v if isinstance(v, str) else jdump(v)):
                return False
        elif v != want:
            return False
    return True


def app_query_requests(self, since, match, want_list):
    """Control "requests": count (and optionally list) the logged requests after line
    "since" of requests.jsonl that match; control requests themselves are left out."""
    n, out = 0, []
    with self.log_lock:
        self.log_file.flush()
        with open(os.path.join(self.state_dir, "requests.jsonl")) as f:
            lines = f.readlines()
    for line in lines[since:]:
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("control") or not entry_matches(e, match):
            continue
        n += 1
        if want_list:
            out.append(e)
    r = {"count": n, "lines": len(lines)}
    if want_list:
        r["requests"] = out
    return r


def app_replace_slices(self, svc, endpoints):
    st, c = self.store, self.cluster
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    for (sns, sname), sl in list(st.objs["endpointslices"].items()):
        if sns == ns and (sl["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == name:
            st.remove("endpointslices", ns, sname)
    slices, pods = c.endpoint_slices(svc, endpoints or [], int(time.time() - c.created))
    for p in pods:
        if st.get("pods", ns, p["metadata"]["name"]) is None:
            st.write("pods", p)
    for sl in slices:
        st.write("endpointslices", sl)


App.control = app_control
App.query_requests = app_query_requests
App.replace_slices = app_replace_slices


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False    # exit at once on SIGTERM, even with hung or idle connections
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, addr, handler, ctx, app):
        self.ctx, self.app = ctx, app
        super().__init__(addr, handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's thread: a client that never
        # finishes it must not stall the accept loop.
        if self.app.take_tarpit():
            self.app.log_request({"time": rfc3339(time.time()), "remote": client_address[0],
                                  "fault": {"kind": "tarpit"}})

            def gone():
                try:
                    r, _, _ = select.select([request], [], [], 0)
                    return bool(r) and request.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True
            self.app.hang(self.app.tarpit_seconds, gone)
            return
        request.settimeout(15)
        try:
            conn = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        conn.settimeout(None)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


# ---------------------------------------------------------------------------------------
# Files for clients: kubeconfigs and the ready file

def b64file(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def kubeconfig_text(server, certs, tokens, inline=False, inline_tokens=False):
    def field(name, path):
        if inline:
            return "    %s-data: %s\n" % (name, b64file(path))
        return "    %s: %s\n" % (name, path)
    usable = [t for t in tokens if not t.get("expired")]
    contexts = [("ipvstop-test", "ipvstop-test-admin", None),
                ("viewer-cert", "ipvstop-test-viewer", None)]
    if usable:
        contexts.append(("token", "token-" + usable[0]["name"], "kube-system"))
    for t in tokens:
        contexts.append(("token-" + t["name"], "token-" + t["name"], "kube-system"))
    contexts += [("bad-token", "bad-token", None), ("anonymous", "anonymous", None)]
    out = ["apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n",
           field("certificate-authority", certs["ca"]),
           "    server: %s\n  name: ipvstop-test\ncontexts:\n" % server]
    for name, user, ns in contexts:
        out.append("- context:\n    cluster: ipvstop-test\n")
        if ns:
            out.append("    namespace: %s\n" % ns)
        out.append("    user: %s\n  name: %s\n" % (user, name))
    out.append("current-context: ipvstop-test\npreferences: {}\nusers:\n")
    out.append("- name: ipvstop-test-admin\n  user:\n")
    out.append(field("client-certificate", certs["client"]) + field("client-key", certs["clientKey"]))
    out.append("- name: ipvstop-test-viewer\n  user:\n")
    out.append(field("client-certificate", certs["viewer"]) + field("client-key", certs["viewerKey"]))
    for t in tokens:
        if inline_tokens:
            out.append("- name: token-%s\n  user:\n    token: %s\n" % (t["name"], t["value"]))
        else:
            out.append("- name: token-%s\n  user:\n    tokenFile: %s\n" % (t["name"], t["path"]))
    out.append("- name: bad-token\n  user:\n    token: this-is-not-a-valid-token\n")
    out.append("- name: anonymous\n  user: {}\n")
    return "".join(out)


def write_file(path, text, mode=0o600):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_client_files(state, port, cert_dir, app, args):
    certs = {"ca": os.path.join(cert_dir, "ca.crt"), "client": os.path.join(cert_dir, "client.crt"),
             "clientKey": os.path.join(cert_dir, "client.key"), "viewer": os.path.join(cert_dir, "viewer.crt"),
             "viewerKey": os.path.join(cert_dir, "viewer.key")}
    host = "127.0.0.1" if args.bind in ("0.0.0.0", "127.0.0.1", "") else args.bind
    url = "https://%s:%d" % (host, port)
    guest = "https://10.0.2.2:%d" % port
    kc = os.path.join(state, "kubeconfig")
    write_file(kc, kubeconfig_text(url, certs, app.tokens))
    write_file(os.path.join(state, "kubeconfig-data"), kubeconfig_text(url, certs, app.tokens, inline=True))
    write_file(os.path.join(state, "kubeconfig-guest"), kubeconfig_text(guest, certs, [], inline=True))
    if args.inline_token_kubeconfig:
        write_file(os.path.join(state, "kubeconfig-inline-token"),
                   kubeconfig_text(url, certs, app.tokens, inline=True, inline_tokens=True))
    usable = [t for t in app.tokens if not t.get("expired")]
    ready = {"pid": os.getpid(), "port": port, "url": url, "guestUrl": guest,
             "caCert": certs["ca"], "clientCert": certs["client"], "clientKey": certs["clientKey"],
             "viewerCert": certs["viewer"], "viewerKey": certs["viewerKey"],
             "tokenFile": usable[0]["path"] if usable else None,
             "tokenFiles": {t["name"]: t["path"] for t in app.tokens},
             "kubeconfig": kc, "kubeconfigData": os.path.join(state, "kubeconfig-data"),
             "kubeconfigGuest": os.path.join(state, "kubeconfig-guest"),
             "requests": os.path.join(state, "requests.jsonl"),
             "controlUrl": url + "/_control", "kubernetesVersion": app.cluster.version}
    env = {"KUBE_PID": ready["pid"], "KUBE_PORT": port, "KUBE_URL": url, "KUBE_GUEST_URL": guest,
           "KUBE_CA": certs["ca"], "KUBE_CLIENT_CERT": certs["client"], "KUBE_CLIENT_KEY": certs["clientKey"],
           "KUBE_TOKEN_FILE": ready["tokenFile"] or "", "KUBE_KUBECONFIG": kc,
           "KUBE_REQUESTS": ready["requests"], "KUBE_CONTROL_URL": ready["controlUrl"]}
    import shlex
    write_file(os.path.join(state, "ready.env"),
               "".join("%s=%s\n" % (k, shlex.quote(str(v))) for k, v in env.items()), 0o644)
    write_file(os.path.join(state, "ready.json"), json.dumps(ready, indent=1) + "\n", 0o644)


# ---------------------------------------------------------------------------------------
# Main, and the control client

def control_client(argv):
    import http.client
    ap = argparse.ArgumentParser(prog="apiserver.py control")
    ap.add_argument("--state", required=True)
    ap.add_argument("json", help="a control action (JSON object or list), or - for stdin")
    a = ap.parse_args(argv)
    with open(os.path.join(a.state, "ready.json")) as f:
        ready = json.load(f)
    body = sys.stdin.read() if a.json == "-" else a.json
    ctx = ssl.create_default_context(cafile=ready["caCert"])
    conn = http.client.HTTPSConnection("127.0.0.1", ready["port"], context=ctx, timeout=30)
    conn.request("POST", "/_control", body.encode(), {"Content-Type": "application/json"})
    r = conn.getresponse()
    sys.stdout.write(r.read().decode("utf-8", "replace") + "\n")
    return 0 if r.status == 200 else 1


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "control":
        return control_client(sys.argv[2:])
    ap = argparse.ArgumentParser(description="Kubernetes API server double for ipvstop's tests")
    ap.add_argument("--state", required=True, help="directory for ready files, kubeconfig, requests.jsonl")
    ap.add_argument("--port", type=int, default=0, help="0 picks a free port")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--cert-dir", required=True, help="CA and certs are made here (or reused)")
    ap.add_argument("--scenario", help="scenario JSON (tests/kube/scenarios/)")
    ap.add_argument("--generate-services", type=int, default=0, metavar="N")
    ap.add_argument("--endpoints-per-service", type=int, default=1, metavar="M")
    ap.add_argument("--bookmark-interval", type=float, default=0, metavar="SECONDS")
    ap.add_argument("--key-type", choices=("rsa", "ec"), default="rsa")
    ap.add_argument("--inline-token-kubeconfig", action="store_true",
                    help="also write kubeconfig-inline-token (token: inline, for parser tests)")
    args = ap.parse_args()
    scenario = {}
    if args.scenario:
        with open(args.scenario) as f:
            scenario = json.load(f)
    state = os.path.abspath(args.state)
    cert_dir = os.path.abspath(args.cert_dir)
    os.makedirs(state, exist_ok=True)
    for f in ("ready.json", "ready.env"):
        try:
            os.unlink(os.path.join(state, f))
        except FileNotFoundError:
            pass
    make_certs(cert_dir, args.key_type)
    app = App(args, scenario, state)
    app.make_tokens()
    app.build()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(cert_dir, "server.crt"), os.path.join(cert_dir, "server.key"))
    ctx.load_verify_locations(os.path.join(cert_dir, "ca.crt"))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])
    server = Server((args.bind, args.port), Handler, ctx, app)
    port = server.server_address[1]

    def stop(signum, frame):
        app.stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    write_client_files(state, port, cert_dir, app, args)
    print("apiserver.py: serving https://%s:%d (state %s)" % (args.bind, port, state), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        app.stop.set()
        with app.store.lock:
            app.store.cond.notify_all()
        with app.release:
            app.release.notify_all()
        server.server_close()
        for f in ("ready.json", "ready.env"):
            try:
                os.unlink(os.path.join(state, f))
            except FileNotFoundError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
