#!/bin/bash
# Runs the kernel scenario (scenario.c) against the bootstrap binary, on the running kernel or on one of
# Debian's kernels booted under QEMU, and checks its verdicts: every case must pass, and a VM must report
# the same cases as the host. The JSON lines the scenario prints are parsed here with python3 (json_strict).
#
#   run.sh host BOOTSTRAP SCENARIO WORKDIR           on this kernel (root); keeps WORKDIR/host.verdicts
#   run.sh SUITE-cloud BOOTSTRAP SCENARIO WORKDIR    boots that Debian suite's linux-image-cloud-amd64
#   run.sh SUITE-rt BOOTSTRAP SCENARIO WORKDIR       boots its linux-image-rt-amd64 (PREEMPT_RT)
#   run.sh SUITE-arm64 BOOTSTRAP SCENARIO WORKDIR    boots its linux-image-arm64 under qemu-system-aarch64,
#                                                    with BOOTSTRAP and SCENARIO built for aarch64
# SUITE is bullseye (Debian 11, Linux 5.10), bookworm (12, 6.1) or trixie (13, 6.12).
#
# Kernel packages are downloaded with apt-get, never installed, through an apt state of the suite's own
# (WORKDIR/apt/SUITE/: its sources, package lists and cache), so that the system's apt sources and lists are
# neither read nor changed. WORKDIR/packages/<package>/ keeps the vmlinuz, its config and its version; arm64's
# busybox-static is downloaded the same way. QEMU, the host's busybox-static and arm64's libc come from
# `scripts/install-deps.sh kernels`.
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 host|SUITE-cloud|SUITE-rt|SUITE-arm64 BOOTSTRAP SCENARIO WORKDIR" >&2; exit 2; }
target=$1
bootstrap=$(realpath "$2")
scenario=$(realpath "$3")
mkdir -p "$4"
work=$(realpath "$4")
here=$(cd "$(dirname "$0")" && pwd)
# The VMs run under TCG, software emulation that needs no /dev/kvm. They boot in seconds to tens of seconds;
# this timeout only stops a guest that hangs. TCG has now and then left a guest silent after the firmware,
# before the kernel printed anything: such a guest is booted once more (see boot_vm), so two boots must fit
# the test's time limit.
boot_timeout=${BOOTSTRAP_KERNELS_BOOT_TIMEOUT:-150}

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# "case PASS|FAIL" for each VERDICT line of a scenario report.
verdicts() { sed -n 's/^VERDICT \([^ ]*\) \(PASS\|FAIL\) .*/\1 \2/p' "$1"; }

# Prints the json_strict verdict for a report, and fails with it: the lines between the scenario's
# "=== json lines begin ===" and "=== json lines end N ===" must be exactly N objects that python's json
# module accepts, strictly (UTF-8, no NaN or Infinity, no repeated key). Inside the VM, which has no JSON
# parser, the scenario can only check them loosely.
json_strict() {
	python3 - "$1" <<'PYTHON'
import json, re, sys

def no_repeated_keys(pairs):
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice")
    return dict(pairs)

def reject(constant):
    raise ValueError(constant + " is not JSON")

# Returns the number of lines in the block and the first problem, or None.
def check(path):
    try:
        lines = open(path, "rb").read().decode("utf-8").split("\n")
    except UnicodeDecodeError as error:
        return 0, "the report is not UTF-8: %s" % error
    try:
        begin = lines.index("=== json lines begin ===")
        end = next(i for i in range(begin, len(lines)) if re.fullmatch(r"=== json lines end \d+ ===", lines[i]))
    except (ValueError, StopIteration) as error:
        return 0, "no complete block of JSON lines in the report (%s)" % (str(error) or "no end marker")
    block, expected = lines[begin + 1:end], int(lines[end].split()[4])
    if len(block) != expected or not block:
        return len(block), "the scenario printed %d lines, found %d between the markers" % (expected, len(block))
    events = set()
    last_exec_id = {}  # pid -> exec_id of its latest exec
    for number, line in enumerate(block, 1):
        try:
            record = json.loads(line, object_pairs_hook=no_repeated_keys, parse_constant=reject)
        except ValueError as error:
            return len(block), "line %d: %s: %.160s" % (number, error, line)
        if not isinstance(record, dict) or not isinstance(record.get("pid"), int):
            return len(block), "line %d is not an object with an integer pid: %.160s" % (number, line)
        event = record.get("event")
        events.add(event)
        # The kernel's identity of the process (fork time, exec count) read on this kernel: 16 characters,
        # and a process's exit names the image of its last exec.
        exec_id = record.get("exec_id")
        if event in ("exec", "exit", "exec_failed") and not re.fullmatch(r"[A-Za-z0-9_-]{16}", str(exec_id)):
            return len(block), "line %d has no exec_id: %.160s" % (number, line)
        if event == "exec":
            last_exec_id[record["pid"]] = exec_id
        if event == "exit" and not record.get("thread_only") and last_exec_id.get(record["pid"], exec_id) != exec_id:
            return len(block), "line %d: the exit's exec_id is not its last exec's: %.160s" % (number, line)
    missing = {"exec", "exit", "exec_failed"} - events
    if missing:
        return len(block), "no %s record among them" % ", ".join(sorted(missing))
    return len(block), None

count, problem = check(sys.argv[1])
print("VERDICT json_strict %s %d lines checked with python3's json module on the host%s" %
      ("FAIL" if problem else "PASS", count, "; " + problem if problem else ""))
sys.exit(1 if problem else 0)
PYTHON
}

