"""The Rust memoryview from Python: `bufproto_py.memoryview` against the
builtin `memoryview`, the same statements timed with timeit.

Run by the Rust driver (`report`, or the quick test) as
`python3 - SIZE QUICK` with the extension module on PYTHONPATH, this text on
stdin after `timing.py`; prints one JSON object on stdout:
{"python": "3.11.7", "results": [{"op": ..., "imp": ..., "size": N, "ns": T}]}.
`imp` is `bufproto_py-bytes`, `memoryview-bytes`, `bufproto_py-bytearray` or
`memoryview-bytearray`: which type, over which exporter. Each time is the
median of several repeats of timeit's per-loop time.
"""

import json
import sys

import bufproto_py

size = int(sys.argv[1])
quick = sys.argv[2] == "1"
results = []


def pattern(n):
    return bytes((i * 31) % 251 for i in range(256)) * (n // 256) + bytes(n % 256)


def run(op, imp, n, stmt, g):
    ns = median_ns(stmt, g, quick)  # from timing.py, sent ahead of this
    results.append({"op": op, "imp": imp, "size": n, "ns": ns})


data = pattern(size)
for kind, make in (("bytes", bytes), ("bytearray", bytearray)):
    for name, M in (("bufproto_py", bufproto_py.memoryview), ("memoryview", memoryview)):
        obj, obj2 = make(data), make(data)  # equal contents, two objects
        m, m2 = M(obj), M(obj2)
        assert type(m) is M and m == m2 and m[size // 2] == data[size // 2]
        g = dict(m=m, m2=m2, mi=m.cast("i"), i=size // 2, a=1, b=size - 1)
        imp = f"{name}-{kind}"
        run("py_get", imp, size, "m[i]", g)
        run("py_slice", imp, size, "m[a:b]", g)
        run("py_tobytes", imp, size, "m.tobytes()", g)
        run("py_tolist", imp, size // 4, "mi.tolist()", g)
        run("py_eq", imp, size, "m == m2", g)

print(json.dumps({"python": sys.version.split()[0], "results": results}))
