"""SIPp and raw-UDP helpers shared by the gateway proxy tests. Every process goes through
harness.start (ended by PID only)."""

import hashlib
import os
import re
import socket
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, free_port, run, start  # noqa: E402

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


def ca_dir(overlay=DOMAIN):
    """The test's CA for `overlay` (made once per work dir) and its root certificate."""
    d = os.path.join(work, "ca" if overlay == DOMAIN else f"ca-{overlay}")
    if not os.path.exists(os.path.join(d, "ca.crt")):
        r = run([P2P_BIN, "ca", "init", "--overlay", overlay, "--dir", d])
        if r.returncode != 0:
            raise RuntimeError(f"ca init: {r.stderr}")
    return d, os.path.join(d, "ca.crt")


def issue(user, prefix, node_id=None, overlay=DOMAIN):
    """A certificate for `user` from the CA of `overlay` (optionally for a given Node-ID):
    (node_id, cert, key)."""
    d, _ = ca_dir(overlay)
    args = [P2P_BIN, "ca", "issue", "--dir", d, "--user", user, "--key-type", "ec",
            "--out", os.path.join(work, prefix)]
    if node_id:
        args += ["--node-id", node_id]
    r = run(args)
    if r.returncode != 0:
        raise RuntimeError(f"ca issue {user}: {r.stderr}")
    nid = re.search(r"node-id: ([0-9a-f]{32})", r.stdout).group(1)
    return nid, os.path.join(work, prefix + ".crt"), os.path.join(work, prefix + ".key")


def gateway_identity(name, user=None):
    """Flags giving a gateway its own certificate (user gateway@<domain> unless told), and its
    Node-ID, which the static registrations' certificates must hold."""
    node_id, cert, key = issue(user or f"gateway@{DOMAIN}", name)
    return node_id, ["--cert", cert, "--key", key, "--ca", ca_dir()[1]]


def static_config(name, entries, node_id):
    """A gateway YAML file with static_registrations: entries are (aor, contact) pairs; an AoR
    listed several times forks to all its contacts. Each AoR gets a certificate for the
    gateway's Node-ID, as `p2psip ca issue --user AOR --node-id` makes it."""
    path = os.path.join(work, f"{name}.yaml")
    certs = {}
    with open(path, "w") as f:
        f.write("static_registrations:\n")
        for aor, contact in entries:
            if aor not in certs:
                _, cert, key = issue(aor, f"{name}-{aor.split('@')[0]}", node_id)
                certs[aor] = (cert, key)
            cert, key = certs[aor]
            f.write(f"  - aor: {aor}\n    contact: \"{contact}\"\n    cert: {cert}\n    key: {key}\n")
    return path

def static_gateway(entries, *flags, log_level="debug"):
    """A `p2psip gateway` (the overlay's first peer) on free loopback ports whose static
    registrations are `entries` ((aor, contact) pairs), once /health answers: (process, SIP
    port, metrics base URL)."""
    from harness import http_get, wait_until
    gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port()
    gw_node, gw_identity = gateway_identity("gateway")
    static = static_config("gateway", entries, gw_node)
    gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
                "--metrics-listen", f"127.0.0.1:{metrics_port}",
                "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
                "--data-dir", os.path.join(work, "data"), "--log-level", log_level,
                "--config", static, *flags, *gw_identity], "gateway", work)
    base = f"http://127.0.0.1:{metrics_port}"
    wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 30, "/health")
    return gw, gw_port, base


