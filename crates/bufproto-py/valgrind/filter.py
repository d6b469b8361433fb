"""Reads memcheck's XML report and decides: exit 0 when it holds no error
that counts, 1 otherwise (printing each one). Used by run.sh.

    python3 filter.py REPORT.xml [MODULE_NAME]

What does NOT count, and why:

* CPython 3.11's `_PyLong_New` leaves the digit of a zero-sized int
  uninitialised; `medium_value()` multiplies it by `Py_SIZE() == 0` and
  memcheck, which cannot know that x*0 is defined, reports every use of the
  result (the small-int pointer it selects): about 600 errors from ~26
  contexts for `python3 -c pass`. Their error stacks are all over the
  interpreter (every `Py_INCREF` of that pointer), so no stack suppression
  can name them without hiding real errors; their origin is always the same
  heap block, allocated by `_PyLong_New`. Exactly those are dropped: an
  uninitialised-value error whose origin (`--track-origins=yes`) is a block
  allocated by `_PyLong_New` directly. memcheck now and then loses the
  origin of one of them (it then names none): an error without an origin is
  dropped only when it is reported at the same instruction as one whose
  origin is `_PyLong_New`, and has no frame in the extension module.
* Leaks other than "definitely lost", and definite leaks whose allocation
  stack has no frame in the extension module (CPython's own, e.g. at
  startup): listed as a count, not failed on.

Everything else counts: invalid reads/writes, invalid frees, uninitialised
values of any other origin, and definite leaks allocated from the module.
"""
import sys
import xml.etree.ElementTree as ET

# Allocator frames between malloc and the function that asked for memory.
ALLOCATORS = {"malloc", "calloc", "realloc", "PyMem_RawMalloc", "_PyMem_RawMalloc",
              "PyObject_Malloc", "_PyObject_Malloc", "PyMem_Malloc", "_PyMem_DebugRawAlloc",
              "PyMem_RawRealloc", "_PyMem_RawRealloc", "PyObject_Realloc"}


LONG = "_PyLong_New origin (CPython 3.11, dropped)"
LOST = "origin lost, at a _PyLong_New error's instruction (dropped)"


def top_ip(error):
    frame = error.find("stack/frame")
    return None if frame is None else frame.findtext("ip")


def frames(stack):
    return [(f.findtext("fn") or "?", f.findtext("obj") or "?",
             f.findtext("file") or "", f.findtext("line") or "") for f in stack.findall("frame")]


def origin_fn(error):
    """The function that allocated the block an uninitialised value came
    from, or None when memcheck gave no heap origin."""
    aux = error.findtext("auxwhat") or ""
    stacks = error.findall("stack")
    if "created by a heap allocation" not in aux or len(stacks) < 2:
        return None
    for fn, _obj, _file, _line in frames(stacks[1]):
        if fn not in ALLOCATORS:
            return fn
    return None


def describe(error):
    what = error.findtext("what") or error.findtext("xwhat/text") or error.findtext("kind")
    lines = ["%s (%s)" % (what, error.findtext("kind"))]
    for i, stack in enumerate(error.findall("stack")):
        if i:
            lines.append("  " + (error.findtext("auxwhat") or "origin"))
        for fn, obj, file, line in frames(stack)[:14]:
            where = "%s:%s" % (file, line) if file else obj
            lines.append("    %s (%s)" % (fn, where))
    return "\n".join(lines)


def main(path, module="bufproto_py"):
    root = ET.parse(path).getroot()
    counts = {"counted": 0, LONG: 0, LOST: 0,
              "CPython's own definite leaks": 0, "other leak kinds": 0}
    counted = []
    long_ips = set()  # top instructions of errors dropped by origin
    no_origin = []
    for error in root.findall("error"):
        kind = error.findtext("kind") or ""
        if kind.startswith("Leak_"):
            in_module = any(module in obj for _fn, obj, _f, _l in frames(error.find("stack")))
            if kind != "Leak_DefinitelyLost":
                counts["other leak kinds"] += 1
                continue
            if not in_module:
                counts["CPython's own definite leaks"] += 1
                continue
        elif kind.startswith("Uninit"):
            origin = origin_fn(error)
            if origin == "_PyLong_New":
                counts[LONG] += 1
                long_ips.add(top_ip(error))
                continue
            if origin is None and not error.findtext("auxwhat"):
                no_origin.append(error)
                continue
        counted.append(error)
    # memcheck sometimes loses an origin (it says nothing then). Such an
    # error is the same false positive when it is reported at the very
    # instruction where one with the _PyLong_New origin was, and no frame of
    # its stack is in the module; any other stays counted.
    for error in no_origin:
        in_module = any(module in obj for _fn, obj, _f, _l in frames(error.find("stack")))
        if top_ip(error) in long_ips and not in_module:
            counts[LOST] += 1
        else:
            counted.append(error)
    counts["counted"] = len(counted)
    # memcheck's own totals for this run: errors per context
    occurrences = {p.findtext("unique"): int(p.findtext("count") or 0)
                   for p in root.findall("errorcounts/pair")}
    for error in counted:
        seen = occurrences.get(error.findtext("unique"), 1)
        print("VALGRIND ERROR (seen %d time(s)):\n%s\n" % (seen, describe(error)))
    # memcheck's ERROR SUMMARY line (XML mode does not print it): errors
    # and contexts, definite leaks included (--errors-for-leak-kinds=definite)
    leaks = [e for e in root.findall("error") if e.findtext("kind") == "Leak_DefinitelyLost"]
    supp = [int(p.findtext("count") or 0) for p in root.findall("suppcounts/pair")]
    print("memcheck: ERROR SUMMARY: %d errors from %d contexts (suppressed: %d from %d)"
          % (sum(occurrences.values()) + len(leaks), len(occurrences) + len(leaks),
             sum(supp), len(supp)))
    print("counted after filtering: %d errors from %d contexts"
          % (sum(occurrences.get(e.findtext("unique"), 1) for e in counted), len(counted)))
    print("contexts by class: " + ", ".join("%s: %d" % kv for kv in counts.items()))
    return 1 if counted else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
