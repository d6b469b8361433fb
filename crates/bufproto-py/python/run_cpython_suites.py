"""CPython's own memoryview suites run against ``bufproto_py.memoryview``.

The installed python3's ``test.test_memoryview`` and ``test.test_buffer``
are imported, ``memoryview`` in their module globals is replaced by the Rust
type (``_testbuffer.ndarray`` stays the exporter of test_buffer), and both
run with unittest. Each suite runs twice: with the builtin (the baseline:
which tests pass at all on this interpreter) and with the Rust type.

Then its own CASES (indexing, assignment, cast, hex, hash, release,
pickling, exports...) run with both types; their outcomes (the value, or
the exception type and message) must agree.

Every test that passes with the builtin but not with the Rust type must be
listed in ``expected_failures.txt`` (one test id per line, then
``<category>: <reason>``; a case is ``cases.<name>``);
a listed test that passes, or that does not exist, is an error too. The
list and the run must agree in both directions.

Usage: run_cpython_suites.py [EXPECTED_FILE] [--counts COUNTS_FILE]
Prints, per suite, a line ``SUITE <name> run=<n> passed=<n> listed=<n>
baseline_passed=<n>``; exits 1 when the list and the run disagree, 2 when
the suites cannot be imported.
"""

import argparse
import re
import io
import os
import sys
import random
import unittest

import bufproto_py

SUITES = ("test.test_memoryview", "test.test_buffer")


# Cases beyond CPython's suites: each runs with the builtin and with the
# Rust type; they must give the same outcome (value, or exception type and
# message), or be listed as "cases.<name>" with the reason they differ.
def outcome(f):
    try:
        r = f()
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    if isinstance(r, (memoryview, bufproto_py.memoryview)):
        return ("view", r.tolist() if r.ndim else None, r.format, r.shape,
                r.strides, r.readonly)
    return re.sub(r"0x[0-9a-f]+", "0x?", repr(r))


class Idx:
    def __index__(self): return 1
