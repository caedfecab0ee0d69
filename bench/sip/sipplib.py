"""SIPp plumbing for bench/sip/sip_throughput: the callee (UAS), registrations, one load step
with several UAC instances, and the read-out of SIPp's statistics, its message trace (call-setup
latency) and the CPU time of the processes involved. Processes are started and ended by PID
through tests/integration/lib/harness.py."""

import os
import re
import resource
import time
import urllib.request

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
UAC_XML = os.path.join(HERE, "uac.xml")
UAS_XML = os.path.join(HERE, "uas.xml")
REGISTER_XML = os.path.join(HERE, "register.xml")
OPTIONS_XML = os.path.join(HERE, "options.xml")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _sipp_base(scenario, port):
    return ["sipp", "-sf", scenario, "-i", "127.0.0.1", "-p", str(port), "-t", "u1", "-nostdin"]


def start_uas(workdir):
    """One SIPp UAS on a free loopback port; returns (Proc, port)."""
    port = harness.free_port()
    args = _sipp_base(UAS_XML, port) + ["-trace_err", "-error_file",
                                        os.path.join(workdir, "uas-errors.log")]
    proc = harness.start(args, "uas", workdir)
    time.sleep(0.3)
    if not proc.alive():
        raise RuntimeError(f"SIPp UAS exited at once:\n{proc.output()[-2000:]}")
    return proc, port


def _one_shot(scenario, target, workdir, name, keys, timeout_s=5):
    port = harness.free_port()
    args = _sipp_base(scenario, port) + ["-m", "1", "-timeout", f"{timeout_s}s", "-timeout_error",
                                         "-trace_err", "-error_file",
                                         os.path.join(workdir, f"{name}-errors.log")]
    for k, v in keys.items():
        args += ["-key", k, str(v)]
    args.append(target)
    r = harness.run(args, timeout=timeout_s + 10)
    return r.returncode == 0


def options_ok(target, domain, workdir, timeout_s=3):
    """True when target (HOST:PORT) answers OPTIONS sip:domain with 200."""
    return _one_shot(OPTIONS_XML, target, workdir, "options", {"domain": domain}, timeout_s)


def register(target, workdir, callee, domain, contact_hostport):
    """REGISTER callee@domain -> sip:callee@contact_hostport at target; True on 200."""
    return _one_shot(REGISTER_XML, target, workdir, "register",
                     {"callee": callee, "domain": domain, "contact_hostport": contact_hostport})


# ---- many callees (issue 18: traffic spread over AoRs, the gateway's lookup cache missing) ----

def callee_users(base, count):
    """The user parts called: [base] for one callee (the harness's original behaviour), else
    base0 .. base{count-1}."""
    return [base] if count <= 1 else [f"{base}{i}" for i in range(count)]


def field_scenario(xml, workdir):
    """A copy of scenario xml in workdir whose callee user part is read per call from an
    injection file (-inf, [field0]) instead of -key callee."""
    path = os.path.join(workdir, "field-" + os.path.basename(xml))
    if not os.path.exists(path):
        with open(xml) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("[callee]", "[field0]"))
    return path


def write_injection(path, users):
    """A SIPp injection file read SEQUENTIALly: one user part a line, in the order given."""
    with open(path, "w") as f:
        f.write("SEQUENTIAL\n" + "".join(f"{u};\n" for u in users))
    return path


def uac_slices(users, uacs):
    """The users UAC i calls, in turn: every uacs-th one from i, so that the UACs, each
    walking its own list, never call one AoR at the same moment."""
    return [users[i::uacs] for i in range(uacs)]


def rotated(items, start):
    """items from index start (modulo their number) round to start - 1."""
    if not items:
        return items
    k = start % len(items)
    return items[k:] + items[:k]


