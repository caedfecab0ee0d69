#!/usr/bin/env python3
"""bench/security/vs_openssl.py: our signature costs beside `openssl speed`, alternating runs.

Runs ROUNDS rounds; each round runs bench_security, then `openssl speed rsa2048 ecdsap256`, with
the same seconds per case, so load drift on a shared machine hits both alike. Both divide by
wall-clock time: `openssl speed` divides by the process's user CPU time unless given -elapsed,
which on a loaded machine makes it look several times faster than a wall-clock benchmark. Prints each run and
a Markdown table: the median of each figure over the rounds with its spread (min-max), and the
ratio of the medians (ours / openssl).

  bench/security/vs_openssl.py [--bench build/bench/security/bench_security] [--rounds 3]
                               [--seconds 3]
Exit code: 0 done, 2 bad usage or a run that printed nothing usable.
"""

import argparse
import re
import statistics
import subprocess
import sys

OURS = {  # bench_security line prefix -> key
    "RSA-2048 PKCS1v1.5 SHA-256 sign": "rsa_sign",
    "RSA-2048 PKCS1v1.5 SHA-256 verify": "rsa_verify",
    "ECDSA P-256 SHA-256 sign": "ec_sign",
    "ECDSA P-256 SHA-256 verify": "ec_verify",
}
LABELS = {
    "rsa_sign": "RSA-2048 PKCS#1 v1.5 + SHA-256 sign",
    "rsa_verify": "RSA-2048 PKCS#1 v1.5 + SHA-256 verify",
    "ec_sign": "ECDSA P-256 + SHA-256 sign",
    "ec_verify": "ECDSA P-256 + SHA-256 verify",
}


def run_ours(bench, seconds):
    out = subprocess.run([bench, str(seconds)], capture_output=True, text=True, check=True).stdout
    got = {}
    for line in out.splitlines():
        for prefix, key in OURS.items():
            if line.startswith(prefix + " "):
                got[key] = float(line[len(prefix):].split()[0])
    return got


def run_openssl(seconds):
    out = subprocess.run(["openssl", "speed", "-elapsed", "-seconds", str(seconds), "rsa2048",
                          "ecdsap256"],
                         capture_output=True, text=True, check=True).stdout
    got = {}
    m = re.search(r"^rsa 2048 bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", out, re.M)
    if m:
        got["rsa_sign"], got["rsa_verify"] = float(m.group(1)), float(m.group(2))
    m = re.search(r"^\s*256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", out, re.M)
    if m:
        got["ec_sign"], got["ec_verify"] = float(m.group(1)), float(m.group(2))
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", default="build/bench/security/bench_security")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=3)
    a = ap.parse_args()
    if a.rounds < 1 or a.seconds < 1:
        ap.error("--rounds and --seconds must be at least 1")
    ours, theirs = [], []
    for r in range(a.rounds):
        o = run_ours(a.bench, a.seconds)
        t = run_openssl(a.seconds)
        if set(o) != set(LABELS) or set(t) != set(LABELS):
            print(f"round {r + 1}: could not read every figure (ours {o}, openssl {t})")
            return 2
        ours.append(o)
        theirs.append(t)
        print(f"round {r + 1}: ours " + " ".join(f"{k}={o[k]:.0f}" for k in LABELS) +
              " | openssl " + " ".join(f"{k}={t[k]:.0f}" for k in LABELS), flush=True)
    print()
    print("| operation | ours ops/s, median (min-max) | `openssl speed` ops/s, median (min-max) "
          "| ours / openssl (medians) |")
    print("| --- | ---: | ---: | ---: |")
    for k, label in LABELS.items():
        mo = statistics.median(x[k] for x in ours)
        mt = statistics.median(x[k] for x in theirs)
        so = f"{min(x[k] for x in ours):,.0f}-{max(x[k] for x in ours):,.0f}"
        st = f"{min(x[k] for x in theirs):,.0f}-{max(x[k] for x in theirs):,.0f}"
        print(f"| {label} | {mo:,.0f} ({so}) | {mt:,.0f} ({st}) | {mo / mt:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
