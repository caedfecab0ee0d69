"""Issue 19: a bootstrap peer given by a name that does not resolve (yet) is not a
configuration error. In a compose or Kubernetes site a node often starts before its bootstrap
peer's name exists; it used to exit 2 ("config error: bootstrap: cannot resolve").

1. A peer whose only bootstrap name never resolves (RFC 6761 .invalid) keeps running, logs each
   failed lookup and the growing delay before the next (1 s, then 2 s), and SIGTERM during the
   wait ends it with exit 0.
2. (root: a private mount namespace) A peer whose bootstrap name is missing from its /etc/hosts
   waits; once the test adds the name there, the next lookup finds it and the peer joins the
   ring through the first peer. Without root or unshare this part is skipped (exit 77 at the
   end)."""

import os
import re
import shutil
import signal
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (P2P_BIN, check, fail, finish, free_port, http_get, run, skip_part, start,  # noqa: E402
                     temp_dir, wait_until)

OVERLAY = "boot.test.example"


def issue(work, ca, name):
    r = run([P2P_BIN, "ca", "issue", "--dir", ca, "--user", f"{name}@{OVERLAY}", "--key-type", "ec",
             "--out", os.path.join(work, name)])
    if r.returncode != 0:
        fail(f"ca issue {name}: {r.stderr}")
    return os.path.join(work, name + ".crt"), os.path.join(work, name + ".key")


def peer_args(work, ca, name, port, metrics, bootstrap=None):
    cert, key = issue(work, ca, name)
    args = [P2P_BIN, "peer", "--overlay", OVERLAY, "--overlay-listen", f"127.0.0.1:{port}",
            "--metrics-listen", f"127.0.0.1:{metrics}", "--cert", cert, "--key", key,
            "--ca", os.path.join(ca, "ca.crt"), "--data-dir", os.path.join(work, name + "-data")]
    return args + (["--bootstrap", bootstrap] if bootstrap else [])


def state(metrics):
    code, body = http_get(f"http://127.0.0.1:{metrics}/status", timeout=2)
    m = re.search(r'"state"\s*:\s*"(\w+)"', body) if code == 200 else None
    return m.group(1) if m else None


def never_resolves(work, ca):
    port, metrics = free_port(), free_port()
    name = "no-such-bootstrap-peer.invalid"
    p = start(peer_args(work, ca, "waiting", port, metrics, f"{name}:{free_port()}"), "waiting", work)
    wait_until(lambda: "looking up again in 2 s" in p.stderr() or not p.alive(), 60,
               "the second failed round of lookups")
    check(p.alive(), f"the peer exited on a bootstrap name that does not resolve:\n{p.output()}")
    err = p.stderr()
    check(err.count(f"cannot resolve '{name}'") >= 2, f"one log line per failed lookup:\n{err}")
    check("looking up again in 1 s" in err, f"the first retry comes after 1 s:\n{err}")
    check("config error" not in err, f"a DNS miss reported as a config error:\n{err}")
    rc = p.stop(timeout=10)
    check(rc == 0, f"SIGTERM while waiting for the bootstrap name: exit {rc}, want 0\n{p.output()}")
    print("ok: a bootstrap name that does not resolve is retried with a growing delay; SIGTERM -> 0")


def resolves_later(work, ca):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        skip_part("the name-appears-later part needs root and unshare (a private /etc/hosts)")
        return
    first_port, first_metrics = free_port(), free_port()
    first = start(peer_args(work, ca, "first", first_port, first_metrics), "first", work)
    wait_until(lambda: state(first_metrics) == "joined", 30, "the first peer to start the overlay")

    hosts = os.path.join(work, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n")
    name = "bootstrap-peer-appears-later"
    metrics = free_port()
    args = peer_args(work, ca, "second", free_port(), metrics, f"{name}:{first_port}")
    # Its own mount namespace with `hosts` as /etc/hosts; exec keeps the PID (SIGTERM reaches it).
    shell = 'mount --bind "$0" /etc/hosts && exec "$@"'
    second = start(["unshare", "--mount", "--", "sh", "-c", shell, hosts, *args], "second", work)
    wait_until(lambda: f"cannot resolve '{name}'" in second.stderr() or not second.alive(), 30,
               "the second peer's first failed lookup")
    check(second.alive(), f"the second peer exited:\n{second.output()}")
    with open(hosts, "a") as f:  # the same file (inode) the bind mount shows
        f.write(f"127.0.0.1 {name}\n")
    wait_until(lambda: state(metrics) == "joined" or not second.alive(), 60,
               "the second peer to join once its bootstrap name resolves")
    check(second.alive(), f"the second peer exited:\n{second.output()}")
    check(f"bootstrap peer {name}:{first_port} resolved to 127.0.0.1" in second.stderr(),
          f"no log line for the resolved name:\n{second.stderr()}")
    for p in (second, first):
        rc = p.stop(timeout=10)
        check(rc == 0, f"exit {rc} after SIGTERM\n{p.output()}")
    print("ok: the peer joins once its bootstrap name appears")


def main():
    work = temp_dir("p2p-bootname-")
    ca = os.path.join(work, "ca")
    r = run([P2P_BIN, "ca", "init", "--overlay", OVERLAY, "--dir", ca, "--key-type", "ec"])
    if r.returncode != 0:
        fail(f"ca init: {r.stderr}")
    never_resolves(work, ca)
    resolves_later(work, ca)
    finish()


if __name__ == "__main__":
    main()
