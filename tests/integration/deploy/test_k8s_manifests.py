"""Issue 19: deploy/k8s/ (gateways, overlay peers, enrollment server), checked without a cluster.

- Schema: every object against the Kubernetes 1.22 API models of Debian's python3-kubernetes
  (k8s_schema.py: field names at every depth, JSON types, required fields; not enums, formats
  or anything the API server decides). Debian 12 packages no kubeconform/kubeval.
- Across objects, what no schema says: each workload's selector matches its pods; every
  ConfigMap, Secret and PersistentVolumeClaim a pod uses exists, every mount names a volume or
  claim template; a Deployment with a ReadWriteOnce claim has one replica and `Recreate`; the
  peers' StatefulSet has a headless Service that publishes not-ready pods; Services select pods
  and target named container ports; PodDisruptionBudgets cover the gateways and the peers; every
  container GETs /livez (liveness) and /readyz (readiness) on its metrics port; every node's
  data_dir (the image's P2PSIP_DATA_DIR) and the enrollment server's CA directory are on a
  persistent volume; the ConfigMap's enrollment URL names the enrollment Service and port.
- The Secrets: deploy/k8s/make-secrets.sh run here makes the same Secret names and keys as the
  example secrets.yaml; its enrollment HTTPS certificate verifies, against the CA certificate
  the nodes trust, for the host name of the ConfigMap's enrollment URL (openssl verify
  -verify_hostname); the Secret holding the CA key is mounted by the enrollment server's pod
  and by no other; no gateway or peer pod mounts a private key.
- The binary: each pod (gw1, gw2, p2psip-peer-0..2, the enrollment server) is run as its
  container would be, with `--print-config` (its command, its environment with the downward API
  values, the ConfigMap and the made Secrets written to temp dirs in place of their mounts, the
  image's P2PSIP_DATA_DIR): accepted; the gateway's service AoR is its user's; each peer enrolls
  as its pod name with the password of that name; p2psip-peer-0 has no bootstrap peer (it starts
  the overlay), p2psip-peer-N the peers before it, the gateways all peers, always by the stable
  names of the StatefulSet's pods (<pod>.<headless service>:<reload port>).
- Enrollment for real: the enrollment server's script (its mounts as temp dirs, listening on
  loopback) runs with the made Secrets; every node enrolls with its printed settings (the
  ConfigMap's URL, its user, the password its pod mounts, its enroll_ca), the URL's host name
  resolving to loopback through a private /etc/hosts (root: a mount namespace; without root
  this part is skipped and the test ends skipped), so the server is checked by that
  name both for the document and for the enrollment URL the document names (--advertise);
  afterwards the CA key is in no file of the server's data volume (linked, not copied)."""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (P2P_BIN, SOURCE_DIR, check, fail, finish, free_port, run, skip, skip_part,  # noqa: E402
                     start, temp_dir, wait_until)

try:
    import yaml
    from k8s_schema import load_objects, manifest_files, schema_errors  # python3-kubernetes
except ImportError:
    # ctest may run another python3 than Debian's: retry with the system one.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    skip("python3-kubernetes and python3-yaml are needed (scripts/install-deps.sh)")

K8S = os.path.join(SOURCE_DIR, "deploy", "k8s")
METRICS_PORT = 9464
work = temp_dir("p2p-k8s-")


class Pod:
    """One pod a workload makes: a Deployment's (its name) or a StatefulSet's (<name>-<i>)."""

    def __init__(self, workload, name, ordinal=None):
        self.workload, self.name, self.ordinal = workload, name, ordinal
        self.kind = workload["kind"]
        self.labels = workload["spec"]["template"]["metadata"]["labels"]
        self.spec = workload["spec"]["template"]["spec"]
        self.claims = {c["metadata"]["name"]: c for c in workload["spec"].get("volumeClaimTemplates", [])}
        self.container = self.spec["containers"][0]
        cmd = self.container.get("command")
        self.script = self.container["args"][0] if cmd == ["/bin/sh", "-ec"] else None
        m = re.search(r"exec p2psip (\S+)", self.script) if self.script else None
        self.role = m.group(1) if m else self.container.get("args", ["gateway"])[0]


def index(objects):
    by_kind = {}
    for _, o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    return by_kind


