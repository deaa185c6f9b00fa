# SPDX-License-Identifier: GPL-2.0-or-later
"""apiserver_agent.py: what apiserver.py (the API server double) serves for ipvstop's
node agents (issue 14), kept apart from the rest of the double:

  - metav1 Status errors (ApiError), shared with apiserver.py;
  - RBAC objects (ClusterRoles, ClusterRoleBindings, Roles, RoleBindings) turned into the
    bindings apiserver.py's Authorizer evaluates;
  - TokenReview and SubjectAccessReview, answered as the real API server does;
  - strict field validation (fieldValidation=Strict) and required fields of the kinds
    deploy/ uses, so that a broken manifest fails `kubectl apply --dry-run=server`;
  - pods/proxy: a GET forwarded to the pod's IP, with Authorization removed, as the real
    API server's authentication filter does (k8s.io/apiserver, filters/authentication.go:
    req.Header.Del("Authorization") once the request is authenticated);
  - the agent pods (ipvstop-agent-NODE) a scenario declares.

Python 3 standard library only.
"""

import copy
import http.client
import json
import secrets
import socket
import ssl
import time


class ApiError(Exception):
    """An error answered as a metav1 Status."""

    def __init__(self, code, reason, message, details=None, headers=None, cont=None):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.details, self.headers, self.cont = details, headers or {}, cont


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


def invalid_kind(kind, group, name, causes):
    """422 Invalid, as the API server's validation reports it."""
    d = {"name": name, "group": group, "kind": kind,
         "causes": [{"reason": "FieldValueInvalid", "message": m, "field": f} for f, m in causes]}
    msg = '%s "%s" is invalid: %s' % (kind + ("." + group if group else ""), name,
                                      ", ".join("%s: %s" % (f, m) for f, m in causes))
    if len(causes) > 1:
        msg = '%s "%s" is invalid: [%s]' % (kind + ("." + group if group else ""), name,
                                            ", ".join("%s: %s" % (f, m) for f, m in causes))
    return ApiError(422, "Invalid", msg, d)


# ---------------------------------------------------------------------------------------
# Schemas: which fields exist, for strict decoding. "s" string, "i" integer, "b" boolean,
# "q" int-or-string (ports, quantities), "m" map of strings, "*" anything (not checked
# further), [T] a list of T, {field: T} an object.

META = {"name": "s", "generateName": "s", "namespace": "s", "labels": "m", "annotations": "m",
        "uid": "s", "resourceVersion": "s", "generation": "i", "creationTimestamp": "*",
        "deletionTimestamp": "*", "deletionGracePeriodSeconds": "i", "ownerReferences": "*",
        "finalizers": ["s"], "managedFields": "*", "selfLink": "s"}
LABEL_SELECTOR = {"matchLabels": "m",
                  "matchExpressions": [{"key": "s", "operator": "s", "values": ["s"]}]}
KEY_REF = {"name": "s", "key": "s", "optional": "b"}
PROBE = {"httpGet": {"path": "s", "port": "q", "host": "s", "scheme": "s",
                     "httpHeaders": [{"name": "s", "value": "s"}]},
         "tcpSocket": {"port": "q", "host": "s"}, "exec": {"command": ["s"]},
         "grpc": {"port": "i", "service": "s"}, "initialDelaySeconds": "i", "periodSeconds": "i",
         "timeoutSeconds": "i", "successThreshold": "i", "failureThreshold": "i",
         "terminationGracePeriodSeconds": "i"}
CONTAINER = {
    "name": "s", "image": "s", "imagePullPolicy": "s", "command": ["s"], "args": ["s"],
    "workingDir": "s",
    "ports": [{"name": "s", "containerPort": "i", "hostPort": "i", "protocol": "s", "hostIP": "s"}],
    "env": [{"name": "s", "value": "s",
             "valueFrom": {"fieldRef": {"apiVersion": "s", "fieldPath": "s"},
                           "resourceFieldRef": {"containerName": "s", "resource": "s", "divisor": "q"},
                           "configMapKeyRef": KEY_REF, "secretKeyRef": KEY_REF}}],
    "envFrom": "*",
    "resources": {"limits": "m", "requests": "m", "claims": "*"},
    "volumeMounts": [{"name": "s", "mountPath": "s", "readOnly": "b", "subPath": "s",
                      "subPathExpr": "s", "mountPropagation": "s", "recursiveReadOnly": "s"}],
    "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "lifecycle": "*", "resizePolicy": "*", "restartPolicy": "s",
    "securityContext": {"capabilities": {"add": ["s"], "drop": ["s"]}, "privileged": "b",
                        "readOnlyRootFilesystem": "b", "allowPrivilegeEscalation": "b",
                        "runAsUser": "i", "runAsGroup": "i", "runAsNonRoot": "b",
                        "seccompProfile": {"type": "s", "localhostProfile": "s"},
                        "appArmorProfile": {"type": "s", "localhostProfile": "s"},
                        "seLinuxOptions": "*", "procMount": "s", "windowsOptions": "*"},
    "terminationMessagePath": "s", "terminationMessagePolicy": "s", "stdin": "b",
    "stdinOnce": "b", "tty": "b"}
