"""bench/sip/sip_throughput --gateway-sip-ports 2 with bench/sip/overlay_site --more-sip-ports
(issue 18: two SIP event loops measured beside one), run for real at a low rate against the
gateway site alone. Checks: the step passes, and the calls of the traced latency step went
through both gateways: the Record-Route of the responses the UACs received names two SIP ports
(UAC i calls port i mod 2). Exits 77 when sipp is not installed."""

import atexit
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import P2P_BIN, SOURCE_DIR, check, finish, require_tools, run  # noqa: E402


def record_route_ports(stepdir):
    """The ports of the Record-Route entries in the messages of a traced step."""
    ports = set()
    for name in os.listdir(stepdir):
        if name.startswith("msg"):
            with open(os.path.join(stepdir, name), errors="replace") as f:
                ports |= set(re.findall(r"^Record-Route:\s*<sip:[^>]*?:(\d+)[;>]", f.read(), re.M))
    return ports


def main():
    require_tools("sipp")
    bench = os.path.join(SOURCE_DIR, "bench/sip")
    site = (f"{bench}/overlay_site --p2psip {P2P_BIN} --workdir {{workdir}}/site --domain {{domain}} "
            f"--callee {{callee}} --uas {{uas}} --sip-port {{sip_port}} "
            f"--metrics-port {{metrics_port}} --overlay-port {{overlay_port}} "
            f"--more-sip-ports '{{more_sip_ports}}' -- --trusted-network 127.0.0.1/32")
    r = run([sys.executable, f"{bench}/sip_throughput", "--sut", "gateway", "--keep",
             "--gateway-sip-ports", "2", "--uacs", "2", "--start-rate", "12", "--max-steps", "1",
             "--step-seconds", "3", "--pause", "0.2", "--overload-factors", "",
             "--gateway-startup", "120", "--gateway-ready-text", "overlay site ready",
             "--gateway-cmd", site], timeout=300)
    out = r.stdout + r.stderr
    print(out[-3000:], flush=True)
    check(r.returncode == 0, "sip_throughput --gateway-sip-ports 2 exits 0")
    m = re.search(r"^work dir (\S+);", out, re.M)
    check(m is not None, "it names its work dir")
    kept = m.group(1)
    atexit.register(shutil.rmtree, kept, True)  # --keep kept it for the checks below
    check(re.search(r"^\| gateway \| 12 \|", out, re.M) is not None,
          "the gateway site's 12 calls/s step passed on two SIP ports")
    traced = [d for d in os.listdir(kept) if d.startswith("gateway-6-")]
    check(len(traced) == 1, "one traced latency step at 6 calls/s")
    ports = record_route_ports(os.path.join(kept, traced[0]))
    check(len(ports) == 2, f"the traced calls went through two gateways (Record-Route ports {sorted(ports)})")
    finish()


if __name__ == "__main__":
    main()