CASES = {
 'hex None': lambda M: M(b'ab').hex(None),
 'hex list sep': lambda M: M(b'ab').hex([1]),
 'hex kw': lambda M: M(b'ab').hex(sep=':', bytes_per_sep=1),
 'hex 3 args': lambda M: M(b'ab').hex(':', 1, 2),
 'ctor two': lambda M: M(b'a', b'b'),
 'ctor unknown kw': lambda M: M(argument=b'a'),
 'pickle2': lambda M: __import__('pickle').dumps(M(b'ab'), 2),
 'release twice': lambda M: (lambda m: (m.release(), m.release(), repr(m)[:15]))(M(b'ab')),
 'released eq': lambda M: (lambda m: (m.release(), m == m, m == M(b'ab')))(M(b'ab')),
 'released obj': lambda M: (lambda m: (m.release(), m.obj))(M(b'ab')),
 'hash after release': lambda M: (lambda m: (hash(m), m.release(), hash(m) == hash(b'ab')))(M(b'ab')),
 'iter released midway': lambda M: (lambda m, it: (next(it), m.release(), next(it)))(*(lambda m: (m, iter(m)))(M(b'ab'))),
 'setitem released by index': lambda M: (lambda m: m.__setitem__(type('I', (), {'__index__': lambda s: (m.release(), 0)[1]})(), 1))(M(bytearray(2))),
 'f[0]=nan==': lambda M: (lambda m: (m.__setitem__(0, float('nan')), m == m))(M(bytearray(4)).cast('f')),
 'struct fmt eq': lambda M: M(__import__('array').array('d', [1.5])) == M(__import__('array').array('d', [1.5])),
 'tolist ?': lambda M: M(b'\x00\x01').cast('?').tolist(),
 'tolist e': lambda M: M(b'\x00\x3c').cast('e').tolist(),
 'toreadonly write': lambda M: M(bytearray(b'ab')).toreadonly().__setitem__(0, 1),
 'readinto ro': lambda M: __import__('io').BytesIO(b'zz').readinto(M(b'ab')),
 'readinto rw': lambda M: (lambda b: (__import__('io').BytesIO(b'zz').readinto(M(b)), bytes(b)))(bytearray(b'abc')),
 'struct.unpack_from': lambda M: __import__('struct').unpack_from('<h', M(b'\x01\x02')),
 'builtin mv of 2d': lambda M: (lambda v: (v.shape, v.strides, v.format, v.tolist()))(memoryview(M(b'abcdef').cast('B', (2, 3)))),
 'builtin mv of reversed': lambda M: memoryview(M(b'abc')[::-1]).tolist(),
 'bytes of reversed 2d': lambda M: bytes(M(b'abcdef').cast('B', (2, 3))[::-1]),
 'weakref': lambda M: (lambda m: __import__('weakref').ref(m)() is m)(M(b'a')),
 'm[0]': lambda M: M(b'abc')[0],
 'm[Idx()]': lambda M: M(b'abc')[Idx()],
 'm[None]': lambda M: M(b'abc')[None],
 'm[1.0]': lambda M: M(b'abc')[1.0],
 'm[(0,)]': lambda M: M(b'abc')[(0,)],
 'm[()]': lambda M: M(b'abc')[()],
 'm[...]': lambda M: M(b'abc')[...],
 'm[0:1, 0:1]': lambda M: M(b'abc')[0:1, 0:1],
 'm[2**70]': lambda M: M(b'abc')[2**70],
 'm2d[0]': lambda M: M(b'abcd').cast('B', (2,2))[0],
 'm2d[1,1]': lambda M: M(b'abcd').cast('B', (2,2))[1,1],
 'm2d[1]': lambda M: M(b'abcd').cast('B', (2,2))[1],
 'm2d[0:1]': lambda M: M(b'abcd').cast('B', (2,2))[0:1],
 'm2d[1,1,1]': lambda M: M(b'abcd').cast('B', (2,2))[1,1,1],
 'm2d[(1,)]': lambda M: M(b'abcd').cast('B', (2,2))[(1,)],
 'm0[0]': lambda M: M(b'abcd').cast('i', ())[0],
 'm0[()]': lambda M: M(b'abcd').cast('i', ())[()],
 'len(m0)': lambda M: len(M(b'abcd').cast('i', ())),
 'iter(m0)': lambda M: list(M(b'abcd').cast('i', ())),
 'iter(m2d)': lambda M: list(M(b'abcd').cast('B', (2,2))),
 'in m2d': lambda M: 1 in M(b'abcd').cast('B', (2,2)),
 'reversed(m2d)': lambda M: list(reversed(M(b'abcd').cast('B', (2,2)))),
 'reversed(m0)': lambda M: list(reversed(M(b'abcd').cast('i', ()))),
 'del m[0]': lambda M: M(bytearray(b'abc')).__delitem__(0),
 'del ro m[0]': lambda M: M(b'abc').__delitem__(0),
 'set ro': lambda M: M(b'abc').__setitem__(0, 1),
 'set m[0]=256': lambda M: M(bytearray(b'abc')).__setitem__(0, 256),
 'set m[0]="x"': lambda M: M(bytearray(b'abc')).__setitem__(0, "x"),
 'set m[5]="x"': lambda M: M(bytearray(b'abc')).__setitem__(5, "x"),
 'set m[0:1]=1': lambda M: M(bytearray(b'abc')).__setitem__(slice(0,1), 1),
 'set m[0:2]=b"x"': lambda M: M(bytearray(b'abc')).__setitem__(slice(0,2), b"x"),
 'set m2d[0]=1': lambda M: M(bytearray(b'abcd')).cast('B',(2,2)).__setitem__(0, 1),
 'set m2d[0:1]=b"ab"': lambda M: M(bytearray(b'abcd')).cast('B',(2,2)).__setitem__(slice(0,1), b"ab"),
 'set m2d[1,1]=5': lambda M: (lambda m: (m.__setitem__((1,1), 5), m.tolist()))(M(bytearray(b'abcd')).cast('B',(2,2))),
 'set m2d[(1,)]=5': lambda M: M(bytearray(b'abcd')).cast('B',(2,2)).__setitem__((1,), 5),
 'set m2d[1,5]=5': lambda M: M(bytearray(b'abcd')).cast('B',(2,2)).__setitem__((1,5), 5),
 'set m0[...]=7': lambda M: (lambda m: (m.__setitem__(Ellipsis, 7), m.tolist()))(M(bytearray(4)).cast('i',())),
 'set m0[0]=7': lambda M: M(bytearray(4)).cast('i',()).__setitem__(0, 7),
 'set d[0]=2**200': lambda M: (lambda m: (m.__setitem__(0, 2**200), m[0]))(M(bytearray(8)).cast('d')),
 'set f[0]=2**200': lambda M: M(bytearray(8)).cast('f').__setitem__(0, 2**200),
 'set f[0]=1e300': lambda M: M(bytearray(8)).cast('f').__setitem__(0, 1e300),
 'set ?[0]=[]': lambda M: (lambda m: (m.__setitem__(0, []), m[0]))(M(bytearray(8)).cast('?')),
 'set c[0]=b"xy"': lambda M: M(bytearray(8)).cast('c').__setitem__(0, b"xy"),
 'cast shape=3': lambda M: M(b'abcd').cast('B', 3),
 'cast shape=[2,"a"]': lambda M: M(b'abcd').cast('B', [2,"a"]),
 'cast shape=[-1]': lambda M: M(b'abcd').cast('B', [-1]),
 'cast shape=[2**64]': lambda M: M(b'abcd').cast('B', [2**64]),
 'cast shape=[-2**64]': lambda M: M(b'abcd').cast('B', [-2**64]),
 'cast shape=[True,4]': lambda M: M(b'abcd').cast('B', [True,4]),
 'cast fmt=1': lambda M: M(b'abcd').cast(1),
 'cast noncontig shape=3': lambda M: M(b'abcd')[::2].cast('B', 3),
 'cast X': lambda M: M(b'abcd').cast('X'),
 'cast i->B (2,2)': lambda M: M(b'abcdefgh').cast('i').cast('B', (2,4)),
 'hash ro': lambda M: hash(M(b'abc')) == hash(b'abc'),
 'hash rw': lambda M: hash(M(bytearray(b'abc'))),
 'hash i': lambda M: hash(M(b'abcd').cast('i')),
 'hash toreadonly bytearray': lambda M: hash(M(bytearray(b'abc')).toreadonly()),
 'hash noncontig': lambda M: hash(M(b'abcd')[::2]) == hash(b'ac'),
 'lt': lambda M: M(b'a') < M(b'b'),
 'eq str': lambda M: M(b'a') == 'a',
 'eq array': lambda M: M(array.array('i',[1,2])) == array.array('i',[1,2]),
 'eq i vs f': lambda M: M(array.array('i',[1,2])) == array.array('f',[1,2]),
 'ne c vs B': lambda M: M(b'ab').cast('c') != M(b'ab'),
 'tobytes F': lambda M: M(b'abcdef').cast('B',(2,3)).tobytes('F'),
 'tobytes X': lambda M: M(b'abcdef').tobytes('X'),
 'tobytes 1': lambda M: M(b'abcdef').tobytes(1),
 'hex': lambda M: M(b'abcdef').hex(),
 'hex sep': lambda M: M(b'abcdef').hex('-', 2),
 'hex bsep': lambda M: M(b'abcdef').hex(b'-', -4),
 'hex bad sep': lambda M: M(b'abcdef').hex('--'),
 'hex bad sep type': lambda M: M(b'abcdef').hex(1),
 'hex nonascii': lambda M: M(b'abcdef').hex('\xe9'),
 'hex big bps': lambda M: M(b'abcdef').hex(':', 2**40),
 'tolist 2d': lambda M: M(b'abcdef').cast('B',(2,3)).tolist(),
 'tolist c': lambda M: M(b'ab').cast('c').tolist(),
 'ctor noarg': lambda M: M(),
 'ctor dict': lambda M: M({}),
 'ctor kw': lambda M: M(object=b'ab').tobytes(),
 'obj': lambda M: M(b'ab').obj,
 'view of view obj': lambda M: M(M(b'ab')).obj,
 'nbytes': lambda M: M(b'abcdef')[::2].nbytes,
 'contig': lambda M: (M(b'abcdef')[::2].contiguous, M(b'abcdef')[::2].c_contiguous, M(b'abcdef').cast('B',(2,3)).f_contiguous),
 'suboffsets': lambda M: M(b'ab').suboffsets,
 'release exported': lambda M: (lambda m: (memoryview(m), m.release()))(M(b'ab')),
 'copy': lambda M: __import__('copy').copy(M(b'ab')),
 'pickle0': lambda M: __import__('pickle').dumps(M(b'ab'), 0),
 'bytes': lambda M: bytes(M(b'ab')[::-1]),
 'str utf8': lambda M: str(M(b'ab'), 'utf-8'),
 'bool': lambda M: bool(M(b'')),
 'bool0d': lambda M: bool(M(b'abcd').cast('i',())),
 'enter released': lambda M: (lambda m: (m.release(), m.__enter__()))(M(b'ab')),
 'toreadonly': lambda M: M(bytearray(b'ab')).toreadonly(),
 'builtin mv of ro': lambda M: memoryview(M(bytearray(b'ab')).toreadonly()).readonly,
 'in': lambda M: (98 in M(b'abc'), 98.0 in M(b'abc'), True in M(b'\x01'), 300 in M(b'abc')),
 'in str': lambda M: 'a' in M(b'abc'),
 'in c bytes': lambda M: (b'b' in M(b'abc').cast('c'), b'bc' in M(b'abc').cast('c')),
 'in nan': lambda M: float('nan') in M(bytearray(4)).cast('f').__setitem__(0, float('nan')) or float('nan') in M(b'\x00\x00\xc0\x7f').cast('f'),
 'in released': lambda M: (lambda m: (m.release(), 1 in m))(M(b'ab')),
 'in released str': lambda M: (lambda m: (m.release(), 'a' in m))(M(b'ab')),
 'in 2-d str': lambda M: 'a' in M(b'abcd').cast('B', (2,2)),
 'reversed released midway': lambda M: (lambda m, it: (next(it), m.release(), next(it)))(*(lambda m: (m, reversed(m)))(M(b'ab'))),
 'm0[...] is m0': lambda M: (lambda m: m[...] is m)(M(b'abcd').cast('i', ())),
 'm0[0:1]': lambda M: M(b'abcd').cast('i', ())[0:1],
 'm[0, 0:1]': lambda M: M(b'abc')[0, 0:1],
 'm2d[0:1, 0:1]': lambda M: M(b'abcd').cast('B', (2,2))[0:1, 0:1],
 'm2d[()]': lambda M: M(b'abcd').cast('B', (2,2))[()],
 'set m[...]=1': lambda M: M(bytearray(b'abc')).__setitem__(Ellipsis, 1),
 'set m[()]=1': lambda M: M(bytearray(b'abc')).__setitem__((), 1),
 'set m[0, 0:1]=1': lambda M: M(bytearray(b'abc')).__setitem__((0, slice(0, 1)), 1),
 'set m[1.5]=1': lambda M: M(bytearray(b'abc')).__setitem__(1.5, 1),
 'set m2d[0:1, 0:1]': lambda M: M(bytearray(b'abcd')).cast('B',(2,2)).__setitem__((slice(0,1), slice(0,1)), b"a"),
 'set m0[()]=8': lambda M: (lambda m: (m.__setitem__((), 8), m.tolist()))(M(bytearray(4)).cast('i',())),
 'set m0[0:1]=b"a"': lambda M: M(bytearray(4)).cast('i',()).__setitem__(slice(0, 1), b"a"),
 'set ro m[1.5]': lambda M: M(b'abc').__setitem__(1.5, 1),
 'del m[1.5]': lambda M: M(bytearray(b'abc')).__delitem__(1.5),
}
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
        # test_buffer draws shapes and formats from `random`: seeded by the
        # test's name, both runs of a test see the same cases, and every run
        # of the suite the same ones (a 0-d case, which 3.12+ cannot len(),
        # is then drawn or not drawn every time).
        random.seed(test.id())

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


