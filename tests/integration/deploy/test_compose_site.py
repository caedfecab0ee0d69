"""deploy/docker/compose.yaml without a container engine: the file is checked for what compose
would trip over, then the site is run on loopback from the same files, processes instead of
containers:
- every build context and Dockerfile, bind-mounted path, named volume and depends_on exists;
  each gateway listens for SIP on its fixed address on the site network (its service AoR's
  contact is sip:gateway@<sip_listen>, so not 0.0.0.0);
  prometheus.yml scrapes exactly the compose services on their metrics ports (gateways in job
  p2psip-gateway, peers in p2psip-peer, Kamailio on the port its config listens on); the Grafana
  provisioning points at the prometheus service and the mounted dashboards directory;
  dispatcher.list names the gateway services on their SIP port; `kamailio -c` accepts the site's
  kamailio.cfg;
- the ca-init service's script (compose's $$ unescaped, /pki a temp dir) makes the CA and every
  certificate; peer1..3 and gw1..2 start with their compose environment (plus loopback listen
  addresses, the Dockerfile's P2PSIP_DATA_DIR and compose host names mapped to 127.0.0.1), so
  every P2PSIP_* variable there must be one the binary accepts;
- the site's kamailio.cfg (listen addresses and the dispatcher list rewritten to loopback, the
  gateways named `localhost` as compose names them gw1/gw2) probes both gateways with OPTIONS
  and gets 200 (their P2PSIP_ALIAS makes the name their own), routes INVITEs for the overlay
  domain to them (nobody registered: the gateway's overlay lookup answers 404), and after gw1
  is stopped still gets every call answered by gw2 (failover); its xhttp_prom /metrics answers."""

import atexit
import ipaddress
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (P2P_BIN, SOURCE_DIR, check, fail, free_port, http_get, run, skip, start,  # noqa: E402
                     temp_dir, wait_until)

try:
    import yaml  # python3-yaml (scripts/install-deps.sh)
except ImportError:
    skip("python3-yaml is not installed (scripts/install-deps.sh installs it)")

DOCKER = os.path.join(SOURCE_DIR, "deploy", "docker")
COMPOSE = os.path.join(DOCKER, "compose.yaml")
MONITORING = os.path.join(SOURCE_DIR, "deploy", "monitoring")
METRICS_PORT, SIP_PORT, RELOAD_PORT = 9464, 5060, 6084  # the binary's defaults, EXPOSEd


def in_compose_dir(path):
    return os.path.normpath(os.path.join(DOCKER, path))


def check_files(compose):
    services = compose["services"]
    volumes = set(compose.get("volumes") or {})
    for name, svc in services.items():
        build = svc.get("build")
        if build:
            ctx = in_compose_dir(build if isinstance(build, str) else build.get("context", "."))
            dockerfile = os.path.join(ctx, "Dockerfile" if isinstance(build, str)
                                      else build.get("dockerfile", "Dockerfile"))
            if not os.path.isdir(ctx) or not os.path.isfile(dockerfile):
                fail(f"service {name}: build context {ctx} / {dockerfile} missing")
        if not build and not svc.get("image"):
            fail(f"service {name} has neither build nor image")
        for v in svc.get("volumes") or []:
            src = v.split(":")[0]
            if src.startswith((".", "/")):
                if not os.path.exists(in_compose_dir(src)):
                    fail(f"service {name}: bind mount source {src} does not exist")
            elif src not in volumes:
                fail(f"service {name}: volume {src} is not declared under volumes:")
        deps = svc.get("depends_on") or []
        for d in deps if isinstance(deps, list) else deps.keys():
            if d not in services:
                fail(f"service {name} depends on unknown service {d}")
    check(True, f"{len(services)} services: build contexts, Dockerfiles, bind mounts, volumes and "
                f"depends_on all exist")


def p2psip_services(compose):
    """{name: (command, environment)} of the services running the p2psip image's binary."""
    out = {}
    for name, svc in compose["services"].items():
        cmd = svc.get("command")
        if svc.get("image", "").startswith("p2psip") and isinstance(cmd, list) and \
                cmd[0] in ("gateway", "peer"):
            out[name] = (cmd, {k: str(v) for k, v in (svc.get("environment") or {}).items()})
    return out


