"""deploy/monitoring and deploy/grafana against the real binary and a real Prometheus:
- promtool accepts prometheus.yml and alerts.yml, and the alert unit tests (alerts_test.yml) pass;
- the dashboard JSON is what make_dashboard.py generates and is structurally sound for Grafana
  (schemaVersion, unique panel ids, a datasource and targets with refId/expr on every panel,
  gridPos inside the 24 columns and no two panels overlapping);
- a real ring (a `p2psip gateway` with its own certificate and a static registration, and a
  `p2psip peer` that joins it) gets a little SIP traffic (OPTIONS, an INVITE to an AoR nobody
  registered: overlay lookup, 404) and is scraped by a real Prometheus that loads alerts.yml;
- every metric family the binary exports appears on the dashboard, and every metric name the
  alerts and the dashboard use is one the binary exports (no typos, no stale names);
- every dashboard expression and every alert expression evaluates with status success through the
  HTTP API, and returns data: a dashboard query as it is, an alert as each operand of its
  and/or with the threshold comparison removed (the alert itself only has data while firing)."""

import json
import os
import re
import socket
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (P2P_BIN, SOURCE_DIR, check, fail, free_port, http_get, run, start,  # noqa: E402
                     temp_dir, wait_until)

MONITORING = os.path.join(SOURCE_DIR, "deploy", "monitoring")
GRAFANA = os.path.join(SOURCE_DIR, "deploy", "grafana")
DOMAIN = "p2p.example.com"
# Grafana's variables, as a query against everything would see them.
GRAFANA_VARS = {"$__rate_interval": "1m", "$instance": ".*", "$kamailio_job": "kamailio-exporter"}
# The Kamailio row reads kamailio_exporter, which is not part of this test: its expressions are
# checked for valid PromQL, not for data.
NO_EXPORTER_HERE = "kamailio_"
DS = {"type": "prometheus", "uid": "${datasource}"}
METRIC_NAME = re.compile(r"\b(p2psip_[a-z0-9_]+|process_[a-z_]+)\b")
HIST_SUFFIX = re.compile(r"_(bucket|sum|count)$")


def promtool(*args):
    r = run(["promtool", *args], timeout=60)
    return r.returncode == 0, (r.stdout + r.stderr).strip()


def check_promtool():
    ok, out = promtool("check", "config", os.path.join(MONITORING, "prometheus.yml"))
    check(ok, f"promtool check config prometheus.yml\n{out}")
    ok, out = promtool("check", "rules", os.path.join(MONITORING, "alerts.yml"))
    check(ok, f"promtool check rules alerts.yml\n{out}")
    ok, out = promtool("test", "rules", os.path.join(MONITORING, "alerts_test.yml"))
    check(ok, f"promtool test rules alerts_test.yml\n{out}")


