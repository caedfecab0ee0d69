"""Running bench/sip/sip_throughput at a low rate from a test (bench_sip_callees,
bench_sip_ports): the common flags, the checks on its exit and work dir, the traced step."""

import atexit
import os
import re
import shutil
import sys

from harness import SOURCE_DIR, check, run

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
