#!/usr/bin/env python3
"""Inclusive shares of functions in a `perf record --call-graph` profile of a site.

    perf script -i perf.data -F pid,tid,ip,sym | bench/sip/perf_shares.py [--pid P] [--tid T]
        [--match SUBSTR,SUBSTR,...] [--top N]

Each sample counts once for every distinct function in its stack, so a share is "the fraction of
all samples in which this function was running or below it" (the RESULTS-sip.md profiles). The
percentages are of all samples read (every process and thread), also when --pid/--tid select
which samples are counted. Header lines of `perf script` are right-aligned "pid/tid".
"""
import argparse
import collections
import re
import sys

HEADER = re.compile(r"^\s*(\d+)/(\d+)\s*$")
FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.*)$")


def read_samples(stream):
    samples, current = [], None
    for line in stream:
        if not line.strip():
            current = None
            continue
        header = HEADER.match(line)
        if header:
            current = {"pid": header.group(1), "tid": header.group(2), "frames": []}
            samples.append(current)
            continue
        frame = FRAME.match(line)
        if current is not None and frame:
            current["frames"].append(re.sub(r"\(.*", "", frame.group(1)).strip())
    return samples


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pid", help="count only this process's samples")
    ap.add_argument("--tid", help="count only this thread's samples")
    ap.add_argument("--match", help="comma-separated substrings; list only functions holding one")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    samples = read_samples(sys.stdin)
    if not samples:
        sys.exit("no samples read: was perf script given -F pid,tid,ip,sym?")
    chosen = [s for s in samples
              if (args.pid is None or s["pid"] == args.pid) and (args.tid is None or s["tid"] == args.tid)]
    per_process = collections.Counter(s["pid"] for s in samples)
    print(f"{len(samples)} samples; per process: " +
          ", ".join(f"{p} {100 * c / len(samples):.1f}%" for p, c in per_process.most_common()))
    inclusive = collections.Counter()
    for sample in chosen:
        for name in set(sample["frames"]):
            inclusive[name] += 1
    wanted = args.match.split(",") if args.match else None
    shown = 0
    for name, count in inclusive.most_common():
        if wanted and not any(w in name for w in wanted):
            continue
        print(f"{100 * count / len(samples):6.1f}%  {name[:140]}")
        shown += 1
        if shown >= args.top:
            break


if __name__ == "__main__":
    main()
