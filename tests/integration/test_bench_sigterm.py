"""bench/sip/sip_throughput ended by SIGTERM in the middle of a step leaves nothing behind: the
harness (tests/integration/lib/harness.py) turns SIGTERM into sys.exit, so its finally blocks and
atexit end what it started, each of which runs in a session of its own (Kamailio and its
workers, the SIPp UAS and UACs), and remove its work dir. Before, Python's default SIGTERM
killed the script alone and left them all running. Exits 77 when sipp or kamailio is missing."""

import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import check, finish, require_tools, temp_dir, wait_until  # noqa: E402
from sip_bench import BENCH  # noqa: E402

KAMAILIO = "/usr/sbin/kamailio"


def children_of(pid):
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # field 4, ppid
            out.append(int(entry))
    return out


def descendants(pid):
    found, todo = [], [pid]
    while todo:
        for child in children_of(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def command(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def still_running(pids, timeout):
    """The processes of `pids` still running after up to `timeout` s (polled)."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in pids if command(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def main():
    require_tools("sipp")
    if not os.path.exists(KAMAILIO):
        require_tools("kamailio")
    work = temp_dir("bench-sigterm-")
    log_path = os.path.join(work, "sip_throughput.log")
    with open(log_path, "wb") as log:
        bench = subprocess.Popen(
            [sys.executable, f"{BENCH}/sip_throughput", "--sut", "kamailio", "--kamailio", KAMAILIO,
             "--start-rate", "12", "--max-steps", "1", "--step-seconds", "300", "--uacs", "2",
             "--overload-factors", ""], stdout=log, stderr=subprocess.STDOUT)
    try:
        # In the step: Kamailio, the UAS and both UACs are running.
        wait_until(lambda: sum("-r 6.000" in command(p) for p in descendants(bench.pid)) == 2,
                   120, "the step's two SIPp UACs")
        started = descendants(bench.pid)
        names = sorted({os.path.basename(command(p).split(" ", 1)[0]) for p in started})
        print(f"  started by sip_throughput: {len(started)} processes ({', '.join(names)})")
        check("kamailio" in names and "sipp" in names, "Kamailio and SIPp run under the harness")
        bench.send_signal(signal.SIGTERM)
        rc = bench.wait(60)
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait(10)
    with open(log_path, errors="replace") as f:
        out = f.read()
    print(out[-1500:], flush=True)
    left = still_running(started, 30)
    for pid in left:  # ours through the harness: end them so that a failure leaves nothing
        os.kill(pid, signal.SIGKILL)
    check(rc == 128 + signal.SIGTERM, f"sip_throughput exits {128 + signal.SIGTERM} on SIGTERM (rc {rc})")
    check(not left, f"none of its {len(started)} processes is left "
          f"(left: {[command(p)[:60] for p in left]})")
    m = re.search(r"^work dir (\S+);", out, re.M)
    check(m is not None and not os.path.exists(m.group(1)),
          f"its work dir is removed ({m.group(1) if m else 'not named'})")
    finish()


if __name__ == "__main__":
    main()
