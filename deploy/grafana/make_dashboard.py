#!/usr/bin/env python3
"""Writes dashboards/p2psip.json, the Grafana dashboard for p2psip gateways and peers.
Edit the panels here and rerun (python3 deploy/grafana/make_dashboard.py); the monitoring_rules
test fails when the JSON is out of date, checks its structure, and runs every expression against
a real Prometheus scraping a real gateway and peer."""

import json
import os
import sys

# Every panel reads the datasource chosen in the `datasource` variable, so that the dashboard
# imports into an existing Grafana whatever its Prometheus is called (the provisioned one in
# provisioning/datasources/prometheus.yaml has uid "prometheus" and is the default choice).
DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"p2psip-.*", instance=~"$instance"'
# The site's Kamailio, as florentchauveau/kamailio_exporter names it (BINRPC through the ctl
# module that deploy/docker/kamailio/kamailio.cfg loads; run it with
# -m tm.stats,sl.stats,core.shmmem,core.uptime,dispatcher.list). Kamailio's own xhttp_prom
# (the `kamailio` scrape job) exports only sl/tcp/dns counters: no memory, TM or dispatcher.
KSEL = 'job=~"$kamailio_job"'
RI = "$__rate_interval"


def rate(metric, by, extra=""):
    sel = SEL + (", " + extra if extra else "")
    return f"sum by ({by}) (rate({metric}{{{sel}}}[{RI}]))"


def quantiles(hist, by=""):
    grp = f"le{', ' + by if by else ''}"
    return [(f"histogram_quantile({q}, sum by ({grp}) (rate({hist}_bucket{{{SEL}}}[{RI}])))",
             f"p{int(q * 100)}{' {{' + by + '}}' if by else ''}") for q in (0.5, 0.95, 0.99)]


def gw(metric, extra=""):
    return f"{metric}{{{SEL}{', ' + extra if extra else ''}}}"