def check_dashboard_structure(dash):
    """What Grafana needs to import the dashboard (Grafana itself is not in Debian 12)."""
    check(isinstance(dash.get("schemaVersion"), int) and dash["schemaVersion"] >= 30,
          f"dashboard schemaVersion {dash.get('schemaVersion')}")
    check(dash.get("uid") and dash.get("title"), "dashboard has a uid and a title")
    panels = dash["panels"]
    ids = [p["id"] for p in panels]
    check(len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids),
          f"{len(ids)} panels with unique integer ids")
    cells = {}
    for p in panels:
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")) or g["w"] <= 0 \
                or g["h"] <= 0 or g["x"] < 0 or g["y"] < 0 or g["x"] + g["w"] > 24:
            fail(f"panel '{p.get('title')}': gridPos {g} is not inside the 24-column grid")
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    fail(f"panels '{cells[(x, y)]}' and '{p.get('title')}' overlap at {(x, y)}")
                cells[(x, y)] = p.get("title")
        if p["type"] == "row":
            continue
        targets = p.get("targets") or []
        if p.get("datasource") != DS or any(t.get("datasource") != DS for t in targets):
            fail(f"panel '{p.get('title')}' does not read the $datasource variable: {p.get('datasource')}")
        refs = [t.get("refId") for t in targets]
        if not targets or len(set(refs)) != len(refs) or not all(t.get("expr") for t in targets):
            fail(f"panel '{p.get('title')}': targets need a unique refId and an expr: {targets}")
        if not p.get("title"):
            fail(f"panel {p['id']} has no title")
    check(True, "every panel has a title, the $datasource variable and targets; gridPos do not overlap")
    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    check(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
          f"a `datasource` variable of type datasource over Prometheus datasources: {ds}")
    check(all(v.get("datasource") in (None, DS) for v in variables.values())
          and '"uid": "prometheus"' not in json.dumps(dash),
          "no fixed datasource uid anywhere: the dashboard imports into an existing Grafana")
    ds_uid = None
    with open(os.path.join(GRAFANA, "provisioning", "datasources", "prometheus.yaml")) as f:
        m = re.search(r"^\s*uid:\s*(\S+)", f.read(), re.M)
        ds_uid = m and m.group(1).strip("'\"")
    check(ds_uid == "prometheus", f"the provisioned datasource has uid {ds_uid} as the panels expect")


def dashboard_exprs():
    sys.path.insert(0, GRAFANA)
    import make_dashboard  # noqa: E402
    with open(os.path.join(GRAFANA, "dashboards", "p2psip.json")) as f:
        committed = f.read()
    check(committed == make_dashboard.render(),
          "dashboards/p2psip.json is up to date with make_dashboard.py")
    dash = json.loads(committed)
    check_dashboard_structure(dash)
    exprs = []
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            e = target["expr"]
            for var, value in GRAFANA_VARS.items():
                e = e.replace(var, value)
            exprs.append((f"panel '{panel['title']}' {target['refId']}", e))
    check(len(exprs) > 30, f"{len(exprs)} dashboard expressions")
    return exprs


def alert_exprs():
    exprs, rule = [], None
    # PyYAML is not a dependency: read the `- alert:` and `expr:` lines (plain or `|` blocks).
    with open(os.path.join(MONITORING, "alerts.yml")) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*- alert: (\w+)", line)
        if m:
            rule = m.group(1)
        m = re.match(r"(\s*)expr: (.*)", line)
        if m and rule:
            if m.group(2).strip() == "|":  # block scalar: the more indented lines that follow
                body, indent = [], len(m.group(1))
                for nxt in lines[i + 1:]:
                    if len(nxt) - len(nxt.lstrip()) <= indent:
                        break
                    body.append(nxt.strip())
                exprs.append((f"alert {rule}", " ".join(body)))
            else:
                exprs.append((f"alert {rule}", m.group(2)))
    check(len(exprs) >= 9, f"{len(exprs)} alert expressions")
    return exprs


def check_runbooks():
    """Every alert carries a runbook annotation: what it means, what to check, what to do."""
    with open(os.path.join(MONITORING, "alerts.yml")) as f:
        blocks = re.split(r"\n\s*- alert: ", f.read())[1:]
    names = [b.split()[0] for b in blocks]
    missing = [n for n, b in zip(names, blocks)
               if not re.search(r'\n\s*runbook: ".*Means: .*Check: .*Do: .*"', b)]
    check(not missing, f"all {len(names)} alerts have a runbook (Means/Check/Do); missing: {missing}")
    check("P2psipSeveralPeersDown" in names and "P2psipCertificateExpiring" in names,
          "the several-peers-down (data loss) and certificate expiry alerts exist")


def split_top(expr, words=("and", "or", "unless")):
    """The operands of the top-level set operators of a PromQL expression."""
    parts, depth, quote, cur, i = [], 0, None, "", 0
    while i < len(expr):
        c = expr[i]
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            m = re.match(r"\s(" + "|".join(words) + r")\s", expr[i:])
            if m:
                parts.append(cur.strip())
                cur, i = "", i + m.end()
                continue
        cur += c
        i += 1
    parts.append(cur.strip())
    return parts