VOLUME = {"name": "s", "hostPath": {"path": "s", "type": "s"},
          "configMap": {"name": "s", "defaultMode": "i", "optional": "b", "items": "*"},
          "secret": "*", "emptyDir": "*", "projected": "*", "downwardAPI": "*"}
POD_SPEC = {
    "containers": [CONTAINER], "initContainers": [CONTAINER], "ephemeralContainers": "*",
    "volumes": [VOLUME], "hostNetwork": "b", "hostPID": "b", "hostIPC": "b", "hostUsers": "b",
    "dnsPolicy": "s", "dnsConfig": "*", "serviceAccountName": "s", "serviceAccount": "s",
    "automountServiceAccountToken": "b", "nodeSelector": "m", "nodeName": "s",
    "tolerations": [{"key": "s", "operator": "s", "value": "s", "effect": "s",
                     "tolerationSeconds": "i"}],
    "priorityClassName": "s", "priority": "i", "preemptionPolicy": "s", "securityContext": "*",
    "affinity": "*", "restartPolicy": "s", "terminationGracePeriodSeconds": "i",
    "activeDeadlineSeconds": "i", "schedulerName": "s", "imagePullSecrets": [{"name": "s"}],
    "enableServiceLinks": "b", "hostname": "s", "subdomain": "s", "shareProcessNamespace": "b",
    "topologySpreadConstraints": "*", "runtimeClassName": "s", "overhead": "*", "os": "*",
    "readinessGates": "*", "setHostnameAsFQDN": "b", "schedulingGates": "*",
    "resourceClaims": "*", "hostAliases": "*"}
RULE = {"apiGroups": ["s"], "resources": ["s"], "verbs": ["s"], "resourceNames": ["s"],
        "nonResourceURLs": ["s"]}
SUBJECT = {"kind": "s", "apiGroup": "s", "name": "s", "namespace": "s"}
ROLE_REF = {"apiGroup": "s", "kind": "s", "name": "s"}
TOP = {"apiVersion": "s", "kind": "s", "metadata": META}
SCHEMAS = {
    "DaemonSet": dict(TOP, spec={"selector": LABEL_SELECTOR,
                                 "template": {"metadata": META, "spec": POD_SPEC},
                                 "updateStrategy": {"type": "s", "rollingUpdate": {
                                     "maxUnavailable": "q", "maxSurge": "q"}},
                                 "minReadySeconds": "i", "revisionHistoryLimit": "i"}, status="*"),
    "ServiceAccount": dict(TOP, secrets="*", imagePullSecrets=[{"name": "s"}],
                           automountServiceAccountToken="b"),
    "ClusterRole": dict(TOP, rules=[RULE], aggregationRule={"clusterRoleSelectors": [LABEL_SELECTOR]}),
    "Role": dict(TOP, rules=[RULE]),
    "ClusterRoleBinding": dict(TOP, subjects=[SUBJECT], roleRef=ROLE_REF),
    "RoleBinding": dict(TOP, subjects=[SUBJECT], roleRef=ROLE_REF),
}
GO_TYPES = {"s": "string", "i": "int32", "b": "bool", "q": "IntOrString", "m": "map[string]string"}


def _type_ok(t, v):
    if t == "s":
        return isinstance(v, str)
    if t == "i":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "b":
        return isinstance(v, bool)
    if t == "q":
        return isinstance(v, (int, str)) and not isinstance(v, bool)
    if t == "m":
        return isinstance(v, dict) and all(isinstance(x, (str, int)) and not isinstance(x, bool)
                                           for x in v.values())
    return True


