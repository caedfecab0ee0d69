"""bench/sip/sip_throughput --gateway-sip-workers 2 with bench/sip/overlay_site --sip-workers
(issue 18: one gateway process running two SIP workers, `sip_workers: 2`, worker k on
sip_listen's port + k), run for real at a low rate against the gateway site alone. Checks: the
step passes (each dialog's ACK and BYE came back to the worker of its INVITE), and the calls of
the traced latency step went through both workers: the Record-Route of the responses the UACs
received names two SIP ports (UAC i calls port i mod 2), and they are consecutive (one process,
workers on port + k). Exits 77 when sipp is not installed."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import check, finish, require_tools  # noqa: E402
from sip_bench import two_sip_loops  # noqa: E402


def main():
    require_tools("sipp")
    ports = two_sip_loops(["--gateway-sip-workers", "2"], "--sip-workers {sip_workers}",
                          "two SIP workers of one gateway")
    check(ports[1] == ports[0] + 1,
          f"the two workers' Record-Route ports are consecutive ({ports})")
    finish()


if __name__ == "__main__":
    main()
