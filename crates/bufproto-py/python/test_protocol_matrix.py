"""Every buffer request against every exporter, compared with CPython's twin.

Run by tests/protocol_matrix.rs with the freshly built module on PYTHONPATH:
`python3 test_protocol_matrix.py CLASS` runs one TestCase class (the runner
starts one process per class, so that a crash in one does not hide the
others); `QUICK=1` in the environment runs a smaller sample (for valgrind).

An exporter of `bufproto_py` and its twin are built from the same data:
`Bytes` / `bytes`, `ByteArray` / `bytearray`, `Array` / `array.array`,
`NdArray` / `_testbuffer.ndarray` (same format, shape, strides, offset,
writability), and `memoryview` of each of those. Each pair is asked for a
buffer with every combination of the eight request bits (`PyBUF_WRITABLE`,
`FORMAT`, `ND`, the `STRIDES` bit, the `C`/`F`/`ANY_CONTIGUOUS` bits and the
`INDIRECT` bit: 256 requests, a superset of the 60 that CPython's
`test_buffer.test_ndarray_getbuf` makes) by `_testbuffer.ndarray(obj,
getbuf=flags)`, a `PyObject_GetBuffer` consumer that shows every field of
the `Py_buffer` it got. The two answers must be the same: accepted or
refused, the exception's type and message, `len`, `itemsize`, `readonly`,
`ndim`, `format`, `shape`, `strides`, `suboffsets`, `obj`, the contents
(`tolist()`, `tobytes()`), and the contiguity CPython computes from them.

`_testbuffer`'s other consumers (`get_contiguous`, `py_buffer_to_contiguous`,
`cmp_contig`, `get_pointer`, `is_contiguous`, `tolist`) run over every
exporter too, against the same twins.
"""
import array
import ctypes
import gc
import itertools
import os
import struct
import sys
import unittest

import suite_runner

import _testbuffer as tb
import bufproto_py as bp

QUICK = os.environ.get("QUICK") == "1"

# The eight request bits. PyBUF_STRIDES is ND|0x10, PyBUF_C_CONTIGUOUS is
# STRIDES|0x20, ...: each named flag adds one bit to the ones it implies.
BITS = (
    tb.PyBUF_WRITABLE,
    tb.PyBUF_FORMAT,
    tb.PyBUF_ND,
    tb.PyBUF_STRIDES & ~tb.PyBUF_ND,
    tb.PyBUF_C_CONTIGUOUS & ~tb.PyBUF_STRIDES,
    tb.PyBUF_F_CONTIGUOUS & ~tb.PyBUF_STRIDES,
    tb.PyBUF_ANY_CONTIGUOUS & ~tb.PyBUF_STRIDES,
    tb.PyBUF_INDIRECT & ~tb.PyBUF_STRIDES,
)
assert len(set(BITS)) == 8 and all(b & (b - 1) == 0 for b in BITS)


def all_requests():
    """Every OR of a subset of BITS: 256 requests."""
    out = []
    for n in range(len(BITS) + 1):
        for combo in itertools.combinations(BITS, n):
            flags = 0
            for b in combo:
                flags |= b
            out.append(flags)
    return sorted(out)


REQUESTS = all_requests()
assert len(REQUESTS) == 256
# CPython's test_buffer requests (test_ndarray_getbuf): all must be in ours.
_CPYTHON_REQUESTS = [
    r | bits
    for r in (tb.PyBUF_INDIRECT, tb.PyBUF_STRIDES, tb.PyBUF_ND, tb.PyBUF_SIMPLE,
              tb.PyBUF_C_CONTIGUOUS, tb.PyBUF_F_CONTIGUOUS, tb.PyBUF_ANY_CONTIGUOUS,
              tb.PyBUF_FULL, tb.PyBUF_FULL_RO, tb.PyBUF_RECORDS, tb.PyBUF_RECORDS_RO,
              tb.PyBUF_STRIDED, tb.PyBUF_STRIDED_RO, tb.PyBUF_CONTIG, tb.PyBUF_CONTIG_RO)
    for bits in (0, tb.PyBUF_WRITABLE, tb.PyBUF_FORMAT, tb.PyBUF_WRITABLE | tb.PyBUF_FORMAT)
]
assert set(_CPYTHON_REQUESTS) <= set(REQUESTS)
if QUICK:
    REQUESTS = sorted(set(_CPYTHON_REQUESTS))