def _walk(schema, v, path, unknown, wrong):
    if v is None or schema == "*":
        return
    if isinstance(schema, list):
        if not isinstance(v, list):
            wrong.append((path, "array"))
            return
        for i, x in enumerate(v):
            _walk(schema[0], x, "%s[%d]" % (path, i), unknown, wrong)
        return
    if isinstance(schema, dict):
        if not isinstance(v, dict):
            wrong.append((path, "object"))
            return
        for k, x in v.items():
            p = k if not path else path + "." + k
            if k not in schema:
                unknown.append(p)
            else:
                _walk(schema[k], x, p, unknown, wrong)
        return
    if not _type_ok(schema, v):
        wrong.append((path, GO_TYPES.get(schema, schema)))


def strict_decode(kind, api_version, obj, mode):
    """Unknown fields and fields of the wrong type in a request's object, as the API
    server's decoder reports them: a wrong type always fails (400); unknown fields fail
    with fieldValidation=Strict (400), become warnings with Warn, pass with Ignore.
    Returns the warnings to send."""
    schema = SCHEMAS.get(kind)
    if schema is None:
        return []
    unknown, wrong = [], []
    _walk(schema, obj, "", unknown, wrong)
    head = '%s in version "%s" cannot be handled as a %s: ' % (kind, api_version.rpartition("/")[2], kind)
    if wrong:
        path, typ = wrong[0]
        raise bad_request(head + "json: cannot unmarshal into Go struct field %s of type %s" % (path, typ))
    if not unknown or mode == "Ignore":
        return []
    if mode == "Strict":
        if len(unknown) == 1:
            raise bad_request(head + 'strict decoding error: unknown field "%s"' % unknown[0])
        raise bad_request(head + "strict decoding error: " +
                          ", ".join('unknown field "%s"' % u for u in unknown))
    return ['unknown field "%s"' % u for u in unknown]


# ---------------------------------------------------------------------------------------
# Required fields and values, as the API server's validation (422 Invalid)

def _probe_causes(p, path):
    if not p:
        return []
    handlers = [k for k in ("httpGet", "tcpSocket", "exec", "grpc") if p.get(k)]
    if not handlers:
        return [(path, "Required value: must specify a handler type")]
    if len(handlers) > 1:
        return [(path + "." + handlers[1], "Forbidden: may not specify more than 1 handler type")]
    g = p.get("httpGet")
    if g and g.get("port") in (None, "", 0):
        return [(path + ".httpGet.port", "Required value")]
    if g and g.get("scheme", "HTTP") not in ("HTTP", "HTTPS"):
        return [(path + ".httpGet.scheme", 'Unsupported value: "%s": supported values: "HTTP", "HTTPS"'
                 % g["scheme"])]
    return []


def _container_causes(c, path, volumes):
    out = []
    if not c.get("name"):
        out.append((path + ".name", "Required value"))
    if not c.get("image"):
        out.append((path + ".image", "Required value"))
    for i, p in enumerate(c.get("ports") or []):
        if not p.get("containerPort"):
            out.append(("%s.ports[%d].containerPort" % (path, i), "Required value"))
    for i, e in enumerate(c.get("env") or []):
        if not e.get("name"):
            out.append(("%s.env[%d].name" % (path, i), "Required value"))
    for i, m in enumerate(c.get("volumeMounts") or []):
        if not m.get("mountPath"):
            out.append(("%s.volumeMounts[%d].mountPath" % (path, i), "Required value"))
        if m.get("name") not in volumes:
            out.append(("%s.volumeMounts[%d].name" % (path, i), 'Not found: "%s"' % m.get("name")))
    for k in ("livenessProbe", "readinessProbe", "startupProbe"):
        out += _probe_causes(c.get(k), path + "." + k)
    return out


