"""The SIP-side configuration keys of issue 7 through the real `p2psip gateway`: every key from
the YAML file, the environment and flags in --print-config, the printed YAML (with
static_registrations) accepted back by --config, and bad values refused with exit 2 and one
line naming the key (phones file: the line number; static registrations: index and field)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import P2P_BIN, check, fail, run, temp_dir  # noqa: E402

if not P2P_BIN:
    fail("P2P_BIN not set")

work = temp_dir("p2p-cfgkeys-")
phones = os.path.join(work, "phones")
with open(phones, "w") as f:
    f.write("# user password\nalice correct horse\nbob s3cret\n")

CONFIG = f"""overlay: p2p.example.com
trusted_network:
  - 10.0.0.0/8
  - "2001:db8::/32"
alias: [example.com]
forking: sequential
phones_file: {phones}
static_registrations:
  - aor: pstn@p2p.example.com
    contact: sip:carrier-gw.example.net;transport=tls
    cert: /etc/p2psip/pstn.crt
    key: /etc/p2psip/pstn.key
"""


def gateway(*args, env=None):
    return run([P2P_BIN, "gateway", *args], timeout=20, env=env)


def write(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def expect_error(args, key, what, env=None):
    r = gateway(*args, env=env)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    check(r.returncode == 2 and len(lines) == 1 and key in lines[0],
          f"{what}: exit 2, one line naming {key!r} ({r.returncode} {lines})")
    return lines[0] if lines else ""


cfg = write("gw.yaml", CONFIG)
r = gateway("--config", cfg, "--print-config", "--record-route", "false", "--realm", "Phones",
            env={"P2PSIP_DOMAIN": "sip.example.com", "P2PSIP_SERVICE_AOR": "svc@sip.example.com"})
check(r.returncode == 0, f"--print-config exits 0 ({r.stderr.strip()})")
out = r.stdout
for line in ('  - "10.0.0.0/8"', '  - "2001:db8::/32"', 'domain: "sip.example.com"  # environment',
             'record_route: "false"  # command line', 'forking: "sequential"  # config file',
             'service_aor: "svc@sip.example.com"  # environment', 'realm: "Phones"  # command line',
             f'phones_file: "{phones}"  # config file', "static_registrations:  # config file",
             '  - aor: "pstn@p2p.example.com"',
             '    contact: "sip:carrier-gw.example.net;transport=tls"'):
    check(line in out.splitlines(), f"printed: {line}")

printed = write("printed.yaml", out)
again = gateway("--config", printed, "--print-config")
check(again.returncode == 0, f"printed YAML is accepted back ({again.stderr.strip()})")
strip = lambda text: [l.split("  #")[0] for l in text.splitlines() if not l.startswith("#")]  # noqa: E731
check(strip(again.stdout) == strip(out), "and prints the same values")

r = gateway("--help")
check("--trusted-network" in r.stdout and "--phones-file" in r.stdout and
      "--static-registrations" not in r.stdout, "flags for the new keys, none for static_registrations")

expect_error(["--trusted-network", "10.0.0.1/8"], "trusted_network", "host bits set")
expect_error(["--forking", "serial"], "forking", "bad forking")
expect_error(["--record-route", "maybe"], "record_route", "bad record_route")
expect_error([], "alias", "bad alias from env", env={"P2PSIP_ALIAS": "ok.example,bad_name"})
bad_phones = write("bad-phones", "alice pw\n\nbob\n")
line = expect_error(["--phones-file", bad_phones], "phones_file", "malformed phones file")
check("line 3" in line, f"the phones error names line 3: {line}")
expect_error(["--phones-file", os.path.join(work, "none")], "phones_file", "unreadable phones file")
bad_static = write("bad-static.yaml", CONFIG.replace("    cert: /etc/p2psip/pstn.crt\n", ""))
expect_error(["--config", bad_static], "static_registrations[0].cert", "missing static field")
expect_error([], "P2PSIP_STATIC_REGISTRATIONS", "static registrations from env",
             env={"P2PSIP_STATIC_REGISTRATIONS": "x"})

# The advertised addresses and the registration lifetime, one from each source.
adv = write("adv.yaml", "overlay_advertise: 192.0.2.9\n")
r = gateway("--config", adv, "--print-config", "--sip-advertise", "gw.example.net:15060",
            env={"P2PSIP_REGISTRATION_LIFETIME": "600"})
check(r.returncode == 0, f"--print-config with the advertise keys exits 0 ({r.stderr.strip()})")
for line in ('sip_advertise: "gw.example.net:15060"  # command line',
             'overlay_advertise: "192.0.2.9"  # config file',
             'registration_lifetime: "600"  # environment'):
    check(line in r.stdout.splitlines(), f"printed: {line}")
r = gateway("--help")
check(all(f in r.stdout for f in ("--sip-advertise", "--overlay-advertise", "--registration-lifetime")),
      "--help lists --sip-advertise, --overlay-advertise and --registration-lifetime")
expect_error(["--sip-advertise", "0.0.0.0:5060"], "sip_advertise", "the any-address advertised")
expect_error(["--overlay-advertise", "gw.example.net"], "overlay_advertise", "a name as overlay_advertise")
expect_error(["--registration-lifetime", "5"], "registration_lifetime", "a lifetime below 10 s")
