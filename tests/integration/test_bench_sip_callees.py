"""bench/sip/sip_throughput --callees (issue 18: the lookup cache missing on traffic spread over
many AoRs), run for real at a low rate: Kamailio and the gateway site (bench/sip/overlay_site
--callees: 3 peers + the gateway, each AoR stored by `p2psip register`) with 3 callee AoRs.
Checks: both systems pass their warm-up (--warmup-rate 2: every AoR called once, 3 calls per
UAC) and their one step; that step goes on through the AoRs where the warm-up stopped (UAC 0
calls uas0, uas2 in turn: after 3 calls it starts at uas2); the INVITEs of the traced latency
step went to all of uas0, uas1, uas2 and to no other user (each AoR registered at Kamailio and
stored in the overlay, else the calls would fail); the report gives the gateway's lookup-cache
hits and lookups. Exits 77 when sipp or kamailio is not installed."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import P2P_BIN, check, finish, require_tools, temp_dir  # noqa: E402
from sip_bench import BENCH, run_sip_throughput, traced_messages  # noqa: E402

KAMAILIO = "/usr/sbin/kamailio"
CALLEES = 3


def first_callee(kept, step_prefix):
    """The first AoR of UAC 0's injection file in the step directory named step_prefix*."""
    dirs = [d for d in os.listdir(kept) if d.startswith(step_prefix)]
    if len(dirs) != 1:
        return None
    with open(os.path.join(kept, dirs[0], "callees0.csv")) as f:
        lines = f.read().split()
    return lines[1].rstrip(";") if len(lines) > 1 else None


def main():
    require_tools("sipp")
    if not os.path.exists(KAMAILIO):
        require_tools("kamailio")
    work = temp_dir("bench-callees-")
    site = (f"{BENCH}/overlay_site --p2psip {P2P_BIN} --workdir {{workdir}}/site --domain {{domain}} "
            f"--callee {{callee}} --callees {{callees}} --cache-dir {work}/cache --uas {{uas}} "
            f"--sip-port {{sip_port}} --metrics-port {{metrics_port}} "
            f"--overlay-port {{overlay_port}} -- --trusted-network 127.0.0.1/32")
    out, kept = run_sip_throughput(["--callees", str(CALLEES), "--uacs", "2", "--kamailio", KAMAILIO,
                                    "--warmup-rate", "2", "--gateway-cmd", site],
                                   f"sip_throughput --callees {CALLEES}")
    for sut in ("kamailio", "gateway"):
        check(re.search(rf"^warm-up {sut} +2/s: +6 calls, +0 failed ", out, re.M)
              is not None, f"{sut}: its warm-up called each of the {CALLEES} AoRs")
        first = first_callee(kept, f"{sut}-12-")
        check(first == "uas2", f"{sut}: UAC 0's step went on after the warm-up's 3 calls "
                               f"(its first AoR: {first}; uas2 expected)")
        check(re.search(rf"^\| {sut} \| 12 \|", out, re.M) is not None,
              f"{sut}: its 12 calls/s step passed with {CALLEES} callees")
        # The user parts of the Request-URIs of the INVITEs sent in the traced step.
        users = re.findall(r"^INVITE sip:([^@\s]+)@", traced_messages(kept, sut), re.M)
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