def pods_of(by_kind):
    pods = [Pod(d, name) for name, d in by_kind.get("Deployment", {}).items()]
    for name, s in by_kind.get("StatefulSet", {}).items():
        pods += [Pod(s, f"{name}-{i}", i) for i in range(s["spec"]["replicas"])]
    return pods


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_schema(objects):
    for fname, obj in objects:
        klass, errors = schema_errors(obj)
        check(not errors, f"{fname}: {obj.get('kind')} {obj['metadata'].get('name')} matches the Kubernetes "
                          f"1.22 schema ({klass})" + ("" if not errors else ":\n  " + "\n  ".join(errors)))


def check_volumes(pod, by_kind):
    volumes = {v["name"]: v for v in pod.spec.get("volumes", [])}
    for v in volumes.values():
        for kind, key, field in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName"),
                                 ("PersistentVolumeClaim", "persistentVolumeClaim", "claimName")):
            if key in v:
                check(v[key][field] in by_kind.get(kind, {}),
                      f"{pod.name}: volume {v['name']} uses {kind} {v[key][field]}, which is defined")
    for m in pod.container.get("volumeMounts", []):
        check(m["name"] in volumes or m["name"] in pod.claims,
              f"{pod.name}: mount {m['mountPath']} is volume or claim template {m['name']}")
    rwo = [v for v in volumes.values() if "persistentVolumeClaim" in v and "ReadWriteOnce" in
           by_kind["PersistentVolumeClaim"][v["persistentVolumeClaim"]["claimName"]]["spec"]["accessModes"]]
    if pod.kind == "Deployment" and rwo:
        spec = pod.workload["spec"]
        check(spec.get("replicas") == 1 and spec.get("strategy", {}).get("type") == "Recreate",
              f"{pod.name}: a ReadWriteOnce claim, so 1 replica and Recreate (never two pods at once)")


def persistent_mount(pod, path):
    """The mount path of the persistent volume (claim or claim template) that holds `path`."""
    volumes = {v["name"]: v for v in pod.spec.get("volumes", [])}
    for m in pod.container.get("volumeMounts", []):
        persistent = m["name"] in pod.claims or "persistentVolumeClaim" in volumes.get(m["name"], {})
        if persistent and (path == m["mountPath"] or path.startswith(m["mountPath"].rstrip("/") + "/")):
            return m["mountPath"]
    return None


def check_workloads(by_kind, pods):
    for kind in ("Deployment", "StatefulSet"):
        for name, w in by_kind.get(kind, {}).items():
            check(selects(w["spec"]["selector"]["matchLabels"], w["spec"]["template"]["metadata"]["labels"]),
                  f"{kind} {name}: selector matches its pods")
    for pod in pods:
        ports = {p["name"]: p for p in pod.container["ports"]}
        for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
            get = pod.container.get(probe, {}).get("httpGet", {})
            check(get.get("path") == path and get.get("port") in ("metrics", METRICS_PORT)
                  and ports.get("metrics", {}).get("containerPort") == METRICS_PORT,
                  f"{pod.name}: {probe} GETs {path} on the metrics port")
        check_volumes(pod, by_kind)
    for name, s in by_kind.get("StatefulSet", {}).items():
        svc = by_kind.get("Service", {}).get(s["spec"].get("serviceName"), {}).get("spec", {})
        check(svc.get("clusterIP") == "None" and svc.get("publishNotReadyAddresses") is True
              and selects(svc.get("selector"), s["spec"]["template"]["metadata"]["labels"]),
              f"StatefulSet {name}: its serviceName {s['spec'].get('serviceName')} is a headless Service "
              f"selecting its pods, publishing them before they are ready (stable bootstrap names)")
    for name, s in by_kind.get("Service", {}).items():
        matched = [p for p in pods if selects(s["spec"]["selector"], p.labels)]
        check(matched, f"Service {name} selects the pods {[p.name for p in matched]}")
        for port in s["spec"]["ports"]:
            for p in matched:
                names = {cp["name"] for cp in p.container["ports"]}
                check(port["targetPort"] in names, f"Service {name} port {port['name']} -> {p.name}'s {port['targetPort']}")
    covered = set()
    for name, pdb in by_kind.get("PodDisruptionBudget", {}).items():
        matched = {p.name for p in pods if selects(pdb["spec"]["selector"]["matchLabels"], p.labels)}
        check(matched, f"PodDisruptionBudget {name} covers {sorted(matched)}")
        covered |= matched
    nodes = {p.name for p in pods if p.role in ("gateway", "peer")}
    check(nodes <= covered, f"every gateway and peer is under a PodDisruptionBudget: {sorted(nodes - covered)} not")
    check({"gateway", "peer", "enroll-server"} <= {p.role for p in pods},
          f"gateways, peers and the enrollment server: {sorted((p.name, p.role) for p in pods)}")