def data_probes(expr):
    """For an alert: each operand without its trailing threshold comparison; absent(x) -> x."""
    out = []
    for part in split_top(expr):
        part = re.sub(r"\s*(==|!=|>=|<=|>|<)\s*(bool\s+)?[-+]?[0-9][0-9.e+-]*\s*$", "", part)
        m = re.fullmatch(r"absent\((.*)\)", part, re.S)
        out.append(m.group(1) if m else part)
    return out


def issue(work, ca_dir, user, name, node_id=None):
    args = [P2P_BIN, "ca", "issue", "--dir", ca_dir, "--user", user, "--key-type", "ec",
            "--out", os.path.join(work, name)]
    if node_id:
        args += ["--node-id", node_id]
    r = run(args)
    check(r.returncode == 0, f"p2psip ca issue {user}{'' if r.returncode == 0 else ': ' + r.stderr}")
    nid = re.search(r"node-id: ([0-9a-f]{32})", r.stdout)
    return (nid.group(1) if nid else None), os.path.join(work, name + ".crt"), os.path.join(work, name + ".key")


def sip(port, text, want_final=True):
    """Sends one request over UDP from 127.0.0.1; returns the first final response (or None)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    s.sendto(text.replace("LPORT", str(s.getsockname()[1])).encode(), ("127.0.0.1", port))
    try:
        while want_final:
            r = s.recv(65535).decode(errors="replace")
            if not r.startswith("SIP/2.0 1"):
                return r, s
    except OSError:
        return None, s
    return None, s


def request(method, ruri, call_id, branch, cseq_method=None, to_tag=""):
    return (f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-{branch}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:monitor@127.0.0.1>;tag=mon\r\n"
            f"To: <{ruri}>{to_tag}\r\nCall-ID: {call_id}\r\nCSeq: 1 {cseq_method or method}\r\n"
            f"Contact: <sip:monitor@127.0.0.1:LPORT>\r\nContent-Length: 0\r\n\r\n")


def start_targets(work):
    """A ring of a gateway (own certificate, one static registration) and a peer that joins it;
    returns (gateway metrics port, peer metrics port, gateway SIP port)."""
    ca_dir = os.path.join(work, "ca")
    r = run([P2P_BIN, "ca", "init", "--overlay", DOMAIN, "--dir", ca_dir])
    check(r.returncode == 0, f"p2psip ca init{'' if r.returncode == 0 else ': ' + r.stderr}")
    ca = os.path.join(ca_dir, "ca.crt")
    gw_node, gw_cert, gw_key = issue(work, ca_dir, f"gateway@{DOMAIN}", "gateway")
    _, pstn_cert, pstn_key = issue(work, ca_dir, f"pstn@{DOMAIN}", "pstn", gw_node)
    _, peer_cert, peer_key = issue(work, ca_dir, f"peer@{DOMAIN}", "peer")
    config = os.path.join(work, "gateway.yaml")
    with open(config, "w") as f:
        f.write(f"static_registrations:\n  - aor: pstn@{DOMAIN}\n"
                f"    contact: \"sip:pstn@192.0.2.50:5070\"\n    cert: {pstn_cert}\n    key: {pstn_key}\n")
    gw_metrics, peer_metrics, sip_port, gw_overlay, peer_overlay = (free_port() for _ in range(5))
    gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip_port}",
                "--metrics-listen", f"127.0.0.1:{gw_metrics}", "--overlay-listen",
                f"127.0.0.1:{gw_overlay}", "--overlay", DOMAIN, "--cert", gw_cert, "--key", gw_key,
                "--ca", ca, "--config", config, "--data-dir", os.path.join(work, "gw")], "gateway", work)
    wait_until(lambda: http_get(f"http://127.0.0.1:{gw_metrics}/health")[0] == 200 or not gw.alive(),
               30, "gateway /health")
    check(gw.alive(), f"p2psip gateway is running\n{'' if gw.alive() else gw.output()[-2000:]}")
    peer = start([P2P_BIN, "peer", "--overlay", DOMAIN, "--metrics-listen", f"127.0.0.1:{peer_metrics}",
                  "--overlay-listen", f"127.0.0.1:{peer_overlay}", "--cert", peer_cert, "--key", peer_key,
                  "--ca", ca, "--bootstrap", f"127.0.0.1:{gw_overlay}",
                  "--data-dir", os.path.join(work, "peer")], "peer", work)
    wait_until(lambda: http_get(f"http://127.0.0.1:{peer_metrics}/health")[0] == 200 or not peer.alive(),
               30, "peer /health (joined)")
    check(peer.alive(), f"p2psip peer joined the gateway\n{'' if peer.alive() else peer.output()[-2000:]}")
    return gw, gw_metrics, peer_metrics, sip_port


def drive_traffic(sip_port):
    """OPTIONS to the gateway (answered locally) and an INVITE to an AoR nobody registered
    (overlay lookup: not_found, 404, ACKed), so that SIP, route and lookup series move."""
    n = time.time_ns()
    r, s = sip(sip_port, request("OPTIONS", f"sip:127.0.0.1:{sip_port}", f"opt-{n}", f"o{n}"))
    s.close()
    check(r is not None and r.startswith("SIP/2.0 200"), f"OPTIONS -> {r and r.splitlines()[0]}")
    ruri = f"sip:nobody@{DOMAIN}"
    r, s = sip(sip_port, request("INVITE", ruri, f"inv-{n}", f"i{n}"))
    status = r.splitlines()[0] if r else None
    check(r is not None and r.startswith("SIP/2.0 404"), f"INVITE to nobody@{DOMAIN} -> {status}")
    tag = re.search(r"^To:.*?(;tag=[^;\s]+)", r, re.M | re.I)
    ack = request("ACK", ruri, f"inv-{n}", f"i{n}", "ACK", tag.group(1) if tag else "")
    s.sendto(ack.replace("LPORT", str(s.getsockname()[1])).encode(), ("127.0.0.1", sip_port))
    s.close()


def start_prometheus(work, gw_metrics, peer_metrics):
    port = free_port()
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{os.path.join(MONITORING, 'alerts.yml')}"]
scrape_configs:
  - job_name: p2psip-gateway
    static_configs: [{{targets: ["127.0.0.1:{gw_metrics}"]}}]
  - job_name: p2psip-peer
    static_configs: [{{targets: ["127.0.0.1:{peer_metrics}"]}}]
""")
    prom = start(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={work}/tsdb",
                  f"--web.listen-address=127.0.0.1:{port}"], "prometheus", work)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: http_get(base + "/-/ready")[0] == 200 or not prom.alive(), 30, "prometheus ready")
    check(prom.alive(), "prometheus is running")
    status, body = http_get(base + "/api/v1/rules")
    groups = json.loads(body)["data"]["groups"] if status == 200 else []
    check(sum(len(g["rules"]) for g in groups) >= 9, "prometheus loaded alerts.yml")
    return base


