"""Foundation: the real `p2psip gateway` on free loopback ports answers SIPp's OPTIONS with 200,
serves /metrics that promtool accepts and that counts those OPTIONS, /health 200, exits 0 on
SIGTERM, and refuses bad configuration with exit code 2 and one line naming the key."""

import json
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import (P2P_BIN, check, fail, free_port, http_get, run, sipp_options, start,  # noqa: E402
                     temp_dir, wait_until)


def raw_sip_request(port, method, ruri):
    """One request over UDP; returns the status line of the first response."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    lport = s.getsockname()[1]
    msg = (f"{method} {ruri} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK-{method}-{time.time_ns()}\r\n"
           f"From: <sip:test@127.0.0.1>;tag=1\r\nTo: <{ruri}>\r\n"
           f"Call-ID: {time.time_ns()}@127.0.0.1\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\n"
           f"Contact: <sip:test@127.0.0.1:{lport}>\r\nContent-Length: 0\r\n\r\n")
    s.sendto(msg.encode(), ("127.0.0.1", port))
    while True:
        data = s.recv(65535).decode(errors="replace")
        status = data.split("\r\n", 1)[0]
        if not status.startswith("SIP/2.0 1"):
            s.close()
            return status


def metric_value(text, name, labels):
    for line in text.splitlines():
        if line.startswith(name + labels + " "):
            return float(line.split()[-1])
    return None


def check_running_gateway(work):
    sip, metrics_port, overlay = free_port(), free_port(), free_port()
    gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip}",
                "--metrics-listen", f"127.0.0.1:{metrics_port}",
                "--overlay-listen", f"127.0.0.1:{overlay}", "--data-dir", os.path.join(work, "data"),
                "--log-level", "debug"], "gateway", work)
    base = f"http://127.0.0.1:{metrics_port}"
    wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 15, "/health")
    check(gw.alive(), "gateway is running")
    status, body = http_get(base + "/health")
    check(status == 200 and json.loads(body)["sip_listening"], "/health is 200 with SIP listening")

    r = sipp_options(sip, work, transport="u1", calls=3)
    check(r.returncode == 0, f"SIPp OPTIONS over UDP got 200 (sipp exit {r.returncode})")
    r = sipp_options(sip, work, transport="t1", calls=2)
    check(r.returncode == 0, f"SIPp OPTIONS over TCP got 200 (sipp exit {r.returncode})")
    check(raw_sip_request(sip, "INVITE", "sip:bob@p2p.example.com").startswith("SIP/2.0 404"),
          "INVITE for an unknown user is answered 404")
    check(raw_sip_request(sip, "REGISTER", f"sip:127.0.0.1:{sip}").startswith("SIP/2.0 501"),
          "REGISTER to the gateway is answered 501 for now")

    status, text = http_get(base + "/metrics")
    check(status == 200, "/metrics is served")
    promtool = run(["promtool", "check", "metrics"], input=text)
    check(promtool.returncode == 0, f"promtool check metrics passes {promtool.stdout}{promtool.stderr}")
    check(metric_value(text, "p2psip_sip_requests_received_total", '{method="OPTIONS"}') == 5,
          "OPTIONS counted: 5")
    check(metric_value(text, "p2psip_sip_responses_sent_total", '{code_class="2xx"}') == 5,
          "2xx responses counted: 5")
    check(metric_value(text, "p2psip_sip_responses_sent_total", '{code_class="4xx"}') == 1,
          "4xx responses counted: 1")
    for family in ("p2psip_build_info", "process_start_time_seconds", "process_resident_memory_bytes",
                   "process_cpu_seconds_total", "process_open_fds"):
        check(f"\n{family}" in text, f"{family} exported")
    st = json.loads(http_get(base + "/status")[1])
    check(st["sip_listen"] == f"127.0.0.1:{sip}", "/status reports the SIP listen address")
    check(len(st.get("node_id", "")) == 32 and st.get("state") == "joined",
          f"/status reports the overlay node, joined to its own new overlay: {st.get('state')}")
    check(json.loads(http_get(base + "/health")[1])["overlay_joined"], "/health: overlay_joined")
    check("DEVELOPMENT CA" in gw.stderr(), "the log says it uses a development CA")
    data = os.path.join(work, "data")
    check(os.path.exists(os.path.join(data, "dev-ca", "ca.crt")) and
          os.path.exists(os.path.join(data, "node.crt")), "dev CA and node certificate in the data dir")
    check(metric_value(text, "p2psip_overlay_routing_table_peers", "") == 0,
          "p2psip_overlay_routing_table_peers is 0 for a single node")
    # A lone node is responsible for every Resource-ID: the lookup behind the 404 (a Fetch) and
    # its answer never left the process (unsigned, counted); nothing waited for a verify slot.
    def in_process():
        return metric_value(http_get(base + "/metrics")[1],
                            "p2psip_overlay_in_process_messages_total", "") or 0
    wait_until(lambda: in_process() > 0, 5,
               "p2psip_overlay_in_process_messages_total > 0 (a lone node's messages to itself)")
    check(True, f"p2psip_overlay_in_process_messages_total counts a lone node's messages to "
                f"itself: {in_process():.0f}")
    check(metric_value(text, "p2psip_overlay_verify_queue_full_total", "") == 0,
          "p2psip_overlay_verify_queue_full_total is exported, 0")

    t0 = time.monotonic()
    gw.signal(signal.SIGTERM)
    rc = gw.wait(10)
    elapsed = time.monotonic() - t0
    check(rc == 0, f"SIGTERM exits 0 (got {rc})")
    check(elapsed < 5, f"SIGTERM shutdown within 5 s ({elapsed:.2f} s)")
    check("shutting down" in gw.stderr(), "the log says it is shutting down")


def expect_config_error(work, args, key, env=None, what=""):
    r = run([P2P_BIN, "gateway", *args], timeout=20, env=env)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 2, f"{what}: exit code 2 (got {r.returncode})")
    check(len(lines) == 1 and key in lines[0], f"{what}: one line naming '{key}': {lines}")


def check_bad_config(work):
    yaml_path = os.path.join(work, "bad.yaml")
    with open(yaml_path, "w") as f:
        f.write("sip_listen: 127.0.0.1:5060\nmetrcs_listen: 127.0.0.1:9464\n")
    expect_config_error(work, ["--config", yaml_path], "metrcs_listen", what="unknown YAML key")
    expect_config_error(work, ["--config", os.path.join(work, "missing.yaml")], "config",
                        what="missing config file")
    expect_config_error(work, ["--sip-listen", "127.0.0.1:99999"], "sip_listen",
                        what="port out of range")
    expect_config_error(work, [], "metrics_listen", env={"P2PSIP_METRICS_LISTEN": "localhost"},
                        what="bad env value")
    expect_config_error(work, [], "P2PSIP_SIP_LISTN", env={"P2PSIP_SIP_LISTN": "1.2.3.4:5"},
                        what="unknown env variable")
    expect_config_error(work, ["--log-level", "loud"], "log_level", what="bad log level")
    missing = os.path.join(work, "missing.pem")
    expect_config_error(work, ["--cert", missing, "--key", missing, "--ca", missing,
                               "--data-dir", os.path.join(work, "d2")], "cert",
                        what="missing certificate file")
    expect_config_error(work, ["--cert", missing, "--data-dir", os.path.join(work, "d2")], "key",
                        what="cert without key and ca")


def check_precedence(work):
    yaml_path = os.path.join(work, "good.yaml")
    with open(yaml_path, "w") as f:
        f.write("overlay: file.example\nlog_level: warn\nsip_listen: 127.0.0.1:5070\n")
    r = run([P2P_BIN, "gateway", "--config", yaml_path, "--print-config", "--sip-listen",
             "127.0.0.1:5080"], env={"P2PSIP_OVERLAY": "env.example"})
    check(r.returncode == 0, "--print-config exits 0")
    out = r.stdout
    check('sip_listen: "127.0.0.1:5080"  # command line' in out, "flag beats file")
    check('overlay: "env.example"  # environment' in out, "env beats file")
    check('log_level: "warn"  # config file' in out, "file beats default")
    check('metrics_listen: "0.0.0.0:9464"  # default' in out, "default stays")


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set")
    work = temp_dir()
    check_running_gateway(work)
    check_bad_config(work)
    check_precedence(work)
    print("PASS")


if __name__ == "__main__":
    main()