def image_data_dir():
    with open(os.path.join(SOURCE_DIR, "deploy", "docker", "Dockerfile")) as f:
        return re.search(r"^ENV P2PSIP_DATA_DIR=(\S+)", f.read(), re.M).group(1)


def check_persistence(pods):
    data_dir = image_data_dir()
    for pod in pods:
        if pod.role in ("gateway", "peer"):
            env = {e["name"]: e.get("value") for e in pod.container.get("env", [])}
            path = env.get("P2PSIP_DATA_DIR", data_dir)
        else:
            path = re.search(r"--ca-dir\s+(\S+)", pod.script).group(1)
        check(persistent_mount(pod, path), f"{pod.name} ({pod.role}): {path} is on a persistent volume "
                                           f"({persistent_mount(pod, path)})")


def make_secrets():
    """make-secrets.sh run here: (the made Secrets by name, the CA directory)."""
    out = os.path.join(work, "made")
    r = run([os.path.join(K8S, "make-secrets.sh"), out, "site"], env={"P2PSIP": P2P_BIN}, timeout=60)
    check(r.returncode == 0, f"make-secrets.sh ran{'' if r.returncode == 0 else ': ' + r.stderr}")
    made = load_objects([os.path.join(out, "secrets.yaml")])
    for fname, obj in made:
        klass, errors = schema_errors(obj)
        check(not errors, f"made {obj['metadata']['name']} matches the schema ({klass}) {errors}")
    return {o["metadata"]["name"]: o for _, o in made}, os.path.join(out, "ca")


def check_secrets(by_kind, pods, made, ca_dir):
    example = by_kind["Secret"]
    check({n: sorted(s["stringData"]) for n, s in made.items()} ==
          {n: sorted(s["stringData"]) for n, s in example.items()},
          f"make-secrets.sh makes the Secrets and keys of secrets.yaml: {sorted(made)}")
    with open(os.path.join(ca_dir, "ca.key")) as f:
        ca_key = f.read().strip()
    holders = sorted(n for n, s in made.items() if any(ca_key in v for v in s["stringData"].values()))
    keyed = sorted(n for n, s in made.items() if any("PRIVATE KEY" in v for v in s["stringData"].values()))

    def mounted(pod):
        names = {v["secret"]["secretName"] for v in pod.spec.get("volumes", []) if "secret" in v}
        names |= {src["secret"]["name"] for v in pod.spec.get("volumes", []) if "projected" in v
                  for src in v["projected"]["sources"] if "secret" in src}
        for e in pod.container.get("env", []):
            names |= {e.get("valueFrom", {}).get("secretKeyRef", {}).get("name")} - {None}
        names |= {e["secretRef"]["name"] for e in pod.container.get("envFrom", []) if "secretRef" in e}
        return names
    ca_pods = sorted(p.name for p in pods if set(holders) & mounted(p))
    servers = sorted(p.name for p in pods if p.role == "enroll-server")
    check(holders and ca_pods == servers,
          f"the CA key (Secret {holders}) is mounted by the enrollment server {ca_pods} only")
    for p in pods:
        if p.role in ("gateway", "peer"):
            check(not set(keyed) & mounted(p), f"{p.name} mounts no private key ({sorted(mounted(p))})")
    # The nodes check the server by the enrollment URL's host name against the CA they trust.
    config = yaml.safe_load(next(iter(by_kind["ConfigMap"].values()))["data"]["p2psip.yaml"])
    host, port = re.match(r"https://([^:/]+):(\d+)/", config["enroll"]).groups()
    svc = by_kind["Service"].get(host)
    check(svc and any(p["port"] == int(port) for p in svc["spec"]["ports"])
          and all(selects(svc["spec"]["selector"], p.labels) == (p.role == "enroll-server") for p in pods),
          f"the enrollment URL {config['enroll']} is the enrollment server's Service and port")
    files = {}
    for name, key in (("p2psip-trust", "ca.crt"), ("p2psip-enroll-tls", "tls.crt")):
        files[name] = os.path.join(work, f"{name}-{key}")
        with open(files[name], "w") as f:
            f.write(made[name]["stringData"][key])
    r = run(["openssl", "verify", "-CAfile", files["p2psip-trust"], "-verify_hostname", host, files["p2psip-enroll-tls"]])
    check(r.returncode == 0, f"the enrollment server's HTTPS certificate verifies for {host} against the nodes' "
                             f"trusted CA: {(r.stdout + r.stderr).strip()}")


