"""Issue 19: the site's Kamailio fails over as its config says, with real Kamailio and the
shipped deploy/docker/kamailio/kamailio.cfg (rendered for loopback: listen addresses, list and
ctl socket paths only; site_kamailio.render_cfg) in front of two SIPp UAS standing in for the
gateways gw1 and gw2 of the shipped dispatcher.list. Its failure route takes a gateway out of
rotation (ds_mark_dst) and tries the next one only when the gateway does not answer at all or
answers 503 (not ready: a p2psip gateway turns a relayed 503 into 500, RFC 3261 §16.7 step 6);
any other final answer is the callee's and goes back to the caller.

Each case: both gateways set active (`kamcmd dispatcher.set_state a`), then one call from a
SIPp UAC through Kamailio. Gateway A is the one the round robin picks for that call (it
alternates, from the one that got a first call both answered), B the other:
- A answers 503: the call succeeds through B; A is inactive (I), B still active;
- A answers 500, or 408: the caller gets that answer; B gets no INVITE; A stays active;
- A takes the INVITE and never answers: after tm's fr_timer (3 s in the config) the call
  succeeds through B; A is inactive.
Asserted through the SIPp processes (the caller's exit status: it expects exactly that final
answer; each UAS's message trace: which Call-IDs it got INVITEs for, what it answered) and
the dispatcher's state over Kamailio's ctl socket (kamcmd dispatcher.list).
The dispatcher's OPTIONS probing (every 10 s, ds_ping_interval) is paused over the ctl socket
(dispatcher.ping_active 0) before the first call, so that no probe answered 200 puts A back
between its mark and the check; at the end it is resumed and the probe's 200 brings the hung
gateway A (SIPp -aa answers OPTIONS) back into rotation, as README says."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import (check, fail, finish, free_port, require_tools, run, start,  # noqa: E402
                     temp_dir, wait_until)
from site_kamailio import (SHIPPED_CFG, dispatcher_states, kamcmd, render_cfg,  # noqa: E402
                           render_dispatcher_list, start_kamailio)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "gateway"))
import sip_tools  # noqa: E402
from sip_tools import scenario, udp_bound  # noqa: E402

OWN_SCEN = os.path.join(os.path.dirname(__file__), "scenarios")
DOMAIN = "p2p.example.com"  # the config's OVERLAY_DOMAIN

work = temp_dir("p2p-kamfail-")
sip_tools.set_workdir(work)  # scenario() copies with substitutions go there


class Target:
    """A SIPp UAS standing in for a gateway: answers Kamailio's OPTIONS itself (-aa) and plays
    `scen` for each INVITE; every message in and out goes to its trace."""

    def __init__(self, name, port, scen):
        self.name, self.port = name, port
        self.trace = os.path.join(work, f"{name}.msg")
        self.proc = start(["sipp", "-sf", scen, "-i", "127.0.0.1", "-p", port, "-m", 100, "-aa",
                           "-nostdin", "-trace_msg", "-message_file", self.trace,
                           "-trace_err", "-error_file", os.path.join(work, f"{name}-err.log")],
                          name, work)
        wait_until(lambda: udp_bound(port) or not self.proc.alive(), 10, f"SIPp {name} to listen")
        check(self.proc.alive(), f"SIPp {name} listens on {port}{'' if self.proc.alive() else self.proc.output()}")

    def messages(self, direction):
        """The messages SIPp logged as `received` or `sent`, in order."""
        if not os.path.exists(self.trace):
            return []
        with open(self.trace, errors="replace") as f:
            blocks = f.read().split("-----------------------------------------------")
        out = []
        for b in blocks:
            head, _, msg = b.partition("\n\n")
            if f"message {direction}" in head:
                out.append(msg.lstrip())
        return out

    def invites(self):
        """The Call-IDs of the INVITEs it got (retransmissions once)."""
        ids = []
        for m in self.messages("received"):
            if m.startswith("INVITE "):
                cid = re.search(r"^Call-ID:\s*(\S+)", m, re.M | re.I).group(1)
                if cid not in ids:
                    ids.append(cid)
        return ids

    def final_answers(self):
        return sorted({int(m.split()[1]) for m in self.messages("sent")
                       if m.startswith("SIP/2.0 ") and int(m.split()[1]) >= 200
                       and re.search(r"^CSeq:\s*\d+\s+INVITE", m, re.M | re.I)})

    def stop(self):
        self.proc.stop()


def call(scen, kam_port):
    """One call from a SIPp UAC through Kamailio to bob@DOMAIN: (exit status, output)."""
    local = free_port()
    r = run(["sipp", "-sf", scen, "-i", "127.0.0.1", "-p", local, "-m", 1, "-s", "bob",
             "-set", "domain", DOMAIN, "-nostdin", "-timeout", "30", "-timeout_error",
             "-trace_err", "-error_file", os.path.join(work, f"uac-{local}-err.log"),
             f"127.0.0.1:{kam_port}"], timeout=60)
    return r.returncode, r.stdout[-1500:] + r.stderr[-1500:]


def activate(uris):
    """Both gateways active again (dispatcher.set_state a) before a case."""
    for uri in uris:
        r = kamcmd(work, "dispatcher.set_state", "a", "1", uri)
        check(r.returncode == 0, f"dispatcher.set_state a 1 {uri}{'' if r.returncode == 0 else ': ' + r.stderr}")
    states = dispatcher_states(work)
    check(sorted(states) == sorted(uris) and all(f.startswith("A") for f in states.values()),
          f"both gateways active: {states}")


class Site:
    """Kamailio in front of two gateway ports. The round robin (algorithm 4) takes the next
    destination of the set at each ds_select_dst, i.e. at each call (a failover's ds_next_dst
    does not move it): with two gateways the first choice alternates, starting at the one the
    first call went to."""

    def __init__(self, kam, kam_port, ports):
        self.kam, self.kam_port, self.ports, self.calls = kam, kam_port, ports, 0

    def call(self, scen):
        self.calls += 1
        return call(scen, self.kam_port)

    def learn_order(self):
        targets = [Target(f"probe-{p}", p, scenario("uas_call.xml")) for p in self.ports]
        rc, out = self.call(scenario("uac_call.xml"))
        check(rc == 0, f"a call through Kamailio, both gateways answering, succeeds{'' if rc == 0 else out}")
        got = [t.port for t in targets if t.invites()]
        for t in targets:
            t.stop()
        check(len(got) == 1, f"one gateway got the first call: port {got}")
        self.ports = [got[0], next(p for p in self.ports if p != got[0])]

    def case(self, name, a_scen, caller_scen):
        """A (the round robin's next choice) plays a_scen, B answers calls; one call.
        Returns (caller's exit status, its output, A, B, {A: flags, B: flags})."""
        a_port = self.ports[self.calls % 2]
        b_port = self.ports[(self.calls + 1) % 2]
        uris = [f"sip:127.0.0.1:{a_port}", f"sip:127.0.0.1:{b_port}"]
        activate(uris)
        a = Target(f"{name}-A", a_port, a_scen)
        b = Target(f"{name}-B", b_port, scenario("uas_call.xml"))
        rc, out = self.call(caller_scen)
        states = dispatcher_states(work)
        if not a.invites():
            fail(f"{name}: the call did not go to A first (the round robin no longer alternates?): "
                 f"A {a.invites()}, B {b.invites()}\n{self.kam.output()[-2000:]}")
        return rc, out, a, b, {"A": states.get(uris[0], ""), "B": states.get(uris[1], "")}


def main():
    require_tools("kamailio", "kamcmd", "sipp")
    kam_port, http_port = free_port(), free_port()
    ports = [free_port(), free_port()]
    dlist, shipped = render_dispatcher_list(work, {"sip:gw1:5060": f"sip:127.0.0.1:{ports[0]}",
                                                   "sip:gw2:5060": f"sip:127.0.0.1:{ports[1]}"})
    check(len(shipped) == 2, f"the shipped dispatcher.list has two gateways: {shipped}")
    cfg = render_cfg(work, kam_port, http_port, dlist)
    with open(SHIPPED_CFG) as f, open(cfg) as g:
        changed = set(f.read().splitlines()) ^ set(g.read().splitlines())
    check(all(re.match(r"(listen=|modparam\(\"(dispatcher\", \"list_file|ctl\", \"binrpc)|use_dns_cache)", line)
              for line in changed),
          f"the rendered config differs from the shipped one in listeners and paths only: {sorted(changed)}")
    kam = start_kamailio(cfg, work, http_port)
    r = kamcmd(work, "dispatcher.ping_active", "0")
    check(r.returncode == 0 and "NewPingState: 0" in r.stdout,
          f"the dispatcher's OPTIONS probing paused over the ctl socket: {r.stdout.split()}")

    site = Site(kam, kam_port, ports)
    site.learn_order()
    call_ok = scenario("uac_call.xml")

    # 503: the gateway is not ready. Next gateway, and this one out of rotation.
    rc, out, a, b, states = site.case("503",
                                     scenario("uas_final.xml", STATUS=503), call_ok)
    check(rc == 0, f"503 from A: the caller's call succeeds (SIPp UAC){'' if rc == 0 else out}")
    check(a.final_answers() == [503] and b.invites() == a.invites() and b.final_answers() == [200],
          f"503 from A: the same INVITE went on to B, which answered 200 "
          f"(A answered {a.final_answers()}, B {b.final_answers()})")
    check(states["A"].startswith("I") and states["B"].startswith("A"),
          f"503 from A: A is out of rotation (inactive), B is not: {states}")
    a.stop()
    b.stop()

    # 500 and 408: the callee's answer through a working gateway. Relayed, nobody marked.
    for code in (500, 408):
        rc, out, a, b, states = site.case(str(code),
                                         scenario("uas_final.xml", STATUS=code),
                                         scenario("uac_expect.xml", EXPECTED=code))
        check(rc == 0, f"{code} from A: the caller gets {code} (SIPp UAC expecting it)"
                       f"{'' if rc == 0 else out}")
        check(a.final_answers() == [code] and not b.invites(),
              f"{code} from A: not tried at B (B got INVITEs {b.invites()})")
        check(states["A"].startswith("A") and states["B"].startswith("A"),
              f"{code} from A: both gateways stay in rotation: {states}")
        a.stop()
        b.stop()

    # No answer at all (a hung gateway): fr_timer, then the next gateway; A out of rotation.
    rc, out, a, b, states = site.case("timeout",
                                     os.path.join(OWN_SCEN, "uas_silent.xml"), call_ok)
    check(rc == 0, f"A silent: the call succeeds after the failover{'' if rc == 0 else out}")
    check(not a.final_answers() and b.invites() == a.invites() and b.final_answers() == [200],
          "A silent: A answered nothing, the same INVITE went on to B, which answered 200")
    check(states["A"].startswith("I") and states["B"].startswith("A"),
          f"A silent: A is out of rotation, B is not: {states}")
    b.stop()

    # Probing resumed: A (still running, answering OPTIONS) comes back on one 200.
    r = kamcmd(work, "dispatcher.ping_active", "1")
    check(r.returncode == 0 and "NewPingState: 1" in r.stdout, "the dispatcher's probing resumed")
    a_uri = f"sip:127.0.0.1:{a.port}"
    wait_until(lambda: dispatcher_states(work).get(a_uri, "").startswith("A"), 30,
               "A back in rotation after a probe (ds_ping_interval 10 s)")
    check(any(m.startswith("SIP/2.0 200") and "OPTIONS" in m for m in a.messages("sent")),
          f"A answered the dispatcher's OPTIONS probe with 200 and is active again: "
          f"{dispatcher_states(work)}")
    a.stop()
    check(kam.alive(), "Kamailio still runs")
    finish()


if __name__ == "__main__":
    main()
