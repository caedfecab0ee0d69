"""deploy/docker/compose.yaml without a container engine: the file is checked for what compose
would trip over, then the site is run on loopback from the same files, processes instead of
containers:
- every build context and Dockerfile, bind-mounted path, named volume, secret file and
  depends_on exists; each gateway listens for SIP on its fixed address on the site network (its
  service AoR's contact is sip:<user>@<sip_listen>, so not 0.0.0.0);
  prometheus.yml scrapes exactly the compose services on their metrics ports (gateways in job
  p2psip-gateway, peers in p2psip-peer, Kamailio on the port its config listens on); the Grafana
  provisioning points at the prometheus service and the mounted dashboards directory;
  dispatcher.list names the gateway services on their SIP port; `kamailio -c` accepts the site's
  kamailio.cfg;
- the site enrolls (RFC 6940 §11): the enroll service's script (compose's $$ unescaped, its
  volumes and secrets temp dirs/files, its fixed addresses loopback ports) makes the CA, copies
  ca.crt into the trust volume and runs `p2psip enroll-server`; peer1..3 and gw1..2 start with
  their compose environment only (plus loopback listen addresses, compose's mounts and secrets
  as temp paths), so every P2PSIP_* variable there must be one the binary accepts: each enrolls
  with its own user and password, trusting the server by ca.crt; the first peer (its address is
  the document's bootstrap-node) starts the ring; each gateway's service AoR holds its contact;
  afterwards the CA key is in the enroll service's mounts and in no other service's, and no
  node is configured with a certificate, key or CA of its own;
- the site's kamailio.cfg (listen addresses and the dispatcher list rewritten to loopback, the
  gateways named `localhost` as compose names them gw1/gw2) probes both gateways with OPTIONS
  and gets 200 (their P2PSIP_ALIAS makes the name their own), routes INVITEs for the overlay
  domain to them (nobody registered: the gateway's overlay lookup answers 404), and after gw1
  is stopped still gets every call answered by gw2 (failover); its xhttp_prom /metrics answers."""

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
from site_kamailio import dispatcher_states, render_cfg, render_dispatcher_list, start_kamailio  # noqa: E402

try:
    import yaml  # python3-yaml (scripts/install-deps.sh)
except ImportError:
    skip("python3-yaml is not installed (scripts/install-deps.sh installs it)")

DOCKER = os.path.join(SOURCE_DIR, "deploy", "docker")
COMPOSE = os.path.join(DOCKER, "compose.yaml")
MONITORING = os.path.join(SOURCE_DIR, "deploy", "monitoring")
METRICS_PORT, SIP_PORT, RELOAD_PORT = 9464, 5060, 6084  # the binary's defaults, EXPOSEd
ENROLL_PORT = 8443  # the enroll service's HTTPS


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
        top_secrets = compose.get("secrets") or {}
        for sec in svc.get("secrets") or []:
            src = sec if isinstance(sec, str) else sec["source"]
            if src not in top_secrets or not os.path.isfile(in_compose_dir(top_secrets[src]["file"])):
                fail(f"service {name}: secret {src} is not declared under secrets: with an existing file")
        deps = svc.get("depends_on") or []
        for d in deps if isinstance(deps, list) else deps.keys():
            if d not in services:
                fail(f"service {name} depends on unknown service {d}")
    check(True, f"{len(services)} services: build contexts, Dockerfiles, bind mounts, volumes, secrets "
                f"and depends_on all exist")


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
        # The service AoR's contact is sip:<user>@<sip_listen>: it must be an address the
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


