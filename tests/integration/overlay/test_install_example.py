"""Issue 15: the overlay is a library another program can use. `cmake --install` of the build
into a fresh prefix; the installed archive holds no Sofia-SIP symbol; every installed public
header compiles on its own with only the installed include directory; examples/lookup_aor.cpp
builds with `pkg-config --cflags --libs p2psip-overlay` alone (no source tree on its include
path); then, against a real ring of three `p2psip peer` processes, the example joins as a peer
and finds a registration stored by `p2psip register` (exit 0, the contact on stdout) and
finds nothing for an AoR no one registered (exit 1)."""

import glob
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
from harness import (P2P_BIN, check, fail, finish, require_tools, run,  # noqa: E402
                     temp_dir)
import test_overlay_ring  # noqa: E402
from test_overlay_ring import Node, wait_ring  # noqa: E402

OVERLAY = test_overlay_ring.OVERLAY
SOURCE = os.environ.get("P2P_SOURCE_DIR", "")
BUILD = os.environ.get("P2P_BUILD_DIR", "")
SOFIA_PREFIXES = ("su_", "nta_", "tport_", "msg_", "sip_", "sres_", "url_")


def install(prefix):
    r = run(["cmake", "--install", BUILD, "--prefix", prefix], timeout=120)
    check(r.returncode == 0, f"cmake --install: {r.stderr[-2000:]}")
    pcs = glob.glob(os.path.join(prefix, "**", "p2psip-overlay.pc"), recursive=True)
    check(len(pcs) == 1, f"one p2psip-overlay.pc installed: {pcs}")
    return os.path.dirname(pcs[0])


def pkg_config(pc_dir, *args):
    env = dict(os.environ, PKG_CONFIG_PATH=pc_dir)
    r = subprocess.run(["pkg-config", *args, "p2psip-overlay"], capture_output=True, text=True,
                       env=env, timeout=30)
    check(r.returncode == 0, f"pkg-config {' '.join(args)}: {r.stderr}")
    return r.stdout.split()


def check_archive(prefix, libs):
    archives = glob.glob(os.path.join(prefix, "**", "libp2psip-overlay.a"), recursive=True)
    check(len(archives) == 1, f"one libp2psip-overlay.a installed: {archives}")
    r = run(["nm", "-A", archives[0]], timeout=120)
    check(r.returncode == 0, f"nm: {r.stderr[-500:]}")
    sofia = [line for line in r.stdout.splitlines()
             if len(line.split()) >= 2 and line.split()[-1].startswith(SOFIA_PREFIXES)]
    check(not sofia, f"the overlay archive names no Sofia-SIP symbol (first: {sofia[:3]})")
    check("-lp2psip-overlay" in libs, f"pkg-config --libs names the archive: {libs}")


def check_headers_alone(prefix, cflags, work):
    """Each installed public header compiles alone: nothing internal is reachable from it."""
    headers = glob.glob(os.path.join(prefix, "include", "p2psip-overlay", "p2psip", "overlay", "*.h"))
    check(len(headers) >= 3, f"public headers installed: {headers}")
    for h in headers:
        src = os.path.join(work, "one_header.cpp")
        with open(src, "w") as f:
            f.write(f'#include "p2psip/overlay/{os.path.basename(h)}"\nint main() {{ return 0; }}\n')
        r = run(["c++", "-std=c++20", "-fsyntax-only", *cflags, src], timeout=120)
        check(r.returncode == 0, f"{os.path.basename(h)} alone: {r.stderr[-1500:]}")


def build_example(cflags, libs, work):
    exe = os.path.join(work, "lookup_aor")
    # The source file is copied out of the tree: nothing but pkg-config's flags on the path.
    src = os.path.join(work, "lookup_aor.cpp")
    with open(os.path.join(SOURCE, "examples", "lookup_aor.cpp")) as f, open(src, "w") as out:
        out.write(f.read())
    r = run(["c++", "-std=c++20", "-O1", src, *cflags, *libs, "-o", exe], timeout=300)
    check(r.returncode == 0, f"example build: {r.stderr[-3000:]}")
    return exe


def start_ring(work, ca):
    nodes = [Node(work, ca, f"peer{i}") for i in range(3)]
    nodes[0].launch(work)
    for i, n in enumerate(nodes):
        if i:
            n.launch(work, bootstrap=nodes[0])
        deadline = time.monotonic() + 30
        while n.status().get("state") != "joined":
            if time.monotonic() > deadline or not n.proc.alive():
                fail(f"{n.name} did not join: {n.proc.output()[-3000:]}")
            time.sleep(0.1)
    wait_ring(nodes, 60, "three peers")
    return nodes


def main():
    require_tools("cmake", "pkg-config", "c++", "nm")
    if not (P2P_BIN and SOURCE and BUILD):
        fail("P2P_BIN, P2P_SOURCE_DIR and P2P_BUILD_DIR must be set")
    work = temp_dir("p2p-install-")
    prefix = os.path.join(work, "prefix")
    pc_dir = install(prefix)
    cflags, libs = pkg_config(pc_dir, "--cflags"), pkg_config(pc_dir, "--libs")
    check(not any(SOURCE in f for f in cflags + libs), f"flags point into the install only: {cflags}")
    check_archive(prefix, libs)
    check_headers_alone(prefix, cflags, work)
    exe = build_example(cflags, libs, work)

    ca = os.path.join(work, "ca")
    r = run([P2P_BIN, "ca", "init", "--overlay", OVERLAY, "--dir", ca])
    check(r.returncode == 0, f"ca init: {r.stderr}")
    nodes = start_ring(work, ca)
    alice = Node(work, ca, "alice")  # certificate for alice@OVERLAY (register)
    example = Node(work, ca, "example")  # the example program's own peer certificate
    contact = "sip:alice@192.0.2.7:5062"
    r = run([P2P_BIN, "register", "--bootstrap", f"127.0.0.1:{nodes[1].port}", "--cert", alice.cert,
             "--key", alice.key, "--ca", alice.ca, "--lifetime", "600", f"alice@{OVERLAY}", contact],
            timeout=60)
    check(r.returncode == 0, f"p2psip register: {r.stdout} {r.stderr[-1000:]}")

    def lookup(aor):
        return run([exe, OVERLAY, f"127.0.0.1:{nodes[2].port}", example.cert, example.key, example.ca,
                    aor], timeout=90)
    r = lookup(f"sip:alice@{OVERLAY}")
    found = r.returncode == 0 and r.stdout.split() == [contact]
    ring_logs = "" if found else "".join(f"\n--- {n.name}:\n{n.proc.output()[-1500:]}" for n in nodes)
    check(found, f"the installed example joined and found {contact}: exit {r.returncode}, "
          f"stdout {r.stdout!r}, stderr {r.stderr[-1500:]}{ring_logs}")
    r = lookup(f"sip:nobody@{OVERLAY}")
    check(r.returncode == 1 and r.stdout.strip() == "",
          f"no registration: exit 1 and nothing printed (exit {r.returncode}, {r.stdout!r}, "
          f"{r.stderr[-800:]})")
    for n in nodes:
        n.proc.stop()
    finish()


if __name__ == "__main__":
    main()
