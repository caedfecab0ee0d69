"""SIGHUP reloads the phones file and the static registrations without a restart (issue 19),
against the real gateway with SIPp phones:
- a call to alice (registered, a SIPp UAS) is set up; while it is established (its caller
  pauses before the BYE) the phones file gets carol and loses bob, and the gateway gets SIGHUP:
  it is still alive (SIGHUP used to end it, exit 129), p2psip_config_reloads_total{result="ok"}
  counts the reload, the log says what changed;
- the same reload swaps the static registration pstn for fax: `p2psip lookup` in the overlay
  finds fax with its contact and no longer finds pstn;
- carol registers at once (401, then 200); bob, registered before, is refused (401 again for his
  right password) and his binding is gone; alice's binding stays;
- the call in progress completes (BYE 200 through the gateway) after the reload;
- a broken phones file is refused: one "reload refused" log line naming the bad line,
  {result="refused"} counts it, alice and carol still register;
- with config_watch 1 a second gateway reloads a changed phones file by itself (no SIGHUP);
- `p2psip peer` survives SIGHUP too."""

import os
import signal
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, run, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
import sip_tools  # noqa: E402
from sip_tools import DOMAIN, gateway_identity, metric, register, scenario, static_config, uas  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-reload-")
sip_tools.set_workdir(work)

gw_port, metrics_port, overlay_port, phone_port = free_port(), free_port(), free_port(), free_port()
phones = os.path.join(work, "phones")


def write_phones(text):
    # A new file renamed over the old one, as an editor or a config manager does.
    tmp = phones + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, phones)


write_phones("alice alice-secret\nbob bob-secret\n")
# The static registrations: pstn at start; the reload's file has fax instead.
gw_node, gw_identity = gateway_identity("gateway")
pstn, fax = (f"pstn@{DOMAIN}", "sip:pstn@192.0.2.60:5060"), (f"fax@{DOMAIN}", "sip:fax@192.0.2.61:5060")
config = static_config("gateway", [pstn], gw_node)
after_config = static_config("gateway-after", [fax], gw_node)
_, dave_cert, dave_key = sip_tools.issue(f"dave@{DOMAIN}", "dave")
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN, *gw_identity,
            "--config", config, "--data-dir", os.path.join(work, "data"), "--log-level", "info",
            "--phones-file", phones], "gateway", work)
base = f"http://127.0.0.1:{metrics_port}"
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 20, "gateway /health")
check(gw.alive(), "gateway is running and joined")


def metrics_text():
    return http_get(base + "/metrics")[1]


def reloads(result):
    return metric(metrics_text(), "p2psip_config_reloads_total", f'{{result="{result}"}}')


def registered():
    return metric(metrics_text(), "p2psip_registered_phones")


def hangup_and_wait(result, count):
    gw.signal(signal.SIGHUP)
    wait_until(lambda: reloads(result) == count or not gw.alive(), 20,
               f'p2psip_config_reloads_total{{result="{result}"}} == {count}')
    check(gw.alive(), f"the gateway is alive after SIGHUP (reload {result})")


def lookup(aor):
    """`p2psip lookup` through the gateway (the overlay's only node): (exit code, contacts)."""
    r = run([P2P_BIN, "lookup", "--bootstrap", f"127.0.0.1:{overlay_port}", "--cert", dave_cert,
             "--key", dave_key, "--ca", sip_tools.ca_dir()[1], "--timeout", "10", aor], timeout=30)
    return r.returncode, r.stdout.split()


def registers(user, password, contact, tries=3):
    """Whether the phone registers (an answer 200), and the status lines seen. Up to `tries`
    REGISTERs, 50 ms apart: the gateway's nonces are its clock's milliseconds, so challenges
    within one millisecond share a nonce, and this UA always sends nc=00000001, which the
    second user of that nonce gets challenged again for (a replay)."""
    seen = []
    for _ in range(tries):
        statuses, _ = register(gw_port, user, password, contact)
        seen += statuses
        if statuses[-1] == "SIP/2.0 200 OK":
            return True, seen
        time.sleep(0.05)
    return False, seen


alice_contact = f"sip:alice@127.0.0.1:{phone_port}"
ok, statuses = registers("alice", "alice-secret", alice_contact)
check(ok, f"alice registers before the reload ({statuses})")
ok, statuses = registers("bob", "bob-secret", "sip:bob@127.0.0.1:5998")
check(ok, f"bob registers before the reload ({statuses})")
ok, statuses = registers("carol", "carol-secret", "sip:carol@127.0.0.1:5997", tries=1)
check(not ok, f"carol is unknown before the reload ({statuses})")
check(registered() == 2, "two bindings before the reload (alice, bob)")
wait_until(lambda: lookup(pstn[0]) == (0, [pstn[1]]), 30, "pstn to be stored in the overlay")
check(lookup(fax[0])[0] == 1, "fax is not in the overlay before the reload")
check(reloads("ok") == 0 and reloads("refused") == 0, "no reload counted yet")

# A call to alice that stays established for a while: the caller pauses before its BYE.
callee = uas("phone-alice", scenario("uas_call.xml"), phone_port)
caller, caller_sent_ack = sip_tools.start_long_call(gw_port, "alice")
wait_until(lambda: caller_sent_ack() or not caller.alive(), 20, "the call to alice to be established")
check(caller.alive(), "the call to alice is established (ACK sent) and the caller waits before BYE")