def pod_files(pod, by_kind, secrets):
    """The pod's mounts as local dirs: {mount path: local dir}, each filled as Kubernetes would."""
    volumes = {v["name"]: v for v in pod.spec.get("volumes", [])}
    root = os.path.join(work, "pods", pod.name)
    mounts = {}
    for m in pod.container.get("volumeMounts", []):
        local = os.path.join(root, m["name"])
        os.makedirs(local, exist_ok=True)
        v = volumes.get(m["name"], {})
        files = by_kind["ConfigMap"][v["configMap"]["name"]]["data"] if "configMap" in v else \
            secrets[v["secret"]["secretName"]]["stringData"] if "secret" in v else {}
        for fname, text in files.items():
            with open(os.path.join(local, fname), "w") as f:
                f.write(text if text.endswith("\n") else text + "\n")
        mounts[m["mountPath"]] = local
    return mounts


def localize(text, mounts):
    for mount, local in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<![\w./-]){re.escape(mount)}(?=[/\s\"']|$)", local, text)
    return text


def pod_env(pod, mounts):
    fields = {"metadata.name": pod.name, "status.podIP": "10.244.1.7"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2PSIP_")}
    env["P2PSIP_DATA_DIR"] = localize(image_data_dir(), mounts)  # the image's ENV
    env["PATH"] = os.path.dirname(P2P_BIN) + ":" + os.environ["PATH"]
    values = {}
    for e in pod.container.get("env", []):
        value = e.get("value") or fields.get(e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath"), "")
        for var, v in values.items():
            value = value.replace(f"$({var})", v)
        values[e["name"]] = value
        env[e["name"]] = localize(value, mounts)
    config = env.get("P2PSIP_CONFIG")
    if config:
        with open(config) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(localize(text, mounts))
    return env


def container_command(pod, mounts, extra):
    if pod.script:
        return ["/bin/sh", "-ec", localize(pod.script, mounts), pod.container["args"][1], *extra]
    return [P2P_BIN, *pod.container["args"], *extra]


def check_config(by_kind, pods, secrets):
    """Each pod's --print-config; returns {pod name: (printed config, mounts)}."""
    printed = {}
    for pod in pods:
        mounts = pod_files(pod, by_kind, secrets)
        r = subprocess.run(container_command(pod, mounts, ["--print-config"]), env=pod_env(pod, mounts),
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, f"{pod.name}: p2psip {pod.role} accepts its configuration"
                                 f"{'' if r.returncode == 0 else ': ' + r.stderr}")
        printed[pod.name] = (yaml.safe_load(r.stdout), mounts)
    statefulsets = by_kind.get("StatefulSet", {})

    def stable_name(entry):
        host, port = entry.rsplit(":", 1)
        pod, _, svc = host.partition(".")
        return any(s["spec"]["serviceName"] == svc and re.fullmatch(rf"{n}-(\d+)", pod)
                   and int(pod.rsplit("-", 1)[1]) < s["spec"]["replicas"]
                   and any(p.get("name") == "reload" and p["containerPort"] == int(port)
                           for p in s["spec"]["template"]["spec"]["containers"][0]["ports"])
                   for n, s in statefulsets.items())
    peer_names = sorted(p.name for p in pods if p.role == "peer")
    for pod in pods:
        c, mounts = printed[pod.name]
        if pod.role == "enroll-server":
            continue
        check(c["data_dir"] == mounts[persistent_mount(pod, image_data_dir())],
              f"{pod.name}: data_dir {c['data_dir']} is its persistent volume")
        check(all(stable_name(b) for b in c["bootstrap"]),
              f"{pod.name}: bootstrap peers by stable names of the peers' pods: {c['bootstrap']}")
        if pod.role == "gateway":
            check(c.get("service_aor") == f"{c['user']}@{c['overlay']}",
                  f"{pod.name}: service AoR {c.get('service_aor')} is its enrollment user's")
            check(sorted(b.split(".")[0] for b in c["bootstrap"]) == peer_names,
                  f"{pod.name}: joins through every peer")
        else:
            want = [f"{pod.workload['metadata']['name']}-{i}" for i in range(pod.ordinal)]
            got = [b.split(".")[0] for b in c["bootstrap"]]
            check(c["user"] == pod.name and got == want,
                  f"{pod.name}: enrolls as {c['user']} (its pod name), joins through {got}: "
                  f"{want or 'nobody (it starts the overlay)'}")
    return printed


def enroll_command(c, https, name):
    """`p2psip enroll` with the node's enrollment settings (the URL's port the server's here), in
    a mount namespace whose /etc/hosts resolves the URL's host name to loopback: the server is
    checked by that name against the node's enroll_ca, for the document's URL and for the
    enrollment URL the document names."""
    host = re.match(r"https://([^:/]+)", c["enroll"]).group(1)
    hosts = os.path.join(work, "hosts")
    with open(hosts, "w") as f:
        f.write(f"127.0.0.1 localhost {host}\n")
    shell = 'mount --bind "$0" /etc/hosts && exec "$@"'
    return ["unshare", "--mount", "--", "sh", "-c", shell, hosts, P2P_BIN, "enroll",
            "--url", re.sub(r":\d+/", f":{https}/", c["enroll"], count=1), "--user", c["user"],
            "--password-file", c["password_file"], "--enroll-ca", c["enroll_ca"],
            "--data-dir", os.path.join(work, "enrolled", name)]


def check_enrollment(pods, printed, made):
    """The enrollment server's script with the made Secrets, on loopback; every node enrolls."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        skip_part("enrolling by the URL's host name needs root and unshare (a private /etc/hosts)")
        return
    server = next(p for p in pods if p.role == "enroll-server")
    _, mounts = printed[server.name]
    https, metrics = free_port(), free_port()
    script = localize(server.script, mounts).replace("0.0.0.0:8443", f"127.0.0.1:{https}") \
        .replace("0.0.0.0:9464", f"127.0.0.1:{metrics}")
    srv = start(["/bin/sh", "-ec", script, "enroll"], "enroll", work,
                env={"PATH": os.path.dirname(P2P_BIN) + ":" + os.environ["PATH"]})
    wait_until(lambda: "certificate sha256" in srv.stdout() or not srv.alive(), 30, "the enrollment server")
    check(srv.alive(), f"the enrollment server runs with the made Secrets{'' if srv.alive() else srv.output()}")
    for pod in pods:
        if pod.role != "enroll-server":
            c, _ = printed[pod.name]
            r = run(enroll_command(c, https, pod.name), timeout=60)
            check(r.returncode == 0, f"{pod.name} enrolls at {c['enroll']} as {c['user']} with the password "
                                     f"its pod mounts, trusting {os.path.basename(c['enroll_ca'])}"
                                     f"{'' if r.returncode == 0 else ': ' + r.stderr}")
    ca_key = made["p2psip-ca"]["stringData"]["ca.key"].strip()
    data = mounts[persistent_mount(server, re.search(r"--ca-dir\s+(\S+)", server.script).group(1))]
    copies = [os.path.join(d, f) for d, _, fs in os.walk(data) for f in fs
              if not os.path.islink(os.path.join(d, f)) and ca_key in open(os.path.join(d, f)).read()]
    check(os.listdir(data) and not copies, f"the CA key is in no file of the server's data volume: {copies}")
    srv.stop()


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set")
    objects = load_objects(manifest_files(K8S))
    check(objects, f"{len(objects)} objects in deploy/k8s")
    check_schema(objects)
    by_kind = index(objects)
    pods = pods_of(by_kind)
    check_workloads(by_kind, pods)
    check_persistence(pods)
    made, ca_dir = make_secrets()
    check_secrets(by_kind, pods, made, ca_dir)
    printed = check_config(by_kind, pods, made)
    check_enrollment(pods, printed, made)
    finish()


if __name__ == "__main__":
    main()