# -- the exporters and their twins -------------------------------------------

def items_of(fmt, data):
    """`data` unpacked as items of the one-item struct format `fmt`."""
    return [t[0] for t in struct.iter_unpack(fmt, data)]


def nd_pair(fmt, items, shape, strides=None, offset=0, writable=False):
    """`bp.NdArray` and `_testbuffer.ndarray` over the same memory.

    `items` is the whole memory as items of `fmt`; `strides` and `offset`
    are in items (multiplied by the item size here), as in test_buffer.
    """
    size = struct.calcsize(fmt)
    # an item of a multi-field format ("hb", "2si") is a tuple
    data = b"".join(struct.pack(fmt, *(i if isinstance(i, tuple) else (i,))) for i in items)
    byte_strides = None if strides is None else [s * size for s in strides]
    mine = bp.NdArray(data, fmt, shape, byte_strides, offset * size, writable)
    # _testbuffer.ndarray wants a scalar for 0-dim and a non-empty list.
    init = items[0] if not shape else (items or [0 if fmt != "?" else False])
    assert len(data) == len(items) * size
    kw = dict(shape=shape, format=fmt, offset=offset * size,
              flags=tb.ND_WRITABLE if writable else 0)
    if byte_strides is not None:
        kw["strides"] = byte_strides
    twin = tb.ndarray(init, **kw)
    return mine, twin


