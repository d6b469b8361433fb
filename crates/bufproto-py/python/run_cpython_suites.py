"""CPython's own memoryview suites run against ``bufproto_py.memoryview``.

The installed python3's ``test.test_memoryview`` and ``test.test_buffer``
are imported, ``memoryview`` in their module globals is replaced by the Rust
type (``_testbuffer.ndarray`` stays the exporter of test_buffer), and both
run with unittest. Each suite runs twice: with the builtin (the baseline:
which tests pass at all on this interpreter) and with the Rust type.

Every test that passes with the builtin but not with the Rust type must be
listed in ``expected_failures.txt`` (one test id per line, then its reason);
a listed test that passes, or that does not exist, is an error too. The
list and the run must agree in both directions.

Usage: run_cpython_suites.py [EXPECTED_FILE] [--counts COUNTS_FILE]
Prints, per suite, a line ``SUITE <name> run=<n> passed=<n> listed=<n>
baseline_passed=<n>``; exits 1 when the list and the run disagree.
"""

import argparse
import io
import os
import sys
import unittest

import bufproto_py

SUITES = ("test.test_memoryview", "test.test_buffer")
CATEGORIES = ("3.14", "cpython-detail", "crate-gap")


class Collect(unittest.TestResult):
    """Which tests ran, and which did not pass (a failed subtest fails
    its test; a skip is neither passed nor failed)."""

    def __init__(self):
        super().__init__()
        self.ran = set()
        self.bad = {}
        self.skip = set()

    def startTest(self, test):
        super().startTest(test)
        self.ran.add(test.id())

    def _bad(self, test, err):
        self.bad.setdefault(test.id(), self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._bad(test, err)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._bad(test, err)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.bad.setdefault(test.id(), self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.skip.add(test.id())

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.bad.setdefault(test.id(), "unexpected success")

    def passed(self):
        return self.ran - set(self.bad) - self.skip


def run(name, memoryview_type):
    """Runs suite `name` with `memoryview_type` in its globals."""
    module = sys.modules[name]
    saved = module.__dict__.get("memoryview", None)
    module.memoryview = memoryview_type
    try:
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)
        result = Collect()
        # the suites print nothing themselves; keep stray output out
        stdout, sys.stdout = sys.stdout, io.StringIO()
        try:
            suite.run(result)
        finally:
            sys.stdout = stdout
    finally:
        if saved is None:
            del module.memoryview
        else:
            module.memoryview = saved
    return result


def read_expected(path):
    """{test id: (category, reason)}; malformed lines are errors."""
    expected, problems = {}, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            tid, _, why = line.partition(" ")
            category, _, reason = why.strip().partition(":")
            if category not in CATEGORIES or not reason.strip():
                problems.append(f"{path}:{n}: want '<id> <category>: <reason>' "
                                f"with a category in {CATEGORIES}: {line}")
            if tid in expected:
                problems.append(f"{path}:{n}: {tid} listed twice")
            expected[tid] = (category, reason.strip())
    return expected, problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("expected", nargs="?",
                    default=os.path.join(here, "expected_failures.txt"))
    ap.add_argument("--counts", help="write the counts here (one line per suite)")
    ap.add_argument("--verbose", action="store_true",
                    help="print the traceback of every unexpected failure")
    args = ap.parse_args()

    import importlib
    for name in SUITES:
        importlib.import_module(name)
    expected, problems = read_expected(args.expected)

    lines = []
    for name in SUITES:
        base = run(name, memoryview)
        ours = run(name, bufproto_py.memoryview)
        short = name.rsplit(".", 1)[1]
        mine = {t: v for t, v in expected.items() if t.startswith(name + ".")}
        # Non-passing with the Rust type among the tests the builtin passes.
        failing = base.passed() - ours.passed()
        for tid in sorted(failing - set(mine)):
            first = ours.bad.get(tid, "not run").strip().splitlines()
            problems.append(f"{tid}: fails and is not listed: {first[-1]}")
            if args.verbose:
                print(ours.bad.get(tid, ""), file=sys.stderr)
        for tid in sorted(set(mine) - failing):
            state = "does not exist" if tid not in base.ran else (
                "fails with the builtin too" if tid not in base.passed() else "passes")
            problems.append(f"{tid}: listed but {state}")
        passed = len(ours.passed())
        line = (f"SUITE {short} run={len(ours.ran)} passed={passed} "
                f"listed={len(mine)} baseline_passed={len(base.passed())}")
        print(line)
        lines.append(line)
        by_cat = {}
        for category, _ in mine.values():
            by_cat[category] = by_cat.get(category, 0) + 1
        print(f"  listed by category: {dict(sorted(by_cat.items()))}")

    if args.counts:
        with open(args.counts, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    for p in problems:
        print("MISMATCH", p)
    print("the expected-failures list and the run",
          "DISAGREE" if problems else "agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