def _pod_spec_causes(spec, path):
    out = []
    volumes = set()
    for i, v in enumerate(spec.get("volumes") or []):
        if not v.get("name"):
            out.append(("%s.volumes[%d].name" % (path, i), "Required value"))
        volumes.add(v.get("name"))
        if "hostPath" in v and not (v["hostPath"] or {}).get("path"):
            out.append(("%s.volumes[%d].hostPath.path" % (path, i), "Required value"))
    cs = spec.get("containers") or []
    if not cs:
        out.append((path + ".containers", "Required value"))
    for i, c in enumerate(cs):
        out += _container_causes(c, "%s.containers[%d]" % (path, i), volumes)
    if spec.get("restartPolicy", "Always") != "Always":
        out.append((path + ".restartPolicy", 'Unsupported value: "%s": supported values: "Always"'
                    % spec["restartPolicy"]))
    dp = spec.get("dnsPolicy", "ClusterFirst")
    if dp not in ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"):
        out.append((path + ".dnsPolicy", 'Unsupported value: "%s": supported values: "ClusterFirst", '
                    '"ClusterFirstWithHostNet", "Default", "None"' % dp))
    for i, t in enumerate(spec.get("tolerations") or []):
        op = t.get("operator", "Equal")
        if op not in ("Equal", "Exists"):
            out.append(("%s.tolerations[%d].operator" % (path, i),
                        'Unsupported value: "%s": supported values: "Equal", "Exists"' % op))
        if t.get("effect") not in (None, "", "NoSchedule", "PreferNoSchedule", "NoExecute"):
            out.append(("%s.tolerations[%d].effect" % (path, i),
                        'Unsupported value: "%s": supported values: "NoSchedule", "PreferNoSchedule", '
                        '"NoExecute"' % t["effect"]))
    return out


def _rule_causes(rules, cluster_scoped):
    out = []
    for i, r in enumerate(rules or []):
        p = "rules[%d]" % i
        if not r.get("verbs"):
            out.append((p + ".verbs", "Required value: verbs must contain at least one value"))
        if r.get("nonResourceURLs"):
            if not cluster_scoped:
                out.append((p + ".nonResourceURLs", "Invalid value: %s: namespaced rules cannot apply "
                            "to non-resource URLs" % json.dumps(r["nonResourceURLs"])))
            elif r.get("resources") or r.get("apiGroups"):
                out.append((p + ".nonResourceURLs", "Invalid value: %s: rules cannot apply to both "
                            "regular resources and non-resource URLs" % json.dumps(r["nonResourceURLs"])))
            continue
        if not r.get("apiGroups"):
            out.append((p + ".apiGroups", "Required value: resource rules must supply at least one api group"))
        if not r.get("resources"):
            out.append((p + ".resources", "Required value: resource rules must supply at least one resource"))
    return out


def _binding_causes(obj, cluster_scoped):
    out = []
    ref = obj.get("roleRef") or {}
    kinds = ("ClusterRole",) if cluster_scoped else ("Role", "ClusterRole")
    if ref.get("apiGroup") != "rbac.authorization.k8s.io":
        out.append(("roleRef.apiGroup", 'Unsupported value: "%s": supported values: '
                    '"rbac.authorization.k8s.io"' % ref.get("apiGroup", "")))
    if ref.get("kind") not in kinds:
        out.append(("roleRef.kind", 'Unsupported value: "%s": supported values: %s'
                    % (ref.get("kind", ""), ", ".join('"%s"' % k for k in kinds))))
    if not ref.get("name"):
        out.append(("roleRef.name", "Required value"))
    for i, s in enumerate(obj.get("subjects") or []):
        p = "subjects[%d]" % i
        k = s.get("kind")
        if not s.get("name"):
            out.append((p + ".name", "Required value"))
        if k == "ServiceAccount":
            if s.get("apiGroup"):
                out.append((p + ".apiGroup", 'Unsupported value: "%s": supported values: ""' % s["apiGroup"]))
            if cluster_scoped and not s.get("namespace"):
                out.append((p + ".namespace", "Required value"))
        elif k in ("User", "Group"):
            if s.get("apiGroup") != "rbac.authorization.k8s.io":
                out.append((p + ".apiGroup", 'Unsupported value: "%s": supported values: '
                            '"rbac.authorization.k8s.io"' % s.get("apiGroup", "")))
        else:
            out.append((p + ".kind", 'Unsupported value: "%s": supported values: "ServiceAccount", '
                        '"User", "Group"' % (k or "")))
    return out


def required_causes(kind, obj, old):
    """The (field, message) causes of a 422 for the kinds deploy/ uses."""
    if kind == "DaemonSet":
        spec = obj.get("spec") or {}
        out = []
        if not (spec.get("selector") or {}).get("matchLabels") and \
                not (spec.get("selector") or {}).get("matchExpressions"):
            out.append(("spec.selector", "Invalid value: \"null\": empty selector is invalid for daemonset"))
        tmpl = spec.get("template") or {}
        out += _pod_spec_causes(tmpl.get("spec") or {}, "spec.template.spec")
        return out
    if kind in ("ClusterRole", "Role"):
        return _rule_causes(obj.get("rules"), kind == "ClusterRole")
    if kind in ("ClusterRoleBinding", "RoleBinding"):
        out = _binding_causes(obj, kind == "ClusterRoleBinding")
        if old and old.get("roleRef") != obj.get("roleRef"):
            out.append(("roleRef", "Invalid value: %s: cannot change roleRef" % json.dumps(obj.get("roleRef"))))
        return out
    return []


