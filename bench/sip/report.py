"""Tables and the bench/RESULTS-sip.md section for bench/sip/sip_throughput."""

import os
import platform
import shlex
import subprocess

import sipplib

HEADER = """# bench/sip: SIP call throughput, gateway next to Kamailio (issue 7)

Harness: `bench/sip/sip_throughput` (`--help` for everything). One SIPp UAS is the callee; each
system under test (SUT) routes INVITE/ACK/BYE for a registered AoR to it with Record-Route, so
the whole dialog goes through the SUT. Several SIPp UACs share the load so that the generator is
not the limit. A step passes with under 0.1% failed calls (timeouts, unexpected replies, calls
left unfinished) and >= 95% of the asked rate sustained; the rate doubles, then bisects to 10%.
Call-setup latency (first INVITE sent -> 200 received, per call, from SIPp's microsecond
`-trace_msg` stamps) is taken in a separate step at half the maximum rate. CPU per call is the
user+system time of the SUT's processes (all Kamailio workers) over the step divided by its
completed calls; it is less sensitive to other load on the machine than calls/s.
Sections below are appended by `--append-results`, newest last.
"""


class Context:
    def __init__(self, argv, started, load_before, load_after, args, skipped, found, latency,
                 notes=(), overload=None, cross_latency=None):
        self.argv, self.started = argv, started
        self.load_before, self.load_after = load_before, load_after
        self.args, self.skipped, self.found, self.latency = args, skipped, found, latency
        self.notes = list(notes)
        self.overload = overload or {}  # {name: [(factor, Step)]}
        # {name: [(other SUT's name, Step at half the other's maximum)]}
        self.cross_latency = cross_latency or {}


def step_line(st, ok, label="step"):
    per = st.sut_cpu / st.succeeded * 1e6 if st.succeeded and st.sut_cpu else 0
    lat = ""
    if st.latencies:
        lat = (f" setup p50 {sipplib.percentile(st.latencies, 50):.2f} ms p99 "
               f"{sipplib.percentile(st.latencies, 99):.2f} ms (n={len(st.latencies)})")
    return (f"{label:7} {st.sut:9} {st.rate:6g}/s: {st.attempted:6d} calls, {st.failed:4d} failed "
            f"({st.fail_ratio * 100:.3f}%), {st.retrans:5d} retrans, {st.udp_drops:4d} UDP drops, "
            f"achieved "
            f"{st.achieved:7.1f}/s, SUT CPU {per:5.0f} us/call -> "
            f"{'pass' if ok else 'FAIL'}{lat}{_cache_note(st.cache)}")


def _warmup_note(a):
    if not getattr(a, "warmup_rate", 0) or a.callees < 2:
        return ""
    return f", each called once at {a.warmup_rate}/s before the searches (not counted)"


def _cache_note(cache):
    if not cache:
        return ""
    hits, misses = cache
    total = hits + misses
    share = f" = {hits / total * 100:.1f}%" if total else ""
    return f" [lookup cache {hits} hits / {total} lookups{share}]"


def cache_lines(ctx):
    """Per SUT whose lookup cache was read (the gateway): its hits and lookups summed over the
    search steps, the latency step and the overload steps."""
    out = []
    for name, (_, steps) in ctx.found.items():
        parts = []
        groups = [("search steps", steps), ("latency step", [ctx.latency.get(name)]),
                  ("overload steps", [st for _, st in ctx.overload.get(name, [])])]
        for label, group in groups:
            counts = [st.cache for st in group if st is not None and st.cache]
            if counts:
                hits, misses = sum(c[0] for c in counts), sum(c[1] for c in counts)
                parts.append(f"{label}{_cache_note((hits, misses))}")
        if parts:
            out.append(f"{name} lookup cache (p2psip_lookup_cache_total): " + "; ".join(parts))
    return out


def goodput(st):
    """Completed calls per second of SIPp's elapsed time (its CallRate covers the whole run,
    the drain of slow calls included)."""
    return st.achieved * st.succeeded / st.attempted if st.attempted else 0.0