def query(base, expr):
    status, body = http_get(base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    try:
        return json.loads(body)
    except ValueError:
        return {"status": f"HTTP {status}", "error": body[:200]}


def series(base, expr):
    return query(base, expr).get("data", {}).get("result", [])


def family(name):
    return HIST_SUFFIX.sub("", name)


def exported_families(text):
    """Metric family names in an exposition (from its # TYPE lines)."""
    return {m.group(1) for m in re.finditer(r"^# TYPE (\S+) ", text, re.M)}


def check_live_queries(dash_exprs, alerts):
    work = temp_dir()
    gw, gw_metrics, peer_metrics, sip_port = start_targets(work)
    base = start_prometheus(work, gw_metrics, peer_metrics)
    wait_until(lambda: series(base, "p2psip_gateway_static_registrations_refresh_timestamp_seconds"),
               30, "the static registration stored in the overlay (refresh timestamp scraped)",
               interval=0.5)
    wait_until(lambda: len(series(base, "p2psip_overlay_routing_table_peers > 0")) == 2, 30,
               "both nodes to have an overlay neighbour", interval=0.5)
    drive_traffic(sip_port)
    # rate() over 1m needs two samples after the traffic: wait for a few 1 s scrapes that see it.
    wait_until(lambda: series(base, 'sum(p2psip_overlay_lookups_total{result="not_found"}) > 0'),
               30, "the lookup counted and scraped", interval=0.5)
    wait_until(lambda: series(base, "min(count_over_time(up[1m])) >= 5 and count(up == 1) == 2"), 30,
               "five scrapes of both targets", interval=0.5)
    # rate()/changes() need two samples of a series: wait (bounded) for two more scrapes of the
    # counter the traffic created, instead of a fixed sleep.
    wait_until(lambda: series(base, 'count_over_time(p2psip_overlay_lookups_total'
                                    '{result="not_found"}[1m]) >= 3'),
               30, "two more scrapes after the traffic", interval=0.5)

    # Names: everything exported is on the dashboard; everything used is exported.
    exported = set()
    for port in (gw_metrics, peer_metrics):
        status, text = http_get(f"http://127.0.0.1:{port}/metrics")
        check(status == 200, f"/metrics on {port}")
        exported |= exported_families(text)
    own = {n for n in exported if n.startswith("p2psip_")}
    on_dashboard = {family(n) for _, e in dash_exprs for n in METRIC_NAME.findall(e)}
    in_alerts = {family(n) for _, e in alerts for n in METRIC_NAME.findall(e)}
    check(not own - on_dashboard, f"all {len(own)} exported p2psip_* families are on the dashboard"
          f" (missing: {sorted(own - on_dashboard)})")
    check(not (on_dashboard | in_alerts) - exported,
          f"every metric the dashboard and alerts use is exported (unknown: "
          f"{sorted((on_dashboard | in_alerts) - exported)})")

    for where, expr in dash_exprs + alerts:
        r = query(base, expr)
        if r.get("status") != "success":
            fail(f"{where}: {expr}\n  -> {r.get('status')}: {r.get('error')}")
    check(True, f"all {len(dash_exprs) + len(alerts)} dashboard and alert expressions are valid PromQL")
    for where, expr in dash_exprs:
        if NO_EXPORTER_HERE in expr:
            continue
        if not series(base, expr):
            fail(f"{where}: no data\n  {expr}")
    kam = sum(NO_EXPORTER_HERE in e for _, e in dash_exprs)
    check(kam >= 5, f"the Kamailio row's {kam} expressions (valid PromQL; no exporter here)")
    check(True, f"all {len(dash_exprs) - kam} p2psip dashboard expressions return data")
    probes = 0
    for where, expr in alerts:
        for probe in data_probes(expr):
            probes += 1
            if probe == expr:
                fail(f"{where}: no threshold found to take off: {expr}")
            if not series(base, probe):
                fail(f"{where}: no data for\n  {probe}")
    check(True, f"all {len(alerts)} alert expressions return data ({probes} operands without thresholds)")
    check(gw.alive(), "the gateway is still running")


def main():
    check_promtool()
    check_runbooks()
    if not P2P_BIN:
        fail("P2P_BIN is not set (run through ctest)")
    alerts = alert_exprs()
    # The probe splitter itself: a threshold and an absent() come off, nested and/or stay.
    check(data_probes('sum(up{job="a"}) == 0 or absent(up{job="a"})') == ['sum(up{job="a"})', 'up{job="a"}']
          and data_probes("a / b > 0.1 and (c > 1 or d) > 0.02") == ["a / b", "(c > 1 or d)"],
          "alert operands are split at the top level and lose their thresholds")
    check_live_queries(dashboard_exprs(), alerts)
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