def pairs_regular():
    """(name, make) for every exporter pair but the 0-dim ones; `make()`
    returns fresh (bufproto_py object, CPython twin)."""
    out = []
    for data in (b"", b"a", b"hello world"):
        out.append(("Bytes(%r)" % data, lambda d=data: (bp.Bytes(d), bytes(d))))
        out.append(("ByteArray(%r)" % data, lambda d=data: (bp.ByteArray(d), bytearray(d))))

    def sliced():
        return bp.ByteArray(b"xhello!")[1:-1], bytearray(b"hello")

    def popped():
        ba = bp.ByteArray(b"xhello")
        ba.pop(0)  # a hidden start offset in the crate's storage
        return ba, bytearray(b"hello")

    def grown():
        ba = bp.ByteArray(b"ab")
        ba.extend(b"cdef" * 100)  # storage reallocated
        return ba, bytearray(b"ab" + b"cdef" * 100)

    def cleared():
        ba = bp.ByteArray(b"abc")
        ba.clear()
        return ba, bytearray()

    def bytes_slice():
        return bp.Bytes(b"xhello!")[1:-1], b"hello"  # shares the memory

    def array_grown():
        a = bp.Array("i", [1])
        for i in range(100):
            a.append(i)
        return a, array.array("i", [1] + list(range(100)))

    out += [("ByteArray[1:-1]", sliced), ("ByteArray after pop(0)", popped),
            ("ByteArray after extend", grown), ("ByteArray after clear", cleared),
            ("Bytes[1:-1]", bytes_slice), ("Array after 100 appends", array_grown)]
    for tc, vals in (("b", [-1, 2, 3]), ("B", []), ("h", [1, -2]), ("H", [65535]),
                     ("i", [1, 2, 3]), ("I", [2**32 - 1]), ("l", [-2**63, 7]),
                     ("L", [5]), ("q", [2**63 - 1]), ("Q", [2**64 - 1]),
                     ("f", [1.5, -0.0]), ("d", [0.25, -1.0, 3e300])):
        out.append(("Array(%r, %r)" % (tc, vals),
                    lambda tc=tc, vals=vals: (bp.Array(tc, vals), array.array(tc, vals))))
    r12 = list(range(1, 13))
    nd_cases = [
        ("B", r12[:6], [6], None, 0, False),
        ("B", r12[:6], [6], None, 0, True),
        ("B", r12, [3, 4], None, 0, False),
        ("B", r12, [3, 4], None, 0, True),
        ("B", r12, [12], [-1], 11, False),
        ("B", r12, [6], [2], 0, True),
        ("B", r12, [6], [-2], 11, False),
        ("i", r12, [3, 4], [-4, -1], 11, False),
        ("B", r12, [2, 2], [4, 1], 4, True),
        ("B", r12, [2, 2], [-4, -1], 8, False),
        ("l", r12[:3], [1, 3, 1], None, 0, False),
        ("B", r12[:6], [2, 3], [1, 2], 0, False),   # Fortran order
        ("d", [float(x) for x in r12[:6]], [2, 3], [1, 2], 0, True),
        ("h", r12, [2, 3], [2, 4], 0, False),       # Fortran of a slice
        ("B", [], [0], None, 0, False),              # empty
        ("B", [], [2, 0], None, 0, True),
        ("i", [], [0, 3], None, 0, False),
        ("B", [7], [0], [1], 0, False),
        ("B", [7], [4], [0], 0, False),             # zero strides (broadcast)
        ("i", [7, 8], [3, 2], [0, 1], 0, False),
        ("?", [True, False, True], [3], None, 0, False),
        ("Q", [2**64 - 1, 0], [2], [-1], 1, False),
        # more formats: multi-field items, native sizes, half floats, chars
        ("hb", [(1, -2), (3, 4), (-5, 6)], [3], None, 0, False),
        ("hb", [(1, -2), (3, 4), (-5, 6), (7, 8)], [2], [-2], 3, True),
        ("2si", [(b"ab", 3), (b"cd", -4)], [2], None, 0, False),
        ("<i", [1, -1, 2], [3], [-1], 2, False),
        (">H", [1, 2, 3, 4], [2, 2], [1, 2], 0, False),
        ("e", [1.5, -2.0, 0.25], [3], None, 0, True),
        ("c", [b"a", b"b", b"c", b"d"], [2, 2], None, 0, False),
        ("n", [-1, 2], [2], None, 0, False),
        ("N", [2**64 - 1], [1], None, 0, False),
        ("P", [0, 12345], [2], [-1], 1, False),
        ("2x", [()] * 2, [2], None, 0, False),       # pad bytes only: no fields
    ]
    for case in nd_cases:
        out.append(("NdArray%r" % (case,), lambda c=case: nd_pair(*c)))
    return out


def pairs_zero_dim():
    cases = [("i", [5], []), ("B", [7], []), ("d", [2.5], []), ("?", [True], [])]
    out = []
    for fmt, items, shape in cases:
        for writable in (False, True):
            out.append(("NdArray%r" % ((fmt, items, shape, writable),),
                        lambda f=fmt, i=items, s=shape, w=writable: nd_pair(f, i, s, None, 0, w)))
    return out


def with_memoryviews(pairs):
    """Each pair, and `memoryview` of each side: CPython re-exporting ours."""
    out = list(pairs)
    for name, make in pairs:
        def mv(make=make):
            mine, twin = make()
            return memoryview(mine), memoryview(twin)
        out.append(("memoryview(%s)" % name, mv))
    return out


def difference(a, b):
    """The part of two answers that differs, compactly."""
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    if isinstance(a, dict) or isinstance(b, dict):
        return (a, b)
    if a[0] == b[0] == "accepted":
        return {k: (a[1].get(k), b[1].get(k))
                for k in a[1].keys() | b[1].keys() if a[1].get(k) != b[1].get(k)}
    return (a, b)


