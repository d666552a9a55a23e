#!/bin/sh
# Builds bootstrap as it was at REV (default HEAD: the last commit, without what is not committed) into
# build-baseline/, in Release like build-bench, so that bench/run.sh measures it beside the current
# build in the same run: BENCH_BASELINE=build-baseline bench/run.sh.
# Usage: bench/build-baseline.sh [REV]
set -eu
rev=${1:-HEAD}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build-baseline
tmp=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tmp/src" 2>/dev/null; rm -rf "$tmp"' EXIT
git -C "$root" worktree add --detach "$tmp/src" "$rev" >/dev/null
# The sources scripts/install-deps.sh unpacked (prometheus-cpp) are not in git: the same ones serve.
[ -d "$root/third_party" ] && ln -s "$root/third_party" "$tmp/src/third_party"
rm -rf "$out"
cmake -S "$tmp/src" -B "$out" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$out" -j "$(nproc)" --target bootstrap
echo "built $(git -C "$root" rev-parse --short "$rev") into $out"
