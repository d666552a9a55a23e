#!/bin/sh
# Installs the Debian packages the build and the tests need, when some are missing.
# Usage: scripts/install-deps.sh [build|test|bench|fuzz|kernels|arm64|dist|deb]
# Runs apt-get only as root and only for what is missing, so a second run costs a dpkg query.
set -eu

build_packages="cmake make g++ clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
libcli11-dev libfmt-dev nlohmann-json3-dev libxxhash-dev pkg-config dpkg-dev"
# prometheus: the metrics tests scrape the tracer with Debian's server and check it with promtool.
# rsyslog, rsyslog-relp: the package test ships the tracer's events with the configurations of packaging/.
test_packages="googletest libgtest-dev python3 xxhash clang-format clang-tidy libcap2-bin util-linux bsdutils
prometheus rsyslog rsyslog-relp"
bench_packages="libbenchmark-dev libbpf-tools bpftrace linux-perf auditd"
# libFuzzer and the sanitizer runtimes for the default clang (the build group has clang and llvm).
fuzz_packages="libclang-rt-dev"
# The kernels tests boot Debian's other kernels under QEMU with a busybox initramfs (tests/kernels/).
kernels_packages="qemu-system-x86 busybox-static python3"
# The aarch64 build, cross-compiled here against Debian's arm64 libraries (multiarch), and the VM that
# boots Debian's arm64 kernel with it (tests/kernels/, kernels.arm64). Header-only libraries need no
# arm64 copy, except fmt, whose CMake package is found under the target's library folder.
arm64_packages="crossbuild-essential-arm64 libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64
libfmt-dev:arm64 qemu-system-arm"
# make deb (debian/, scripts/build-deb.sh) and the package test: debhelper builds the package, scdoc renders
# the man page, lintian checks the result; man-db, bash-completion and systemd (systemd-analyze) are what
# the package test uses to read the man page, load the completion and verify the unit; python3-yaml
# parses the configurations under packaging/.
deb_packages="debhelper dpkg-dev scdoc lintian man-db bash-completion systemd python3-yaml"

wanted=$build_packages
case "${1:-build}" in
  build) ;;
  test) wanted="$wanted $test_packages $kernels_packages $arm64_packages $deb_packages" ;;
  bench) wanted="$wanted $test_packages $kernels_packages $bench_packages" ;;
  fuzz) wanted="$wanted $fuzz_packages" ;;
  kernels) wanted="$wanted $kernels_packages $arm64_packages" ;;
  arm64 | dist) wanted="$wanted $arm64_packages" ;;
  deb) wanted="$wanted $deb_packages" ;;
  *) echo "usage: $0 [build|test|bench|fuzz|kernels|arm64|dist|deb]" >&2; exit 2 ;;
esac

# The metrics endpoint's libraries, prometheus-cpp and the civetweb HTTP server it embeds, are linked in
# statically like libbpf; Debian ships them as shared libraries only, so they are built from Debian's own
# source packages, unpacked into third_party/ (see CMakeLists.txt). This needs deb-src entries: when
# the system has none, one is added for each deb entry, with the same mirror and suites.
third_party=$(cd "$(dirname "$0")/.." && pwd)/third_party
source_packages="prometheus-cpp civetweb"

fetch_sources() {
  [ -f "$third_party/prometheus-cpp/CMakeLists.txt" ] && [ -f "$third_party/civetweb/src/civetweb.c" ] && return 0
  if [ "$(id -u)" -ne 0 ] && ! apt-get source --print-uris -qq $source_packages >/dev/null 2>&1; then
    echo "missing: the Debian source packages $source_packages in $third_party" >&2
    echo "fetch them with: sudo $0   (it adds deb-src entries when there are none)" >&2
    exit 1
  fi
  if ! apt-get source --print-uris -qq $source_packages >/dev/null 2>&1; then
    for list in /etc/apt/sources.list.d/*.sources; do
      [ -f "$list" ] && sed -e 's/^Types:.*/Types: deb-src/' "$list" && echo
    done >/etc/apt/sources.list.d/bootstrap-deb-src.sources
    [ -f /etc/apt/sources.list ] && sed -n 's/^deb[[:space:]]/deb-src /p' /etc/apt/sources.list \
      >/etc/apt/sources.list.d/bootstrap-deb-src.list
    apt-get update -qq
  fi
  unpacked=$(mktemp -d)
  (cd "$unpacked" && apt-get source -qq $source_packages 2>/dev/null >/dev/null)
  mkdir -p "$third_party"
  for pkg in $source_packages; do
    rm -rf "${third_party:?}/$pkg"
    mv "$unpacked/$pkg"-[0-9]*/ "$third_party/$pkg"
  done
  rm -rf "$unpacked"
  # prometheus-cpp builds the civetweb it embeds from 3rdparty/civetweb, left empty in Debian's source.
  rmdir "$third_party/prometheus-cpp/3rdparty/civetweb" 2>/dev/null || rm -f "$third_party/prometheus-cpp/3rdparty/civetweb"
  ln -s ../../civetweb "$third_party/prometheus-cpp/3rdparty/civetweb"
}

missing=""
for pkg in $wanted; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $pkg" ;;
  esac
done
if [ -z "$missing" ]; then
  fetch_sources
  exit 0
fi

# arm64 packages come from the same mirror once dpkg knows the architecture.
add_arm64=false
case "$missing" in
  *:arm64*) dpkg --print-foreign-architectures | grep -qx arm64 || add_arm64=true ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages:$missing" >&2
  if $add_arm64; then
    echo "install them with: sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install$missing   (or run this target as root)" >&2
  else
    echo "install them with: sudo apt-get install$missing   (or run this target as root)" >&2
  fi
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
if $add_arm64; then dpkg --add-architecture arm64; fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
fetch_sources
