"""Password guessing against the registrar (issue 13, finding 2), raw SIP over UDP against the
real gateway with a phones file. The attacker guesses alice's password with her username in
the credentials and changes the To AoR every two guesses: alice in the domain and in each alias,
then other users (the failure counter used to be keyed by To, which gave 61 guesses, and the
right guess stood out as 403 among 401s):
- at most 3 guesses get a password-dependent answer (2 x 401, then the locking 403);
- once locked, the right password gets exactly the answer a wrong one gets, under any To;
- credentials of one user for another To get the same 403 whether the password is right or
  wrong (refused before the password is checked);
- the lock holds for that username and source only: from another address alice registers."""

import hashlib
import os
import socket
import sys
import time

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import P2P_BIN, check, fail, free_port, http_get, start, temp_dir, wait_until  # noqa: E402
sys.path.insert(0, HERE)
from sip_tools import DOMAIN, _challenges  # noqa: E402

LIMIT = 3  # FailedAttempts' default limit

if not P2P_BIN:
    fail("P2P_BIN not set")
work = temp_dir("p2p-lockout-")
gw_port, metrics_port, overlay_port = free_port(), free_port(), free_port()
phones = os.path.join(work, "phones")
with open(phones, "w") as f:
    f.write("alice alice-secret\nbob bob-secret\ncarol carol-secret\n")
os.chmod(phones, 0o600)
gw = start([P2P_BIN, "gateway", "--sip-listen", f"127.0.0.1:{gw_port}",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
            "--overlay-listen", f"127.0.0.1:{overlay_port}", "--overlay", DOMAIN,
            "--data-dir", os.path.join(work, "data"), "--log-level", "info",
            "--phones-file", phones, "--alias", "alt1.example.com", "--alias", "alt2.example.com"],
           "gateway", work)
wait_until(lambda: http_get(f"http://127.0.0.1:{metrics_port}/health")[0] == 200 or not gw.alive(),
           20, "gateway /health")
check(gw.alive(), "gateway is running and joined")


def transact(s, msg):
    """Sends one REGISTER; the final response."""
    s.sendto(msg.encode(), ("127.0.0.1", gw_port))
    while True:
        data = s.recv(65535).decode(errors="replace")
        if not data.startswith("SIP/2.0 1"):
            return data


def guess(to_user, password, source="127.0.0.1", user="alice"):
    """One guess: a REGISTER without credentials for a fresh challenge, then one with `user`'s
    credentials and `password`, To `to_user`. Returns the answer's status line and its header
    names (what an attacker could tell apart), and the status line."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    s.settimeout(5)
    lport = s.getsockname()[1]
    ruri, call_id = f"sip:{DOMAIN}", f"{time.time_ns()}@{source}"

    def register(cseq, auth, to=to_user):
        aor = to if "@" in to else f"{to}@{DOMAIN}"
        return (f"REGISTER {ruri} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {source}:{lport};branch=z9hG4bK-{time.time_ns()}\r\n"
                f"From: <sip:{aor}>;tag=g{lport}\r\nTo: <sip:{aor}>\r\n"
                f"Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\n"
                f"Contact: <sip:{user}@{source}:{lport}>\r\nExpires: 600\r\nMax-Forwards: 70\r\n"
                f"{auth}Content-Length: 0\r\n\r\n")
    try:
        # The nonce is not tied to a To user: ask under a fresh one (an old lock keyed by To
        # would refuse the challenge itself).
        first = transact(s, register(1, "", to=f"nonce{time.time_ns()}"))
        if not first.startswith("SIP/2.0 401"):
            fail(f"REGISTER without credentials: {first.splitlines()[0]}")
        realm, nonce = _challenges(first)["SHA-256"]
        h = hashlib.sha256
        ha1 = h(f"{user}:{realm}:{password}".encode()).hexdigest()
        ha2 = h(f"REGISTER:{ruri}".encode()).hexdigest()
        cnonce = f"{time.time_ns():x}"
        response = h(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}".encode()).hexdigest()
        auth = (f'Authorization: Digest username="{user}", realm="{realm}", nonce="{nonce}", '
                f'uri="{ruri}", response="{response}", algorithm=SHA-256, qop=auth, '
                f'nc=00000001, cnonce="{cnonce}"\r\n')
        answer = transact(s, register(2, auth))
    except socket.timeout:
        fail(f"no answer to a REGISTER from {source}")
    finally:
        s.close()
    lines = answer.split("\r\n\r\n", 1)[0].split("\r\n")
    names = sorted({line.split(":", 1)[0].strip().lower() for line in lines[1:]})
    return (lines[0], tuple(names)), lines[0]


# 30 guesses, the right one 20th, the To AoR changing every two guesses: alice in the domain
# and in its two aliases (each a To of its own), then users nobody has failed for yet (as the
# finding did).
passwords = [f"guess-{i}" for i in range(30)]
passwords[19] = "alice-secret"
first_tos = ["alice", "alice@alt1.example.com", "alice@ALT2.example.com"]
answers = []
for i, pw in enumerate(passwords):
    to = first_tos[i // 2] if i // 2 < len(first_tos) else f"user{i // 2}"
    sig, line = guess(to, pw)
    answers.append((to, pw, sig, line))
judged = [a for a in answers if a[3].startswith("SIP/2.0 401")]
print(f"answers: {[(a[0], a[3]) for a in answers]}", flush=True)
check(len(judged) < LIMIT,
      f"rotating To: {len(judged)} guesses got 401 (fewer than the limit of {LIMIT})")
check(answers[18][0] == answers[19][0] and answers[18][2] == answers[19][2],
      f"the right guess is answered exactly like the wrong one before it under the same To "
      f"({answers[18][3]} / {answers[19][3]})")
for i in range(LIMIT):  # lock alice from this source, under her own To
    guess("alice", f"more-{i}")
for to in ("alice", "bob"):
    right, _ = guess(to, "alice-secret")
    wrong, _ = guess(to, "guess-x")
    check(right == wrong and right[0].startswith("SIP/2.0 403"),
          f"locked, To {to}: right and wrong password get the same answer ({right[0]})")

# From a fresh source: a To/username mismatch tells nothing about the password.
right, _ = guess("bob", "alice-secret", source="127.0.0.3")
wrong, _ = guess("bob", "guess-y", source="127.0.0.3")
check(right == wrong and right[0].startswith("SIP/2.0 403"),
      f"alice's credentials for To bob: the same 403 for the right and a wrong password ({right[0]}, {wrong[0]})")
_, line = guess("alice", "alice-secret", source="127.0.0.2")
check(line.startswith("SIP/2.0 200"), f"from another address alice registers: {line}")
check(gw.stop(10) == 0, "gateway exits 0 on SIGTERM")
print("PASS")
