#!/usr/bin/env bash
# memcheck over the bridge's Python tests, with the module cargo builds.
#
#     bash crates/bufproto-py/valgrind/run.sh [SCRIPT...]
#
# Reports (memcheck's XML, the scripts' output) go to target/valgrind/.
#
# Runs each script (default: every python/test_*.py of the crate) in the real
# interpreter binary under valgrind (not `python3` itself, which may be a
# pyenv shell shim: valgrind would trace bash), with PYTHONMALLOC=malloc so
# that memcheck sees every Python allocation. It fails when a script fails,
# or when memcheck reports an error that counts (see filter.py): any invalid
# read, write or free, any uninitialised value except CPython 3.11's known
# `_PyLong_New` false positive (dropped by ORIGIN, --track-origins=yes; see
# filter.py for why a stack suppression cannot do it), and any definite leak
# allocated from the module. Loops run shorter under valgrind (QUICK=1).
#
# Suppressions: pyo3.supp, beside this script, each entry with its reason
# (today one: PyO3's type-object member arrays, which CPython copies). CPython
# ships its own list, Misc/valgrind-python.supp, mostly for builds that keep
# pymalloc (its address_in_range reads); with PYTHONMALLOC=malloc those do
# not apply, and the one CPython 3.11 false positive these runs meet cannot
# be suppressed by stack (filter.py drops it by origin). Should another
# outside error appear, the XML report carries its suppression
# (--gen-suppressions=all): add it to pyo3.supp (or a file beside it) with
# the reason it is not ours.
#
# The scripts run in parallel, one valgrind each (memcheck is serial).
#
# Needs valgrind (Debian: apt-get install -y valgrind; .ci/run installs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
crate=$(dirname "$here")
cd "$crate"

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
# The real interpreter binary, not a shim.
python=$(python3 -c 'import sys; print(sys.executable)')
python=$(readlink -f "$python")

# The module cargo test builds and tests: `--no-run` builds exactly what
# `cargo test -p bufproto-py` does (nothing, right after it), and the cdylib
# is target/<profile>/deps/libbufproto_py.so, as tests/support finds it.
# (`cargo build --lib` would build it again without the dev-dependencies'
# pyo3 features, and make the next `cargo test` rebuild it.)
cargo test -p bufproto-py --no-run --quiet
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
# BUFPROTO_PY_MODULE=path/to/libbufproto_py.so checks another build (an
# older commit's, to see that this check fails on a known defect).
so=${BUFPROTO_PY_MODULE:-$target/debug/deps/libbufproto_py.so}
[ -f "$so" ] || { echo "$so is missing" >&2; exit 1; }
moddir=$(mktemp -d)
logdir=${VALGRIND_LOGS:-$target/valgrind}
mkdir -p "$logdir"
trap 'rm -rf "$moddir"' EXIT
cp "$so" "$moddir/bufproto_py.so"

started=$SECONDS
if [ $# -eq 0 ]; then
    set -- python/test_*.py
fi

run_one() {
    local script=$1 name args=()
    name=$(basename "$script" .py)
    # test_bufproto_py.py takes its loop count as an argument
    [ "$name" = test_bufproto_py ] && args=(30)
    local start=$SECONDS rc=0
    PYTHONPATH="$moddir" PYTHONMALLOC=malloc QUICK=1 PYTHONDONTWRITEBYTECODE=1 \
        valgrind --tool=memcheck --error-exitcode=99 \
        --track-origins=yes --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --num-callers=40 --gen-suppressions=all \
        --suppressions="$here/pyo3.supp" \
        --xml=yes --xml-file="$logdir/$name.xml" \
        "$python" "$script" "${args[@]}" >"$logdir/$name.out" 2>&1 || rc=$?
    echo "$rc $((SECONDS - start))" >"$logdir/$name.status"
}

for script in "$@"; do
    rm -f "$logdir/$(basename "$script" .py).status"
    run_one "$script" &
done
wait

status=0
for script in "$@"; do
    name=$(basename "$script" .py)
    read -r rc secs <"$logdir/$name.status"
    echo "=== valgrind: $script ($secs s)"
    tail -n 3 "$logdir/$name.out"
    # 99: memcheck found errors (filter.py decides which count); any other
    # non-zero status: the script failed, or the interpreter crashed.
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 99 ]; then
        echo "FAILED: $script exited with $rc under valgrind (output: $logdir/$name.out)"
        status=1
    fi
    if ! python3 "$here/filter.py" "$logdir/$name.xml" bufproto_py; then
        echo "FAILED: memcheck errors in $script (report: $logdir/$name.xml)"
        status=1
    fi
done
echo "valgrind: $((SECONDS - started)) s in all"
exit $status
