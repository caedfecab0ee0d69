"""bench/sip/sip_throughput --gateway-sip-ports 2 with bench/sip/overlay_site --more-sip-ports
(issue 18: two SIP event loops measured beside one), run for real at a low rate against the
gateway site alone. Checks: the step passes, and the calls of the traced latency step went
through both gateways: the Record-Route of the responses the UACs received names two SIP ports
(UAC i calls port i mod 2). Exits 77 when sipp is not installed."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import P2P_BIN, check, finish, require_tools  # noqa: E402
from sip_bench import BENCH, run_sip_throughput, traced_messages  # noqa: E402


def main():
    require_tools("sipp")
    site = (f"{BENCH}/overlay_site --p2psip {P2P_BIN} --workdir {{workdir}}/site --domain {{domain}} "
            f"--callee {{callee}} --uas {{uas}} --sip-port {{sip_port}} "
            f"--metrics-port {{metrics_port}} --overlay-port {{overlay_port}} "
            f"--more-sip-ports '{{more_sip_ports}}' -- --trusted-network 127.0.0.1/32")
    out, kept = run_sip_throughput(["--sut", "gateway", "--gateway-sip-ports", "2", "--uacs", "2",
                                    "--gateway-cmd", site], "sip_throughput --gateway-sip-ports 2")
    check(re.search(r"^\| gateway \| 12 \|", out, re.M) is not None,
          "the gateway site's 12 calls/s step passed on two SIP ports")
    # The ports of the Record-Route entries in the traced step's messages.
    ports = set(re.findall(r"^Record-Route:\s*<sip:[^>]*?:(\d+)[;>]", traced_messages(kept, "gateway"),
                           re.M))
    check(len(ports) == 2, f"the traced calls went through two gateways (Record-Route ports {sorted(ports)})")
    finish()


if __name__ == "__main__":
    main()
