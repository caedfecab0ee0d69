"""bench/sip/sip_throughput --callees (issue 18: the lookup cache missing on traffic spread over
many AoRs), run for real at a low rate: Kamailio and the gateway site (bench/sip/overlay_site
--callees: 3 peers + the gateway, each AoR stored by `p2psip register`) with 3 callee AoRs.
Checks: both systems pass their one step; the INVITEs of the traced latency step went to all of
uas0, uas1, uas2 and to no other user (each AoR registered at Kamailio and stored in the overlay,
else the calls would fail); the report gives the gateway's lookup-cache hits and lookups.
Exits 77 when sipp or kamailio is not installed."""

import atexit
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import P2P_BIN, SOURCE_DIR, check, finish, require_tools, run, temp_dir  # noqa: E402

KAMAILIO = "/usr/sbin/kamailio"
CALLEES = 3


def invite_users(stepdir):
    """The user parts of the Request-URIs of the INVITEs sent in a traced step."""
    users = []
    for name in os.listdir(stepdir):
        if name.startswith("msg"):
            with open(os.path.join(stepdir, name), errors="replace") as f:
                users += re.findall(r"^INVITE sip:([^@\s]+)@", f.read(), re.M)
    return users


def main():
    require_tools("sipp")
    if not os.path.exists(KAMAILIO):
        require_tools("kamailio")
    work = temp_dir("bench-callees-")
    bench = os.path.join(SOURCE_DIR, "bench/sip")
    site = (f"{bench}/overlay_site --p2psip {P2P_BIN} --workdir {{workdir}}/site --domain {{domain}} "
            f"--callee {{callee}} --callees {{callees}} --cache-dir {work}/cache --uas {{uas}} "
            f"--sip-port {{sip_port}} --metrics-port {{metrics_port}} "
            f"--overlay-port {{overlay_port}} -- --trusted-network 127.0.0.1/32")
    r = run([sys.executable, f"{bench}/sip_throughput", "--callees", str(CALLEES), "--keep",
             "--uacs", "2", "--start-rate", "12", "--max-steps", "1", "--step-seconds", "3",
             "--pause", "0.2", "--overload-factors", "", "--kamailio", KAMAILIO,
             "--gateway-startup", "120", "--gateway-ready-text", "overlay site ready",
             "--gateway-cmd", site], timeout=300)
    out = r.stdout + r.stderr
    print(out[-3000:], flush=True)
    check(r.returncode == 0, "sip_throughput --callees 3 exits 0")
    m = re.search(r"^work dir (\S+);", out, re.M)
    check(m is not None, "it names its work dir")
    kept = m.group(1)
    atexit.register(shutil.rmtree, kept, True)  # --keep kept it for the checks below
    for sut in ("kamailio", "gateway"):
        check(re.search(rf"^\| {sut} \| 12 \|", out, re.M) is not None,
              f"{sut}: its 12 calls/s step passed with {CALLEES} callees")
        traced = [d for d in os.listdir(kept) if d.startswith(f"{sut}-6-")]
        check(len(traced) == 1, f"{sut}: one traced latency step at 6 calls/s")
        users = invite_users(os.path.join(kept, traced[0]))
        check(sorted(set(users)) == [f"uas{i}" for i in range(CALLEES)],
              f"{sut}: the {len(users)} INVITEs went to uas0..uas{CALLEES - 1}, and only there "
              f"(called: {sorted(set(users))})")
    m = re.search(r"^gateway lookup cache \(p2psip_lookup_cache_total\): search steps "
                  r"\[lookup cache (\d+) hits / (\d+) lookups", out, re.M)
    check(m is not None and int(m.group(2)) >= 36,
          "the gateway's lookup-cache hits and lookups over its search step are reported "
          f"({m.group(0) if m else 'no such line'})")
    finish()


if __name__ == "__main__":
    main()
