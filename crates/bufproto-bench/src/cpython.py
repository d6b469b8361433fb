"""CPython's side of the benchmarks: the same operations, timed with timeit.

Run by the Rust driver (`report`, or the quick test) as
`python3 - SIZES ITEMS QUICK GET_SIZE`, this text on stdin after `timing.py`;
prints one JSON object on stdout:
{"python": "3.11.7 ...", "results": [{"op": ..., "imp": "cpython", "size": N, "ns": T}]}.
Each time is the median of several repeats of timeit's per-loop time.
"""

import json
import sys

sizes = [int(s) for s in sys.argv[1].split(",")]
items = int(sys.argv[2])
quick = sys.argv[3] == "1"
results = []


def pattern(n):
    return bytes((i * 31) % 251 for i in range(256)) * (n // 256) + bytes(n % 256)


def run(op, size, stmt, setup_globals):
    ns = median_ns(stmt, setup_globals, quick)  # from timing.py, sent ahead of this
    results.append({"op": op, "imp": "cpython", "size": size, "ns": ns})


for n in sizes:
    b = pattern(n)
    b2 = bytes(b)  # equal contents, another object
    m = memoryview(b)
    m2 = memoryview(b2)
    ba = bytearray(b)
    mba = memoryview(ba)
    half = n // 2
    chunk = bytes(1024)
    reps = range(max(1, n // 1024))
    g = dict(b=b, m=m, m2=m2, ba=ba, mba=mba, i=half, s=m[::2], chunk=chunk, reps=reps)
    run("new", n, "memoryview(b)", g)
    run("slice", n, "m[1:-1]", g)
    run("slice_step", n, "m[::2]", g)
    run("tobytes", n, "m.tobytes()", g)
    run("tobytes_step2", n, "s.tobytes()", g)
    run("cast", n, "m.cast('i')", g)
    run("eq", n, "m == m2", g)
    run("hash", n, "hash(memoryview(b))", g)
    run(
        "grow",
        n,
        "x = bytearray()\nfor _ in reps:\n    x += chunk",
        g,
    )

n = int(sys.argv[4])
b = pattern(n)
ba = bytearray(b)
g = dict(m=memoryview(b), mba=memoryview(ba), i=n // 2)
run("get", n, "m[i]", g)
run("set", n, "mba[i] = 7", g)
g = dict(mi=memoryview(b).cast("i"), mbai=memoryview(ba).cast("i"), j=n // 8)
run("get_i", n, "mi[j]", g)
run("set_i", n, "mbai[j] = 7", g)

b = pattern(items * 4)
g = dict(mi=memoryview(b).cast("i"))
run("tolist", items, "mi.tolist()", g)

print(
    json.dumps(
        {"python": sys.version.split()[0], "implementation": sys.implementation.name, "results": results}
    )
)