def report(title, compared, mismatches):
    """Prints the count and the mismatches, grouped by exporter."""
    print("\n%s: %d compared, %d mismatches" % (title, compared, len(mismatches)))
    groups = {}
    for name, what, a, b in mismatches:
        groups.setdefault(name, []).append((what, a, b))
    for name, ms in groups.items():
        what, a, b = ms[0]
        print("  MISMATCH %s: %d cases, first %s: %r (bufproto_py, CPython)"
              % (name, len(ms), what, difference(a, b)))


# -- one request, seen through _testbuffer.ndarray ----------------------------

def outcome(f, *args, **kw):
    """What `f(*args)` does: its value, or its exception's type and text."""
    try:
        return ("ok", f(*args, **kw))
    except Exception as e:  # noqa: BLE001 - compared, not hidden
        return ("raised", type(e).__name__, str(e))


def request(ex, flags):
    """Every field of the Py_buffer `ex` gives for `flags`, or the refusal."""
    try:
        nd = tb.ndarray(ex, getbuf=flags)
    except Exception as e:  # noqa: BLE001
        return ("refused", type(e).__name__, str(e))
    fields = {
        "len": nd.nbytes, "itemsize": nd.itemsize, "readonly": nd.readonly,
        "ndim": nd.ndim, "format": nd.format, "shape": nd.shape,
        "strides": nd.strides, "suboffsets": nd.suboffsets,
        "obj is exporter": nd.obj is ex,
        "c_contiguous": nd.c_contiguous, "f_contiguous": nd.f_contiguous,
        "contiguous": nd.contiguous,
        "tobytes": outcome(nd.tobytes),
    }
    # _testbuffer's tolist() with a format but no shape reads len items of
    # itemsize bytes (past the end when itemsize > 1): not asked there.
    if not (nd.format and not flags & tb.PyBUF_ND):
        fields["tolist"] = outcome(nd.tolist)
    if flags & tb.PyBUF_ND:
        fields["memoryview"] = outcome(lambda: memoryview(nd).tolist())
    del nd
    return ("accepted", fields)


def exports_of(obj):
    """The export count of a bufproto_py object, or of the one a
    memoryview wraps; None for objects without one."""
    base = obj.obj if isinstance(obj, memoryview) else obj
    return getattr(base, "exports", None)


class MatrixBase(unittest.TestCase):
    """Compares every request over every pair of `pairs()`."""

    def pairs(self):
        raise NotImplementedError

    def run_matrix(self):
        compared = accepted = 0
        mismatches = []
        for name, make in self.pairs():
            mine, twin = make()
            exports = exports_of(mine)
            for flags in REQUESTS:
                a, b = request(mine, flags), request(twin, flags)
                compared += 1
                accepted += a[0] == "accepted"
                if a != b:
                    mismatches.append((name, hex(flags), a, b))
                # every export the request made was released
                self.assertEqual(exports_of(mine), exports, (name, hex(flags)))
        report("%s: requests (%d accepted)" % (type(self).__name__, accepted),
               compared, mismatches)
        self.assertEqual(len(mismatches), 0, "%d of %d requests differ (see above)"
                         % (len(mismatches), compared))
        return compared


class MatrixRegular(MatrixBase):
    def pairs(self):
        return with_memoryviews(pairs_regular())

    def test_every_request_matches_the_twin(self):
        n = self.run_matrix()
        self.assertEqual(n, len(self.pairs()) * len(REQUESTS))


class MatrixZeroDim(MatrixBase):
    """0-dim exporters (issue 13 item 1): shape and strides must be NULL."""

    def pairs(self):
        return with_memoryviews(pairs_zero_dim())

    def test_every_request_matches_the_twin(self):
        self.run_matrix()

    def test_consumer_writes_its_own_strides_safely(self):
        # The reproducer of issue 13 item 1: CPython's consumer computes
        # strides into a malloc(ndim * 8) block when shape is set but
        # strides are NULL; with ndim 0 that block is empty.
        for _ in range(200):
            c = tb.ndarray(bp.NdArray(struct.pack("i", 5), "i", []),
                           getbuf=tb.PyBUF_ND | tb.PyBUF_FORMAT)
            self.assertEqual(c.tolist(), 5)
            self.assertEqual((c.shape, c.strides, c.ndim), ((), (), 0))