# ---------------------------------------------------------------------------------------
# RBAC objects -> the bindings apiserver.py's Authorizer evaluates

def subject_key(s, binding_ns):
    k = s.get("kind")
    if k == "User":
        return "user:" + s.get("name", ""), ("User", s.get("name", ""))
    if k == "Group":
        return "group:" + s.get("name", ""), ("Group", s.get("name", ""))
    if k == "ServiceAccount":
        ns = s.get("namespace") or binding_ns or ""
        return ("user:system:serviceaccount:%s:%s" % (ns, s.get("name", "")),
                ("ServiceAccount", "%s/%s" % (s.get("name", ""), ns)))
    return None, None


def stored_bindings(store):
    """Every ClusterRoleBinding and RoleBinding in the store, with the rules of the role it
    refers to (a missing role grants nothing, as in a real cluster)."""
    out = []
    with store.lock:
        crs = store.objs.get("clusterroles") or {}
        roles = store.objs.get("roles") or {}
        pairs = [(b, None) for b in (store.objs.get("clusterrolebindings") or {}).values()]
        pairs += [(b, b["metadata"].get("namespace")) for b in (store.objs.get("rolebindings") or {}).values()]
        for b, ns in pairs:
            ref = b.get("roleRef") or {}
            if ref.get("kind") == "Role":
                role = roles.get((ns, ref.get("name")))
            else:
                role = crs.get(("", ref.get("name")))
            if role is None:
                continue
            rules = copy.deepcopy(role.get("rules") or [])
            if ns is not None:
                for r in rules:
                    r["namespaces"] = [ns]
                    r.pop("nonResourceURLs", None)
            subjects, labels = [], {}
            for s in b.get("subjects") or []:
                key, label = subject_key(s, ns)
                if key:
                    subjects.append(key)
                    labels[key] = label
            out.append({"name": b["metadata"]["name"], "role": ref.get("name"),
                        "bindingKind": "RoleBinding" if ns is not None else "ClusterRoleBinding",
                        "roleKind": ref.get("kind", "ClusterRole"),
                        "subjects": subjects, "labels": labels, "rules": rules})
    return out


# ---------------------------------------------------------------------------------------
# TokenReview and SubjectAccessReview

DEFAULT_AUDIENCE = "https://kubernetes.default.svc.cluster.local"


def token_audiences(t):
    """A scenario token's audiences ("audiences"; default: the API server's own). One
    without the API server's audience is refused by the API server itself, as a token made
    with `kubectl create token --audience ipvstop` is, and valid only in a TokenReview that
    asks for one of its audiences."""
    return list(t.get("audiences") or [DEFAULT_AUDIENCE])


def token_review(spec, tokens):
    """The status of a TokenReview of spec.token against the double's tokens. The answer
    never carries the token (a real server echoes spec back; the double does not, so no
    test artifact ever holds one)."""
    tok = spec.get("token")
    if not isinstance(tok, str) or not tok:
        raise bad_request("token is required for TokenReview in authentication")
    wanted = spec.get("audiences") or [DEFAULT_AUDIENCE]
    for t in tokens:
        if secrets.compare_digest(tok.encode(), t["value"].encode()):
            if t.get("expired"):
                return {"authenticated": False, "user": {},
                        "error": "[invalid bearer token, service account token has expired]"}
            has = token_audiences(t)
            both = [a for a in wanted if a in has]
            if not both:
                return {"authenticated": False, "user": {},
                        "error": "[invalid bearer token, token audiences %s is invalid for the target "
                                 "audiences %s]" % (json.dumps(has), json.dumps(wanted))}
            user = {"username": t["user"], "uid": t.get("uid") or t["name"] + "-uid",
                    "groups": list(t.get("groups") or []) + ["system:authenticated"]}
            return {"authenticated": True, "user": user, "audiences": both}
    return {"authenticated": False, "user": {}, "error": "[invalid bearer token, token lookup failed]"}


