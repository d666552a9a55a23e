#!/usr/bin/env python3
"""Ships a tracer's events with Debian's rsyslog, configured as packaging/ says, and checks that the
central host holds every record the tracer wrote, whole and unchanged.

    rsyslog_test.py SOURCE_DIR BOOTSTRAP

Two rsyslogd run on 127.0.0.1, each with its own work directory and a main configuration like Debian's
/etc/rsyslog.conf without its local inputs: the traced host's with packaging/rsyslog-bootstrap.conf, the
central host's with packaging/rsyslog-central.conf, changed only in their paths, the central host's
address and the port. The tracer, started as the unit starts it but with a small --max-size, traces a storm
of 5,000 execs, some with a 20 KB argument, some with characters JSON escapes; during the storm the central rsyslogd is stopped and started
again, and the traced file is moved away and the tracer told to reopen it (SIGHUP), as logrotate would, in
a pause of the storm (imfile does not ship what is written to a moved file: docs/fleet.md).

The ground truth is what the storm did: each of its execs and exits must be in the tracer's files (all of
them are kept: --max-files is larger than the number of rotations). Those files are then compared with
what the central host wrote: no record lost, none changed, none that the tracer did not write, every line
valid JSON; duplicates are counted and reported.

Needs root (the tracer loads BPF programs) and rsyslog with rsyslog-relp: without them the test is
skipped, unless BOOTSTRAP_REQUIRE_RUNTIME=1 (CI).
"""
import collections
import ctypes
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SKIP = 77
EXECS = 5000
LONG_EVERY = 100  # every 100th exec carries a long argument
LONG_ARGUMENT_BYTES = 20000
# Where the storm waits for the test to act: stop the central rsyslogd, start it again, then move the file
# and send SIGHUP. Each happens while the storm goes on, with execs before and after.
RECEIVER_STOP, RECEIVER_START, REOPEN = 1000, 2000, 3000
MAX_SIZE = "64K"  # about 5 MB of records: some 80 rotations
MAX_FILES = "1000"  # none is deleted, so the tracer's files are all there to compare with
MIN_ROTATIONS = 20
DELIVERY_TIMEOUT = 60  # seconds for the central host to catch up once the storm is over
PR_SET_PDEATHSIG = 1
# What rsyslogd says when the test does what it does: anything else it says (a message cut short, a queue
# full, a record discarded, a configuration error) fails the test.
EXPECTED_MESSAGES = [
    "] start",
    "] exiting on signal 15.",
    # The central host is stopped, then started again: the traced host's omrelp waits for it.
    "librelp error 10008 forwarding to server",  # the connection closed by the central host
    "omrelp: could not connect to remote server",
    "error 'error opening connection to remote peer'",
    "action 'action-0-omrelp' suspended",
    "action 'action-0-omrelp' resumed",
    # The central host's imrelp, when a client closes its connection (the test's check that it listens,
    # and the traced host's rsyslogd when it stops).
    "error 'server closed relp session, session broken'",
    # The file does not exist until the tracer starts, nor between its move and the tracer's reopen.
    "imfile: on startup file",
    "imfile: poll_tree cannot stat file",
]


def die_with_parent():
    # Whatever ends the test (a timeout's SIGKILL included), the processes it started end with it.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def storm_argv(index):
    """The arguments of the storm's exec number index: some long, some that JSON escapes."""
    argv = ["/bin/true", f"storm-{index}"]
    if index % LONG_EVERY == LONG_EVERY // 2:
        argv.append(f"{index}-" + "x" * (LONG_ARGUMENT_BYTES - len(str(index)) - 1))
    elif index % LONG_EVERY == LONG_EVERY // 4:
        # Written as \u00e9, \u65e5, \t, \u001b, \\ and \" in the record: the escapes must arrive as they are.
        argv.append('caf\u00e9 \u65e5\u672c\ttab \x1b[31m back\\slash "quoted"')
    return argv