def register_all(target, workdir, users, domain, contact_hostport, rate=500):
    """REGISTER every user@domain -> sip:user@contact_hostport at target (one SIPp run with an
    injection file for several); True when every REGISTER got 200."""
    if len(users) == 1:
        return register(target, workdir, users[0], domain, contact_hostport)
    port = harness.free_port()
    inf = write_injection(os.path.join(workdir, f"register-{port}.csv"), users)
    seconds = len(users) / rate + 30
    args = _sipp_base(field_scenario(REGISTER_XML, workdir), port) + [
        "-inf", inf, "-m", str(len(users)), "-r", str(rate), "-l", str(rate),
        "-timeout", f"{seconds:.0f}s", "-timeout_error", "-trace_err", "-error_file",
        os.path.join(workdir, "register-errors.log"), "-key", "domain", domain,
        "-key", "contact_hostport", contact_hostport, target]
    r = harness.run(args, timeout=seconds + 10)
    return r.returncode == 0


def lookup_cache_counts(metrics_url):
    """(hits, misses) of the gateway's lookup cache from its /metrics (p2psip_lookup_cache_total),
    or None when it cannot be read."""
    try:
        with urllib.request.urlopen(metrics_url, timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    found = dict(re.findall(r'^p2psip_lookup_cache_total\{result="(hit|miss)"\} (\S+)$', text,
                            re.M))
    if len(found) != 2:
        return None
    return int(float(found["hit"])), int(float(found["miss"]))


def one_call(target, workdir, callee, domain):
    """One INVITE/ACK/BYE call through target; True when it completed."""
    return _one_shot(UAC_XML, target, workdir, "probe-call", {"callee": callee, "domain": domain},
                     timeout_s=10)


# ---- CPU accounting -------------------------------------------------------------------------

def group_cpu_seconds(pgid):
    """utime+stime of every live process in process group pgid (a SUT started in its own
    session, with its forked workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def udp_rcvbuf_errors():
    """System-wide count of UDP datagrams dropped because a socket's receive buffer was full
    (/proc/net/snmp Udp RcvbufErrors): the sign of a process that fell behind."""
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def children_cpu_seconds():
    """CPU of every child this process has reaped so far (the UACs of a step, once it ends)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


# ---- SIPp statistics and traces -------------------------------------------------------------

def read_final_stats(path):
    """The cumulative counters of the last line of a -trace_stat CSV, as a dict of ints."""
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    if len(lines) < 2:
        raise RuntimeError(f"{path}: no statistics written")
    names = lines[0].split(";")
    values = lines[-1].split(";")
    wanted = ("OutgoingCall(C)", "SuccessfulCall(C)", "FailedCall(C)", "Retransmissions(C)",
              "FailedTimeoutOnRecv(C)", "FailedUnexpectedMessage(C)", "FailedMaxUDPRetrans(C)",
              "DeadCallMsgs(C)", "WatchdogMajor(C)", "WatchdogMinor(C)")
    out = {n: int(values[names.index(n)]) for n in wanted}
    out["CallRate(C)"] = float(values[names.index("CallRate(C)")])
    return out


_BLOCK = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)$", re.M)


def _epoch(stamp):
    day, clock = stamp.split(" ")
    base = time.mktime(time.strptime(f"{day} {clock.split('.')[0]}", "%Y-%m-%d %H:%M:%S"))
    return base + float("0." + clock.split(".")[1])


def setup_latencies_from_trace(path):
    """Per call: first INVITE sent -> first 200 to that INVITE received, in ms, from a
    -trace_msg file (SIPp stamps each message with gettimeofday, microseconds)."""
    with open(path, errors="replace") as f:
        text = f.read()
    parts = _BLOCK.split(text)
    sent, answered = {}, {}
    for i in range(1, len(parts) - 1, 2):
        when, body = parts[i], parts[i + 1]
        m_cid = re.search(r"^Call-ID:\s*(\S+)", body, re.M | re.I)
        m_cseq = re.search(r"^CSeq:\s*\d+\s+INVITE", body, re.M | re.I)
        if not m_cid or not m_cseq:
            continue
        cid = m_cid.group(1)
        if "message sent" in body[:80] and re.search(r"^INVITE ", body, re.M):
            sent.setdefault(cid, _epoch(when))
        elif "message received" in body[:80] and re.search(r"^SIP/2\.0 200 ", body, re.M):
            answered.setdefault(cid, _epoch(when))
    return [(answered[c] - sent[c]) * 1000.0 for c in answered if c in sent]