# Rows of (title, [(panel type, title, unit, [(expr, legend)])]). Every p2psip_* family the
# binary exports appears in at least one panel (the monitoring_rules test checks that).
ROWS = [
    ("Status", [
        ("stat", "Gateways up", "none", [('sum(up{job="p2psip-gateway"})', "gateways")]),
        ("stat", "Peers up", "none", [('sum(up{job="p2psip-peer"})', "peers")]),
        ("stat", "Firing alerts", "none",
         [('count(ALERTS{alertstate="firing", alertname=~"P2psip.*"}) or vector(0)', "alerts")]),
        ("stat", "Registered phones", "none",
         [(f"sum(p2psip_registered_phones{{{SEL}}})", "phones")]),
        ("stat", "Static registrations", "none",
         [(f"sum(p2psip_static_registrations{{{SEL}}})", "static")]),
        ("stat", "Oldest static registration refresh", "s",
         [(f"max(time() - p2psip_gateway_static_registrations_refresh_timestamp_seconds{{{SEL}}})",
           "age")]),
        ("table", "Versions", "none", [(f"count by (version) (p2psip_build_info{{{SEL}}})", "")]),
        ("timeseries", "Uptime", "s", [(f"time() - process_start_time_seconds{{{SEL}}}", "{{instance}}")]),
    ]),
    ("SIP traffic", [
        ("timeseries", "Requests received by method", "reqps",
         [(rate("p2psip_sip_requests_received_total", "method"), "{{method}}")]),
        ("timeseries", "Requests forwarded by method", "reqps",
         [(rate("p2psip_sip_requests_forwarded_total", "method"), "{{method}}")]),
        ("timeseries", "Responses sent by class", "reqps",
         [(rate("p2psip_sip_responses_sent_total", "code_class"), "{{code_class}}")]),
        ("timeseries", "Responses received by class", "reqps",
         [(rate("p2psip_sip_responses_received_total", "code_class"), "{{code_class}}")]),
        ("timeseries", "5xx share of responses sent", "percentunit",
         [(rate("p2psip_sip_responses_sent_total", "instance", 'code_class="5xx"') + " / "
           + rate("p2psip_sip_responses_sent_total", "instance"), "{{instance}}")]),
        ("timeseries", "Open transactions", "none",
         [(f"sum by (side) (p2psip_sip_transactions{{{SEL}}})", "{{side}}")]),
        ("timeseries", "Malformed requests", "reqps",
         [(rate("p2psip_sip_malformed_requests_total", "instance"), "{{instance}}")]),
        ("timeseries", "SIP TCP/TLS connections closed by the edge limits", "ops",
         [(rate("p2psip_sip_connections_closed_total", "reason"), "{{reason}}")]),
        ("timeseries", "Stray responses (2xx retransmissions forwarded, others dropped)", "reqps",
         [(rate("p2psip_sip_stray_responses_total", "action"), "{{action}}")]),
        ("timeseries", "Call setup latency (INVITE to 2xx)", "s",
         quantiles("p2psip_call_setup_duration_seconds")),
    ]),
    ("Routes", [
        ("timeseries", "Routes taken", "reqps",
         [(rate("p2psip_gateway_routes_total", "route"), "{{route}}")]),
        ("timeseries", "Route share", "percentunit",
         [(f"{rate('p2psip_gateway_routes_total', 'route')} / scalar(sum(rate("
           f"p2psip_gateway_routes_total{{{SEL}}}[{RI}])))", "{{route}}")]),
        ("timeseries", "Requests forwarded by route", "reqps",
         [(rate("p2psip_sip_requests_forwarded_total", "route"), "{{route}}")]),
    ]),
    ("Overlay ring and storage", [
        ("timeseries", "Routing table peers", "none",
         [(gw("p2psip_overlay_routing_table_peers"), "{{instance}}")]),
        ("timeseries", "Overlay messages", "pps",
         [(rate("p2psip_overlay_messages_total", "code, direction"), "{{code}} {{direction}}")]),
        ("timeseries", "Link errors", "eps",
         [(rate("p2psip_overlay_link_errors_total", "reason"), "{{reason}}")]),
        ("timeseries", "Answers refused (unmatched, wrong sender)", "ops",
         [(rate("p2psip_overlay_answers_refused_total", "reason"), "{{reason}}")]),
        ("timeseries", "Received messages dropped: verify queue full", "pps",
         [(rate("p2psip_overlay_verify_queue_full_total", "instance"), "{{instance}}")]),
        ("timeseries", "Messages to itself (delivered in process, unsigned)", "pps",
         [(rate("p2psip_overlay_in_process_messages_total", "instance"), "{{instance}}")]),
        ("timeseries", "Stored resources", "none",
         [(f"sum by (instance, kind) (p2psip_overlay_stored_resources{{{SEL}}})",
           "{{instance}} {{kind}}")]),
        ("timeseries", "Store requests answered", "ops",
         [(rate("p2psip_overlay_store_total", "result"), "{{result}}")]),
        ("timeseries", "Fetch requests answered", "ops",
         [(rate("p2psip_overlay_fetch_total", "result"), "{{result}}")]),
    ]),
    ("Overlay lookups", [
        ("timeseries", "AoR lookups by result", "ops",
         [(rate("p2psip_overlay_lookups_total", "result"), "{{result}}")]),
        ("timeseries", "Lookups unreachable (share)", "percentunit",
         [(rate("p2psip_overlay_lookups_total", "instance", 'result="unreachable"') + " / "
           + rate("p2psip_overlay_lookups_total", "instance"), "{{instance}}")]),
        ("timeseries", "Overlay lookup latency", "s",
         quantiles("p2psip_overlay_lookup_duration_seconds")),
        ("timeseries", "Lookup cache: hits and misses, entries dropped", "ops",
         [(rate("p2psip_lookup_cache_total", "result"), "{{result}}"),
          (rate("p2psip_lookup_cache_dropped_total", "reason"), "dropped {{reason}}")]),
        ("timeseries", "Lookup cache entries", "short",
         [(gw("p2psip_lookup_cache_entries"), "{{instance}}")]),
    ]),
    ("DNS", [
        ("timeseries", "Queries by type and result", "qps",
         [(rate("p2psip_dns_queries_total", "type, result"), "{{type}} {{result}}")]),
        ("timeseries", "Cache hits", "ops", [(rate("p2psip_dns_cache_hits_total", "instance"), "{{instance}}")]),
        ("timeseries", "Resolution latency", "s",
         quantiles("p2psip_dns_resolution_duration_seconds", "result")),
        ("timeseries", "DNS fallbacks and failures", "ops",
         [(rate("p2psip_dns_fallbacks_total", "instance"), "fallbacks {{instance}}"),
          (rate("p2psip_dns_fallback_failures_total", "instance"), "failed {{instance}}")]),
    ]),
    ("Process", [
        ("timeseries", "CPU", "percentunit",
         [(f"rate(process_cpu_seconds_total{{{SEL}}}[{RI}])", "{{instance}}")]),
        ("timeseries", "Resident memory", "bytes",
         [(f"process_resident_memory_bytes{{{SEL}}}", "{{instance}}")]),
        ("timeseries", "Open file descriptors (share of limit)", "percentunit",
         [(f"process_open_fds{{{SEL}}} / process_max_fds{{{SEL}}}", "{{instance}}")]),
        ("timeseries", "Restarts in the last hour", "none",
         [(f"changes(process_start_time_seconds{{{SEL}}}[1h])", "{{instance}}")]),
        ("timeseries", "Configuration reloads (SIGHUP) in the last hour", "none",
         [(f"sum by (instance, result) (increase(p2psip_config_reloads_total{{{SEL}}}[1h]))",
           "{{result}} {{instance}}")]),
        ("timeseries", "Metrics-port connections: open, closed unanswered", "none",
         [(f"p2psip_http_connections{{{SEL}}}", "open {{instance}}"),
          (rate("p2psip_http_connections_closed_total", "reason"), "closed/s {{reason}}")]),
    ]),
    ("Overload", [
        ("timeseries", "Requests refused with 503 by reason", "reqps",
         [(rate("p2psip_sip_requests_shed_total", "instance, reason"), "{{instance}} {{reason}}")]),
        ("timeseries", "Shedding (overloaded)", "none",
         [(gw("p2psip_sip_overload_shedding"), "{{instance}}")]),
        ("timeseries", "Event loop lag", "s",
         [(gw("p2psip_event_loop_lag_seconds"), "{{instance}}")]),
    ]),
    ("Enrollment (RFC 6940 §11)", [
        ("timeseries", "Configuration documents served", "reqps",
         [(rate("p2psip_enroll_documents_served_total", "instance"), "{{instance}}")]),
        ("timeseries", "Certificates issued", "reqps",
         [(rate("p2psip_enroll_certificates_issued_total", "instance"), "{{instance}}")]),
        ("timeseries", "Enrollments refused by reason", "reqps",
         [(rate("p2psip_enroll_refusals_total", "instance, reason"), "{{instance}} {{reason}}")]),
        ("timeseries", "Phones enrolled by their gateway, by result", "reqps",
         [(rate("p2psip_enroll_phones_total", "instance, result"), "{{instance}} {{result}}")]),
        ("timeseries", "Connections evicted (bounds)", "reqps",
         [(rate("p2psip_enroll_connections_evicted_total", "instance"), "{{instance}}")]),
        ("timeseries", "Node certificate expires in", "s",
         [(f"p2psip_certificate_expiry_timestamp_seconds{{{SEL}}} - time()", "{{instance}}")]),
    ]),
    ("Site Kamailio (kamailio_exporter)", [
        ("stat", "Kamailio exporter scrape ok", "none", [(f"min(kamailio_up{{{KSEL}}})", "up")]),
        ("timeseries", "Shared memory used (share of total)", "percentunit",
         [(f"kamailio_core_shmmem_used{{{KSEL}}} / kamailio_core_shmmem_total{{{KSEL}}}",
           "{{instance}}")]),
        ("timeseries", "TM transactions: current, created/s", "none",
         [(f"sum by (instance) (kamailio_tm_stats_current{{{KSEL}}})", "current {{instance}}"),
          (f"sum by (instance) (rate(kamailio_tm_stats_created_total{{{KSEL}}}[{RI}]))",
           "created/s {{instance}}")]),
        ("timeseries", "TM replies by code", "reqps",
         [(f"sum by (code) (rate(kamailio_tm_stats_codes_total{{{KSEL}}}[{RI}]))", "{{code}}")]),
        ("timeseries", "Dispatcher targets (1 active, 0 inactive/probing)", "none",
         [(f"kamailio_dispatcher_list_target{{{KSEL}}}", "{{destination}}")]),
    ]),
    ("Configuration (RFC 6940 §6.3.2.1, §11.1)", [
        ("timeseries", "Configuration sequence in use", "none",
         [(f"p2psip_overlay_configuration_sequence{{{SEL}}}", "{{instance}}")]),
        ("timeseries", "Requests refused: configuration too old / too new", "reqps",
         [(rate("p2psip_overlay_config_sequence_errors_total", "instance, error"), "{{instance}} {{error}}")]),
        ("timeseries", "Bad-node refusals (links, signers, data)", "ops",
         [(rate("p2psip_overlay_bad_node_refusals_total", "instance, what"), "{{instance}} {{what}}")]),
    ]),
]


