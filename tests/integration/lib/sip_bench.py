"""Running bench/sip/sip_throughput at a low rate from a test (bench_sip_callees,
bench_sip_ports, bench_sip_workers): the common flags, the checks on its exit and work dir, the
traced step, and the two-SIP-loop run the last two share."""

import atexit
import os
import re
import shutil
import sys

from harness import P2P_BIN, SOURCE_DIR, check, run

BENCH = os.path.join(SOURCE_DIR, "bench/sip")


def run_sip_throughput(extra, what):
    """Runs sip_throughput with --keep, one 3 s step at 12 calls/s, no overload phase, plus
    `extra`; checks it exits 0 and names its work dir (removed at exit). Returns (output, dir)."""
    r = run([sys.executable, f"{BENCH}/sip_throughput", "--keep", "--start-rate", "12",
             "--max-steps", "1", "--step-seconds", "3", "--pause", "0.2", "--overload-factors", "",
             "--gateway-startup", "120", "--gateway-ready-text", "overlay site ready", *extra],
            timeout=300)
    out = r.stdout + r.stderr
    print(out[-3000:], flush=True)
    check(r.returncode == 0, f"{what} exits 0")
    m = re.search(r"^work dir (\S+);", out, re.M)
    check(m is not None, "it names its work dir")
    kept = m.group(1)
    atexit.register(shutil.rmtree, kept, True)  # --keep kept it for the checks
    return out, kept


def traced_messages(kept, sut):
    """The SIPp message traces of `sut`'s latency step (6 calls/s, half of the passing 12), as
    one text; checks that there is exactly one such step."""
    traced = [d for d in os.listdir(kept) if d.startswith(f"{sut}-6-")]
    check(len(traced) == 1, f"{sut}: one traced latency step at 6 calls/s")
    stepdir = os.path.join(kept, traced[0]) if traced else kept
    text = ""
    for name in sorted(os.listdir(stepdir)):
        if name.startswith("msg"):
            with open(os.path.join(stepdir, name), errors="replace") as f:
                text += f.read()
    return text


def two_sip_loops(flags, site_options, what):
    """sip_throughput `flags` (the gateway alone, 2 UACs) against bench/sip/overlay_site with
    `site_options` (which make it serve two SIP ports, placeholders left to sip_throughput).
    Checks that the 12 calls/s step passed and that the Record-Route of the responses the UACs
    received in the traced step names two SIP ports (UAC i calls port i mod 2). Returns those
    ports, sorted."""
    site = (f"{BENCH}/overlay_site --p2psip {P2P_BIN} --workdir {{workdir}}/site "
            f"--domain {{domain}} --callee {{callee}} --uas {{uas}} --sip-port {{sip_port}} "
            f"--metrics-port {{metrics_port}} --overlay-port {{overlay_port}} "
            f"{site_options} -- --trusted-network 127.0.0.1/32")
    out, kept = run_sip_throughput(["--sut", "gateway", *flags, "--uacs", "2",
                                    "--gateway-cmd", site], f"sip_throughput {' '.join(flags)}")
    check(re.search(r"^\| gateway \| 12 \|", out, re.M) is not None,
          f"the gateway site's 12 calls/s step passed on {what}")
    ports = sorted({int(p) for p in re.findall(r"^Record-Route:\s*<sip:[^>]*?:(\d+)[;>]",
                                               traced_messages(kept, "gateway"), re.M)})
    check(len(ports) == 2, f"the traced calls went through {what} (Record-Route ports {ports})")
    return ports
