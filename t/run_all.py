#!/usr/bin/python3
"""Runs every test suite and ends with one line: 'N passed, M failed'.

Suites: GoogleTest unit tests, pytest integration and e2e tests (real daemon, real
sockets, real Kamailio), the kernel suite (xt_RTPENGINE and its iptables plugin in
Debian's kernel under qemu), and each libFuzzer target for a bounded time.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.lines = []

    def add(self, suite, passed, failed, skipped=0):
        self.passed += passed
        self.failed += failed
        self.skipped += skipped
        self.lines.append("%-12s %d passed, %d failed, %d skipped" % (suite, passed, failed, skipped))


def srtp_interop_expected(build_dir):
    """srtp-interop-tests is built whenever CMake found libsrtp2 (a --test dependency)."""
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            if any(l.startswith("SRTP2_FOUND:") and l.strip().endswith("=1") for l in f):
                return True
    except OSError:
        pass
    return subprocess.call(["pkg-config", "--exists", "libsrtp2"]) == 0


def run_unit(build_dir, tally, label="unit", binary_name="unit-tests"):
    binary = os.path.join(build_dir, "bin", binary_name)
    if not os.path.exists(binary):
        print("%s: %s is missing" % (label, binary))
        tally.add(label, 0, 1)
        return
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "unit.json")
        rc = subprocess.call([binary, "--gtest_output=json:" + report])
        if not os.path.exists(report):
            tally.add(label, 0, 1)
            return
        with open(report) as f:
            data = json.load(f)
    total, failures = data.get("tests", 0), data.get("failures", 0)
    # GTEST_SKIP()ped tests are in "tests" and not in "failures": they count as skipped,
    # never as passed.
    skipped_run = sum(1 for suite in data.get("testsuites", []) for t in suite.get("testsuite", [])
                      if t.get("result") == "SKIPPED")
    skipped = data.get("disabled", 0) + skipped_run
    # A crash after some tests ran still has to count as a failure.
    crashed = 1 if rc != 0 and failures == 0 else 0
    tally.add(label, total - failures - skipped_run, failures + crashed, skipped)


def run_pytest(build_dir, suites, tally, label=None):
    paths = [os.path.join(REPO, "t", s) for s in suites if glob.glob(os.path.join(REPO, "t", s, "test_*.py"))]
    if not paths:
        return
    env = dict(os.environ, RTPE_BUILD_DIR=os.path.abspath(build_dir), PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "pytest.xml")
        rc = subprocess.call(["/usr/bin/python3", "-m", "pytest", "-p", "no:cacheprovider", "-q",
                              "--junitxml=" + report] + paths, env=env, cwd=REPO)
        if not os.path.exists(report):
            tally.add(label or "+".join(suites), 0, 1)
            return
        root = ET.parse(report).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    total = int(suite.get("tests", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    skipped = int(suite.get("skipped", 0))
    crashed = 1 if rc not in (0, 1) and failed == 0 else 0
    tally.add(label or "+".join(suites), total - failed - skipped, failed + crashed, skipped)


def run_fuzz(fuzz_build_dir, seconds, tally):
    targets = sorted(glob.glob(os.path.join(fuzz_build_dir, "bin", "fuzz-*")))
    passed = failed = 0
    for target in targets:
        name = os.path.basename(target)[len("fuzz-"):]
        seeds = os.path.join(REPO, "t", "fuzz", "corpus", name)
        with tempfile.TemporaryDirectory() as corpus:
            if os.path.isdir(seeds):
                for seed in os.listdir(seeds):
                    shutil.copy(os.path.join(seeds, seed), corpus)
            run = subprocess.run([target, "-max_total_time=%d" % seconds, "-print_final_stats=1",
                                  "-artifact_prefix=" + corpus + "/", corpus],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
            rc = run.returncode
            output = run.stdout.splitlines()
            # libFuzzer's progress lines are noise; its final stats, or the crash report, are not.
            shown = [l for l in output if l.startswith("stat::")] if rc == 0 else output[-60:]
            for artifact in glob.glob(os.path.join(corpus, "crash-*")) + glob.glob(os.path.join(corpus, "leak-*")):
                kept = os.path.join(REPO, "t", "fuzz", os.path.basename(artifact))
                shutil.copy(artifact, kept)
                shown.append("reproducer kept at " + kept)
        print("\n".join(shown))
        print("fuzz %s: %s" % (name, "ok" if rc == 0 else "FAILED (exit %d)" % rc))
        if rc == 0:
            passed += 1
        else:
            failed += 1
    if not targets:
        failed += 1
        print("fuzz: no targets built in " + fuzz_build_dir)
    tally.add("fuzz", passed, failed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default="build")
    parser.add_argument("--fuzz-build-dir", default="build-fuzz")
    parser.add_argument("--only", choices=["unit", "integration", "e2e", "kernel", "fuzz", "tsan"], action="append")
    parser.add_argument("--fuzz-seconds", type=int, default=20)
    parser.add_argument("--tsan-build-dir", help="also run the unit and integration suites on this "
                        "ThreadSanitizer build; a data race stops the daemon and fails the test")
    args = parser.parse_args()
    only = set(args.only or ["unit", "integration", "e2e", "kernel", "fuzz", "tsan"])

    tally = Tally()
    if "unit" in only:
        run_unit(args.build_dir, tally)
        if srtp_interop_expected(args.build_dir):
            run_unit(args.build_dir, tally, "srtp-interop", "srtp-interop-tests")
        # A fax page end to end through the T.38 gateway, spandsp's terminals as peers.
        run_unit(args.build_dir, tally, "t38-fax", "t38-fax-tests")
    pytest_suites = [s for s in ("integration", "e2e") if s in only]
    if pytest_suites:
        run_pytest(args.build_dir, pytest_suites, tally)
    if "kernel" in only:
        # xt_RTPENGINE and the iptables plugin in Debian's kernel under qemu (t/kernel)
        run_pytest(args.build_dir, ["kernel"], tally, "kernel")
    if "fuzz" in only:
        run_fuzz(args.fuzz_build_dir, args.fuzz_seconds, tally)
    if "tsan" in only and args.tsan_build_dir:
        os.environ["TSAN_OPTIONS"] = "halt_on_error=1 second_deadlock_stack=1"
        run_unit(args.tsan_build_dir, tally, "unit-tsan")
        run_pytest(args.tsan_build_dir, ["integration"], tally, "integration-tsan")

    print()
    for line in tally.lines:
        print(line)
    summary = "%d passed, %d failed" % (tally.passed, tally.failed)
    if tally.skipped:
        summary += ", %d skipped" % tally.skipped
    print(summary)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
