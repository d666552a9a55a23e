#!/bin/sh
# Formats every C and C++ source of the project with clang-format, following the .clang-format nearest to
# each file (Google-based for C++, the kernel's style for the BPF and VM-side C).
# Usage: scripts/format.sh          rewrite the files in place
#        scripts/format.sh --check  change nothing; list what differs and exit 1 if anything does
set -eu
cd "$(dirname "$0")/.."
files=$(find bpf src tests bench fuzz -type f \( -name '*.c' -o -name '*.h' -o -name '*.cpp' \) | sort)
if [ "${1:-}" = "--check" ]; then
  # shellcheck disable=SC2086
  if ! clang-format --dry-run --Werror $files; then
    echo "format: the files above differ from .clang-format; run scripts/format.sh" >&2
    exit 1
  fi
  exit 0
fi
# shellcheck disable=SC2086
clang-format -i $files
