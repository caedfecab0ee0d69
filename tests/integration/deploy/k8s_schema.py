"""deploy/k8s/ objects checked against the Kubernetes API schema of Debian's python3-kubernetes
(22.6, generated from the Kubernetes 1.22 OpenAPI spec): each API type is a class with its
fields' JSON names and types and the required ones. Checked: apiVersion/kind known, every field
name known at every depth (a typo like `readinesProbe` fails), every value of the right JSON
type, the required fields present. Not checked (a schema of names and types cannot): enum
values (e.g. protocol), formats and ranges, defaults, anything the API server decides."""

import glob
import os

import kubernetes.client as k8s  # python3-kubernetes
import yaml

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


def load_objects(paths):
    """[(file name, object)] of every YAML document in `paths`."""
    objects = []
    for path in paths:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    objects.append((os.path.basename(path), doc))
    return objects


def manifest_files(directory):
    return sorted(glob.glob(os.path.join(directory, "*.yaml")))


def schema_errors(obj):
    """(the model class name, [errors]) of one object; class None when apiVersion/kind is unknown."""
    klass = model_class(obj.get("apiVersion", ""), obj.get("kind", ""))
    if klass is None:
        return None, [f"unknown apiVersion/kind {obj.get('apiVersion')}/{obj.get('kind')}"]
    errors = []
    validate(obj, klass.__name__, obj["kind"], errors)
    return klass.__name__, errors
