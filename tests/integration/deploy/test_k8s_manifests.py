"""Issue 19: deploy/k8s/ manifests, checked without a cluster.

Debian 12 packages no kubeconform/kubeval and no Kubernetes JSON schema. It does package the
Kubernetes Python client (python3-kubernetes 22.6, generated from the Kubernetes 1.22 OpenAPI
spec): each API type is a class with its fields' JSON names and types and the required ones.
So every object is checked against that schema: apiVersion/kind known, every field name known
at every depth (a typo like `readinesProbe` fails), every value of the right JSON type, the
required fields present. Not checked (a schema of field names and types cannot): enum values
(e.g. protocol), formats and ranges, defaults; nor anything a server decides (admission,
quotas). Then what no schema says, across objects: each Deployment's selector matches its pod
labels; each Service selects some pods and its target ports are named container ports; the
PodDisruptionBudget selects the gateways; every ConfigMap/Secret a pod mounts is defined;
probes use /livez and /readyz on the metrics port; and the configuration is accepted by the
binary: `p2psip gateway --print-config` with the ConfigMap's file and each Deployment's
environment, the mounted ConfigMap and Secrets written to a temp dir in place of their mount
paths."""

import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import P2P_BIN, SOURCE_DIR, check, fail, finish, skip, temp_dir  # noqa: E402

try:
    import kubernetes.client as k8s  # python3-kubernetes
    import yaml
except ImportError:
    # ctest may run another python3 than Debian's: retry with the system one.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    skip("python3-kubernetes and python3-yaml are needed (scripts/install-deps.sh)")

K8S = os.path.join(SOURCE_DIR, "deploy", "k8s")
PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object,
              "datetime": str, "date": str}


def model_class(api_version, kind):
    group, _, version = api_version.rpartition("/")
    prefix = "".join(w.capitalize() for w in group.split(".")[0].split("-")) if group else ""
    name = f"{prefix}{version.capitalize()}{kind}" if prefix else f"{version.capitalize()}{kind}"
    return getattr(k8s, name, None) or getattr(k8s, f"{version.capitalize()}{kind}", None)


def validate(value, type_name, path, errors):
    if type_name.startswith("list["):
        if not isinstance(value, list):
            errors.append(f"{path}: a list expected")
            return
        for i, v in enumerate(value):
            validate(v, type_name[5:-1], f"{path}[{i}]", errors)
        return
    if type_name.startswith("dict("):
        if not isinstance(value, dict):
            errors.append(f"{path}: a map expected")
            return
        inner = type_name[5:-1].split(", ", 1)[1]
        for k, v in value.items():
            validate(v, inner, f"{path}.{k}", errors)
        return
    if type_name in PRIMITIVES:
        want = PRIMITIVES[type_name]
        if value is not None and (not isinstance(value, want) or
                                  (type_name == "int" and isinstance(value, bool))):
            errors.append(f"{path}: {type_name} expected, got {value!r}")
        return
    klass = getattr(k8s, type_name)
    if not isinstance(value, dict):
        errors.append(f"{path}: an object ({type_name}) expected")
        return
    by_json = {j: p for p, j in klass.attribute_map.items()}
    for key, v in value.items():
        if key not in by_json:
            errors.append(f"{path}.{key}: no such field in {type_name}")
            continue
        validate(v, klass.openapi_types[by_json[key]], f"{path}.{key}", errors)
    # Required fields: the generated constructor refuses None for them.
    try:
        klass(**{by_json[k]: v for k, v in value.items() if k in by_json})
    except ValueError as e:
        errors.append(f"{path}: {e}")


def load_objects():
    objects = []
    for path in sorted(glob.glob(os.path.join(K8S, "*.yaml"))):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    objects.append((os.path.basename(path), doc))
    return objects


