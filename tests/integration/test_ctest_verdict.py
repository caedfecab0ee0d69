"""scripts/ctest-verdict.sh, the part of scripts/test.sh that decides whether a ctest run
passed: on real ctest runs of a tiny generated project, a run where every test passed is a
pass; a run with a skipped test (exit 77 = SKIP_RETURN_CODE, which ctest itself counts as
passed), a run that found no tests, and a run with a failed test are failures."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from harness import SOURCE_DIR, check, run, temp_dir  # noqa: E402

VERDICT = os.path.join(SOURCE_DIR, "scripts", "ctest-verdict.sh")
PROJECT = """cmake_minimum_required(VERSION 3.20)
project(verdict NONE)
enable_testing()
if(WITH_PASS)
  add_test(NAME passes COMMAND sh -c "echo fine")
endif()
if(WITH_SKIP)
  add_test(NAME skips COMMAND sh -c "echo 'SKIP: a tool is not installed'; exit 77")
  set_tests_properties(skips PROPERTIES SKIP_RETURN_CODE 77)
endif()
if(WITH_FAIL)
  add_test(NAME fails COMMAND sh -c "exit 1")
endif()
"""


def verdict(work, name, options, ctest_args=()):
    """(ctest's exit code, the verdict's CompletedProcess) for one configuration."""
    build = os.path.join(work, name)
    r = run(["cmake", "-S", work, "-B", build, *options])
    check(r.returncode == 0, f"{name}: configured {r.stderr[-300:]}")
    log = os.path.join(work, f"{name}.log")
    with open(log, "w") as out:
        rc = subprocess.run(["ctest", "--test-dir", build, *ctest_args], stdout=out,
                            stderr=subprocess.STDOUT).returncode
    return rc, run([VERDICT, str(rc), log, build])


def main():
    work = temp_dir("p2p-verdict-")
    with open(os.path.join(work, "CMakeLists.txt"), "w") as f:
        f.write(PROJECT)
    rc, v = verdict(work, "pass", ["-DWITH_PASS=ON"], ["--no-tests=error"])
    check(rc == 0 and v.returncode == 0 and "all 1 tests ran and passed" in v.stdout,
          f"every test passed: the verdict passes ({v.stdout.strip()})")
    rc, v = verdict(work, "skip", ["-DWITH_PASS=ON", "-DWITH_SKIP=ON"], ["--no-tests=error"])
    check(rc == 0, "ctest alone counts the skipped test as passed (exit 0)")
    check(v.returncode == 1 and "skips (Skipped)" in v.stdout and
          "SKIP: a tool is not installed" in v.stdout,
          f"a skipped test fails the verdict, which says why: {v.stdout.strip()}")
    rc, v = verdict(work, "none", [], [])
    check(rc == 0 and v.returncode == 1 and "ran no test" in v.stdout,
          f"no tests (even where ctest exits 0): the verdict fails ({v.stdout.strip()})")
    rc, v = verdict(work, "none-error", [], ["--no-tests=error"])
    check(rc != 0 and v.returncode == 1, "no tests with --no-tests=error: the verdict fails")
    rc, v = verdict(work, "fail", ["-DWITH_PASS=ON", "-DWITH_FAIL=ON"], ["--no-tests=error"])
    check(rc != 0 and v.returncode == 1 and "ctest exited" in v.stdout,
          f"a failed test fails the verdict ({v.stdout.strip()})")
    print("PASS")


if __name__ == "__main__":
    main()