# -- refused requests leave view->obj NULL ------------------------------------

class Py_buffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.c_void_p),
                ("len", ctypes.c_ssize_t), ("itemsize", ctypes.c_ssize_t),
                ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p),
                ("strides", ctypes.c_void_p), ("suboffsets", ctypes.c_void_p),
                ("internal", ctypes.c_void_p)]


_GetBuffer = ctypes.pythonapi.PyObject_GetBuffer
_GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
_GetBuffer.restype = ctypes.c_int
_Release = ctypes.pythonapi.PyBuffer_Release
_Release.argtypes = [ctypes.POINTER(Py_buffer)]
_Release.restype = None


class RefusalLeavesObjNull(unittest.TestCase):
    """Issue 13 item 5: a refused `bf_getbuffer` sets `view->obj` to NULL
    (as memoryview and _testbuffer.ndarray do), so that a consumer that
    releases whatever it got never releases a stale pointer."""

    def test_refused_requests(self):
        refused = 0
        stale = []
        for name, make in pairs_regular() + pairs_zero_dim():
            mine, _ = make()
            for flags in REQUESTS:
                view = Py_buffer()
                view.obj = 0x5A5A50  # garbage a consumer left there
                before = sys.getrefcount(mine)
                try:
                    _GetBuffer(mine, ctypes.byref(view), flags)
                except BufferError:
                    refused += 1
                    if view.obj is not None:
                        stale.append((name, hex(flags)))
                else:
                    self.assertEqual(view.obj, id(mine), (name, hex(flags)))
                    _Release(ctypes.byref(view))
                self.assertEqual(sys.getrefcount(mine), before, (name, hex(flags)))
        print("\nrefused requests checked: %d, view->obj left set: %d"
              % (refused, len(stale)))
        for name in sorted({n for n, _ in stale}):
            print("  STALE view->obj: %s (%d requests)"
                  % (name, sum(n == name for n, _ in stale)))
        self.assertGreater(refused, 0)
        self.assertEqual(stale, [])


# -- _testbuffer's consumers over every exporter ------------------------------

def consume(ex):
    """What each of _testbuffer's consumers makes of `ex`."""
    out = {}
    for order in "CFA":
        out["is_contiguous " + order] = outcome(tb.is_contiguous, ex, order)
        for kind in (tb.PyBUF_READ, tb.PyBUF_WRITE):
            def gc_(order=order, kind=kind):
                m = tb.get_contiguous(ex, kind, order)
                r = (m.tobytes(), m.tolist(), m.format, m.shape, m.strides, m.readonly)
                m.release()
                return r
            out["get_contiguous %s %s" % (order, kind)] = outcome(gc_)
        for flags in (tb.PyBUF_FULL_RO, tb.PyBUF_FULL, tb.PyBUF_STRIDED_RO,
                      tb.PyBUF_CONTIG_RO, tb.PyBUF_ND, tb.PyBUF_SIMPLE):
            out["py_buffer_to_contiguous %s %#x" % (order, flags)] = outcome(
                tb.py_buffer_to_contiguous, ex, order, flags)
    full = outcome(tb.ndarray, ex, getbuf=tb.PyBUF_FULL_RO)
    if full[0] == "ok":
        nd = full[1]
        out["tolist"] = outcome(nd.tolist)
        shape = nd.shape
        # every index, then the out-of-range ones just past each edge
        if nd.ndim == 0:
            idx = [()]
        else:
            idx = [list(i) for i in itertools.product(*[range(n) for n in shape])]
            for d, n in enumerate(shape):
                for bad in (n, -n - 1):
                    i = [0] * len(shape)
                    i[d] = bad
                    idx.append(i)
            idx.append([0] * (len(shape) + 1))
        for i in idx[:64]:
            out["get_pointer %r" % (i,)] = outcome(tb.get_pointer, ex, i)
        del nd
    else:
        out["ndarray FULL_RO"] = full
    return out