def check_schema(objects):
    for fname, obj in objects:
        where = f"{fname}: {obj.get('kind')} {obj.get('metadata', {}).get('name')}"
        klass = model_class(obj.get("apiVersion", ""), obj.get("kind", ""))
        if klass is None:
            fail(f"{where}: unknown apiVersion/kind {obj.get('apiVersion')}/{obj.get('kind')}")
        errors = []
        validate(obj, klass.__name__, obj["kind"], errors)
        check(not errors, f"{where} matches the Kubernetes 1.22 schema ({klass.__name__})"
                          + ("" if not errors else ":\n  " + "\n  ".join(errors)))


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_references(objects):
    by_kind = {}
    for _, o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    deployments = by_kind.get("Deployment", {})
    check(len(deployments) >= 2, f"a Deployment per gateway: {sorted(deployments)}")
    pods = {}
    for name, d in deployments.items():
        spec = d["spec"]
        labels = spec["template"]["metadata"]["labels"]
        check(selects(spec["selector"]["matchLabels"], labels), f"{name}: selector matches its pods")
        pod = spec["template"]["spec"]
        pods[name] = (labels, pod)
        c = pod["containers"][0]
        ports = {p["name"]: p for p in c["ports"]}
        for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
            get = c.get(probe, {}).get("httpGet", {})
            check(get.get("path") == path and get.get("port") in ("metrics", 9464)
                  and ports.get("metrics", {}).get("containerPort") == 9464,
                  f"{name}: {probe} GETs {path} on the metrics port")
        for v in pod["volumes"]:
            for kind, key, field in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName")):
                if key in v:
                    check(v[key][field] in by_kind.get(kind, {}),
                          f"{name}: volume {v['name']} uses {kind} {v[key][field]}, which is defined")
    for name, s in by_kind.get("Service", {}).items():
        matched = [d for d, (labels, _) in pods.items() if selects(s["spec"]["selector"], labels)]
        check(matched, f"Service {name} selects the pods of {matched}")
        for p in s["spec"]["ports"]:
            for d in matched:
                names = {cp["name"] for cp in pods[d][1]["containers"][0]["ports"]}
                check(p["targetPort"] in names, f"Service {name} port {p['name']} -> {d}'s {p['targetPort']}")
    pdbs = by_kind.get("PodDisruptionBudget", {})
    check(pdbs, "a PodDisruptionBudget")
    for name, pdb in pdbs.items():
        sel = pdb["spec"]["selector"]["matchLabels"]
        matched = sorted(d for d, (labels, _) in pods.items() if selects(sel, labels))
        check(matched == sorted(deployments), f"PodDisruptionBudget {name} covers {matched}")
    return by_kind, pods


def check_config(by_kind, pods):
    """`p2psip gateway --print-config` with each pod's mounts written to a temp dir."""
    work = temp_dir("p2p-k8s-")
    for name, (_, pod) in pods.items():
        c = pod["containers"][0]
        volumes = {v["name"]: v for v in pod["volumes"]}
        root = os.path.join(work, name)
        mounts = {}
        for m in c["volumeMounts"]:
            v = volumes[m["name"]]
            local = os.path.join(root, m["name"])
            os.makedirs(local, exist_ok=True)
            if "configMap" in v:
                files = by_kind["ConfigMap"][v["configMap"]["name"]]["data"]
            elif "secret" in v:
                files = by_kind["Secret"][v["secret"]["secretName"]]["stringData"]
            else:
                files = {}
            for fname, text in files.items():
                with open(os.path.join(local, fname), "w") as f:
                    f.write(text)
            mounts[m["mountPath"]] = local

        def local_path(text):
            for mount, local in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
                text = text.replace(mount + "/", local + "/")
            return text
        env = {k: v for k, v in os.environ.items() if not k.startswith("P2PSIP_")}
        values = {"POD_IP": "10.244.1.7"}
        for e in c["env"]:
            value = e.get("value", values.get(e["name"], ""))
            for var, v in values.items():
                value = value.replace(f"$({var})", v)
            values[e["name"]] = value
            if e["name"].startswith("P2PSIP_"):
                env[e["name"]] = local_path(value)
        config = env.pop("P2PSIP_CONFIG")
        with open(config) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(local_path(text))
        r = subprocess.run([P2P_BIN, *c["args"], "--config", config, "--print-config"], env=env,
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, f"{name}: p2psip {c['args'][0]} accepts the ConfigMap and its "
                                 f"environment{'' if r.returncode == 0 else ': ' + r.stderr}")
        printed = yaml.safe_load(r.stdout)
        user = values["P2PSIP_USER"]
        check(printed.get("service_aor") == values["P2PSIP_SERVICE_AOR"] == f"{user}@{printed.get('overlay')}",
              f"{name}: service AoR {printed.get('service_aor')} is its enrollment user's")


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set")
    objects = load_objects()
    check(objects, f"{len(objects)} objects in deploy/k8s")
    check_schema(objects)
    by_kind, pods = check_references(objects)
    check_config(by_kind, pods)
    finish()


if __name__ == "__main__":
    main()
