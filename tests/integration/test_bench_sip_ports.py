"""bench/sip/sip_throughput --gateway-sip-ports 2 with bench/sip/overlay_site --more-sip-ports
(issue 18: two SIP event loops measured beside one), run for real at a low rate against the
gateway site alone. Checks: the step passes, and the calls of the traced latency step went
through both gateways: the Record-Route of the responses the UACs received names two SIP ports
(UAC i calls port i mod 2). Exits 77 when sipp is not installed."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import finish, require_tools  # noqa: E402
from sip_bench import two_sip_loops  # noqa: E402


def main():
    require_tools("sipp")
    two_sip_loops(["--gateway-sip-ports", "2"], "--more-sip-ports '{more_sip_ports}'",
                  "two gateways")
    finish()


if __name__ == "__main__":
    main()