def scrub_token_review(body):
    """A TokenReview body as logged: the token replaced by "<redacted>"."""
    if isinstance(body, dict) and isinstance(body.get("spec"), dict) and "token" in body["spec"]:
        body = copy.deepcopy(body)
        body["spec"]["token"] = "<redacted>"
        return body
    if isinstance(body, dict) and "protobufBytes" in body:
        return body
    return {"redacted": True}


def sar_subject(spec):
    """(user, groups) and the attributes dict of a SubjectAccessReview spec."""
    user, groups = spec.get("user") or "", list(spec.get("groups") or [])
    if not user and not groups:
        raise ApiError(422, "Invalid", 'SubjectAccessReview.authorization.k8s.io "" is invalid: '
                       'spec.user: Invalid value: "": at least one of user or group must be specified',
                       {"group": "authorization.k8s.io", "kind": "SubjectAccessReview",
                        "causes": [{"reason": "FieldValueInvalid", "field": "spec.user",
                                    "message": 'Invalid value: "": at least one of user or group must '
                                               'be specified'}]})
    return user, groups


def review_attributes(spec, kind):
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if bool(ra) == bool(nra):
        msg = ('Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes '
               'must be specified')
        raise ApiError(422, "Invalid", '%s.authorization.k8s.io "" is invalid: spec.resourceAttributes: %s'
                       % (kind, msg), {"group": "authorization.k8s.io", "kind": kind,
                                      "causes": [{"reason": "FieldValueInvalid",
                                                  "field": "spec.resourceAttributes", "message": msg}]})
    if ra:
        return {"verb": ra.get("verb", ""), "group": ra.get("group", ""), "resource": ra.get("resource", ""),
                "subresource": ra.get("subresource", ""), "namespace": ra.get("namespace", ""),
                "name": ra.get("name", "")}
    return {"verb": nra.get("verb", ""), "path": nra.get("path", "")}


# ---------------------------------------------------------------------------------------
# Agent pods and node addresses

AGENT_LABEL = "app.kubernetes.io/name"
AGENT_APP = "ipvstop-agent"


def agent_pod(cluster, node, spec):
    """The pod of the ipvstop-agent DaemonSet on a scenario node: spec is the node's
    "agent" entry (true, or {"podIP", "port", "ready", "phase", "name"}). hostNetwork: its IP
    is the node's InternalIP unless podIP says otherwise (a loopback address in tests)."""
    spec = spec if isinstance(spec, dict) else {}
    name = spec.get("name") or "ipvstop-agent-" + node["name"]
    ip = spec.get("podIP") or node["internalIP"]
    port = int(spec.get("port", 9774))
    ready = spec.get("ready", True)
    phase = spec.get("phase", "Running")
    t = time.time() - float(spec.get("ageSeconds", 3600))
    ts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    md = cluster.meta(name, "kube-system", 0,
                      labels={AGENT_LABEL: AGENT_APP, "controller-revision-hash": "6d5f8c7b9",
                              "pod-template-generation": "1"},
                      generateName="ipvstop-agent-")
    md["creationTimestamp"] = ts
    md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": AGENT_APP,
                              "uid": cluster.uid(), "controller": True, "blockOwnerDeletion": True}]
    cond = "True" if ready and phase == "Running" else "False"
    return {"kind": "Pod", "apiVersion": "v1", "metadata": md,
            "spec": {"containers": [{"name": "ipvstop", "image": spec.get("image", "ipvstop:latest"),
                                     "args": ["--serve=:%d" % port, "--node=$(NODE_NAME)"],
                                     "ports": [{"containerPort": port, "hostPort": port, "name": "https",
                                                "protocol": "TCP"}]}],
                     "hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet",
                     "nodeName": node["name"], "serviceAccountName": AGENT_APP,
                     "serviceAccount": AGENT_APP, "restartPolicy": "Always",
                     "priorityClassName": "system-node-critical"},
            "status": {"phase": phase, "hostIP": node["internalIP"], "hostIPs": [{"ip": node["internalIP"]}],
                       "podIP": ip, "podIPs": [{"ip": ip}], "startTime": ts,
                       "conditions": [{"type": "Ready", "status": cond, "lastProbeTime": None,
                                       "lastTransitionTime": ts}],
                       "containerStatuses": [{"name": "ipvstop", "ready": cond == "True",
                                              "restartCount": int(spec.get("restarts", 0)),
                                              "image": spec.get("image", "ipvstop:latest"),
                                              "state": {"running": {"startedAt": ts}}
                                              if phase == "Running" else {"waiting": {"reason": "Pending"}}}]}}


