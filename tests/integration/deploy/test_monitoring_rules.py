"""deploy/monitoring and deploy/grafana: promtool accepts prometheus.yml and alerts.yml, the alert
unit tests in alerts_test.yml pass, the dashboard JSON is what make_dashboard.py generates, and a
real Prometheus scraping a real `p2psip gateway` and `p2psip peer` (free loopback ports) loads the
rules and answers every dashboard and alert expression with status success; expressions on
metrics the binary exports now must also return data."""

import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (P2P_BIN, SOURCE_DIR, check, fail, free_port, http_get, run, start,  # noqa: E402
                     temp_dir, wait_until)

MONITORING = os.path.join(SOURCE_DIR, "deploy", "monitoring")
GRAFANA = os.path.join(SOURCE_DIR, "deploy", "grafana")
# Grafana's variables, as a query against everything would see them.
GRAFANA_VARS = {"$__rate_interval": "1m", "$instance": ".*"}
METRIC_NAME = re.compile(r"\b(p2psip_[a-z0-9_]+|process_[a-z_]+)\b")


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


def dashboard_exprs():
    sys.path.insert(0, GRAFANA)
    import make_dashboard  # noqa: E402
    with open(os.path.join(GRAFANA, "dashboards", "p2psip.json")) as f:
        committed = f.read()
    check(committed == make_dashboard.render(),
          "dashboards/p2psip.json is up to date with make_dashboard.py")
    exprs = []
    for panel in json.loads(committed)["panels"]:
        for target in panel.get("targets", []):
            e = target["expr"]
            for var, value in GRAFANA_VARS.items():
                e = e.replace(var, value)
            exprs.append((f"panel '{panel['title']}'", e))
    check(len(exprs) > 20, f"{len(exprs)} dashboard expressions")
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


def start_targets(work):
    """A gateway and a peer, each on free ports; returns their metrics ports."""
    ports = set()
    while len(ports) < 5:  # five distinct ports (two free_port() calls may return the same one)
        ports.add(free_port())
    gw_metrics, peer_metrics, sip, gw_overlay, peer_overlay = ports
    gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{sip}",
                "--metrics-listen", f"127.0.0.1:{gw_metrics}", "--overlay-listen",
                f"127.0.0.1:{gw_overlay}", "--data-dir", os.path.join(work, "gw")], "gateway", work)
    peer = start([P2P_BIN, "peer", "--metrics-listen", f"127.0.0.1:{peer_metrics}",
                  "--overlay-listen", f"127.0.0.1:{peer_overlay}", "--data-dir",
                  os.path.join(work, "peer")], "peer", work)
    for proc, port in ((gw, gw_metrics), (peer, peer_metrics)):
        wait_until(lambda: http_get(f"http://127.0.0.1:{port}/metrics")[0] == 200 or not proc.alive(),
                   20, f"{proc.args[1]} /metrics")
        check(proc.alive(), f"p2psip {proc.args[1]} is running\n{'' if proc.alive() else proc.output()}")
    return gw_metrics, peer_metrics


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


def exported_now(base):
    """Metric names with at least one series in Prometheus (so: on some /metrics right now)."""
    r = query(base, '{__name__=~"p2psip_.*|process_.*"}')
    return {s["metric"]["__name__"] for s in r.get("data", {}).get("result", [])}


def check_live_queries(exprs):
    work = temp_dir()
    gw_metrics, peer_metrics = start_targets(work)
    base = start_prometheus(work, gw_metrics, peer_metrics)
    # rate() over 1m needs two samples of each target: wait for a few 1 s scrapes.
    def scrapes():
        result = query(base, "min(count_over_time(up[1m])) and count(up == 1) == 2")
        result = result.get("data", {}).get("result", [])
        return bool(result) and float(result[0]["value"][1]) >= 3
    wait_until(scrapes, 30, "three scrapes of both targets", interval=0.5)
    names = exported_now(base)
    check("p2psip_build_info" in names, f"scraped metric families: {len(names)}")
    skipped = []
    for where, expr in exprs:
        r = query(base, expr)
        if r.get("status") != "success":
            fail(f"{where}: {expr}\n  -> {r.get('status')}: {r.get('error')}")
        used = {n[:-len("_bucket")] + "_bucket" if n.endswith("_bucket") else n
                for n in METRIC_NAME.findall(expr)}
        if where.startswith("alert") or not used <= names:
            skipped.append(where)
            continue
        if not r["data"]["result"]:
            fail(f"{where}: no data although {sorted(used)} are exported\n  {expr}")
    print(f"ok: all {len(exprs)} expressions are valid PromQL; data checked for "
          f"{len(exprs) - len(skipped)} (the rest are alerts or use metrics not exported yet: "
          f"{sorted(set(skipped))})", flush=True)


def main():
    check_promtool()
    if not P2P_BIN:
        fail("P2P_BIN is not set (run through ctest)")
    check_live_queries(dashboard_exprs() + alert_exprs())
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
