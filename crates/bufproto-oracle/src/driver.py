# Runs bufproto-oracle cases. Each input line is a JSON list of cases; the
# answer is a JSON list (one per case) of lists of outcome strings.
import json, struct, sys
try:
    import _testbuffer
except ImportError:
    _testbuffer = None

def pyval(v):
    kind, x = v
    if kind == "int": return int(x)
    if kind == "float": return float(x)
    if kind == "bool": return bool(x)
    return bytes(x)

def make_ndarray(spec, data):
    _, fmt, shape, strides, offset, writable = spec
    size = struct.calcsize(fmt)
    items = list(struct.unpack("%d%s" % (len(data) // size, fmt.lstrip("@")), bytes(data)))
    flags = _testbuffer.ND_WRITABLE if writable else 0
    if not shape:
        items = items[0]
    return _testbuffer.ndarray(items, shape=shape, strides=strides, offset=offset,
                               format=fmt, flags=flags)

def fmt(v):
    if isinstance(v, bool):
        return "True" if v else "False"
    return repr(v)

def info(m):
    return " ".join(str(x) for x in [m.nbytes, int(m.readonly), list(m.shape), list(m.strides),
                                      int(m.c_contiguous), int(m.f_contiguous), int(m.contiguous), len(m),
                                      m.format, m.itemsize, m.ndim, list(m.suboffsets)])

def cap(b):
    return sys.getsizeof(b) - sys.getsizeof(bytearray())

def run_case(case):
    kind, data, ops = case
    if isinstance(kind, list):
        try:
            obj = make_ndarray(kind, data)
        except Exception as e:
            return [type(e).__name__ + ": " + str(e)]
        kind = "ndarray"
    else:
        obj = bytes(data) if kind == "bytes" else bytearray(data)
    views = []
    out = []
    def view(k):
        return views[k % len(views)]
    for op in ops:
        name, a = op[0], op[1:]
        try:
            if name.startswith("mv_") and name != "mv_new" and not views:
                out.append("-")
                continue
            if kind == "ndarray" and not name.startswith("mv_"):
                out.append("-")
                continue
            if name == "get": r = obj[a[0]]
            elif name == "slice": r = obj[a[0]:a[1]:a[2]]
            elif name == "repr": r = obj
            elif name == "cap": r = cap(obj) if kind == "bytearray" else None
            elif name == "hex": r = obj.hex() if a[0] is None else obj.hex(a[0], a[1])
            elif name == "fromhex": r = bytes.fromhex(a[0])
            elif name == "set": obj[a[0]] = a[1]; r = None
            elif name == "append": obj.append(a[0]); r = None
            elif name == "extend": obj.extend(bytes(a[0])); r = None
            elif name == "insert": obj.insert(a[0], a[1]); r = None
            elif name == "pop": r = obj.pop() if a[0] is None else obj.pop(a[0])
            elif name == "remove": obj.remove(a[0]); r = None
            elif name == "clear": obj.clear(); r = None
            elif name == "reverse": obj.reverse(); r = None
            elif name == "set_slice": obj[a[0]:a[1]:a[2]] = bytes(a[3]); r = None
            elif name == "del_slice": del obj[a[0]:a[1]:a[2]]; r = None
            elif name == "del_item": del obj[a[0]]; r = None
            elif name == "mv_new": views.append(memoryview(obj)); r = None
            elif name == "mv_of": views.append(memoryview(view(a[0]))); r = None
            elif name == "mv_slice": views.append(view(a[0])[a[1]:a[2]:a[3]]); r = None
            elif name == "mv_ro": views.append(view(a[0]).toreadonly()); r = None
            elif name == "mv_drop": del views[a[0] % len(views)]; r = None
            elif name == "mv_get": r = view(a[0])[a[1]]
            elif name == "mv_set": view(a[0])[a[1]] = a[2]; r = None
            elif name == "mv_set_slice": view(a[0])[a[1]:a[2]:a[3]] = bytes(a[4]); r = None
            elif name == "mv_tobytes": r = view(a[0]).tobytes()
            elif name == "mv_tolist": r = view(a[0]).tolist()
            elif name == "mv_hex":
                m = view(a[0]); r = m.hex() if a[1] is None else m.hex(a[1], a[2])
            elif name == "mv_info": r = info(view(a[0]))
            elif name == "mv_count": r = view(a[0]).count(a[1])
            elif name == "mv_index":
                m = view(a[0])
                start = 0 if a[2] is None else a[2]
                stop = sys.maxsize if a[3] is None else a[3]
                r = m.index(a[1], start, stop)
            elif name == "mv_release": view(a[0]).release(); r = None
            elif name == "mv_obj_is": r = view(a[0]).obj is obj
            elif name == "mv_cast":
                m = view(a[0])
                views.append(m.cast(a[1]) if a[2] is None else m.cast(a[1], a[2])); r = None
            elif name == "mv_get_at": r = view(a[0])[tuple(a[1])]
            elif name == "mv_set_v": view(a[0])[a[1]] = pyval(a[2]); r = None
            elif name == "mv_set_at_v": view(a[0])[tuple(a[1])] = pyval(a[2]); r = None
            elif name == "mv_count_v": r = view(a[0]).count(pyval(a[1]))
            elif name == "mv_index_v":
                m = view(a[0])
                start = 0 if a[2] is None else a[2]
                stop = sys.maxsize if a[3] is None else a[3]
                r = m.index(pyval(a[1]), start, stop)
            elif name == "mv_eq": r = view(a[0]) == view(a[1])
            elif name == "mv_eq_obj": r = view(a[0]) == obj
            elif name == "mv_hash":
                m = view(a[0]); r = hash(m) == hash(m.tobytes())
            elif name == "mv_tobytes_order": r = view(a[0]).tobytes(a[1])
            else: raise RuntimeError("unknown op " + name)
            out.append(r if isinstance(r, str) and name == "mv_info" else fmt(r))
        except Exception as e:
            out.append(type(e).__name__ + ": " + str(e))
        # Drop locals that could keep a view alive (CPython releases a view's
        # export when its last reference goes, which `mv_drop` relies on).
        m = r = None
    return out

def run_snippet(src):
    lines = src.split("\n")
    g = {}
    try:
        exec("\n".join(lines[:-1]), g)
        return fmt(eval(lines[-1], g))
    except Exception as e:
        return type(e).__name__ + ": " + str(e)

def handle(line):
    req = json.loads(line)
    if isinstance(req, dict):
        return json.dumps([run_snippet(s) for s in req["snippets"]])
    return json.dumps([run_case(c) for c in req])

if __name__ == "__main__":
    print("READY", flush=True)
    for line in sys.stdin:
        print(handle(line), flush=True)
