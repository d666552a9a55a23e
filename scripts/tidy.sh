#!/bin/sh
# Runs clang-tidy with .clang-tidy on every C++ source in src/, two files at a time, and fails on any
# warning. Needs a configured build directory (its compile_commands.json and generated skeletons).
# Usage: scripts/tidy.sh [BUILD_DIR]    (default: build)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
if [ ! -f "$build/compile_commands.json" ]; then
  echo "tidy: no $build/compile_commands.json; build first (make)" >&2
  exit 2
fi
find src -name '*.cpp' | sort |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet --warnings-as-errors='*' 2>/dev/null