# Behaviour of 3.12+ that python3 (3.11) cannot show: each case with the
# outcome CPython 3.14.2 gave (asked in Pyodide, tests/pycon's pinned
# package), which the Rust type must give too.
CASES_314 = {
    'count': (lambda M: M(b'abca').count(97), "2"),
    'count str': (lambda M: M(b'abca').count('a'), "0"),
    'count float item': (lambda M: (lambda f: f.count(f[0]))(M(b'abcd').cast('f')), "1"),
    'count 0-d': (lambda M: M(b'abcd').cast('i', ()).count(1),
                  "TypeError: invalid indexing of 0-dim memory"),
    'count 2-d': (lambda M: M(b'abcd').cast('B', (2, 2)).count(1),
                  "NotImplementedError: multi-dimensional sub-views are not implemented"),
    'index': (lambda M: M(b'abcb').index(98, 2), "3"),
    'index clamped': (lambda M: M(b'abcd').index(98, -3, 2**70), "1"),
    'index str': (lambda M: M(b'abcd').index('a'),
                  "ValueError: memoryview.index(x): x not found"),
    'index 0-d': (lambda M: M(b'abcd').cast('i', ()).index(1),
                  "TypeError: invalid lookup on 0-dim memory"),
    'index 0-d str': (lambda M: M(b'abcd').cast('i', ()).index('a'),
                      "TypeError: invalid lookup on 0-dim memory"),
    'index 2-d': (lambda M: M(b'abcd').cast('B', (2, 2)).index(1),
                  "NotImplementedError: multi-dimensional lookup is not implemented"),
    'len 0-d': (lambda M: len(M(b'abcd').cast('i', ())),
                "TypeError: 0-dim memory has no length"),
    'bool 0-d': (lambda M: bool(M(b'abcd').cast('i', ())),
                 "TypeError: 0-dim memory has no length"),
    'iter 0-d': (lambda M: iter(M(b'abcd').cast('i', ())),
                 "TypeError: invalid indexing of 0-dim memory"),
    'iter 2-d': (lambda M: iter(M(b'abcd').cast('B', (2, 2))),
                 "NotImplementedError: multi-dimensional sub-views are not implemented"),
    'reversed 0-d': (lambda M: list(reversed(M(b'abcd').cast('i', ()))),
                     "TypeError: 0-dim memory has no length"),
    'reversed 2-d': (lambda M: list(reversed(M(b'abcd').cast('B', (2, 2)))),
                     "NotImplementedError: multi-dimensional sub-views are not implemented"),
    'in 0-d': (lambda M: 1 in M(b'abcd').cast('i', ()),
               "TypeError: argument of type 'memoryview' is not a container or iterable"),
    'in 0-d str': (lambda M: 'a' in M(b'abcd').cast('i', ()),
                   "TypeError: argument of type 'memoryview' is not a container or iterable"),
    'in 2-d': (lambda M: 1 in M(b'abcd').cast('B', (2, 2)),
               "NotImplementedError: multi-dimensional sub-views are not implemented"),
    'cast e': (lambda M: M(b'\x00\x3c').cast('e').tolist(), "[1.0]"),
    'copy': (lambda M: __import__('copy').copy(M(b'ab')),
             "TypeError: cannot pickle memoryview objects"),
    'pickle 0': (lambda M: __import__('pickle').dumps(M(b'ab'), 0),
                 "TypeError: cannot pickle 'memoryview' object"),
}