def start_kamailio(kam_port, gw_port, dispatch=()):
    """Kamailio 5.6 with a static route for the overlay domain to the gateway (record_route,
    UDP), 404 for other domains. With `dispatch` (the SIP ports of several gateways) the
    dispatcher module chooses the gateway instead, round robin (ds_select_dst algorithm 4),
    also for REGISTERs whose To is in the overlay domain (phones registering with the site's
    SIP server as their registrar). Started through harness.start (ended by PID)."""
    if dispatch:
        ds_list = os.path.join(work, "dispatcher.list")
        with open(ds_list, "w") as f:
            f.write("".join(f"1 sip:127.0.0.1:{p};transport=udp\n" for p in dispatch))
        modules = f'loadmodule "dispatcher.so"\nmodparam("dispatcher", "list_file", "{ds_list}")\n'
        match = f'$rd == "{DOMAIN}" || (is_method("REGISTER") && $td == "{DOMAIN}")'
        target = ('if (!ds_select_dst("1", "4")) { sl_send_reply("503", "No Gateway"); exit; }\n'
                  '        if (!is_method("REGISTER")) { record_route(); }')
    else:
        modules, match = "", f'$rd == "{DOMAIN}"'
        target = f'record_route();\n        $du = "sip:127.0.0.1:{gw_port};transport=udp";'
    cfg = f"""#!KAMAILIO
debug=2
log_stderror=yes
children=1
listen=udp:127.0.0.1:{kam_port}
listen=tcp:127.0.0.1:{kam_port}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"
{modules}request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK") && t_check_trans()) {{ t_relay(); }}
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    if ({match}) {{
        {target}
        if (!t_relay()) {{ sl_reply_error(); }}
        exit;
    }}
    sl_send_reply("404", "Not Here");
}}
"""
    cfg_path = os.path.join(work, "kamailio.cfg")
    with open(cfg_path, "w") as f:
        f.write(cfg)
    return start(["kamailio", "-f", cfg_path, "-DD", "-E", "-Y", work, "-w", work,
                 "-P", os.path.join(work, "kamailio.pid")], "kamailio", work)


def udp_bound(port):
    """Whether some socket is bound to UDP `port` on this host (from /proc/net/udp)."""
    want = f":{int(port):04X}"
    with open("/proc/net/udp") as f:
        return any(line.split()[1].endswith(want) for line in list(f)[1:])


def uas(name, scen, port, calls=1, extra=()):
    """A SIPp UAS, returned once it listens (a request sent earlier would be refused). `extra`:
    more SIPp options (e.g. -trace_msg -message_file PATH)."""
    proc = start(["sipp", "-sf", scen, "-i", "127.0.0.1", "-p", port, "-m", calls, "-nostdin",
                  "-timeout", "30", "-timeout_error", "-trace_err",
                  "-error_file", os.path.join(work, f"{name}-err.log"), *extra], name, work)
    deadline = time.monotonic() + 10
    while not udp_bound(port) and proc.alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    return proc