def rtd_latencies(path):
    """Response time 1 (INVITE -> 200) from a -trace_rtt CSV, in ms (SIPp's clock tick, which
    is coarse: 4 ms steps were seen on this machine)."""
    out = []
    with open(path) as f:
        for line in f.read().splitlines()[1:]:
            cols = line.split(";")
            if len(cols) >= 3 and cols[2].strip() == "1":
                out.append(float(cols[1]))
    return out


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


# ---- one load step --------------------------------------------------------------------------

class Step:
    """Result of running `rate` calls/s for `seconds` through one SUT with n UACs."""

    def __init__(self, sut, rate, seconds):
        self.sut, self.rate, self.seconds = sut, rate, seconds
        self.attempted = self.succeeded = self.failed = self.retrans = 0
        self.wall = 0.0  # s, first UAC started -> last UAC exited (includes SIPp start-up)
        self.sipp_rate = 0.0  # calls/s, sum over the UACs of SIPp's own CallRate(C)
        self.sut_cpu = self.uac_cpu = self.uas_cpu = 0.0
        self.udp_drops = 0  # system-wide UDP receive-buffer drops during the step
        self.latencies = []  # ms, from -trace_msg when traced
        self.rtd = []  # ms, SIPp response-time 1
        self.detail = {}
        self.cache = None  # (hits, misses) of the gateway's lookup cache during the step

    @property
    def achieved(self):
        """Calls/s the UACs actually placed, by SIPp's own clock (start-up excluded)."""
        return self.sipp_rate

    @property
    def fail_ratio(self):
        return self.failed / self.attempted if self.attempted else 1.0

    def passed(self, max_fail_ratio, min_achieved):
        return (self.attempted > 0 and self.fail_ratio < max_fail_ratio
                and self.achieved >= min_achieved * self.rate
                and self.attempted == self.succeeded + self.failed)


def uac_args(sut, rate, seconds, uacs, stepdir, hold_ms=0, trace=False):
    """The SIPp command lines of the UACs of one step (see run_step). With several callees
    (sut.callees), UAC i reads its callees from its own injection file in stepdir."""
    per_uac = rate / uacs
    calls = max(1, round(per_uac * seconds))
    users = getattr(sut, "callees", None) or [sut.callee]
    slices = uac_slices(users, uacs) if len(users) > 1 else None
    if slices:  # go on where this SUT's previous step stopped (run_step advances it)
        slices = [rotated(s, getattr(sut, "callee_next", 0)) for s in slices]
    targets = getattr(sut, "targets", None) or [sut.target]  # UAC i calls targets[i % n]
    out = []
    for i in range(uacs):
        port = harness.free_port()
        scenario = UAC_XML
        extra = []
        if slices:
            scenario = field_scenario(UAC_XML, os.path.dirname(stepdir))
            extra = ["-inf", write_injection(os.path.join(stepdir, f"callees{i}.csv"),
                                             slices[i] or users)]
        args = _sipp_base(scenario, port) + extra + [
            "-r", f"{per_uac:.3f}", "-rp", "1000", "-m", str(calls),
            "-l", str(max(100, int(per_uac * 10))), "-d", str(hold_ms),
            "-key", "callee", sut.callee, "-key", "domain", sut.domain,
            "-timeout", f"{seconds * 2 + 20}s",
            "-trace_stat", "-stf", os.path.join(stepdir, f"stat{i}.csv"), "-fd", "1",
            "-trace_err", "-error_file", os.path.join(stepdir, f"errors{i}.log")]
        if trace:
            args += ["-trace_msg", "-message_file", os.path.join(stepdir, f"msg{i}.log"),
                     "-trace_rtt", "-rtt_freq", "1"]
        args.append(targets[i % len(targets)])
        out.append(args)
    return out