def check_addresses_and_order(compose, nodes, peers):
    """Issue 19: fixed addresses outside the network's ip_range (so that no container started
    first takes one), every node but the first peer started once that peer (the bootstrap) is
    healthy, Kamailio once both gateways are; Kamailio's Record-Route address from
    KAMAILIO_ADVERTISE; its failure route takes a gateway out only on no reply or a 503."""
    services = compose["services"]
    ipam = compose["networks"]["default"]["ipam"]["config"][0]
    subnet = ipaddress.ip_network(ipam["subnet"])
    check("ip_range" in ipam and ipaddress.ip_network(ipam["ip_range"]).subnet_of(subnet),
          f"the site network has an ip_range inside its subnet: {ipam}")
    dynamic = ipaddress.ip_network(ipam["ip_range"])
    fixed = {n: ((s.get("networks") or {}).get("default") or {}).get("ipv4_address")
             for n, s in services.items()}
    fixed = {n: ipaddress.ip_address(a) for n, a in fixed.items() if a}
    check(all(a in subnet and a not in dynamic for a in fixed.values())
          and len(set(fixed.values())) == len(fixed),
          f"fixed addresses in {subnet}, unique, outside ip_range {dynamic}: "
          f"{ {n: str(a) for n, a in fixed.items()} }")
    first = next(p for p in peers if "P2PSIP_OVERLAY_LISTEN" in nodes[p][1])

    def healthy_deps(name):
        deps = services[name].get("depends_on") or {}
        return {d for d, c in (deps.items() if isinstance(deps, dict) else [])
                if c.get("condition") == "service_healthy"}
    for n in nodes:
        if n != first:
            check(first in healthy_deps(n), f"{n} starts once {first} (its bootstrap) is healthy")
    gateways = [n for n in nodes if nodes[n][0][0] == "gateway"]
    check(set(gateways) <= healthy_deps("kamailio"), "Kamailio starts once both gateways are healthy")
    check("kamailio" in fixed and services["kamailio"]["environment"].get("KAMAILIO_ADVERTISE"),
          "Kamailio has a fixed address and KAMAILIO_ADVERTISE")
    cfg = os.path.join(DOCKER, "kamailio", "kamailio.cfg")
    r = run(["kamailio", "-c", "-f", cfg], timeout=30,
            env={**os.environ, "KAMAILIO_ADVERTISE": "203.0.113.7"})
    check("udp: 0.0.0.0:5060 advertise 203.0.113.7:5060" in r.stdout + r.stderr,
          "KAMAILIO_ADVERTISE is the address Kamailio's SIP sockets advertise (Record-Route)")
    with open(cfg) as f:
        text = f.read()
    failure = re.search(r"failure_route\[GATEWAY_FAILED\] \{(.*?)\n\}", text, re.S).group(1)
    mark = re.search(r"if \((.*)\) \{\s*ds_mark_dst", failure).group(1)
    check("5[0-9][0-9]" not in mark and 't_check_status("503")' in mark
          and "t_branch_timeout() && !t_branch_replied()" in mark,
          f"the failure route marks a gateway down only on no reply or its own 503: if ({mark})")


def mounts_of(compose, name, volumes_dir):
    """{path in the container: path here} for a service, as compose mounts them: a directory
    per named volume under volumes_dir (shared by the services mounting it), bind mounts, and
    secrets at /run/secrets/<target>."""
    svc = compose["services"][name]
    out = {}
    for v in svc.get("volumes") or []:
        src, target = v.split(":")[:2]
        out[target] = in_compose_dir(src) if src.startswith((".", "/")) else os.path.join(volumes_dir, src)
    top = compose.get("secrets") or {}
    for sec in svc.get("secrets") or []:
        src, target = (sec, sec) if isinstance(sec, str) else (sec["source"], sec.get("target", sec["source"]))
        out["/run/secrets/" + target] = in_compose_dir(top[src]["file"])
    return out


def localize(value, mounts, addresses):
    """A compose value as it is here: mounted paths to their temp paths, fixed site addresses
    (and the service's own 0.0.0.0:PORT) to loopback ports."""
    for target in sorted(mounts, key=len, reverse=True):
        value = re.sub(rf"(?<![\w./-]){re.escape(target)}(?=[/\s]|$)", mounts[target], value)
    for addr, local in addresses.items():
        value = re.sub(rf"(?<![\w.]){re.escape(addr)}\b", local, value)
    return value


def sh_services(compose):
    """(one-shot, server): the services running a shell script of the p2psip image; the server
    is the one that execs `p2psip enroll-server`."""
    scripts = {n: svc["command"][0].replace("$$", "$") for n, svc in compose["services"].items()
               if svc.get("image", "").startswith("p2psip") and svc.get("entrypoint") == ["/bin/sh", "-ec"]}
    servers = [n for n, text in scripts.items() if "enroll-server" in text]
    check(len(servers) == 1, f"one enrollment server: {servers}")
    return {n: t for n, t in scripts.items() if n not in servers}, (servers[0], scripts[servers[0]])


def sh_env():
    return dict(os.environ, PATH=os.path.dirname(P2P_BIN) + ":" + os.environ["PATH"])


def run_one_shot(name, script):
    # chown to the image's user: harmless here, as root; skipped otherwise.
    if os.getuid() != 0:
        script = re.sub(r"^\s*chown .*$", ":", script, flags=re.M)
    r = subprocess.run(["/bin/sh", "-ec", script], capture_output=True, text=True, env=sh_env(), timeout=60)
    check(r.returncode == 0, f"the {name} script ran{'' if r.returncode == 0 else ': ' + r.stderr[-500:]}")