def storm(work):
    """The traced command: EXECS execs of /bin/true, each with its index; pauses at the checkpoints."""
    die_with_parent()
    work = Path(work)
    last_pid = 0
    with open(work / "storm.pids", "w") as pids:
        for index in range(EXECS):
            if index in (RECEIVER_STOP, RECEIVER_START, REOPEN):
                # The pid of the last exec so far, for the test to see its exit written.
                (work / "at.tmp").write_text(str(last_pid))
                os.rename(work / "at.tmp", work / f"at-{index}")
                while not (work / f"go-{index}").exists():
                    time.sleep(0.005)
            argv = storm_argv(index)
            pid = os.posix_spawn("/bin/true", argv, {"PATH": "/usr/bin:/bin"})
            _, status = os.waitpid(pid, 0)
            if status != 0:
                sys.exit(f"/bin/true {index} ended with status {status}")
            pids.write(f"{pid} {index} {len(argv)}\n")
            last_pid = pid
    return 0


def fail(message):
    print("FAIL:", message, flush=True)
    sys.exit(1)


def skip(message):
    if os.environ.get("BOOTSTRAP_REQUIRE_RUNTIME") == "1":
        fail(message)
    print("SKIP:", message, flush=True)
    sys.exit(SKIP)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def replaced(text, name, replacements):
    """The shipped configuration with its paths and addresses replaced, each exactly where expected."""
    for old, new, count in replacements:
        if text.count(old) != count:
            fail(f"packaging/{name} has {text.count(old)} '{old}', expected {count}: update this test")
        text = text.replace(old, new)
    return text


class Rsyslogd:
    """One rsyslogd, run in the foreground with a Debian-like main configuration in its own directory."""

    def __init__(self, directory, shipped_text):
        self.directory = Path(directory)
        for sub in ["work", "rsyslog.d"]:
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        (self.directory / "rsyslog.d" / "bootstrap.conf").write_text(shipped_text)
        # Debian's /etc/rsyslog.conf without imuxsock and imklog: its file modes, its work directory, the
        # drop-ins, then the default ruleset, which here gets rsyslogd's own messages only (rather than the
        # host's log socket).
        (self.directory / "rsyslog.conf").write_text(
            'global(processInternalMessages="on")\n'
            "$FileOwner root\n$FileGroup adm\n$FileCreateMode 0640\n$DirCreateMode 0755\n$Umask 0022\n"
            f"$WorkDirectory {self.directory}/work\n"
            f"$IncludeConfig {self.directory}/rsyslog.d/*.conf\n"
            f"*.* {self.directory}/rsyslogd.log\n")
        self.process = None
        self.starts = 0
        self.cpu_seconds = 0.0  # of every run of this rsyslogd so far
        self.terminated = False

    def start(self):
        self.starts += 1
        self.terminated = False
        with open(self.directory / "stderr", "a") as stderr:
            self.process = subprocess.Popen(
                ["rsyslogd", "-n", "-f", str(self.directory / "rsyslog.conf"), "-i",
                 str(self.directory / "rsyslogd.pid")],
                stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, preexec_fn=die_with_parent)

    def wait_started(self):
        # rsyslogd logs its start once its inputs are set up.
        deadline = time.monotonic() + 15
        log = self.directory / "rsyslogd.log"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                fail(f"rsyslogd exited with {self.process.returncode}: {self.stderr()}")
            if log.exists() and log.read_text(errors="replace").count("] start") >= self.starts:
                return
            time.sleep(0.02)
        fail(f"rsyslogd did not start within 15 s: {self.stderr()}")

    def terminate(self):
        """Sends SIGTERM once to the running rsyslogd, having taken its CPU time."""
        if self.process and self.process.poll() is None and not self.terminated:
            self.cpu_seconds += cpu_seconds(self.process.pid)
            self.process.terminate()
            self.terminated = True

    def stop(self):
        if self.process and self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                fail("rsyslogd did not stop within 20 s of SIGTERM")

    def stderr(self):
        path = self.directory / "stderr"
        return path.read_text(errors="replace").strip()[-2000:] if path.exists() else ""

    def unexpected_messages(self):
        """What rsyslogd said of itself, but for what the test's own doings explain."""
        log = self.directory / "rsyslogd.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        return [line for line in lines if not any(expected in line for expected in EXPECTED_MESSAGES)]