def uac(scen, gw_port, service, source="127.0.0.1", domain=DOMAIN, transport="u1", extra=()):
    local = free_port()
    return run(["sipp", "-sf", scen, "-i", source, "-p", local, "-t", transport, "-m", 1,
                "-s", service, "-set", "domain", domain, *extra, "-nostdin", "-timeout", "30",
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


def stray_responses(base, action):
    """p2psip_sip_stray_responses_total{action} of the gateway whose metrics are at `base`."""
    from harness import http_get
    return metric(http_get(base + "/metrics")[1], "p2psip_sip_stray_responses_total",
                  f'{{action="{action}"}}') or 0.0


def waiting_datagram(sock):
    """The datagram already waiting on the non-blocking `sock`, or None."""
    try:
        return sock.recv(65535)
    except BlockingIOError:
        return None


def metric(text, name, labels=""):
    for line in text.splitlines():
        if line.startswith(name + labels + " "):
            return float(line.split()[-1])
    return None




def _challenges(response):
    """{algorithm: (realm, nonce)} of a 401's WWW-Authenticate headers."""
    out = {}
    for line in response.split("\r\n"):
        if not line.lower().startswith("www-authenticate:"):
            continue
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', line.split(":", 1)[1]))
        out[params.get("algorithm", "MD5").upper()] = (params.get("realm"), params.get("nonce"))
    return out


def register(gw_port, user, password, contact, expires=600, algorithm="SHA-256", domain=DOMAIN,
             attempts=1, sent=None):
    """A plain phone's REGISTER with RFC 7616 digest (qop=auth), over UDP from 127.0.0.1 (SIPp
    3.6 cannot answer a challenge that lists SHA-256 first). Sends the REGISTER without
    credentials, then up to `attempts` answers to the latest challenge. Returns the status
    lines received, in order, and the last response. `sent`, a list, gets every request sent."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    lport = s.getsockname()[1]
    call_id = f"{time.time_ns()}@127.0.0.1"
    ruri = f"sip:{domain}"
    statuses, last, auth = [], "", ""
    h = hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5
    try:
        for cseq in range(1, attempts + 2):
            msg = (f"REGISTER {ruri} SIP/2.0\r\n"
                   f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK-{time.time_ns()}\r\n"
                   f"From: <sip:{user}@{domain}>;tag=reg{lport}\r\nTo: <sip:{user}@{domain}>\r\n"
                   f"Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\nContact: <{contact}>\r\n"
                   f"Expires: {expires}\r\nMax-Forwards: 70\r\n{auth}Content-Length: 0\r\n\r\n")
            s.sendto(msg.encode(), ("127.0.0.1", gw_port))
            if sent is not None:
                sent.append(msg)
            while True:
                last = s.recv(65535).decode(errors="replace")
                if not last.startswith("SIP/2.0 1"):
                    break
            statuses.append(last.split("\r\n", 1)[0])
            if not last.startswith("SIP/2.0 401") or cseq > attempts:
                break
            realm, nonce = _challenges(last)[algorithm]
            ha1 = h(f"{user}:{realm}:{password}".encode()).hexdigest()
            ha2 = h(f"REGISTER:{ruri}".encode()).hexdigest()
            cnonce = f"{time.time_ns():x}"
            response = h(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}".encode()).hexdigest()
            auth = (f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", '
                    f'uri="{ruri}", response="{response}", algorithm={algorithm}, qop=auth, '
                    f'nc=00000001, cnonce="{cnonce}"\r\n')
    except socket.timeout:
        statuses.append(None)
    finally:
        s.close()
    return statuses, last


def write_phones(phones, name="phones"):
    """A phones file ("user password" lines, mode 0600) in the work dir; returns its path."""
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write("".join(f"{u} {p}\n" for u, p in phones.items()))
    os.chmod(path, 0o600)
    return path


def start_long_call(gw_port, service, pause_ms=8000):
    """A SIPp caller (UDP) whose call to `service` stays established for `pause_ms` before its
    BYE (uac_call.xml with its pause stretched). Returns (caller, established): established()
    is true once the caller sent its ACK."""
    text = open(scenario("uac_call.xml")).read()
    if '<pause milliseconds="200"/>' not in text:
        raise RuntimeError("uac_call.xml lacks the pause a long call stretches")
    long_call = os.path.join(work, f"uac_long_call_{pause_ms}.xml")
    with open(long_call, "w") as f:
        f.write(text.replace('<pause milliseconds="200"/>', f'<pause milliseconds="{pause_ms}"/>'))
    trace = os.path.join(work, f"caller-{service}-messages.log")
    caller = start(["sipp", "-sf", long_call, "-i", "127.0.0.1", "-p", free_port(), "-t", "u1",
                    "-m", 1, "-s", service, "-set", "domain", DOMAIN, "-nostdin", "-timeout", "30",
                    "-timeout_error", "-trace_msg", "-message_file", trace,
                    f"127.0.0.1:{gw_port}"], f"caller-{service}", work)

    def established():
        try:
            with open(trace) as f:
                return "ACK sip:" in f.read()
        except OSError:
            return False
    return caller, established


def udp_socket():
    """A UDP socket on loopback (5 s timeout) and its port: a raw SIP party of a test."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    return s, s.getsockname()[1]


def receive_starting(sock, want, what, gw):
    """The next datagram on `sock` whose first line starts with `want` (others skipped); fails
    the test, with the gateway's log, when none comes within 5 s."""
    from harness import fail
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            data, _ = sock.recvfrom(65535)
        except socket.timeout:
            break
        text = data.decode(errors="replace")
        if text.startswith(want):
            return text
    fail(f"{what}: nothing starting with {want!r} arrived\n{gw.output()[-2000:]}")


def header_values(text, name):
    return re.findall(rf"^{name}:\s*(.*?)\r$", text, re.M | re.I)


def answer_to(request, status, to_tag, extra=""):
    """A UAS's response: Vias, From, To (+tag), Call-ID, CSeq copied (§8.2.6.2), Record-Route."""
    lines = [f"SIP/2.0 {status}"] + [f"Via: {v}" for v in header_values(request, "Via")]
    to = header_values(request, "To")[0]
    lines += [f"From: {header_values(request, 'From')[0]}",
              f"To: {to}" + ("" if "tag=" in to else f";tag={to_tag}"),
              f"Call-ID: {header_values(request, 'Call-ID')[0]}",
              f"CSeq: {header_values(request, 'CSeq')[0]}"]
    lines += [f"Record-Route: {r}" for r in header_values(request, "Record-Route")]
    return ("\r\n".join(lines) + f"\r\n{extra}Content-Length: 0\r\n\r\n").encode()
