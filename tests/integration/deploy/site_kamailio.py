"""The site's Kamailio (deploy/docker/kamailio/) run here: its kamailio.cfg rendered for
loopback ports and a work dir, its dispatcher.list with the gateways' names replaced, the
dispatcher's state read over the ctl socket (kamcmd). Used by compose_site and
kamailio_failover; processes go through harness.start (ended by PID only)."""

import atexit
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import SOURCE_DIR, check, http_get, run, start, wait_until  # noqa: E402

KAMAILIO_DIR = os.path.join(SOURCE_DIR, "deploy", "docker", "kamailio")
SHIPPED_CFG = os.path.join(KAMAILIO_DIR, "kamailio.cfg")
SHIPPED_LIST = os.path.join(KAMAILIO_DIR, "dispatcher.list")


def render_cfg(work, kam_port, http_port, dispatcher_list):
    """The shipped kamailio.cfg with only these changes: SIP and HTTP listeners on 127.0.0.1
    ports, the dispatcher list and ctl socket in `work`, and no DNS cache (Kamailio's cache asks
    DNS servers only; compose's DNS knows gw1/gw2, here `localhost` must come from /etc/hosts).
    Routing blocks and module parameters are the shipped ones."""
    with open(SHIPPED_CFG) as f:
        cfg = f.read()
    cfg = re.sub(r"^listen=(udp|tcp):0\.0\.0\.0:5060", rf"listen=\1:127.0.0.1:{kam_port}", cfg, flags=re.M)
    cfg = re.sub(r"^listen=tcp:0\.0\.0\.0:9494", f"listen=tcp:127.0.0.1:{http_port}", cfg, flags=re.M)
    cfg = cfg.replace("/etc/kamailio/dispatcher.list", dispatcher_list)
    cfg = cfg.replace('"unix:/tmp/kamailio_ctl"', f'"unix:{ctl_socket(work)}"')
    cfg = cfg.replace("\nloadmodule", "\nuse_dns_cache=off\nloadmodule", 1)
    path = os.path.join(work, "kamailio.cfg")
    with open(path, "w") as f:
        f.write(cfg)
    return path


def render_dispatcher_list(work, targets):
    """The shipped dispatcher.list with each destination URI replaced: targets maps the shipped
    URI (sip:gw1:5060) to the one used here. Every shipped destination must be mapped."""
    with open(SHIPPED_LIST) as f:
        text = f.read()
    shipped = re.findall(r"^\s*\d+\s+(\S+)", text, re.M)
    missing = sorted(set(shipped) - set(targets))
    if missing:
        raise ValueError(f"dispatcher.list destinations without a target here: {missing}")
    for uri, here in targets.items():
        text = re.sub(rf"(?<=\s){re.escape(uri)}(?=\s)", here, text)
    path = os.path.join(work, "dispatcher.list")
    with open(path, "w") as f:
        f.write(text)
    return path, shipped


def ctl_socket(work):
    return os.path.join(work, "kamailio_ctl")


def kamcmd(work, *args):
    return run(["kamcmd", "-s", f"unix:{ctl_socket(work)}", *args], timeout=10)


def dispatcher_states(work):
    """{destination URI: FLAGS} from `kamcmd dispatcher.list` (A active, I inactive, D disabled,
    T trying; then P probing or X not probed)."""
    out = kamcmd(work, "dispatcher.list").stdout
    return dict(re.findall(r"URI:\s*(\S+)\s+FLAGS:\s*(\w+)", out))


def start_kamailio(cfg, work, http_port):
    """Kamailio in the foreground with `cfg` (`kamailio -c` first), returned once its HTTP
    /metrics answers."""
    r = run(["kamailio", "-c", "-f", cfg], timeout=30)
    check(r.returncode == 0, "kamailio -c accepts the site's kamailio.cfg"
                             + ("" if r.returncode == 0 else "\n" + r.stderr[-1500:]))
    kam = start(["kamailio", "-f", cfg, "-DD", "-E", "-Y", work, "-w", work,
                 "-P", os.path.join(work, "kamailio.pid")], "kamailio", work)
    # SIGTERM, not the harness's final SIGKILL: Kamailio's main process ends its children then.
    atexit.register(kam.stop, 10)
    wait_until(lambda: http_get(f"http://127.0.0.1:{http_port}/metrics")[0] == 200 or not kam.alive(),
               20, "Kamailio's /metrics")
    check(kam.alive(), "Kamailio runs the site configuration" + ("" if kam.alive() else kam.output()[-2000:]))
    return kam