def overload_line(st, factor, top):
    return (f"overload {st.sut:9} {factor:g}x {top}/s = {st.rate:g}/s: {st.attempted:6d} calls, "
            f"{st.succeeded:6d} completed, {st.failed:6d} failed, {st.retrans:5d} retrans, "
            f"{st.udp_drops:5d} UDP drops, goodput {goodput(st):7.1f}/s = "
            f"{goodput(st) / top:.2f} of the max")


OVERLOAD_COLUMNS = ["SUT", "max calls/s", "offered", "calls", "completed", "failed (503 or lost)",
                    "goodput calls/s", "goodput / max", "SUT CPU us/completed call"]


def overload_rows(ctx):
    rows = []
    for name, runs in ctx.overload.items():
        top = ctx.found[name][0]
        for factor, st in runs:
            rows.append([name, f"{top}", f"{factor:g}x = {st.rate:g}/s", f"{st.attempted}",
                         f"{st.succeeded}", f"{st.failed}", f"{goodput(st):.0f}",
                         f"{goodput(st) / top:.2f}", _us(st.sut_cpu, st.succeeded)])
    return rows


def _at_max(steps, top):
    for st in steps:
        if st.rate == top and st.passed(0.001, 0.95):
            return st
    return None


def _us(cpu, calls):
    return f"{cpu / calls * 1e6:.0f}" if calls and cpu else "-"


def _ms(values, p):
    return f"{sipplib.percentile(values, p):.2f}" if values else "-"


def summary_rows(ctx):
    """One row per SUT that ran, with the ratio to Kamailio where both ran."""
    rows = []
    kam = ctx.found.get("kamailio", (0, []))
    kam_step = _at_max(kam[1], kam[0])
    for name, (top, steps) in ctx.found.items():
        st = _at_max(steps, top)
        lat = ctx.latency.get(name)
        ratio = "-"
        if name != "kamailio" and kam[0]:
            ratio = f"{top / kam[0]:.2f}"
            if st and kam_step and st.sut_cpu and kam_step.sut_cpu:
                ratio += (f" (CPU/call {(st.sut_cpu / st.succeeded) / (kam_step.sut_cpu / kam_step.succeeded):.2f})")
        rows.append([
            name, f"{top}", " ".join(f"{s.rate:g}{'' if s.passed(0.001, 0.95) else 'x'}"
                                      for s in steps),
            _us(st.sut_cpu, st.succeeded) if st else "-",
            _us(st.uas_cpu, st.succeeded) if st else "-",
            _us(st.uac_cpu, st.succeeded) if st else "-",
            f"{lat.rate:g}" if lat else "-",
            _ms(lat.latencies, 50) if lat else "-", _ms(lat.latencies, 99) if lat else "-",
            f"{_ms(lat.rtd, 50)} / {_ms(lat.rtd, 99)}" if lat else "-",
            f"{lat.failed}/{lat.attempted}" if lat else "-",
            ratio])
    return rows


COLUMNS = ["SUT", "max calls/s (<0.1% failed)", "steps (x = failed)", "SUT CPU us/call",
           "UAS CPU us/call", "UACs CPU us/call", "latency step calls/s", "setup p50 ms",
           "setup p99 ms", "rtd p50 / p99 ms", "latency step failed", "ratio to Kamailio"]


CROSS_COLUMNS = ["SUT", "calls/s (half the maximum of)", "setup p50 ms", "setup p99 ms",
                 "failed", "its own half maximum: calls/s, setup p99 ms"]


def cross_rows(ctx):
    """Each SUT's latency at the other SUTs' half maximum, beside its own (--latency-at-others)."""
    rows = []
    for name, runs in ctx.cross_latency.items():
        own = ctx.latency.get(name)
        mine = f"{own.rate:g}, {_ms(own.latencies, 99)}" if own else "-"
        for other, st in runs:
            rows.append([name, f"{st.rate:g} ({other})", _ms(st.latencies, 50),
                         _ms(st.latencies, 99), f"{st.failed}/{st.attempted}", mine])
    return rows


