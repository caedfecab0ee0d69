"""Many callee AoRs for bench/sip/overlay_site (--callees N > 1, issue 18).

One `p2psip gateway` (the "registrar" node, a full overlay peer) is given N static_registrations
CALLEE0..CALLEE{N-1}@DOMAIN -> sip:CALLEEi@UAS and stores them all in the overlay, each signed
with the AoR's own certificate (USER-MATCH, RFC 7904 §3.3), which must also hold the registrar
node's Node-ID (README "Static registrations"). The certificates are kept in a cache directory
between runs: issuing 10,000 takes minutes, storing them a few seconds.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../tests/integration/lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402  (free_port only)
import sipplib  # noqa: E402  (callee_users)


def _issued(prefix):
    return os.path.exists(prefix + ".crt") and os.path.exists(prefix + ".key")


def _registrar_node_id(ca, cache, domain):
    """The registrar node's certificate (made once) and its Node-ID. A new one invalidates the
    AoR certificates (they hold the old Node-ID), so they are issued again."""
    prefix, id_file = os.path.join(cache, "registrar"), os.path.join(cache, "registrar.node-id")
    if _issued(prefix) and os.path.exists(id_file):
        with open(id_file) as f:
            return f.read().strip()
    for leftover in (prefix + ".crt", prefix + ".key"):
        if os.path.exists(leftover):
            os.remove(leftover)
    shutil.rmtree(os.path.join(cache, "callees"), True)
    r = subprocess.run(ca.issue_args(f"registrar@{domain}", prefix), capture_output=True,
                       text=True, timeout=60)
    m = re.search(r"node-id: ([0-9a-f]{32})", r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError(f"ca issue registrar: {r.stderr.strip()[-400:]}")
    with open(id_file, "w") as f:
        f.write(m.group(1) + "\n")
    return m.group(1)


def issue_certs(ca, cache, users, domain, node_id, jobs, log):
    """Issues the missing AoR certificates (user@domain, holding node_id), `jobs` at a time,
    logging progress."""
    out_dir = os.path.join(cache, "callees")
    os.makedirs(out_dir, exist_ok=True)
    todo = [u for u in users if not _issued(os.path.join(out_dir, u))]
    if not todo:
        return
    log(f"issuing {len(todo)} AoR certificates into {out_dir} ({jobs} at a time; kept for "
        f"later runs)")
    running, done, t0 = [], 0, time.monotonic()
    while todo or running:
        while todo and len(running) < jobs:
            user = todo.pop()
            prefix = os.path.join(out_dir, user)
            for leftover in (prefix + ".crt", prefix + ".key"):
                if os.path.exists(leftover):
                    os.remove(leftover)
            running.append((user, subprocess.Popen(ca.issue_args(f"{user}@{domain}", prefix,
                                                                 node_id),
                                                   stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.PIPE)))
        user, proc = running.pop(0)
        if proc.wait(60) != 0:
            raise RuntimeError(f"ca issue {user}@{domain}: {proc.stderr.read().decode()[-400:]}")
        proc.stderr.close()
        done += 1
        if done % 1000 == 0:
            log(f"  {done} certificates issued ({time.monotonic() - t0:.0f} s)")


def cert_args(ca, cache, user):
    prefix = os.path.join(cache, "callees", user)
    return ["--cert", prefix + ".crt", "--key", prefix + ".key", "--ca", ca.root]


def write_config(path, users, domain, uas, cache):
    with open(path, "w") as f:
        f.write("static_registrations:\n")
        for u in users:
            prefix = os.path.join(cache, "callees", u)
            f.write(f"  - aor: {u}@{domain}\n    contact: sip:{u}@{uas}\n"
                    f"    cert: {prefix}.crt\n    key: {prefix}.key\n")


def stored_count(metrics_port):
    """registrations_stored from a node's /status, or None."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/status", timeout=2) as r:
            return int(json.loads(r.read().decode()).get("registrations_stored", 0))
    except (OSError, ValueError):
        return None


def start_registrar(a, ca, cache, bootstrap_port, spawn, wait_for, log):
    """Issues what is missing, starts the registrar node (spawn), waits until it reports every
    AoR stored; returns the user parts."""
    users = sipplib.callee_users(a.callee, a.callees)
    os.makedirs(cache, exist_ok=True)
    node_id = _registrar_node_id(ca, cache, a.domain)
    issue_certs(ca, cache, users, a.domain, node_id, max(1, os.cpu_count() or 1), log)
    config = os.path.join(a.workdir, "registrar.yaml")
    write_config(config, users, a.domain, a.uas, cache)
    mport = harness.free_port()
    prefix = os.path.join(cache, "registrar")
    spawn("registrar", [a.p2psip, "gateway", "--config", config, "--overlay", a.domain,
                        "--sip-listen", f"127.0.0.1:{harness.free_port()}",
                        "--metrics-listen", f"127.0.0.1:{mport}",
                        "--overlay-listen", f"127.0.0.1:{harness.free_port()}",
                        "--bootstrap", f"127.0.0.1:{bootstrap_port}",
                        "--cert", prefix + ".crt", "--key", prefix + ".key", "--ca", ca.root,
                        "--registration-lifetime", "86400",
                        "--data-dir", os.path.join(a.workdir, "registrar-data"),
                        "--log-level", "warn"], a.workdir)
    t0, last = time.monotonic(), [0.0]

    def all_stored():
        n = stored_count(mport)
        if time.monotonic() - last[0] >= 5:
            last[0] = time.monotonic()
            log(f"  registrar: {n if n is not None else '?'} of {len(users)} AoRs stored "
                f"({time.monotonic() - t0:.0f} s)")
        return n == len(users)
    wait_for(all_stored, 120 + len(users) // 20, f"{len(users)} AoRs to be stored")
    log(f"registrar: {len(users)} AoRs stored in {time.monotonic() - t0:.0f} s")
    return users
