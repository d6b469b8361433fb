"""The timing `cpython.py` and `bridge.py` share. The Rust driver sends this
text on stdin ahead of either script, so both time a statement the same way."""

import statistics
import timeit


def median_ns(stmt, g, quick):
    """The median of several repeats of timeit's per-loop time of `stmt`
    (run with globals `g`), in ns; one loop, once, when `quick`."""
    timer = timeit.Timer(stmt, globals=g)
    if quick:
        number, repeat = 1, 1
    else:
        number, _ = timer.autorange()  # total >= 0.2 s
        number = max(1, number // 2)
        repeat = 5
    times = timer.repeat(repeat=repeat, number=number)
    return statistics.median(times) / number * 1e9
