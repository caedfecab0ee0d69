"""Shared helpers for integration tests: free loopback ports, processes we start (and end by
PID only), HTTP and SIP probes. Every test imports this as `from harness import *`."""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

P2P_BIN = os.environ.get("P2P_BIN", "")
SOURCE_DIR = os.environ.get("P2P_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))

_started = []  # Popen objects this test started; only these are ever signalled.


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok: {msg}", flush=True)


SKIP_EXIT = 77  # SKIP_RETURN_CODE of every integration test (cmake/P2psip.cmake)


def skip(msg):
    """The test cannot run here (a tool missing, not root, ...): exit 77, which ctest shows as
    skipped and scripts/test.sh counts as a failed run. Never pass on work not done."""
    print(f"SKIP: {msg}", flush=True)
    sys.exit(SKIP_EXIT)


def _require_program(args):
    """skip() when a test tool (a bare program name such as sipp, nsd, openssl) is not
    installed: the test cannot run here. A path (the p2psip binary) must exist: not a skip."""
    prog = str(args[0])
    if "/" not in prog and not shutil.which(prog):
        skip(f"{prog} is not installed (scripts/install-deps.sh installs it)")


def require_tools(*names):
    """skip() unless every named program is on PATH."""
    missing = [n for n in names if not shutil.which(n)]
    if missing:
        skip(f"not installed: {' '.join(missing)} (scripts/install-deps.sh installs them)")


_skipped_parts = []  # parts of this test that could not run (skip_part)


def skip_part(msg):
    """A part of the test cannot run here: the rest goes on, and finish() then exits 77."""
    print(f"SKIP (part): {msg}", flush=True)
    _skipped_parts.append(msg)


def finish(msg="PASS"):
    """The end of a test: exit 77 (skipped) if any part was skipped, else print msg."""
    if _skipped_parts:
        skip("every other check passed, but these parts did not run: " + "; ".join(_skipped_parts))
    print(msg, flush=True)


_handed_out = set()  # ports free_port() already returned: never hand one out twice


def free_port(kind=socket.SOCK_STREAM, also_udp=True):
    """A loopback port free for TCP (and UDP when also_udp) right now, distinct from every port
    this test got before (the kernel may offer a just-closed port again)."""
    for _ in range(200):
        s = socket.socket(socket.AF_INET, kind)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port in _handed_out:
            continue
        if also_udp:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
            finally:
                u.close()
        _handed_out.add(port)
        return port
    fail("no free port")


def _bindable(port):
    """Free for TCP and UDP on loopback right now."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def reserve_ports(ports):
    """Ports used without free_port() (a gateway's SIP workers' block): never handed out."""
    _handed_out.update(ports)


def free_port_block(n, tries=10):
    """A loopback port P such that P .. P+n-1 are all free for TCP and UDP right now (a gateway's
    SIP workers listen on consecutive ports); free_port() hands none of them out later."""
    for _ in range(tries):
        base = free_port()
        more = range(base + 1, base + n)
        if base + n <= 65536 and all(p not in _handed_out and _bindable(p) for p in more):
            reserve_ports(more)
            return base
    fail(f"no {n} consecutive free loopback ports in {tries} tries")


def temp_dir(prefix="p2p-it-"):
    d = tempfile.mkdtemp(prefix=prefix)
    if os.environ.get("P2P_KEEP_TEST_DIRS"):  # for debugging: logs stay behind
        print(f"keeping {d}")
    else:
        atexit.register(shutil.rmtree, d, True)
    return d


class Proc:
    """A process we started, its stdout in log_path and its stderr in err_path (kept apart, so
    a check reads the stream the message really goes to: stdout() or stderr())."""

    def __init__(self, args, log_path, env=None, cwd=None):
        self.args = [str(a) for a in args]
        _require_program(self.args)
        self.log_path = log_path
        self.err_path = log_path + ".stderr"
        self.log = open(log_path, "wb")
        self.err = open(self.err_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.popen = subprocess.Popen(self.args, stdout=self.log, stderr=self.err,
                                      env=full_env, cwd=cwd, start_new_session=True)
        self.pid = self.popen.pid
        _started.append(self)

    def alive(self):
        return self.popen.poll() is None

    @staticmethod
    def _read(path):
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")

    def stdout(self):
        return self._read(self.log_path)

    def stderr(self):
        return self._read(self.err_path)

    def output(self):
        """stdout then stderr, for failure messages only: checks use stdout() or stderr()."""
        out, err = self.stdout(), self.stderr()
        return out + ("\n--- stderr ---\n" + err if err else "")

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=5):
        """SIGTERM, then SIGKILL after timeout. Returns the exit code."""
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            if self.wait(timeout) is None:
                os.kill(self.pid, signal.SIGKILL)
                self.wait(5)
        self.kill_group()
        return self.popen.returncode

    def kill_group(self):
        """SIGKILL whatever is left of the process group this process leads (it was started in
        its own session, so the group holds only its descendants, e.g. Kamailio's workers after
        their main process was killed)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def start(args, name, workdir, env=None):
    return Proc(args, os.path.join(workdir, f"{name}.log"), env=env)


def _cleanup():
    for p in _started:
        try:
            if p.alive():
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)
        except ProcessLookupError:
            pass
        p.kill_group()


atexit.register(_cleanup)


def _exit_on_sigterm(signum, _frame):
    """SIGTERM (whoever started this script ending it by PID): leave through sys.exit, so that
    finally blocks and atexit (_cleanup above) end the processes this script started. Python's
    default would die at once and leave them running, each in a session of its own."""
    sys.exit(128 + signum)


if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:  # a script's own handler stays
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def wait_until(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(interval)
    fail(f"timed out after {timeout}s waiting for {what}")


def tcp_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_get(url, timeout=5):
    """(status, body) for a GET; status 0 when the connection fails."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def run(args, timeout=60, env=None, input=None):
    _require_program(args)
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, env=full_env, input=input)


def sipp_options(target_port, workdir, transport="u1", calls=1, extra=()):
    """Send OPTIONS with SIPp's bundled-scenario-free XML; returns the CompletedProcess."""
    scenario = os.path.join(SOURCE_DIR, "tests/integration/scenarios/options.xml")
    local = free_port()
    args = ["sipp", "-sf", scenario, "-i", "127.0.0.1", "-p", str(local), "-t", transport,
            "-m", str(calls), "-r", "50", "-timeout", "15", "-timeout_error", "-nostdin",
            "-trace_err", "-error_file", os.path.join(workdir, "sipp-errors.log"),
            f"127.0.0.1:{target_port}", *extra]
    return run(args, timeout=60)