def _markdown(rows, columns=None):
    columns = columns or COLUMNS
    out = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def summary_table(ctx):
    text = _markdown(summary_rows(ctx)) if ctx.found else "(no SUT ran)"
    if ctx.overload:
        text += "\n\nOverload:\n\n" + _markdown(overload_rows(ctx), OVERLOAD_COLUMNS)
    if ctx.cross_latency:
        text += ("\n\nLatency at the other SUT's half maximum:\n\n"
                 + _markdown(cross_rows(ctx), CROSS_COLUMNS))
    for line in cache_lines(ctx):
        text += f"\n{line}"
    for name, why in ctx.skipped:
        text += f"\nskipped {name}: {why}"
    for note in ctx.notes:
        text += f"\nnote: {note}"
    return text


def _first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        lines = [l.strip() for l in (out.stdout + out.stderr).splitlines() if l.strip()]
        return lines[0].removeprefix("version: ").rstrip(".") if lines else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def machine():
    model = "?"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return f"{model}, `nproc` = {os.cpu_count()}, {platform.system()} {platform.release()}"


def append_results(path, ctx):
    a = ctx.args
    lb, la = ctx.load_before, ctx.load_after
    cmd = "bench/sip/sip_throughput " + " ".join(shlex.quote(x) for x in ctx.argv)
    lines = [
        f"\n## {ctx.started:%Y-%m-%d %H:%M} UTC\n",
        f"Command: `{cmd}`  ",
        f"Machine: {machine()}; load average (1/5/15 min) {lb[0]:.2f}/{lb[1]:.2f}/{lb[2]:.2f} at "
        f"the start, {la[0]:.2f}/{la[1]:.2f}/{la[2]:.2f} at the end.  ",
        f"Versions: {_first_line([a.kamailio, '-v'])}; {_first_line(['sipp', '-v'])}.  ",
        f"Load: {a.uacs} UACs, {a.step_seconds} s steps, hold {a.hold_ms} ms, Kamailio "
        f"{a.kamailio_children} UDP workers, -m {a.kamailio_shm} -M {a.kamailio_pkg}; "
        f"{a.callees} callee AoR{'s called in turn' if a.callees > 1 else ''}"
        f"{_warmup_note(a)}.\n",
        _markdown(summary_rows(ctx)) if ctx.found else "No SUT ran.",
    ]
    lines += [f"\n{line}" for line in cache_lines(ctx)]
    if ctx.overload:
        lines += [f"\nOverload (each SUT offered {', '.join(f'{f:g}x' for f in a.overload_factors)} "
                  f"its own maximum for {a.overload_seconds} s; goodput = completed calls / "
                  f"SIPp's elapsed time):\n", _markdown(overload_rows(ctx), OVERLOAD_COLUMNS)]
    if ctx.cross_latency:
        lines += ["\nSetup latency of each SUT at the other's half maximum (the same offered rate "
                  "for both; the latency steps above are at each SUT's own half maximum):\n",
                  _markdown(cross_rows(ctx), CROSS_COLUMNS)]
    for name, why in ctx.skipped:
        lines.append(f"\nSkipped {name}: {why.splitlines()[0]}")
    for note in ctx.notes:
        lines.append(f"\nNote: {note}")
    lines.append("\nSteps:\n")
    lines.append("```")
    for name, (_, steps) in ctx.found.items():
        for st in steps:
            lines.append(step_line(st, st.passed(0.001, 0.95)))
    for st in ctx.latency.values():
        lines.append(step_line(st, st.passed(0.001, 0.95), "latency"))
    for runs in ctx.cross_latency.values():
        for _, st in runs:
            lines.append(step_line(st, st.passed(0.001, 0.95), "latency"))
    for name, runs in ctx.overload.items():
        for factor, st in runs:
            lines.append(overload_line(st, factor, ctx.found[name][0]))
    lines.append("```")
    new = not os.path.exists(path)
    with open(path, "a") as f:
        if new:
            f.write(HEADER)
        f.write("\n".join(lines) + "\n")
