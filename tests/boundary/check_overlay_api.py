#!/usr/bin/env python3
"""The overlay library's one public API, checked on the source tree (issue 15).

  check_overlay_api.py users SOURCE_DIR
      No file under gateway/, metrics/, dns/, common/, examples/ (or their tests) includes a
      header of overlay/ other than the public ones ("p2psip/overlay/...").
  check_overlay_api.py public SOURCE_DIR CXX
      The public headers (overlay/include/p2psip/overlay) include only the standard library,
      <uv.h>, each other and common/clock.h / common/expected.h (installed beside them); and
      each one compiles alone from a copy of exactly those files, so no internal header is
      reachable from them.

Exit 0 when clean, 1 with one line per offence.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The code that uses the overlay, and the tests of that code. The overlay's own white-box tests
# and benches (tests/unit/overlay, tests/fuzz/{wire,storage,security}, bench/{overlay,wire,
# storage,security}, tests/integration/wire's sample generator) test its internals by design.
USERS = ("gateway", "metrics", "dns", "common", "examples", "tests/unit/gateway",
         "tests/unit/metrics", "tests/unit/dns", "tests/unit/common", "tests/fuzz/sip",
         "tests/fuzz/dns", "tests/fuzz/metrics", "tests/fuzz/registrar")
SOURCE_EXT = (".h", ".hpp", ".cpp", ".cc", ".c")
PUBLIC_DIR = os.path.join("overlay", "include", "p2psip", "overlay")
COMMON_ALLOWED = ("common/clock.h", "common/expected.h")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def check_users(src):
    bad = []
    for top in USERS:
        for root, _, files in os.walk(os.path.join(src, top)):
            for name in files:
                if not name.endswith(SOURCE_EXT):
                    continue
                path = os.path.join(root, name)
                for _, inc in includes(path):
                    if inc.startswith("overlay/"):
                        bad.append(f"{os.path.relpath(path, src)}: includes internal \"{inc}\" "
                                   f"(use p2psip/overlay/...)")
    return bad


def allowed_public_include(kind, inc):
    if kind == "<":
        return inc == "uv.h" or ("." not in inc and "/" not in inc)  # <uv.h> or <chrono>...
    return (inc.startswith("p2psip/overlay/") and ".." not in inc) or inc in COMMON_ALLOWED


def check_public(src, cxx):
    pub = os.path.join(src, PUBLIC_DIR)
    headers = sorted(h for h in os.listdir(pub) if h.endswith(".h"))
    if not headers:
        return [f"{PUBLIC_DIR}: no public header"]
    bad = []
    for h in headers:
        for kind, inc in includes(os.path.join(pub, h)):
            if not allowed_public_include(kind, inc):
                bad.append(f"{PUBLIC_DIR}/{h}: includes {kind}{inc}{'>' if kind == '<' else kind} "
                           f"(public headers include only the standard library, <uv.h>, "
                           f"p2psip/overlay/*, common/clock.h, common/expected.h)")
    with tempfile.TemporaryDirectory(prefix="p2p-api-") as tmp:
        shutil.copytree(pub, os.path.join(tmp, "p2psip", "overlay"))
        os.makedirs(os.path.join(tmp, "common"))
        for c in COMMON_ALLOWED:
            shutil.copy(os.path.join(src, c), os.path.join(tmp, c))
        for h in headers:
            unit = os.path.join(tmp, f"use_{h}.cpp")
            with open(unit, "w") as f:
                f.write(f'#include "p2psip/overlay/{h}"\n')
            p = subprocess.run([cxx, "-std=c++20", "-fsyntax-only", "-Wall", "-Wextra",
                                "-I", tmp, unit], capture_output=True, text=True)
            if p.returncode != 0:
                first = (p.stderr.strip().splitlines() or ["?"])[0]
                bad.append(f"{PUBLIC_DIR}/{h}: does not compile from the public headers alone: "
                           f"{first}")
    return bad


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("users", "public"):
        print(__doc__)
        return 2
    src = sys.argv[2]
    bad = check_users(src) if sys.argv[1] == "users" else check_public(src, sys.argv[3])
    for line in bad:
        print(f"FAIL: {line}")
    if not bad:
        print(f"ok: {sys.argv[1]}: the overlay's public API boundary holds")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