def cpu_seconds(pid):
    """The user and system CPU time a process has used (fields 14 and 15 of /proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_listening(port, receiver):
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if receiver.process.poll() is not None:
            fail(f"the central rsyslogd exited with {receiver.process.returncode}: {receiver.stderr()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    fail(f"the central rsyslogd is not listening on 127.0.0.1:{port} after 15 s")


def wait_written(events, pid, tracer):
    """Waits until the tracer has written the exit of pid, to its file or the one it last rotated."""
    needle = f'"event":"exit","time":'
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for path in [events, events.with_name(events.name + ".1")]:
            try:
                text = path.read_text()
            except OSError:
                continue
            if any(line.startswith("{" + needle) and f',"pid":{pid},' in line for line in text.splitlines()):
                return
        if tracer.poll() is not None:
            fail(f"the tracer exited with {tracer.returncode} during the storm")
        time.sleep(0.01)
    fail(f"the tracer did not write the exit of pid {pid} within 10 s")


def trace_storm(bootstrap, work, events, receiver, port):
    """Runs the tracer on the storm, acting at each checkpoint; returns the tracer's stderr."""
    tracer_stderr = open(work / "tracer.stderr", "w")
    tracer = subprocess.Popen(
        [bootstrap, "-j", "-o", str(events), "--max-size", MAX_SIZE, "--max-files", MAX_FILES, "--",
         sys.executable, os.path.abspath(__file__), "storm", str(work)],
        stdin=subprocess.DEVNULL, stdout=tracer_stderr, stderr=tracer_stderr, preexec_fn=die_with_parent)

    def reached(index):
        deadline = time.monotonic() + 60
        while not (work / f"at-{index}").exists():
            if tracer.poll() is not None:
                fail(f"the tracer exited with {tracer.returncode} before exec {index}: "
                     f"{(work / 'tracer.stderr').read_text()}")
            if time.monotonic() > deadline:
                fail(f"the storm did not reach exec {index} in 60 s")
            time.sleep(0.005)

    reached(RECEIVER_STOP)
    receiver.terminate()  # stops while the storm goes on
    (work / f"go-{RECEIVER_STOP}").touch()
    reached(RECEIVER_START)
    receiver.stop()
    receiver.start()
    (work / f"go-{RECEIVER_START}").touch()
    wait_listening(port, receiver)
    reached(REOPEN)
    # As logrotate does without copytruncate: move the file away, then have the tracer reopen its path.
    # In a pause of the storm, once the tracer has written the last exit: imfile finishes a moved file
    # as soon as it sees the move, so what the tracer writes to it before the SIGHUP is not shipped
    # (docs/fleet.md says so).
    wait_written(events, int((work / f"at-{REOPEN}").read_text()), tracer)
    os.rename(events, events.with_name(events.name + ".moved"))
    tracer.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while not events.exists():
        if time.monotonic() > deadline:
            fail("the tracer did not create its file again within 10 s of SIGHUP")
        time.sleep(0.005)
    (work / f"go-{REOPEN}").touch()
    try:
        status = tracer.wait(timeout=90)
    except subprocess.TimeoutExpired:
        fail("the storm took more than 90 s")
    tracer_stderr.close()
    said = (work / "tracer.stderr").read_text()
    if status != 0:
        fail(f"the tracer exited with {status}: {said}")
    return said


