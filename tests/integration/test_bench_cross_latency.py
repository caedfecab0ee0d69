"""bench/sip/sip_throughput --latency-at-others (issue 18): which latency steps it adds and how
they are reported, with sipplib.run_step replaced by a stub (no SIPp, no SUT: the choice of
rates and the report are what is tested; the traced steps themselves are the ordinary ones).
Checks: with maxima 2,800 (kamailio) and 4,000 (gateway) each SUT runs one extra traced step at
the OTHER's half maximum (kamailio at 2,000, gateway at 1,400); none when the halves are equal;
the appended results carry the table row of each SUT beside its own half maximum."""

import datetime
import importlib.machinery
import importlib.util
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import SOURCE_DIR, check, finish, temp_dir  # noqa: E402

BENCH = os.path.join(SOURCE_DIR, "bench/sip")
sys.path.insert(0, BENCH)
import report  # noqa: E402
import sipplib  # noqa: E402


def load_sip_throughput():
    loader = importlib.machinery.SourceFileLoader("sip_throughput", f"{BENCH}/sip_throughput")
    spec = importlib.util.spec_from_loader("sip_throughput", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class Sut:
    def __init__(self, name):
        self.name = name


def stub_step(calls):
    def run_step(sut, rate, seconds, uacs, workdir, hold_ms=0, trace=False):
        calls.append((sut.name, rate, trace))
        st = sipplib.Step(sut.name, rate, seconds)
        st.attempted = st.succeeded = 10
        st.wall, st.sipp_rate = 1.0, float(rate)
        st.latencies = [0.5, 1.0, 7.5] if sut.name == "kamailio" else [0.5, 1.0, 2.5]
        return st
    return run_step


def main():
    st = load_sip_throughput()
    calls = []
    sipplib.run_step = stub_step(calls)
    st.settle = lambda *a, **k: None
    args = st.parse_args(["--latency-at-others", "--gateway-cmd", "unused"])
    suts = [Sut("kamailio"), Sut("gateway")]
    found = {"kamailio": (2800, []), "gateway": (4000, [])}
    cross = st.run_cross_latency(suts, found, args, temp_dir("cross-"), lambda line: None)
    check(calls == [("kamailio", 2000, True), ("gateway", 1400, True)],
          f"each SUT ran one traced step at the other's half maximum ({calls})")
    calls.clear()
    st.run_cross_latency(suts, {"kamailio": (3000, []), "gateway": (3001, [])}, args,
                         temp_dir("cross-"), lambda line: None)
    check(calls == [], f"no extra step when both half maxima are 1,500 ({calls})")
    own = {s.name: sipplib.run_step(s, found[s.name][0] // 2, 1, 1, "") for s in suts}
    started = datetime.datetime.now(datetime.timezone.utc)
    ctx = report.Context(["--latency-at-others"], started, (0, 0, 0), (0, 0, 0), args, [], {},
                         own, cross_latency=cross)
    path = os.path.join(temp_dir("cross-"), "results.md")
    report.append_results(path, ctx)
    with open(path) as f:
        text = f.read()
    check("| kamailio | 2000 (gateway) |" in text and "| 1400, " in text,
          "the results give kamailio's p99 at the gateway's half maximum beside its own")
    check("| gateway | 1400 (kamailio) |" in text and "| 2000, " in text,
          "the results give the gateway's p99 at kamailio's half maximum beside its own")
    finish()


if __name__ == "__main__":
    main()
