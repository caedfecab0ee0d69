"""SIPp and raw-UDP helpers shared by the gateway proxy tests. Every process goes through
harness.start (ended by PID only)."""

import os
import socket
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import free_port, run, start  # noqa: E402

SCEN = os.path.join(HERE, "scenarios")
DOMAIN = "p2p.example.com"
work = None  # set by the test: set_workdir()


def set_workdir(path):
    global work
    work = path


def scenario(name, **subst):
    """A scenario file; with substitutions, a copy in the work dir."""
    path = os.path.join(SCEN, name)
    if not subst:
        return path
    text = open(path).read()
    for k, v in subst.items():
        text = text.replace(k, str(v))
    out = os.path.join(work, f"{name}.{'-'.join(str(v) for v in subst.values())}.xml")
    with open(out, "w") as f:
        f.write(text)
    return out


def uas(name, scen, port, calls=1):
    return start(["sipp", "-sf", scen, "-i", "127.0.0.1", "-p", port, "-m", calls, "-nostdin",
                  "-timeout", "30", "-timeout_error", "-trace_err",
                  "-error_file", os.path.join(work, f"{name}-err.log")], name, work)


def uac(scen, gw_port, service, source="127.0.0.1", domain=DOMAIN, transport="u1"):
    local = free_port()
    return run(["sipp", "-sf", scen, "-i", source, "-p", local, "-t", transport, "-m", 1,
                "-s", service, "-set", "domain", domain, "-nostdin", "-timeout", "30",
                "-timeout_error", "-trace_err", "-error_file", os.path.join(work, f"uac-{local}-err.log"),
                f"127.0.0.1:{gw_port}"], timeout=60)


def raw(port, text, wait=3.0, whole=False):
    """Sends one datagram; returns the first final status line, or the whole final response
    when `whole` (None on no answer)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(wait)
    lport = s.getsockname()[1]
    s.sendto(text.replace("LPORT", str(lport)).encode(), ("127.0.0.1", port))
    try:
        while True:
            data = s.recv(65535).decode(errors="replace")
            line = data.split("\r\n", 1)[0]
            if not line.startswith("SIP/2.0 1"):
                return data if whole else line
    except socket.timeout:
        return None
    finally:
        s.close()


def request(method, ruri, headers="Max-Forwards: 70\r\n", body=""):
    n = time.time_ns()
    return (f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-{n}\r\n"
            f"From: <sip:t@127.0.0.1>;tag=1\r\nTo: <{ruri}>\r\nCall-ID: {n}@127.0.0.1\r\n"
            f"CSeq: 1 {method}\r\n{headers}Contact: <sip:t@127.0.0.1:LPORT>\r\n"
            f"Content-Length: {len(body)}\r\n\r\n{body}")


def metric(text, name, labels=""):
    for line in text.splitlines():
        if line.startswith(name + labels + " "):
            return float(line.split()[-1])
    return None