def read_records(paths):
    """Every line of the files, and the lines that are not JSON objects."""
    lines, invalid = [], []
    for path in paths:
        with open(path, "rb") as file:
            data = file.read()
        if data and not data.endswith(b"\n"):
            invalid.append(f"{path} ends in a line cut short")
        for line in data.decode("utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError as error:
                invalid.append(f"{path}: {error}: {line[:100]}")
                continue
            lines.append((line, record))
    return lines, invalid


def key(line, record):
    # A record names its process image and what happened to it; one without exec_id (the summary) is its
    # own key.
    return (record["exec_id"], record["event"]) if "exec_id" in record else ("", line)


def check_storm_in_trace(work, written):
    """The ground truth: each exec of the storm, and its exit, is in what the tracer wrote."""
    execs, exits = {}, {}
    for _, record in written:
        if record.get("event") == "exec" and record.get("filename") == "/bin/true":
            execs[record["pid"]] = record
        elif record.get("event") == "exit" and record.get("comm") == "true":
            exits[record["pid"]] = record
    storm = [tuple(map(int, line.split())) for line in (work / "storm.pids").read_text().splitlines()]
    if len(storm) != EXECS:
        fail(f"the storm ran {len(storm)} execs, not {EXECS}")
    long_ones = 0
    for pid, index, argc in storm:
        record = execs.get(pid)
        if record is None or record["argv"] != storm_argv(index) or len(record["argv"]) != argc:
            fail(f"the tracer's files lack the exec of storm-{index} (pid {pid}): {str(record)[:200]}")
        if record["argv_truncated"]:
            fail(f"the tracer cut the arguments of storm-{index}")
        long_ones += len(record["argv"][-1]) == LONG_ARGUMENT_BYTES
        if pid not in exits or exits[pid]["exit_code"] != 0 or exits[pid]["exec_id"] != record["exec_id"]:
            fail(f"the tracer's files lack the exit of storm-{index} (pid {pid})")
    return long_ones


def compare(written, received, invalid_received):
    """Lost, changed, foreign and duplicated records at the central host, by (exec_id, event)."""
    want = {key(line, record): line for line, record in written}
    if len(want) != len(written):
        fail(f"the tracer wrote {len(written) - len(want)} records twice (same exec_id and event)")
    got = collections.Counter()
    problems = [f"the central host wrote a line that is not a JSON object: {line}" for line in invalid_received]
    for line, record in received:
        record_key = key(line, record)
        got[record_key] += 1
        if record_key not in want:
            problems.append(f"the central host holds a record the tracer did not write: {line[:200]}")
        elif want[record_key] != line:
            problems.append(f"the central host changed a record:\n  wrote    {want[record_key][:200]}\n"
                            f"  received {line[:200]}")
    lost = [record_key for record_key in want if record_key not in got]
    problems += [f"lost: {want[record_key][:200]}" for record_key in lost[:10]]
    duplicated = sum(count - 1 for count in got.values())
    return lost, duplicated, problems


def wait_delivered(central, written, deadline):
    """Waits until the central host holds every key the tracer wrote, or the deadline."""
    want = {key(line, record) for line, record in written}
    while True:
        files = glob.glob(str(central / "*" / "bootstrap-events.json"))
        if files:
            received, _ = read_records(files)
            if want <= {key(line, record) for line, record in received}:
                return
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)


def require_tools():
    """Skips the test where it cannot run: not root, or no rsyslog with RELP."""
    if os.geteuid() != 0:
        skip("the tracer needs root to load its BPF programs")
    rsyslogd = shutil.which("rsyslogd") or shutil.which("rsyslogd", path="/usr/sbin:/sbin")
    if not rsyslogd:
        skip("rsyslogd is not installed (apt install rsyslog rsyslog-relp, or scripts/install-deps.sh test)")
    os.environ["PATH"] = os.path.dirname(rsyslogd) + ":" + os.environ.get("PATH", "")
    modules = subprocess.run(["dpkg", "-L", "rsyslog-relp"], capture_output=True, text=True).stdout
    if "omrelp.so" not in modules or "imrelp.so" not in modules:
        skip("rsyslog-relp is not installed (apt install rsyslog-relp, or scripts/install-deps.sh test)")


def configured_daemons(source, work, events, central, port):
    """The traced host's and the central host's rsyslogd, with the shipped files' paths and port changed."""
    sender_conf = replaced((source / "packaging/rsyslog-bootstrap.conf").read_text(), "rsyslog-bootstrap.conf", [
        ("/var/log/bootstrap/events.json", str(events), 1),
        ('target="central.example.org"', 'target="127.0.0.1"', 1),
        ('port="2514"', f'port="{port}"', 1),
    ])
    receiver_conf = replaced((source / "packaging/rsyslog-central.conf").read_text(), "rsyslog-central.conf", [
        ('string="/var/log/central/', f'string="{central}/', 1),
        ('port="2514"', f'port="{port}"', 1),
    ])
    return Rsyslogd(work / "host-rsyslog", sender_conf), Rsyslogd(work / "central-rsyslog", receiver_conf)