def run_step(sut, rate, seconds, uacs, workdir, hold_ms=0, trace=False):
    """Drive `rate` calls/s in total for `seconds` through sut (an object with .target,
    .callee, .domain and .pgid) with `uacs` SIPp UAC instances on distinct ports. Returns a
    Step. With trace, every UAC also writes -trace_msg and -trace_rtt for latencies. With
    sut.callees (several user parts) the calls go to them in turn; with sut.metrics_url (the
    gateway's /metrics) step.cache holds its lookup-cache hits and misses over the step."""
    step = Step(sut.name, rate, seconds)
    stepdir = os.path.join(workdir, f"{sut.name}-{rate:g}-{time.monotonic_ns()}")
    os.makedirs(stepdir)
    calls = max(1, round(rate / uacs * seconds))
    cpu_sut0, cpu_uas0, cpu_uac0 = (group_cpu_seconds(sut.pgid) if sut.pgid else 0.0,
                                    group_cpu_seconds(sut.uas_pgid), children_cpu_seconds())
    drops0 = udp_rcvbuf_errors()
    metrics_url = getattr(sut, "metrics_url", None)
    cache0 = lookup_cache_counts(metrics_url) if metrics_url else None
    procs = []
    t0 = time.monotonic()
    for i, args in enumerate(uac_args(sut, rate, seconds, uacs, stepdir, hold_ms, trace)):
        procs.append(harness.Proc(args, os.path.join(stepdir, f"uac{i}.log"), cwd=stepdir))
    for p in procs:
        p.wait(seconds * 3 + 40)
        if p.alive():
            p.stop()
    step.wall = time.monotonic() - t0 - hold_ms / 1000.0
    sut.callee_next = getattr(sut, "callee_next", 0) + calls  # each UAC's next AoR
    step.sut_cpu = (group_cpu_seconds(sut.pgid) - cpu_sut0) if sut.pgid else 0.0
    step.uas_cpu = group_cpu_seconds(sut.uas_pgid) - cpu_uas0
    step.uac_cpu = children_cpu_seconds() - cpu_uac0
    step.udp_drops = udp_rcvbuf_errors() - drops0
    cache1 = lookup_cache_counts(metrics_url) if cache0 else None
    if cache1:
        step.cache = (cache1[0] - cache0[0], cache1[1] - cache0[1])
    for i, p in enumerate(procs):
        try:
            st = read_final_stats(os.path.join(stepdir, f"stat{i}.csv"))
        except (OSError, RuntimeError, ValueError):
            st = {"OutgoingCall(C)": calls, "SuccessfulCall(C)": 0, "FailedCall(C)": calls}
        step.attempted += st.get("OutgoingCall(C)", 0)
        step.succeeded += st.get("SuccessfulCall(C)", 0)
        step.failed += st.get("FailedCall(C)", 0)
        step.retrans += st.get("Retransmissions(C)", 0)
        step.sipp_rate += st.get("CallRate(C)", 0.0)
        for k, v in st.items():
            if k != "CallRate(C)":
                step.detail[k] = step.detail.get(k, 0) + v
    # calls SIPp never finished (killed by -timeout) count as failed
    step.failed += max(0, step.attempted - step.succeeded - step.failed)
    if trace:
        for name in os.listdir(stepdir):
            full = os.path.join(stepdir, name)
            if name.startswith("msg"):
                step.latencies += setup_latencies_from_trace(full)
            elif name.endswith("_rtt.csv"):
                step.rtd += rtd_latencies(full)
    return step