class Consumers(unittest.TestCase):
    def check_pairs(self, pairs):
        compared = 0
        mismatches = []
        for name, make in pairs:
            mine, twin = make()
            exports = exports_of(mine)
            a, b = consume(mine), consume(twin)
            self.assertEqual(a.keys(), b.keys(), name)
            for k in a:
                compared += 1
                if a[k] != b[k]:
                    mismatches.append((name, k, a[k], b[k]))
            # cmp_contig is True for two equal contiguous buffers (False for
            # any non-contiguous one): ours against the twin and itself
            # must answer as the twin against itself.
            want = outcome(tb.cmp_contig, twin, twin)
            for label, x, y in (("mine, twin", mine, twin), ("mine, mine", mine, mine),
                                ("twin, mine", twin, mine)):
                compared += 1
                got = outcome(tb.cmp_contig, x, y)
                if got != want:
                    mismatches.append((name, "cmp_contig(%s)" % label, got, want))
            self.assertEqual(exports_of(mine), exports, name)
        report("%s: consumer results" % self.id(), compared, mismatches)
        self.assertEqual(len(mismatches), 0, "%d consumer results differ (see above)"
                         % len(mismatches))

    def test_regular(self):
        self.check_pairs(with_memoryviews(pairs_regular()))


class ConsumersZeroDim(Consumers):
    def test_regular(self):
        pass

    def test_zero_dim(self):
        self.check_pairs(with_memoryviews(pairs_zero_dim()))


# -- the reverse direction: RustView over every exporter ----------------------

def seen_by(make_view, obj):
    """What a view type sees of `obj`: fields, contents, or the refusal."""
    r = outcome(make_view, obj)
    if r[0] != "ok":
        return r
    v = r[1]
    out = {k: outcome(lambda k=k: getattr(v, k))
           for k in ("format", "shape", "strides", "readonly", "ndim")}
    out["tobytes"] = outcome(v.tobytes)
    out["tolist"] = outcome(v.tolist)
    v.release()
    return out


class RustViewOverEveryExporter(unittest.TestCase):
    """`RustView(obj)` sees what `memoryview(obj)` sees, for every exporter
    of the matrix (ours and CPython's) and slices of them. Where memoryview
    cannot list a format (NotImplementedError), only tolist is skipped."""

    def test_same_as_memoryview(self):
        compared = 0
        mismatches = []
        for name, make in pairs_regular() + pairs_zero_dim():
            mine, twin = make()
            objs = [("bufproto_py", mine), ("CPython", twin)]
            made = []
            for side, obj in list(objs):
                m = memoryview(obj)
                made.append(m)
                if m.ndim == 1:
                    objs.append((side + "[::-2]", m[::-2]))
                if m.ndim >= 1:
                    objs.append((side + "[1:]", m[1:]))
            for side, obj in objs:
                want, got = seen_by(memoryview, obj), seen_by(bp.RustView, obj)
                if isinstance(want, dict) and isinstance(got, dict):
                    if want["tolist"][0] == "raised" and want["tolist"][1] == "NotImplementedError":
                        del want["tolist"], got["tolist"]
                compared += 1
                if want != got:
                    mismatches.append(("%s (%s)" % (name, side), "RustView", got, want))
            for _, obj in objs[2:]:
                obj.release()
            for m in made:
                m.release()
            self.assertIn(exports_of(mine), (None, 0), name)
        report("RustView vs memoryview", compared, mismatches)
        self.assertEqual(len(mismatches), 0)


def main(argv):
    return suite_runner.run(globals(), ["MatrixRegular", "MatrixZeroDim", "RefusalLeavesObjNull",
                         "Consumers", "ConsumersZeroDim", "RustViewOverEveryExporter"], argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
