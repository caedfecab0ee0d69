"""sip_t1x64_ms reaches Sofia nta (gateway/sip/sip_timers.h; memory per call, issue 18): the real
`p2psip gateway` logs nta's 64*T1 as read back from the agent (nta_agent_get_params): 32000 ms by
default (RFC 3261's 64*T1 with T1 500 ms), 16000 with --sip-t1-ms 250, 5000 from the flag and
from P2PSIP_SIP_T1X64_MS. No timing: the value nta holds, not how long a transaction lingers."""

import os
import re
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, finish, free_port, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-sip-timers-")
sip_tools.set_workdir(work)
_, identity = gateway_identity("gw")
LINE = re.compile(r"SIP listening on .* T1 (\d+) ms, 64\*T1 (\d+) ms")


def nta_timers(name, extra=(), env=None):
    """(T1, 64*T1) as the gateway started with `extra` logs them; the gateway is stopped."""
    proc = start([P2P_BIN, "gateway", "--overlay", DOMAIN,
                  "--sip-listen", f"127.0.0.1:{free_port()}",
                  "--metrics-listen", f"127.0.0.1:{free_port()}",
                  "--overlay-listen", f"127.0.0.1:{free_port()}", *identity,
                  "--data-dir", os.path.join(work, f"{name}-data"), "--log-level", "info",
                  *extra], name, work, env=env)
    wait_until(lambda: LINE.search(proc.output()) or not proc.alive(), 30,
               f"{name}: the SIP listening line")
    m = LINE.search(proc.output())
    proc.stop(10)
    check(m is not None, f"{name}: logs its SIP timers ({proc.output()[-400:]})")
    return int(m.group(1)), int(m.group(2))


check(nta_timers("default") == (500, 32000), "default: nta's 64*T1 is 32000 ms (RFC 3261)")
check(nta_timers("t1", ["--sip-t1-ms", "250"]) == (250, 16000), "T1 250 ms: 64*T1 16000 ms")
check(nta_timers("flag", ["--sip-t1x64-ms", "5000"]) == (500, 5000), "flag: nta takes 5000 ms")
env = dict(os.environ, P2PSIP_SIP_T1X64_MS="5000")
check(nta_timers("env", env=env) == (500, 5000), "environment: nta takes 5000 ms")
finish()
