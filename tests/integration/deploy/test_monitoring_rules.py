"""deploy/monitoring: promtool accepts prometheus.yml and alerts.yml, and the alert unit tests in
alerts_test.yml pass (each alert firing on a bad instance, quiet on a good one)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from harness import SOURCE_DIR, check, run  # noqa: E402

MONITORING = os.path.join(SOURCE_DIR, "deploy", "monitoring")


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


def main():
    check_promtool()
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