def holds(path, key_pem):
    with open(path, "rb") as f:
        return key_pem in f.read()


def ca_key_holders(compose, volumes_dir, key_pem):
    """The services whose mounts (volumes, bind mounts, secrets) hold a file containing key_pem."""
    holders = []
    for name in compose["services"]:
        for path in mounts_of(compose, name, volumes_dir).values():
            files = [path] if os.path.isfile(path) else \
                [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]
            if any(holds(f, key_pem) for f in files if os.path.isfile(f)):
                holders.append(name)
                break
    return holders


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


def address_map(compose, ports, own=None):
    """Fixed site addresses (compose's ipv4_address with the known ports) to loopback ports;
    with `own`, also that service's 0.0.0.0:PORT listeners."""
    kinds = {RELOAD_PORT: "overlay", SIP_PORT: "sip", METRICS_PORT: "metrics", ENROLL_PORT: "https"}
    out = {}
    for name, svc in compose["services"].items():
        ip = ((svc.get("networks") or {}).get("default") or {}).get("ipv4_address")
        for port, kind in kinds.items():
            if name in ports and kind in ports[name]:
                if ip:
                    out[f"{ip}:{port}"] = f"127.0.0.1:{ports[name][kind]}"
                if name == own:
                    out[f"0.0.0.0:{port}"] = f"127.0.0.1:{ports[name][kind]}"
    return out


def start_enroll_server(compose, ports, work, volumes):
    one_shots, (server, script) = sh_services(compose)
    for name, text in one_shots.items():
        run_one_shot(name, localize(text, mounts_of(compose, name, volumes), {}))
    ports[server] = {"https": free_port(), "metrics": free_port()}
    script = localize(script, mounts_of(compose, server, volumes), address_map(compose, ports, own=server))
    srv = start(["/bin/sh", "-ec", script], server, work, env=sh_env())
    wait_until(lambda: "certificate sha256" in srv.stdout() or not srv.alive(), 30, "the enrollment server")
    check(srv.alive(), f"{server} made the CA and runs the enrollment server{'' if srv.alive() else srv.output()}")
    return server, script, srv


def start_site(compose, nodes, peers, work):
    """The enroll service, then every node with its compose environment, the first peer (the
    document's bootstrap-node) first; returns (ports, procs, domain)."""
    with open(os.path.join(DOCKER, "Dockerfile")) as f:
        data_dir_env = re.search(r"^ENV P2PSIP_DATA_DIR=(\S+)", f.read(), re.M).group(1)
    volumes = os.path.join(work, "volumes")
    for v in compose.get("volumes") or {}:
        os.makedirs(os.path.join(volumes, v))
    ports = {n: {"overlay": free_port(), "metrics": free_port(), "sip": free_port()} for n in nodes}
    server, script, srv = start_enroll_server(compose, ports, work, volumes)
    domain = re.search(r"--overlay\s+(\S+)", script).group(1)
    bootstrap = re.findall(r"--bootstrap\s+(\S+)", script)
    envs = {n: {k: localize(v, mounts_of(compose, n, volumes), address_map(compose, ports))
                for k, v in env.items()} for n, (_, env) in nodes.items()}
    first = [n for n in nodes if envs[n].get("P2PSIP_OVERLAY_LISTEN") in bootstrap]
    check(len(first) == 1 and first[0] in peers,
          f"one peer ({first}) starts the overlay: its address is the server's --bootstrap {bootstrap}")
    procs = {server: srv}
    for n in first + [n for n in nodes if n not in first]:
        cmd, env = nodes[n][0], envs[n]
        check(not {"P2PSIP_CERT", "P2PSIP_KEY", "P2PSIP_CA"} & set(env) and env.get("P2PSIP_ENROLL", "").startswith(
            f"https://127.0.0.1:{ports[server]['https']}/"), f"{n} has no certificate of its own: it enrolls at the server")
        if cmd[0] == "gateway":
            env["P2PSIP_ALIAS"] = "localhost"  # the name the loopback dispatcher list uses
            env["P2PSIP_SIP_LISTEN"] = f"127.0.0.1:{ports[n]['sip']}"
        env["P2PSIP_LOG_LEVEL"] = "debug"  # for the log shown on a failure
        env["P2PSIP_OVERLAY_LISTEN"] = f"127.0.0.1:{ports[n]['overlay']}"
        env["P2PSIP_METRICS_LISTEN"] = f"127.0.0.1:{ports[n]['metrics']}"
        env["P2PSIP_DATA_DIR"] = mounts_of(compose, n, volumes)[data_dir_env]
        p = start([P2P_BIN, *cmd], n, work, env=env)
        deadline = time.monotonic() + 30
        while http_get(f"http://127.0.0.1:{ports[n]['metrics']}/health")[0] != 200 and p.alive():
            if time.monotonic() > deadline:
                fail(f"{n}: no /health 200 after 30 s\n{p.output()[-3000:]}")
            time.sleep(0.2)
        check(p.alive(), f"{n} ({' '.join(cmd)}) runs with its compose environment"
                         f"{'' if p.alive() else chr(10) + p.output()[-1500:]}")
        check(f"enrolled: user {env.get('P2PSIP_USER')}@{domain}" in p.stderr(),
              f"{n} enrolled as {env.get('P2PSIP_USER')}@{domain}")
        procs[n] = p
    issued = metric(ports[server]["metrics"], "p2psip_enroll_certificates_issued_total", missing=None)
    check(issued == len(nodes), f"{server}'s /metrics (the p2psip-enroll scrape job): {issued} certificates issued")
    ca_dir = re.search(r"--ca-dir\s+(\S+)", script).group(1)
    with open(os.path.join(ca_dir, "ca.key"), "rb") as f:
        key_pem = f.read().strip()
    holders = ca_key_holders(compose, volumes, key_pem)
    check(holders == [server], f"the CA key is in the mounts of {holders} only")
    return ports, procs, domain