run_host() {
	rm -rf "$work/host" "$work/host.verdicts" # never let the VMs compare with an earlier run
	if [ "$(id -u)" -ne 0 ]; then
		# As the runtime tests do: skip without the rights to load BPF, unless CI requires the run.
		[ "${BOOTSTRAP_REQUIRE_RUNTIME:-0}" = 1 ] && fail "the host run needs root to load BPF programs"
		echo "SKIP: the host run needs root to load BPF programs"
		exit 77
	fi
	need_python
	mkdir -p "$work/host"
	local rc=0 json_rc=0
	timeout 300 "$scenario" "$bootstrap" "$work/host" | tee "$work/host.log" || rc=$?
	json_strict "$work/host.log" | tee -a "$work/host.log" || json_rc=$?
	verdicts "$work/host.log" >"$work/host.verdicts"
	[ "$rc" -eq 0 ] || fail "the scenario failed on the host kernel ($(uname -r)), exit status $rc"
	[ "$json_rc" -eq 0 ] || fail "the scenario's JSON lines did not parse strictly (host kernel)"
}

# Debian's mirror; the suites' security updates are at $mirror/debian-security.
mirror=${BOOTSTRAP_DEBIAN_MIRROR:-http://deb.debian.org}

# apt's options for the suite's own state, in the array apt_state: its sources (the suite and its security
# updates, amd64 and arm64), lists and cache under WORKDIR/apt/SUITE/. As root apt would drop to its _apt
# user, who cannot write there, and warn about it.
set_apt_state() {
	local state=$work/apt/$suite
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
	cat >"$state/sources.list" <<SOURCES
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror/debian $suite main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror/debian-security $suite-security main
SOURCES
	apt_state=(-o Dir::Etc::sourcelist="$state/sources.list" -o Dir::Etc::sourceparts=-
		-o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache"
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64
		-o APT::Sandbox::User="$(id -un)")
}

update_apt_state() {
	apt-get -qq "${apt_state[@]}" update ||
		fail "cannot read $suite's package lists from $mirror (set BOOTSTRAP_DEBIAN_MIRROR to another mirror)"
}

# The concrete package behind Debian's metapackage, e.g. linux-image-6.1.0-56-cloud-amd64 (and
# linux-image-6.1.0-56-arm64:arm64 for linux-image-arm64:arm64).
kernel_package() {
	apt-cache "${apt_state[@]}" depends "$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# Unpacks a package into packages/<package>/ (an architecture qualifier joined by _), unless it
# is there: for a kernel its vmlinuz, config and version, for busybox-static its busybox.
download_package() {
	local package=$1 dir=$work/packages/${1/:/_} tmp
	[ -s "$dir/vmlinuz" ] || [ -s "$dir/busybox" ] && return 0
	tmp=$(mktemp -d "$work/download.XXXXXX")
	if ! (cd "$tmp" && apt-get download -q "${apt_state[@]}" "$package"); then
		rm -rf "$tmp"
		return 1
	fi
	dpkg-deb -x "$tmp"/*.deb "$tmp/root"
	mkdir -p "$dir"
	dpkg-deb -f "$tmp"/*.deb Version >"$dir/version"
	if [ -x "$tmp/root/bin/busybox" ]; then
		cp "$tmp/root/bin/busybox" "$dir/busybox.part"
		mv "$dir/busybox.part" "$dir/busybox"
	else
		cp "$tmp"/root/boot/config-* "$dir/config"
		cp "$tmp"/root/boot/vmlinuz-* "$dir/vmlinuz.part"
		mv "$dir/vmlinuz.part" "$dir/vmlinuz" # last: its presence means the folder is complete
	fi
	rm -rf "$tmp"
}

# Sets $package_dir to the unpacked package that a metapackage (a kernel flavour's) or a package
# (busybox-static:arm64) names today in the suite.
fetch_package() {
	local wanted=$1 package
	set_apt_state
	package=$(resolve_package "$wanted" || true)
	if [ -z "$package" ] || ! download_package "$package"; then
		# No package lists yet, or stale ones naming a version the mirror dropped: read them once more.
		update_apt_state
		package=$(resolve_package "$wanted" || true)
		[ -n "$package" ] || fail "cannot resolve $wanted to a package: $suite's package lists do not name it"
		download_package "$package" ||
			fail "cannot download $package ($wanted, $suite) from $mirror: 'apt-get download $package' failed"
	fi
	package_dir=$work/packages/${package/:/_}
}

resolve_package() {
	case "$1" in
	linux-image-*) kernel_package "$1" ;;
	*) apt-cache "${apt_state[@]}" show --no-all-versions "$1" >/dev/null 2>&1 && echo "$1" ;;
	esac
}

need_python() {
	command -v python3 >/dev/null ||
		fail "python3 is missing: it parses the scenario's JSON lines (part of 'sudo scripts/install-deps.sh test')"
}

need_tools() {
	local hint="install the kernels group with 'sudo scripts/install-deps.sh kernels'"
	need_python
	command -v "$qemu" >/dev/null || fail "$qemu is missing: $hint"
	# The dynamic busybox package also installs /bin/busybox, but the VM has no libraries for it.
	if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		fail "a static /bin/busybox is missing: $hint (busybox-static)"
	fi
}

# The glibc objects that bootstrap links, as paths on this host. ldd runs the binary's loader, so it only
# answers for this host's architecture; for another, the loader and libraries the binary names are taken
# from that architecture's multiarch folder (libc6:arm64, part of the kernels group).
bootstrap_libraries() {
	if [ "$arch" = "$(uname -m)" ]; then
		ldd "$bootstrap" | grep -o '/[^ ]*'
		return
	fi
	local name
	readelf -l "$bootstrap" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p'
	for name in $(readelf -d "$bootstrap" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -e "/usr/lib/$arch-linux-gnu/$name" ] ||
			fail "/usr/lib/$arch-linux-gnu/$name is missing: install the kernels group with 'sudo scripts/install-deps.sh kernels'"
		echo "/usr/lib/$arch-linux-gnu/$name"
	done
}

# busybox (its applet links are made by /init), bootstrap with the glibc objects it links, the scenario
# and /init.
pack_initramfs() {
	local root=$1 image=$2 lib
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp}
	cp "$busybox" "$root/bin/busybox"
	cp "$bootstrap" "$root/bin/bootstrap"
	cp "$scenario" "$root/bin/kernel_scenario"
	for lib in $(bootstrap_libraries); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
	install -m 755 "$here/init" "$root/init"
	(cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$image"
}

# The suite, machine, kernel and busybox of a VM target (SUITE-FLAVOUR).
set_target() {
	suite=${1%%-*}
	case "$suite" in
	bullseye | bookworm | trixie) ;;
	*) fail "unknown Debian suite '$suite' in '$1' (bullseye, bookworm or trixie)" ;;
	esac
	case "${1#*-}" in
	cloud | rt)
		arch=x86_64 kernel_metapackage=linux-image-${1#*-}-amd64 busybox=/bin/busybox console=ttyS0
		qemu=qemu-system-x86_64 machine=(-accel tcg)
		;;
	arm64)
		# -cpu max: every feature the emulator has, and so any that the kernel might use. Its pointer
		# authentication uses QEMU's own cipher (pauth-impdef) instead of the architecture's QARMA, which
		# is slow to emulate (the whole run took 29 s with it, 8-14 s without); the guest cannot tell.
		arch=aarch64 kernel_metapackage=linux-image-arm64:arm64 console=ttyAMA0
		qemu=qemu-system-aarch64 machine=(-machine virt -cpu max,pauth-impdef=on -accel tcg)
		;;
	*) fail "unknown kernel flavour in '$1' (cloud, rt or arm64)" ;;
	esac
}

run_vm() {
	local flavour=$1 dir=$work/$1 rc=0 json_rc=0 start seconds kernel_dir
	set_target "$flavour"
	need_tools
	# One boot of the guest; its console goes to serial.log, and qemu's exit status to rc.
	boot_vm() {
		timeout "$boot_timeout" "$qemu" "${machine[@]}" -m 1024 -smp 2 -nographic -no-reboot \
			-kernel "$kernel_dir/vmlinuz" -initrd "$dir/initramfs.cpio.gz" \
			-append "console=$console panic=-1 quiet" </dev/null >"$dir/serial.log" 2>&1 || rc=$?
	}
	if [ "$arch" != "$(uname -m)" ]; then
		fetch_package "busybox-static:arm64"
		busybox=$package_dir/busybox
	fi
	fetch_package "$kernel_metapackage"
	kernel_dir=$package_dir
	echo "kernel: $(basename "$kernel_dir") $(cat "$kernel_dir/version") ($suite)"
	mkdir -p "$dir"
	rm -f "$work/$flavour.verdicts" "$dir/serial.log"
	pack_initramfs "$dir/initramfs" "$dir/initramfs.cpio.gz"

	start=$(date +%s)
	boot_vm
	if ! grep -q 'bootstrap-kernels begin' "$dir/serial.log"; then
		echo "the guest printed nothing of its own in ${boot_timeout} s (qemu exit status $rc): booting it once more"
		rc=0
		boot_vm
	fi
	seconds=$(($(date +%s) - start))
	# The begin marker can share its line with the firmware's screen-clearing escape codes.
	tr -d '\r' <"$dir/serial.log" |
		sed -n 's/.*\(=== bootstrap-kernels begin ===\)$/\1/; /^=== bootstrap-kernels begin ===$/,/^=== bootstrap-kernels end/p' \
			>"$dir/report.log"
	cat "$dir/report.log"
	echo "boot, scenario and power-off took ${seconds} s (qemu exit status $rc)"
	grep -q '^=== bootstrap-kernels end' "$dir/report.log" ||
		fail "the VM printed no complete report (timeout ${boot_timeout} s?); serial log: $dir/serial.log"
	json_strict "$dir/report.log" | tee -a "$dir/report.log" || json_rc=$?
	verdicts "$dir/report.log" >"$work/$flavour.verdicts"
	compare "$flavour"
	grep -q '^RESULT PASS' "$dir/report.log" || fail "the scenario failed on $(basename "$kernel_dir")"
	[ "$json_rc" -eq 0 ] || fail "the JSON lines printed on $(basename "$kernel_dir") did not parse strictly"
}

# The VM's verdicts beside the host's: the same cases, all passing.
compare() {
	local flavour=$1
	if [ ! -s "$work/host.verdicts" ]; then
		echo "note: no host verdicts to compare with (the kernels.host test did not run)"
		return
	fi
	join -a1 -a2 -e missing -o 0,1.2,2.2 <(sort "$work/host.verdicts") <(sort "$work/$flavour.verdicts") |
		awk -v vm="$flavour" 'BEGIN { printf "%-28s %-8s %s\n", "case", "host", vm }
			{ printf "%-28s %-8s %s\n", $1, $2, $3 }'
	cmp -s <(sort "$work/host.verdicts") <(sort "$work/$flavour.verdicts") ||
		fail "the verdicts on $flavour differ from the host's"
}

mkdir -p "$work"
case "$target" in
host) run_host ;;
*-*) run_vm "$target" ;;
*) fail "unknown target '$target' (host or SUITE-cloud, SUITE-rt, SUITE-arm64)" ;;
esac
