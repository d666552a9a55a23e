#!/bin/bash
# Installs the Debian package on this machine and checks what it installed, then purges it again, whatever
# happened. Builds the package first (scripts/build-deb.sh, as `make deb` does) when dist/ has none for
# this version, or one older than a source.
#
#   install.sh SOURCE_DIR VERSION
#
# Needs root (dpkg -i): without it the test is skipped, unless BOOTSTRAP_REQUIRE_RUNTIME=1 (CI). Nothing
# it runs loads BPF programs: the unit is verified, not started.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 SOURCE_DIR VERSION" >&2; exit 2; }
src=$(realpath "$1")
version=$2
package=bootstrap-tracer
deb=$src/dist/${package}_${version}_$(dpkg --print-architecture).deb

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	[ "${BOOTSTRAP_REQUIRE_RUNTIME:-0}" = 1 ] && fail "installing the package needs root"
	echo "SKIP: installing the package needs root"
	exit 77
fi
# A package someone installed is theirs: this test would replace it and purge it with its recorded events.
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed'; then
	echo "SKIP: $package is installed on this machine; the test installs and purges its own build"
	exit 77
fi

cd "$src"
# A source newer than the package; what debian/rules writes beside its sources (.gitignore) is not one.
newer_source() {
	find CMakeLists.txt cmake bpf src docs packaging scripts debian \
		\( -path debian/bootstrap-tracer -o -path debian/.debhelper \) -prune -o -type f \
		! -name '*.debhelper*' ! -name '*.substvars' ! -name files ! -name debhelper-build-stamp \
		-newer "$deb" -print -quit
}
if [ ! -f "$deb" ] || [ -n "$(newer_source)" ]; then
	echo "building $deb"
	scripts/build-deb.sh "$src/dist" >/dev/null || fail "scripts/build-deb.sh failed"
fi

purge() { dpkg --purge "$package" >/dev/null 2>&1 || true; }
trap purge EXIT
dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb failed"

# The program.
[ "$(/usr/bin/bootstrap --version)" = "bootstrap $version" ] || fail "bootstrap --version is not 'bootstrap $version'"
help=$(/usr/bin/bootstrap --help) || fail "bootstrap --help exited with $?"
# Every long option --help lists, as the man page and the completions must know them.
mapfile -t options < <(grep -oE '(^|[ ,])--[a-z][a-z-]+' <<<"$help" | grep -oE -- '--[a-z-]+' | sort -u)
[ "${#options[@]}" -gt 20 ] || fail "found only ${#options[@]} long options in bootstrap --help"

# The man page: found by name, rendered without a warning. A page man-db formatted earlier (from another
# build whose page carries the same date, the changelog's) would be shown instead of the installed one.
export LC_ALL=C.UTF-8 MANWIDTH=80
rm -f /var/cache/man/cat1/bootstrap.1*
[ "$(man -w bootstrap)" = /usr/share/man/man1/bootstrap.1.gz ] || fail "man -w bootstrap: $(man -w bootstrap 2>&1)"
man --warnings bootstrap >"${TMPDIR:-/tmp}/bootstrap-man.$$" 2>"${TMPDIR:-/tmp}/bootstrap-man-err.$$" ||
	fail "man bootstrap exited with $?"
page=$(cat "${TMPDIR:-/tmp}/bootstrap-man.$$")
warnings=$(cat "${TMPDIR:-/tmp}/bootstrap-man-err.$$")
rm -f "${TMPDIR:-/tmp}/bootstrap-man.$$" "${TMPDIR:-/tmp}/bootstrap-man-err.$$"
[ -z "$warnings" ] || fail "man bootstrap warned: $warnings"
for option in "${options[@]}"; do
	grep -qF -- "$option" <<<"$page" || fail "the man page does not document $option"
done

# The bash completion: loaded by bash-completion from where the package put it, as an interactive shell
# would on the first Tab, then asked for options, a file and a user. Prints one candidate per line.
complete_line() {
	bash -c '
		source /usr/share/bash-completion/bash_completion
		_completion_loader bootstrap
		complete -p bootstrap >/dev/null || exit 3
		COMP_LINE=$1
		COMP_POINT=${#COMP_LINE}
		read -ra COMP_WORDS <<<"$COMP_LINE"
		[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_bootstrap bootstrap "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' complete_line "$1" 2>/dev/null
}
offered=$(complete_line 'bootstrap --') || fail "bash-completion did not load the completion for bootstrap"
for option in "${options[@]}"; do
	grep -qxF -- "$option" <<<"$offered" || fail "bash completion does not offer $option"
done
[ "$(complete_line 'bootstrap --vers')" = --version ] || fail "bash completion of --vers: $(complete_line 'bootstrap --vers')"
complete_line "bootstrap -o $src/debian/cont" | grep -qxF "$src/debian/control" || fail "bash completion of a file after -o"
complete_line 'bootstrap --run-as roo' | grep -qx root || fail "bash completion of a user after --run-as"

# The unit, as installed: systemd-analyze checks its settings, that its programs exist and its man page.
unit=$(dpkg -L "$package" | grep '/systemd/system/bootstrap-tracer.service$') || fail "the package has no unit"
verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify $unit: $verify"
[ -z "$verify" ] || fail "systemd-analyze verify $unit: $verify"

trap - EXIT
dpkg --purge "$package" >/dev/null || fail "dpkg --purge failed"
if [ -e /usr/bin/bootstrap ] || [ -e "$unit" ]; then fail "files are left after the purge"; fi
echo "PASS: $deb installs, works and purges (${#options[@]} long options checked)"
