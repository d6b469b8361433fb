#!/usr/bin/env bash
# memcheck over the bridge's Python tests, with the module cargo builds.
#
#     bash crates/bufproto-py/valgrind/run.sh [SCRIPT...]
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
# Suppressions: python.supp (ours, generated with --gen-suppressions=all and
# trimmed; see the comments in it). CPython ships its own list,
# Misc/valgrind-python.supp, for builds that keep pymalloc; with
# PYTHONMALLOC=malloc its pymalloc entries do not apply, and we do not copy it.
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

# The module: cargo builds the cdylib into target/<profile>/ when the library
# is a target of the command (this one is quick after `cargo test`).
cargo build -p bufproto-py --lib --quiet
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
so="$target/debug/libbufproto_py.so"
[ -f "$so" ] || { echo "$so is missing" >&2; exit 1; }
moddir=$(mktemp -d)
logdir=${VALGRIND_LOGS:-$target/valgrind}
mkdir -p "$logdir"
trap 'rm -rf "$moddir"' EXIT
cp "$so" "$moddir/bufproto_py.so"

if [ $# -eq 0 ]; then
    set -- python/test_*.py
fi

status=0
for script in "$@"; do
    name=$(basename "$script" .py)
    echo "=== valgrind: $script"
    start=$SECONDS
    args=()
    # test_bufproto_py.py takes its loop count as an argument
    [ "$name" = test_bufproto_py ] && args=(30)
    set +e
    PYTHONPATH="$moddir" PYTHONMALLOC=malloc QUICK=1 PYTHONDONTWRITEBYTECODE=1 \
        valgrind --tool=memcheck --error-exitcode=99 \
        --track-origins=yes --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --num-callers=40 --gen-suppressions=all \
        --suppressions="$here/python.supp" \
        --xml=yes --xml-file="$logdir/$name.xml" --log-file="$logdir/$name.log" \
        "$python" "$script" "${args[@]}" >"$logdir/$name.out" 2>&1
    rc=$?
    set -e
    tail -n 3 "$logdir/$name.out"
    # 99: memcheck found errors (our filter decides which count); other
    # non-zero: the script itself failed or the interpreter crashed.
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 99 ]; then
        echo "FAILED: $script exited with $rc under valgrind (output: $logdir/$name.out)"
        status=1
    fi
    if ! python3 "$here/filter.py" "$logdir/$name.xml" bufproto_py; then
        echo "FAILED: memcheck errors in $script (full log: $logdir/$name.log)"
        status=1
    fi
    echo "--- $script: $((SECONDS - start)) s"
done
exit $status
