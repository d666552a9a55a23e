#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/: a few valid records for fuzz_decode (the layout of
bpf/events.h, native little-endian) and a few command lines for fuzz_options (arguments separated by
NUL). The fuzzers start from these instead of from nothing. Rerun after an ABI change. Files named
regress_* are inputs that once failed a fuzzer, copied in by hand; this script leaves them alone."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SECOND = 1_000_000_000


def header(rtype, comm=b"bash", time_ns=50 * SECOND, start=40 * SECOND):
    # type pid tid ppid uid gid time_ns cgroup_id comm[16] image{start exec_seq} parent_image{start exec_seq}
    return struct.pack("<6I2Q16s4Q", rtype, 1234, 1235, 1, 1000, 100, time_ns, 77, comm, start, 2, 30 * SECOND, 1)


def exec_record(filename, args, flags=0, rtype=1, error=0):
    # hdr old_pid error flags filename_len args_len pad
    fixed = header(rtype) + struct.pack("<Ii4I", 1235, error, flags, len(filename), len(args), 0)
    assert len(fixed) == 112
    return fixed + filename + args


def exit_record(status, flags=0, exec_time=47 * SECOND, start=40 * SECOND, utime=3, stime=1, runtime=1000):
    # hdr status flags exec_time utime stime runtime max_rss min_flt maj_flt nvcsw nivcsw
    rec = header(2, b"sleep", start=start) + struct.pack("<2I9Q", status, flags, exec_time, utime, stime,
                                                         runtime, 100, 11, 22, 33, 44)
    assert len(rec) == 168
    return rec


DECODE = {
    "exec": exec_record(b"/bin/ls\0", b"ls\0-l\0/tmp\0"),
    "exec_hostile": exec_record(b"/tmp/\x1b[31m\xe2\x80\xae\0", b"x\0a\nb\0\0\xff\xc2\x9b\0"),
    "exec_truncated": exec_record(b"/bin/echo\0", b"echo\0abc", flags=1),
    "exec_no_args": exec_record(b"/bin/true\0", b"", flags=2),
    "exec_failed": exec_record(b"/no/such\0", b"such\0x\0", rtype=3, error=-2),
    "exit_code": exit_record(3 << 8, flags=1),
    "exit_signal": exit_record(9),
    "exit_core": exit_record(0x80 | 11, flags=3),
    "fork": header(4, b"make"),
}

OPTIONS = {
    "defaults": b"",
    "duration": b"-d\0" b"100\0-x\0--threads",
    "sizes": b"--ring-size\0" b"4M\0--max-args-bytes=64K",
    "filters": b"-p\0" b"1\0--ppid\0" b"2\0-u\0root\0-c\0bash\0--cgroup\0/sys/fs/cgroup",
    "output": b"-j\0-a\0-t\0iso\0-s\0-o\0out.txt\0--trace\0t.json\0-v",
    "command": b"--run-as\0nobody\0--\0make\0-j2",
    "help": b"--help",
}


def write(target, seeds):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("fuzz_decode", DECODE)
    write("fuzz_options", OPTIONS)
