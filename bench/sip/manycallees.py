"""Many callee AoRs for bench/sip/overlay_site (--callees N > 1, issue 18).

Each AoR CALLEE0..CALLEE{N-1}@DOMAIN -> sip:CALLEEi@UAS is stored in the overlay as the single
callee is: by `p2psip register` (a RELOAD client signing with the AoR's own certificate:
USER-MATCH, RFC 7904 §3.3), several at a time, through the peers in turn. The certificates are
kept in a cache directory between runs (issuing one takes ~25 ms here: minutes for 10,000).

(One `p2psip gateway` holding all N as static_registrations was tried first: it sends all N
Stores at once and most time out, then retry together: 908 of 10,000 stored after 2 minutes.)
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sipplib  # noqa: E402  (callee_users)


def _issued(prefix):
    return os.path.exists(prefix + ".crt") and os.path.exists(prefix + ".key")


def _remove_partial(prefix):
    for leftover in (prefix + ".crt", prefix + ".key"):
        if os.path.exists(leftover):
            os.remove(leftover)


def run_pool(commands, jobs, what, log, retries=1):
    """Runs (name, args) commands `jobs` at a time, logging progress every 1000; a failed one
    is run again up to `retries` times. Returns the names that still failed."""
    todo = [(name, args, retries) for name, args in reversed(commands)]
    running, done, failed, t0 = [], 0, [], time.monotonic()
    while todo or running:
        while todo and len(running) < jobs:
            name, args, left = todo.pop()
            running.append((name, args, left, subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                                               stderr=subprocess.PIPE)))
        name, args, left, proc = running.pop(0)
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            if left > 0:
                todo.append((name, args, left - 1))
                continue
            failed.append(name)
            log(f"  {what} {name} failed: {err.decode(errors='replace').strip()[-300:]}")
        done += 1
        if done % 1000 == 0:
            log(f"  {done} {what} ({time.monotonic() - t0:.0f} s)")
    return failed


def cert_prefix(cache, user):
    return os.path.join(cache, "callees", user)


def issue_certs(ca, cache, users, domain, jobs, log):
    """Issues the AoR certificates (user@domain) not in the cache yet."""
    os.makedirs(os.path.join(cache, "callees"), exist_ok=True)
    todo = [u for u in users if not _issued(cert_prefix(cache, u))]
    if not todo:
        return True
    log(f"issuing {len(todo)} AoR certificates into {cache}/callees ({jobs} at a time; kept for "
        f"later runs)")
    for u in todo:
        _remove_partial(cert_prefix(cache, u))
    return not run_pool([(u, ca.issue_args(f"{u}@{domain}", cert_prefix(cache, u)))
                         for u in todo], jobs, "certificates issued", log, retries=0)


def register_all(a, ca, cache, bootstrap_ports, log):
    """Issues what is missing, then stores every AoR with `p2psip register`, `a.register_jobs`
    at a time, through the peers in turn. Returns the user parts, or None on a failure."""
    users = sipplib.callee_users(a.callee, a.callees)
    if not issue_certs(ca, cache, users, a.domain, max(1, os.cpu_count() or 1), log):
        return None
    log(f"registering {len(users)} AoRs ({a.register_jobs} at a time)")
    t0 = time.monotonic()
    commands = []
    for i, u in enumerate(users):
        prefix = cert_prefix(cache, u)
        commands.append((u, [a.p2psip, "register", "--bootstrap",
                             f"127.0.0.1:{bootstrap_ports[i % len(bootstrap_ports)]}",
                             "--cert", prefix + ".crt", "--key", prefix + ".key", "--ca", ca.root,
                             "--timeout", "20", "--lifetime", "86400", f"{u}@{a.domain}",
                             f"sip:{u}@{a.uas}"]))
    if run_pool(commands, a.register_jobs, "AoRs registered", log):
        return None
    log(f"{len(users)} AoRs registered in {time.monotonic() - t0:.0f} s")
    return users