def read_expected(path):
    """{test id: (category, reason)}; malformed lines are errors."""
    expected, problems = {}, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^(.+?) (3\.14|cpython-detail|crate-gap): (.+)$", line)
            if not m:
                problems.append(f"{path}:{n}: want '<id> <category>: <reason>' "
                                f"with a category in {CATEGORIES}: {line}")
                continue
            tid, category, reason = m.groups()
            if tid in expected:
                problems.append(f"{path}:{n}: {tid} listed twice")
            expected[tid] = (category, reason)
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
        try:
            importlib.import_module(name)
        except ImportError as e:
            # some distributions ship python3 without its test package
            print(f"NOT RUN: cannot import {name}: {e}")
            return 2
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

    mine = {t: v for t, v in expected.items() if t.startswith("cases.")}
    differ = {}
    for name, case in CASES.items():
        builtin = outcome(lambda: case(memoryview))
        ours = outcome(lambda: case(bufproto_py.memoryview))
        if builtin != ours:
            differ["cases." + name] = (builtin, ours)
    for tid in sorted(set(differ) - set(mine)):
        problems.append(f"{tid}: differs and is not listed: builtin {differ[tid][0]}"
                        f" | bufproto_py {differ[tid][1]}")
    for tid in sorted(set(mine) - set(differ)):
        state = "does not exist" if tid[6:] not in CASES else "agrees"
        problems.append(f"{tid}: listed but {state}")
    for name, (case, want) in CASES_314.items():
        got = outcome(lambda: case(bufproto_py.memoryview))
        if got != want:
            problems.append(f"cases314.{name}: CPython 3.14 gives {want}, "
                            f"bufproto_py {got} (never listable)")
    line = (f"SUITE cases run={len(CASES)} passed={len(CASES) - len(differ)} "
            f"listed={len(mine)} baseline_passed={len(CASES)}")
    print(f"  and {len(CASES_314)} cases with CPython 3.14's outcomes")
    print(line)
    lines.append(line)

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
