#!/bin/sh
# Builds the Debian package with debian/rules into OUTDIR and checks it with lintian; `make deb` and the
# package test both run this. The build folder, build-deb/, is kept between runs, so a second build
# compiles only what changed.
# Usage: scripts/build-deb.sh [OUTDIR [JOBS]]   (defaults: dist, the number of CPUs)
# Prints the path of the .deb on its last line.
set -eu
cd "$(dirname "$0")/.."
outdir=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
jobs=${2:-$(nproc)}

# The package's version is the project's: debian/changelog must have an entry for it.
version=$(sed -n 's/^project.bootstrap VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
changelog_version=$(dpkg-parsechangelog -S Version)
if [ "$changelog_version" != "$version" ]; then
  echo "debian/changelog is at $changelog_version, CMakeLists.txt at $version: add an entry (dch -v $version)" >&2
  exit 1
fi
dpkg-checkbuilddeps

# As dpkg-buildpackage would from debian/control: nothing in the build needs root.
# dh skips the build steps while its stamp exists; without it, an incremental build follows the sources.
rm -f debian/debhelper-build-stamp
DEB_RULES_REQUIRES_ROOT=no BOOTSTRAP_DEB_DIR=$outdir DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" debian/rules binary
deb=$outdir/bootstrap-tracer_${version}_$(dpkg --print-architecture).deb
lintian --fail-on error --info "$deb"
echo "$deb"