write_phones("alice alice-secret\ncarol carol-secret\n")
os.replace(after_config, config)
hangup_and_wait("ok", 1)
check(caller.alive(), "the reload was applied while the call was still up")
log = gw.stderr()
check("phones: 1 added (carol), 1 removed (bob), 0 changed" in log,
      "the log says what changed (1 added, 1 removed)")
check(f"static registrations: 1 added ({fax[0]}), 1 removed ({pstn[0]}), 0 changed" in log,
      "the log says what changed in the static registrations")
check(registered() == 1, "bob's binding went with him; alice's stays")
ok, statuses = registers("carol", "carol-secret", "sip:carol@127.0.0.1:5997")
check(ok, f"carol, added by the reload, registers at once ({statuses})")
ok, statuses = registers("bob", "bob-secret", "sip:bob@127.0.0.1:5998")
check(not ok and "SIP/2.0 401 Unauthorized" in statuses[1:],
      f"bob, removed by the reload, is refused with his old password ({statuses})")

check(caller.wait(30) == 0, "the call that spanned the reload completes: BYE answered 200")
check(callee.wait(20) == 0, "alice's UAS saw INVITE, ACK and BYE")
wait_until(lambda: lookup(fax[0]) == (0, [fax[1]]), 30, "fax, added by the reload, to be stored")
wait_until(lambda: lookup(pstn[0])[0] == 1, 30, "pstn, removed by the reload, to be gone from the overlay")
check(metric(metrics_text(), "p2psip_static_registrations") == 1, "p2psip_static_registrations: 1")

write_phones("alice\n")  # no password: unparsable
hangup_and_wait("refused", 1)
refused = [l for l in gw.stderr().splitlines() if "reload refused" in l]
check(len(refused) == 1 and "line 1" in refused[0] and "no password" in refused[0],
      f"one log line says why the reload was refused ({refused})")
check(reloads("ok") == 1, "the refused reload is not counted as ok")
ok, statuses = registers("alice", "alice-secret", alice_contact)
check(ok, f"alice still registers with the old phones ({statuses})")
ok, statuses = registers("carol", "carol-secret", "sip:carol@127.0.0.1:5997")
check(ok, f"carol still registers with the old phones ({statuses})")

# An inconsistent static registration (its certificate is dave's, not voicemail's) with a good
# phones file: refused as a whole, carol stays, fax stays.
write_phones("alice alice-secret\n")
with open(config, "a") as f:
    f.write(f"  - aor: voicemail@{DOMAIN}\n    contact: \"sip:vm@192.0.2.62\"\n"
            f"    cert: {dave_cert}\n    key: {dave_key}\n")
hangup_and_wait("refused", 2)
refused = [l for l in gw.stderr().splitlines() if "reload refused" in l]
check(len(refused) == 2 and f"voicemail@{DOMAIN}" in refused[1],
      f"one more log line names the static registration refused ({refused[1:]})")
ok, statuses = registers("carol", "carol-secret", "sip:carol@127.0.0.1:5997")
check(ok, f"carol is still a phone: nothing of the refused reload was applied ({statuses})")
check(lookup(fax[0]) == (0, [fax[1]]), "fax is still in the overlay")
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")

# config_watch: the file changes, no signal; the new phone registers once the watch saw it.
gw_port, watch_metrics = free_port(), free_port()
base = f"http://127.0.0.1:{watch_metrics}"
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{watch_metrics}",
            "--overlay-listen", f"127.0.0.1:{free_port()}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "watch-data"), "--config-watch", "1",
            "--phones-file", phones], "gateway-watch", work)
wait_until(lambda: http_get(base + "/health")[0] == 200 or not gw.alive(), 20, "watching gateway /health")
check(not registers("erin", "erin-secret", "sip:erin@127.0.0.1:5996", tries=1)[0],
      "erin is unknown before the file changes")
write_phones("alice alice-secret\nerin erin-secret\n")
wait_until(lambda: reloads("ok") == 1 or not gw.alive(), 20, "config_watch to reload the changed file")
ok, statuses = registers("erin", "erin-secret", "sip:erin@127.0.0.1:5996")
check(ok, f"erin registers after config_watch reloaded the file ({statuses})")
check("config_watch: a file changed" in gw.stderr(), "the log says the watch reloaded")
check(gw.stop(10) == 0, "the watching gateway exits 0 on SIGTERM")

peer_metrics = free_port()
peer = start([P2P_BIN, "peer", "--overlay-listen", f"127.0.0.1:{free_port()}",
              "--metrics-listen", f"127.0.0.1:{peer_metrics}", "--overlay", DOMAIN,
              "--data-dir", os.path.join(work, "peer")], "peer", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{peer_metrics}/health")[0] == 200 or not peer.alive(),
           20, "peer /health")
peer.signal(signal.SIGHUP)
wait_until(lambda: "SIGHUP" in peer.stderr() or not peer.alive(), 20, "the peer to log SIGHUP")
check(peer.alive(), "p2psip peer is alive after SIGHUP")
check(peer.stop(10) == 0, "peer exits 0 on SIGTERM")
print("PASS")