# ---------------------------------------------------------------------------------------
# pods/proxy

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "trailers", "transfer-encoding", "upgrade", "host", "content-length", "authorization"}
UPSTREAM_DROP = (HOP_BY_HOP - {"content-length"}) | {"date"}     # the double sends its own Date


def parse_proxy_name(s):
    """"[scheme:]name[:port]" of a pods/proxy URL -> (scheme, name, port)."""
    parts = s.split(":")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        if parts[0] in ("http", "https"):
            return parts[0], parts[1], ""
        return "", parts[0], parts[1]
    return "", s, ""


def _unreachable(ip, port, err):
    if isinstance(err, ConnectionRefusedError):
        why = "connect: connection refused"
    elif isinstance(err, (socket.timeout, TimeoutError)):
        why = "i/o timeout"
    elif isinstance(err, ssl.SSLError):
        why = "remote error: tls: %s" % (err.reason or "handshake failure").lower().replace("_", " ")
    else:
        why = str(err) or type(err).__name__
    return ApiError(503, "ServiceUnavailable", "error trying to reach service: dial tcp %s:%s: %s"
                    % (ip, port, why), {})


def proxy_to_pod(h, ns, name_field, path, timeout):
    """Forward h's request to the pod's IP (path: what follows /proxy in the URL, as sent);
    stream the answer back. Authorization (and the
    impersonation headers) removed; everything else, the query included, passed on."""
    scheme, pod_name, port = parse_proxy_name(name_field)
    if scheme not in ("", "http", "https"):
        raise bad_request('unsupported scheme "%s" in pod proxy name' % scheme)
    with h.app.store.lock:
        pod = h.app.store.get("pods", ns, pod_name)
    if pod is None:
        raise ApiError(404, "NotFound", 'pods "%s" not found' % pod_name, {"name": pod_name, "kind": "pods"})
    ip = (pod.get("status") or {}).get("podIP")
    if not ip:
        raise ApiError(503, "ServiceUnavailable", 'error trying to reach service: pod "%s" has no IP' % pod_name, {})
    scheme = scheme or "http"
    port = port or ("443" if scheme == "https" else "80")
    if not port.isdigit():
        for c in pod["spec"].get("containers") or []:
            for p in c.get("ports") or []:
                if p.get("name") == port:
                    port = str(p["containerPort"])
        if not port.isdigit():
            raise bad_request('no such port "%s" on pod "%s"' % (port, pod_name))
    target = (path or "/") + (("?" + h.rawquery) if h.rawquery else "")
    headers = {k: v for k, v in h.headers.items()
               if k.lower() not in HOP_BY_HOP and not k.lower().startswith("impersonate-")}
    headers["X-Forwarded-For"] = h.client_address[0]
    h.entry["proxy"] = {"pod": pod_name, "target": "%s://%s:%s" % (scheme, ip, port)}
    if scheme == "https":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE        # as the real API server for pod proxies
        conn = http.client.HTTPSConnection(ip, int(port), timeout=timeout, context=ctx)
    else:
        conn = http.client.HTTPConnection(ip, int(port), timeout=timeout)
    try:
        conn.request(h.command, target, body=h.body or None, headers=headers)
        r = conn.getresponse()
    except (OSError, http.client.HTTPException) as e:
        conn.close()
        raise _unreachable(ip, port, e)
    try:
        _relay(h, r)
    finally:
        conn.close()


def _relay(h, r):
    out = {k: v for k, v in r.getheaders() if k.lower() not in UPSTREAM_DROP}
    h.entry["proxy"]["status"] = r.status
    length = r.getheader("Content-Length")
    chunked = length is None and h.command != "HEAD"
    if chunked:
        out["Transfer-Encoding"] = "chunked"
    h.start(r.status, out)
    if h.command == "HEAD":
        return
    try:
        while True:
            data = r.read(65536) if not chunked else r.read1(65536)
            if not data:
                break
            if chunked:
                h.write_chunk(data)
            else:
                h.wfile.write(data)
    except (OSError, http.client.HTTPException):
        h.abort()              # the pod broke off: so does the answer, as a real proxy's
        return
    if chunked:
        h.end_chunks()