def check_service_aors(compose, nodes, gateways, ports, procs, domain, work):
    """Each gateway's service AoR (its own user: one Node-ID per user) holds its contact."""
    server = next(n for n in procs if n not in nodes)
    ca_dir = re.search(r"--ca-dir\s+(\S+)", procs[server].args[-1]).group(1)
    client = os.path.join(work, "client")  # a client of its own (a node's cert is its Node-ID)
    r = run([P2P_BIN, "ca", "issue", "--dir", ca_dir, "--user", f"client@{domain}", "--out", client])
    check(r.returncode == 0, f"a client certificate{'' if r.returncode == 0 else ': ' + r.stderr}")
    first = next(n for n in nodes if n in procs and n not in gateways)
    for g in gateways:
        aor = nodes[g][1].get("P2PSIP_SERVICE_AOR", f"gateway@{domain}")
        lookup = [P2P_BIN, "lookup", "--bootstrap", f"127.0.0.1:{ports[first]['overlay']}",
                  "--cert", client + ".crt", "--key", client + ".key",
                  "--ca", os.path.join(ca_dir, "ca.crt"), "--timeout", "10", aor]
        want = [f"sip:{aor.split('@')[0]}@127.0.0.1:{ports[g]['sip']}"]
        got = []
        deadline = time.monotonic() + 30
        while got != want:
            r = run(lookup, timeout=30)
            got = sorted(r.stdout.split())
            if time.monotonic() > deadline:
                fail(f"{aor} holds {got} ({r.stderr.strip()[-500:]}), not {want}\n--- {g}\n"
                     + procs[g].output()[-1500:])
            time.sleep(0.5)
        check(True, f"p2psip lookup {aor}: {want}")


def main():
    if not P2P_BIN:
        fail("P2P_BIN is not set (run through ctest)")
    with open(COMPOSE) as f:
        compose = yaml.safe_load(f)
    check_files(compose)
    nodes = p2psip_services(compose)
    gateways, peers = check_wiring(compose, nodes)
    check_addresses_and_order(compose, nodes, peers)

    work = temp_dir("p2p-site-")
    ports, procs, domain = start_site(compose, nodes, peers, work)
    check_service_aors(compose, nodes, gateways, ports, procs, domain, work)

    # Kamailio with the site's configuration.
    kam_port, http_port = free_port(), free_port()
    dlist, _ = render_dispatcher_list(work, {f"sip:{g}:{SIP_PORT}": f"sip:localhost:{ports[g]['sip']}"
                                             for g in gateways})
    cfg = render_cfg(work, kam_port, http_port, dlist)
    kam = start_kamailio(cfg, work, http_port)
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
    def states():
        return {re.sub(r"^sip:localhost:", "", u): f for u, f in dispatcher_states(work).items()}
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