def build():
    panels, pid, y = [], 1, 0
    for title, row in ROWS:
        panels.append({"type": "row", "title": title, "id": pid, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid, y = pid + 1, y + 1
        width = 24 // len(row) if len(row) <= 4 else 6
        for i, (kind, ptitle, unit, targets) in enumerate(row):
            x = (i * width) % 24
            if i and x == 0:
                y += 8
            panels.append({
                "type": kind, "title": ptitle, "id": pid, "datasource": DS,
                "gridPos": {"h": 8, "w": width, "x": x, "y": y},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "options": {} if kind != "stat" else {"reduceOptions": {"calcs": ["lastNotNull"]}},
                "targets": [{"refId": chr(65 + j), "datasource": DS, "expr": e, "legendFormat": leg,
                             **({"instant": True, "format": "table"} if kind == "table" else {})}
                            for j, (e, leg) in enumerate(targets)],
            })
            pid += 1
        y += 8
    return {
        "uid": "p2psip", "title": "p2psip gateways and overlay", "schemaVersion": 37,
        "version": 1, "editable": True, "time": {"from": "now-1h", "to": "now"}, "refresh": "30s",
        "tags": ["p2psip"], "panels": panels,
        "templating": {"list": [{
            "name": "datasource", "type": "datasource", "query": "prometheus", "label": "Prometheus",
            "current": {"text": "default", "value": "default"}, "hide": 0, "refresh": 1,
            "regex": "", "includeAll": False, "multi": False,
        }, {
            "name": "instance", "type": "query", "datasource": DS, "label": "instance",
            "query": {"query": 'label_values(p2psip_build_info, instance)', "refId": "instance"},
            "definition": 'label_values(p2psip_build_info, instance)',
            "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
            "current": {"text": "All", "value": "$__all"}}, {
            "name": "kamailio_job", "type": "textbox", "label": "Kamailio exporter job",
            "query": "kamailio-exporter", "hide": 0,
            "current": {"text": "kamailio-exporter", "value": "kamailio-exporter"}}]},
    }


def render():
    return json.dumps(build(), indent=2) + "\n"


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "dashboards", "p2psip.json")
    with open(out, "w") as f:
        f.write(render())