def check_traced(work, log_dir, tracer_said):
    """The tracer's files: valid, holding the storm, rotated often enough. Returns them and their records."""
    traced = sorted(log_dir.glob("events.json*"))
    rotated = [path for path in traced if path.suffix[1:].isdigit()]
    written, invalid_written = read_records(traced)
    if invalid_written:
        fail("the tracer wrote lines that are not JSON objects:\n  " + "\n  ".join(invalid_written[:10]))
    long_ones = check_storm_in_trace(work, written)
    if len(rotated) < MIN_ROTATIONS:
        fail(f"the tracer rotated its file {len(rotated)} times, fewer than {MIN_ROTATIONS}")
    if tracer_said.strip():
        fail(f"the tracer complained: {tracer_said}")
    figures = (f"{len(written)} records written by the tracer ({long_ones} execs with a {LONG_ARGUMENT_BYTES}-byte "
               f"argument, longest line {max(len(line.encode()) for line, _ in written)} bytes) in {len(traced)} "
               f"files ({len(rotated)} rotations, 1 SIGHUP reopen)")
    return written, figures


def check_received(central, written, sender, receiver):
    """What the central host wrote, against what the tracer did; returns the figures and the problems."""
    received_files = glob.glob(str(central / "*" / "bootstrap-events.json"))
    if len(received_files) != 1:
        fail(f"the central host wrote {len(received_files)} files, not one for this host: {received_files}")
    received, invalid_received = read_records(received_files)
    lost, duplicated, problems = compare(written, received, invalid_received)
    # Events go only where the shipped rulesets send them, not to the host's other rules.
    for daemon, name in [(sender, "traced host's"), (receiver, "central host's")]:
        leaked = [line for line in (daemon.directory / "rsyslogd.log").read_text().splitlines()
                  if "bootstrap-tracer" in line or '"exec_id"' in line]
        if leaked:
            problems.append(f"the {name} default ruleset got events: {leaked[0][:200]}")
        problems += [f"the {name} rsyslogd said: {line}" for line in daemon.unexpected_messages()]
    figures = (f"{len(received)} lines at the central host across 1 restart: {len(lost)} lost, {duplicated} "
               f"duplicated; CPU of the traced host's rsyslogd {sender.cpu_seconds:.2f} s, of the central "
               f"host's {receiver.cpu_seconds:.2f} s")
    return figures, problems


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "storm":
        return storm(sys.argv[2])
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} SOURCE_DIR BOOTSTRAP", file=sys.stderr)
        return 2
    source, bootstrap = Path(sys.argv[1]), os.path.abspath(sys.argv[2])
    require_tools()

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bootstrap-rsyslog-"))
    os.chmod(work, 0o700)
    keep = os.environ.get("BOOTSTRAP_KEEP_TEST_DIR") == "1"
    passed = False
    port = free_port()
    log_dir, central = work / "log", work / "central"
    log_dir.mkdir()
    events = log_dir / "events.json"
    sender, receiver = configured_daemons(source, work, events, central, port)
    try:
        receiver.start()
        receiver.wait_started()
        wait_listening(port, receiver)
        sender.start()
        sender.wait_started()

        tracer_said = trace_storm(bootstrap, work, events, receiver, port)
        written, traced_figures = check_traced(work, log_dir, tracer_said)
        wait_delivered(central, written, time.monotonic() + DELIVERY_TIMEOUT)
        sender.stop()
        receiver.stop()
        received_figures, problems = check_received(central, written, sender, receiver)
        figures = f"{traced_figures}; {received_figures}; {time.monotonic() - started:.0f} s"
        if problems:
            fail(figures + "\n  " + "\n  ".join(problems[:20]))
        print("PASS:", figures, flush=True)
        passed = True
        return 0
    finally:
        sender.stop()
        receiver.stop()
        if passed and not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"the test's files are in {work}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