def check_wiring(compose, nodes):
    services = compose["services"]
    gateways = sorted(n for n, (c, _) in nodes.items() if c[0] == "gateway")
    peers = sorted(n for n, (c, _) in nodes.items() if c[0] == "peer")
    check(len(gateways) == 2 and len(peers) >= 3, f"gateways {gateways}, peers {peers}")

    with open(os.path.join(MONITORING, "prometheus.yml")) as f:
        prom = yaml.safe_load(f)
    jobs = {j["job_name"]: sorted(t for sc in j.get("static_configs", []) for t in sc["targets"])
            for j in prom["scrape_configs"]}
    check(jobs.get("p2psip-gateway") == sorted(f"{g}:{METRICS_PORT}" for g in gateways),
          f"prometheus job p2psip-gateway scrapes {jobs.get('p2psip-gateway')}")
    check(jobs.get("p2psip-peer") == sorted(f"{p}:{METRICS_PORT}" for p in peers),
          f"prometheus job p2psip-peer scrapes {jobs.get('p2psip-peer')}")
    with open(os.path.join(DOCKER, "kamailio", "kamailio.cfg")) as f:
        kam_cfg = f.read()
    for job, targets in jobs.items():
        for t in targets:
            host, port = t.rsplit(":", 1)
            if host != "localhost" and host not in services:
                fail(f"prometheus job {job}: target {t} is not a compose service")
            if host == "kamailio" and not re.search(rf"^listen=tcp:[^:]+:{port}\b", kam_cfg, re.M):
                fail(f"kamailio.cfg does not listen on the scraped port {port}")
    check(any(r.endswith("alerts.yml") for r in prom.get("rule_files", [])),
          "prometheus.yml loads alerts.yml (mounted with it)")

    prov = os.path.join(SOURCE_DIR, "deploy", "grafana", "provisioning")
    with open(os.path.join(prov, "datasources", "prometheus.yaml")) as f:
        ds = yaml.safe_load(f)["datasources"][0]
    url = urllib.parse.urlparse(ds["url"])
    check(url.hostname in services and url.port == 9090, f"Grafana datasource {ds['url']}")
    with open(os.path.join(prov, "dashboards", "p2psip.yaml")) as f:
        path = yaml.safe_load(f)["providers"][0]["options"]["path"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"]}
    check(path in mounts and os.path.isfile(os.path.join(in_compose_dir(mounts[path]), "p2psip.json")),
          f"Grafana loads dashboards from {path}, mounted from {mounts.get(path)}")

    with open(os.path.join(DOCKER, "kamailio", "dispatcher.list")) as f:
        entries = [line.split() for line in f if line.strip() and not line.startswith("#")]
    uris = sorted(e[1] for e in entries)
    check(uris == sorted(f"sip:{g}:{SIP_PORT}" for g in gateways),
          f"dispatcher.list probes the gateway services: {uris}")
    subnets = [ipaddress.ip_network(c["subnet"]) for c in
               (((compose.get("networks") or {}).get("default") or {}).get("ipam") or {}).get("config", [])]
    for g in gateways:
        # The service AoR's contact is sip:gateway@<sip_listen>: it must be an address the
        # peers reach, i.e. the gateway's fixed address on the site network, not 0.0.0.0.
        listen = nodes[g][1].get("P2PSIP_SIP_LISTEN", "0.0.0.0:5060")
        fixed = ((services[g].get("networks") or {}).get("default") or {}).get("ipv4_address")
        host, port = listen.rsplit(":", 1)
        check(fixed and host == fixed and int(port) == SIP_PORT
              and any(ipaddress.ip_address(fixed) in n for n in subnets),
              f"{g} listens for SIP on its fixed site address {listen} (network address {fixed})")
        aliases = nodes[g][1].get("P2PSIP_ALIAS", "").split(",")
        check(g in aliases, f"{g} knows its compose name as its own (P2PSIP_ALIAS), so it answers "
                            f"the dispatcher's OPTIONS sip:{g}:{SIP_PORT} itself")
    return gateways, peers


def kamailio_cfg(work, kam_port, http_port, dispatcher_list):
    with open(os.path.join(DOCKER, "kamailio", "kamailio.cfg")) as f:
        cfg = f.read()
    cfg = re.sub(r"^listen=(udp|tcp):0\.0\.0\.0:5060", rf"listen=\1:127.0.0.1:{kam_port}", cfg, flags=re.M)
    cfg = re.sub(r"^listen=tcp:0\.0\.0\.0:9494", f"listen=tcp:127.0.0.1:{http_port}", cfg, flags=re.M)
    cfg = cfg.replace("/etc/kamailio/dispatcher.list", dispatcher_list)
    cfg = cfg.replace("unix:/tmp/kamailio_ctl", f"unix:{work}/kamailio_ctl")
    # Kamailio's DNS cache asks DNS servers only; compose's DNS knows gw1/gw2, here the
    # dispatcher's `localhost` must come from /etc/hosts.
    cfg = cfg.replace("\nloadmodule", "\nuse_dns_cache=off\nloadmodule", 1)
    path = os.path.join(work, "kamailio.cfg")
    with open(path, "w") as f:
        f.write(cfg)
    return path


def run_ca_init(compose, pki):
    script = compose["services"]["ca-init"]["command"][0].replace("$$", "$")
    script = script.replace("/pki", pki)
    # chown to the image's user: harmless here, as root; skipped otherwise.
    if os.getuid() != 0:
        script = re.sub(r"^\s*chown .*$", "", script, flags=re.M)
    env = dict(os.environ, PATH=os.path.dirname(P2P_BIN) + ":" + os.environ["PATH"])
    r = subprocess.run(["/bin/sh", "-ec", script], capture_output=True, text=True, env=env, timeout=120)
    check(r.returncode == 0, f"the ca-init script ran{'' if r.returncode == 0 else ': ' + r.stderr[-500:]}")


def invite(kam_port, user, domain, wait=15):
    """INVITE sip:user@domain through Kamailio from 127.0.0.1; returns the final status code."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(wait)
    lport, n = s.getsockname()[1], time.time_ns()
    ruri = f"sip:{user}@{domain}"
    head = (f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK-{n}\r\nMax-Forwards: 70\r\n"
            f"From: <sip:caller@site.example.com>;tag=c{n}\r\nCall-ID: site-{n}\r\n")
    s.sendto((f"INVITE {ruri} SIP/2.0\r\n{head}To: <{ruri}>\r\nCSeq: 1 INVITE\r\n"
              f"Contact: <sip:caller@127.0.0.1:{lport}>\r\nContent-Length: 0\r\n\r\n").encode(),
             ("127.0.0.1", kam_port))
    try:
        while True:
            resp = s.recv(65535).decode(errors="replace")
            code = int(resp.split(" ", 2)[1])
            if code >= 200:
                break
    except (OSError, ValueError, IndexError):
        return None
    to = re.search(r"^To:\s*(.*)$", resp, re.M | re.I)
    s.sendto((f"ACK {ruri} SIP/2.0\r\n{head}To: {to.group(1).strip() if to else '<' + ruri + '>'}\r\n"
              f"CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n").encode(), ("127.0.0.1", kam_port))
    s.close()
    return code


def metric(port, name, labels="", missing=0.0):
    """The series' value; `missing` when it is not exported (None to tell the two apart)."""
    status, text = http_get(f"http://127.0.0.1:{port}/metrics")
    for line in text.splitlines() if status == 200 else []:
        if line.startswith(name + labels + " "):
            return float(line.split()[-1])
    return missing


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set (run through ctest)")
    with open(COMPOSE) as f:
        compose = yaml.safe_load(f)
    check_files(compose)
    nodes = p2psip_services(compose)
    gateways, peers = check_wiring(compose, nodes)

    work = temp_dir("p2p-site-")
    with open(os.path.join(DOCKER, "Dockerfile")) as f:
        data_dir_env = re.search(r"^ENV P2PSIP_DATA_DIR=(\S+)", f.read(), re.M).group(1)
    pki = os.path.join(work, "pki")
    run_ca_init(compose, pki)

    # Loopback ports for every node; compose host names in P2PSIP_BOOTSTRAP mapped to them.
    ports = {n: {"overlay": free_port(), "metrics": free_port(), "sip": free_port()} for n in nodes}
    def localize(value):
        value = value.replace("/pki", pki)
        for n in nodes:
            value = re.sub(rf"\b{n}:{RELOAD_PORT}\b", f"127.0.0.1:{ports[n]['overlay']}", value)
        return value
    procs = {}
    order = [n for n in nodes if "P2PSIP_BOOTSTRAP" not in nodes[n][1]] + \
            [n for n in nodes if "P2PSIP_BOOTSTRAP" in nodes[n][1]]
    check(order[0] in peers and len([n for n in order if "P2PSIP_BOOTSTRAP" not in nodes[n][1]]) == 1,
          f"one peer ({order[0]}) starts the overlay, everything else bootstraps from peers")
    for n in order:
        cmd, env = nodes[n]
        env = {k: localize(v) for k, v in env.items()}
        if cmd[0] == "gateway":
            env["P2PSIP_ALIAS"] = "localhost"  # the name the loopback dispatcher list uses
            env["P2PSIP_SIP_LISTEN"] = f"127.0.0.1:{ports[n]['sip']}"
        env["P2PSIP_LOG_LEVEL"] = "debug"  # for the log shown on a failure
        env["P2PSIP_OVERLAY_LISTEN"] = f"127.0.0.1:{ports[n]['overlay']}"
        env["P2PSIP_METRICS_LISTEN"] = f"127.0.0.1:{ports[n]['metrics']}"
        env["P2PSIP_DATA_DIR"] = os.path.join(work, n + data_dir_env.replace("/", "-"))
        os.makedirs(env["P2PSIP_DATA_DIR"])
        p = start([P2P_BIN, *cmd], n, work, env=env)
        deadline = time.monotonic() + 30
        while http_get(f"http://127.0.0.1:{ports[n]['metrics']}/health")[0] != 200 and p.alive():
            if time.monotonic() > deadline:
                fail(f"{n}: no /health 200 after 30 s\n{p.output()[-3000:]}")
            time.sleep(0.2)
        check(p.alive(), f"{n} ({' '.join(cmd)}) runs with its compose environment"
                         f"{'' if p.alive() else chr(10) + p.output()[-1500:]}")
        procs[n] = p

    # Both gateways keep the service AoR (their certificates are for it) in the overlay.
    domain = nodes[gateways[0]][1]["P2PSIP_OVERLAY"]
    client = os.path.join(work, "client")  # a client of its own (a node's cert is its Node-ID)
    r = run([P2P_BIN, "ca", "issue", "--dir", os.path.join(pki, "ca"), "--user", f"client@{domain}",
             "--out", client])
    check(r.returncode == 0, f"a client certificate{'' if r.returncode == 0 else ': ' + r.stderr}")
    lookup = [P2P_BIN, "lookup", "--bootstrap", f"127.0.0.1:{ports[peers[0]]['overlay']}",
              "--cert", client + ".crt", "--key", client + ".key",
              "--ca", os.path.join(pki, "ca", "ca.crt"), "--timeout", "10", f"gateway@{domain}"]
    want = sorted(f"sip:gateway@127.0.0.1:{ports[g]['sip']}" for g in gateways)
    got = []
    deadline = time.monotonic() + 30
    while got != want:
        r = run(lookup, timeout=30)
        got = sorted(r.stdout.split())
        if time.monotonic() > deadline:
            fail(f"gateway@{domain} holds {got} ({r.stderr.strip()[-500:]}), not {want}\n"
                 + "".join(f"\n--- {g}\n" + procs[g].output()[-1500:] for g in gateways))
        time.sleep(0.5)
    check(True, f"p2psip lookup gateway@{domain}: {want}")

    # Kamailio with the site's configuration.
    kam_port, http_port = free_port(), free_port()
    dlist = os.path.join(work, "dispatcher.list")
    with open(os.path.join(DOCKER, "kamailio", "dispatcher.list")) as f:
        text = f.read()
    for g in gateways:
        text = text.replace(f"sip:{g}:{SIP_PORT}", f"sip:localhost:{ports[g]['sip']}")
    with open(dlist, "w") as f:
        f.write(text)
    cfg = kamailio_cfg(work, kam_port, http_port, dlist)
    r = run(["kamailio", "-c", "-f", cfg], timeout=30)
    check(r.returncode == 0, f"kamailio -c accepts the site's kamailio.cfg{'' if r.returncode == 0 else chr(10) + r.stderr[-1500:]}")
    kam = start(["kamailio", "-f", cfg, "-DD", "-E", "-Y", work, "-w", work,
                 "-P", os.path.join(work, "kamailio.pid")], "kamailio", work)
    # SIGTERM, not the harness's final SIGKILL: Kamailio's main process ends its children then.
    atexit.register(kam.stop, 10)
    wait_until(lambda: http_get(f"http://127.0.0.1:{http_port}/metrics")[0] == 200 or not kam.alive(),
               20, "Kamailio's /metrics")
    check(kam.alive(), "Kamailio runs the site configuration")
    status, text = http_get(f"http://127.0.0.1:{http_port}/metrics")
    check(status == 200 and "kamailio_" in text, "Kamailio's xhttp_prom /metrics (the kamailio scrape job)")

    # The dispatcher's OPTIONS probes (every 10 s) get 200 from both gateways.
    def probed(g):
        m = ports[g]["metrics"]
        return metric(m, "p2psip_sip_requests_received_total", '{method="OPTIONS"}') >= 1 and \
            metric(m, "p2psip_gateway_routes_total", '{route="local"}') >= 1
    deadline = time.monotonic() + 30
    while not all(probed(g) for g in gateways):
        if time.monotonic() > deadline:
            fail("the dispatcher's OPTIONS probes did not reach both gateways\n--- kamailio\n"
                 + kam.output()[-3000:] + "".join(f"\n--- {g}\n" + procs[g].output()[-1500:]
                                                  for g in gateways))
        time.sleep(0.5)
    ctl = ["kamcmd", "-s", f"unix:{work}/kamailio_ctl", "dispatcher.list"]
    def states():
        out = run(ctl, timeout=10).stdout
        return dict(re.findall(r"URI:\s*sip:localhost:(\d+)\s+FLAGS:\s*(\w+)", out))
    want = {str(ports[g]["sip"]): "AP" for g in gateways}
    wait_until(lambda: states() == want, 30, "the dispatcher to mark both gateways active and probed")
    check(True, f"kamcmd dispatcher.list: both gateways AP ({states()})")
    for g in gateways:
        m = ports[g]["metrics"]
        check(metric(m, "p2psip_sip_responses_sent_total", '{code_class="4xx"}', missing=None) == 0
              and metric(m, "p2psip_sip_responses_sent_total", '{code_class="2xx"}') >= 1,
              f"{g} answered the dispatcher's OPTIONS with 200 (no 4xx)")

    # Calls for the overlay domain reach both gateways (round robin); nobody is registered.
    codes = [invite(kam_port, f"nobody{i}", domain) for i in range(4)]
    check(codes == [404] * 4, f"INVITEs to the overlay domain through Kamailio: {codes}")
    for g in gateways:
        check(metric(ports[g]["metrics"], "p2psip_overlay_lookups_total", '{result="not_found"}') >= 1,
              f"{g} looked calls up in the overlay")

    # Failover: gw1 stops; every call is still answered, by gw2.
    first = gateways[0]
    check(procs[first].stop() == 0, f"{first} stopped (SIGTERM, exit 0)")
    other = ports[gateways[1]]["metrics"]
    before = metric(other, "p2psip_overlay_lookups_total", '{result="not_found"}')
    codes = [invite(kam_port, f"after{i}", domain) for i in range(3)]
    if codes != [404] * 3:
        fail(f"with {first} down, INVITEs are not all answered: {codes}\n{kam.output()[-4000:]}")
    check(True, f"with {first} down, INVITEs are still answered: {codes}")
    check(metric(other, "p2psip_overlay_lookups_total", '{result="not_found"}') - before == 3,
          f"all three were looked up by {gateways[1]}")
    check(kam.alive() and all(procs[n].alive() for n in nodes if n != first), "everything else still runs")
    kam.stop(10)
    def kamailio_children():
        out = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if cfg.encode() in f.read():
                        out.append(pid)
            except OSError:
                pass
        return out
    wait_until(lambda: not kamailio_children(), 10, "Kamailio's children to exit after its SIGTERM")
    check(True, "Kamailio and all its children ended")
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
