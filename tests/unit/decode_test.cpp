// decode() on records built byte by byte. The builder writes each field at its documented offset rather
// than filling the C structs, so these tests also catch a decoder that disagrees with the ABI.
#include "events/event.h"
#include "events/names.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bootstrap {
namespace {

using namespace std::string_literals;

constexpr uint32_t kExec = 1, kExit = 2, kExecFailed = 3, kFork = 4;
constexpr size_t kHeaderSize = 88, kExecFixedSize = 152, kExitSize = 168;
constexpr uint64_t kSecond = 1'000'000'000;

// A record under construction: native-endian fields at fixed offsets, then variable data.
class RecordBuilder {
public:
    RecordBuilder(uint32_t type, size_t fixed_size) : bytes_(fixed_size) {
        put<uint32_t>(0, type);
        put<uint32_t>(4, 1234);           // pid
        put<uint32_t>(8, 1235);           // tid
        put<uint32_t>(12, 1);             // ppid
        put<uint32_t>(16, 1000);          // uid
        put<uint32_t>(20, 100);           // gid
        put<uint64_t>(24, 50 * kSecond);  // time_ns
        put<uint64_t>(32, 77);            // cgroup_id
        comm("bash");
        put<uint64_t>(56, 40 * kSecond);  // image: start_time_ns
        put<uint64_t>(64, 2);             // image: exec_seq
        put<uint64_t>(72, 30 * kSecond);  // parent_image: start_time_ns
        put<uint64_t>(80, 1);             // parent_image: exec_seq
    }

    template <typename T>
    RecordBuilder& put(size_t offset, T value) {
        std::memcpy(bytes_.data() + offset, &value, sizeof(value));
        return *this;
    }

    // Exactly 16 bytes at offset 40: `name`, then NUL padding (none if `name` is 16 bytes long).
    RecordBuilder& comm(std::string_view name) {
        std::memset(bytes_.data() + 40, 0, 16);
        std::memcpy(bytes_.data() + 40, name.data(), std::min<size_t>(name.size(), 16));
        return *this;
    }

    RecordBuilder& append(std::string_view data) {
        auto* p = reinterpret_cast<const std::byte*>(data.data());
        bytes_.insert(bytes_.end(), p, p + data.size());
        return *this;
    }

    RecordBuilder& truncate(size_t size) {
        bytes_.resize(size);
        return *this;
    }

    const std::vector<std::byte>& bytes() const { return bytes_; }

private:
    std::vector<std::byte> bytes_;
};

// An exec (or failed exec) record: `filename` and `args` are the raw data bytes, NULs included as given.
RecordBuilder exec_record(std::string_view filename, std::string_view args, uint32_t flags = 0, uint32_t type = kExec,
                          int32_t error = 0) {
    RecordBuilder r(type, kExecFixedSize);
    r.put<uint32_t>(88, 1235)  // old_pid
        .put<int32_t>(92, error)
        .put<uint32_t>(96, flags)
        .put<uint32_t>(100, static_cast<uint32_t>(filename.size()))
        .put<uint32_t>(104, static_cast<uint32_t>(args.size()))
        .append(filename)
        .append(args);
    return r;
}

struct ExitFields {
    uint32_t status = 0;
    uint32_t flags = 0;
    uint64_t exec_time_ns = 0;
    uint64_t start_time_ns = 0;
    uint64_t utime_ns = 0, stime_ns = 0, runtime_ns = 0;
    uint64_t max_rss_pages = 0;
};

RecordBuilder exit_record(const ExitFields& f) {
    RecordBuilder r(kExit, kExitSize);
    r.put<uint64_t>(56, f.start_time_ns)  // the header's image
        .put<uint32_t>(88, f.status)
        .put<uint32_t>(92, f.flags)
        .put<uint64_t>(96, f.exec_time_ns)
        .put<uint64_t>(104, f.utime_ns)
        .put<uint64_t>(112, f.stime_ns)
        .put<uint64_t>(120, f.runtime_ns)
        .put<uint64_t>(128, f.max_rss_pages)
        .put<uint64_t>(136, 11)   // min_flt
        .put<uint64_t>(144, 22)   // maj_flt
        .put<uint64_t>(152, 33)   // nvcsw
        .put<uint64_t>(160, 44);  // nivcsw
    return r;
}

// Decodes from a heap block of exactly the record's size, so a read one byte past the end is a heap
// overflow that the sanitizer build reports (a std::vector's spare capacity would hide it).
DecodeResult decode_exact(const std::vector<std::byte>& bytes, uint64_t page_size = 4096) {
    auto copy = std::make_unique<std::byte[]>(bytes.size());
    if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
    return decode(std::span<const std::byte>(copy.get(), bytes.size()), page_size);
}

template <typename T>
T decode_as(const RecordBuilder& record, uint64_t page_size = 4096) {
    DecodeResult result = decode_exact(record.bytes(), page_size);
    if (auto* err = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << "unexpected DecodeError: " << err->reason;
        return T{};
    }
    const Event& event = std::get<Event>(result);
    if (!std::holds_alternative<T>(event)) {
        ADD_FAILURE() << "decoded to another event type (index " << event.index() << ")";
        return T{};
    }
    return std::get<T>(event);
}

bool is_error(const std::vector<std::byte>& bytes) {
    return std::holds_alternative<DecodeError>(decode_exact(bytes));
}

// --- exec ---------------------------------------------------------------------------------------------

TEST(DecodeExec, HeaderFieldsFilenameAndArgv) {
    auto exec = decode_as<ExecEvent>(exec_record("/bin/ls\0"s, "ls\0-l\0/tmp\0"s));
    EXPECT_EQ(exec.proc.pid, 1234u);
    EXPECT_EQ(exec.proc.tid, 1235u);
    EXPECT_EQ(exec.proc.ppid, 1u);
    EXPECT_EQ(exec.proc.uid, 1000u);
    EXPECT_EQ(exec.proc.gid, 100u);
    EXPECT_EQ(exec.proc.time_ns, 50 * kSecond);
    EXPECT_EQ(exec.proc.cgroup_id, 77u);
    EXPECT_EQ(exec.proc.comm, "bash");
    EXPECT_EQ(exec.proc.image, (ImageKey{1234, 40 * kSecond, 2}));
    ASSERT_TRUE(exec.proc.parent_image);
    EXPECT_EQ(*exec.proc.parent_image, (ImageKey{1, 30 * kSecond, 1}));
    EXPECT_EQ(exec.old_pid, 1235u);
    EXPECT_EQ(exec.filename, "/bin/ls");
    EXPECT_EQ(exec.argv, (std::vector<std::string>{"ls", "-l", "/tmp"}));
    EXPECT_FALSE(exec.argv_truncated);
    EXPECT_FALSE(exec.argv_unreadable);
}

TEST(DecodeExec, EmptyArgumentsAreKept) {
    auto exec = decode_as<ExecEvent>(exec_record("/bin/echo\0"s, "echo\0\0middle\0\0"s));
    EXPECT_EQ(exec.argv, (std::vector<std::string>{"echo", "", "middle", ""}));
    auto only_empty = decode_as<ExecEvent>(exec_record("/bin/x\0"s, "\0"s));
    EXPECT_EQ(only_empty.argv, (std::vector<std::string>{""}));
}

TEST(DecodeExec, ArgumentBytesAreKeptRaw) {
    auto exec = decode_as<ExecEvent>(exec_record("/bin/printf\0"s, "printf\0a\nb\0\xff\xfe\x80\0\x1b[31m\0"s));
    EXPECT_EQ(exec.argv, (std::vector<std::string>{"printf", "a\nb", "\xff\xfe\x80", "\x1b[31m"}));
}

TEST(DecodeExec, TruncatedLastArgumentWithoutNul) {
    auto exec = decode_as<ExecEvent>(exec_record("/bin/ls\0"s, "ls\0--colo"s, /*EXEC_ARGS_TRUNCATED*/ 1));
    EXPECT_EQ(exec.argv, (std::vector<std::string>{"ls", "--colo"}));
    EXPECT_TRUE(exec.argv_truncated);
    EXPECT_FALSE(exec.argv_unreadable);
}

TEST(DecodeExec, ZeroArgumentsAndUnreadableArgs) {
    auto none = decode_as<ExecEvent>(exec_record("/bin/true\0"s, ""));
    EXPECT_TRUE(none.argv.empty());
    EXPECT_EQ(none.filename, "/bin/true");
    auto unreadable = decode_as<ExecEvent>(exec_record("/bin/true\0"s, "", /*EXEC_ARGS_UNREADABLE*/ 2));
    EXPECT_TRUE(unreadable.argv.empty());
    EXPECT_TRUE(unreadable.argv_unreadable);
}

TEST(DecodeExec, FilenameEndsAtItsNul) {
    // filename_len counts the NUL; bytes after an early NUL are not part of the name.
    EXPECT_EQ(decode_as<ExecEvent>(exec_record("/a\0junk\0"s, "a\0"s)).filename, "/a");
    EXPECT_EQ(decode_as<ExecEvent>(exec_record("", "a\0"s)).filename, "");
}

TEST(DecodeExec, CommOfFifteenBytes) {
    auto exec = decode_as<ExecEvent>(exec_record("/x\0"s, "").comm("fifteen-chars!!"));
    EXPECT_EQ(exec.proc.comm, "fifteen-chars!!");
}

TEST(DecodeExecFailed, NegativeErrnoBecomesPositive) {
    auto failed = decode_as<ExecFailedEvent>(exec_record("/no/such\0"s, "such\0x\0"s, 0, kExecFailed, -2));
    EXPECT_EQ(failed.error, 2);
    EXPECT_EQ(failed.filename, "/no/such");
    EXPECT_EQ(failed.argv, (std::vector<std::string>{"such", "x"}));
    auto cut = decode_as<ExecFailedEvent>(exec_record("/x\0"s, "ab"s, 1, kExecFailed, -7));
    EXPECT_EQ(cut.error, 7);
    EXPECT_TRUE(cut.argv_truncated);
}

TEST(DecodeExecFailed, ErrorOutsideTheErrnoRangeIsRejected) {
    // The kernel returns -1..-4095; anything else is not a failed exec (and INT_MIN has no positive form).
    for (int32_t error : {0, 1, -4096, std::numeric_limits<int32_t>::min()})
        EXPECT_TRUE(is_error(exec_record("/x\0"s, "", 0, kExecFailed, error).bytes())) << error;
    EXPECT_EQ(decode_as<ExecFailedEvent>(exec_record("/x\0"s, "", 0, kExecFailed, -4095)).error, 4095);
}

// --- exit ---------------------------------------------------------------------------------------------

TEST(DecodeExit, ExitCode) {
    auto exit = decode_as<ExitEvent>(exit_record({.status = 3 << 8}));
    EXPECT_FALSE(exit.status.signaled());
    EXPECT_EQ(exit.status.exit_code(), 3);
    EXPECT_FALSE(exit.status.core_dumped());
    EXPECT_FALSE(exit.thread_only);
    EXPECT_EQ(exit.minor_faults, 11u);
    EXPECT_EQ(exit.major_faults, 22u);
    EXPECT_EQ(exit.voluntary_switches, 33u);
    EXPECT_EQ(exit.involuntary_switches, 44u);
}

TEST(DecodeExit, KilledBySignal) {
    auto exit = decode_as<ExitEvent>(exit_record({.status = SIGKILL}));
    EXPECT_TRUE(exit.status.signaled());
    EXPECT_EQ(exit.status.signal(), SIGKILL);
    EXPECT_FALSE(exit.status.core_dumped());
}

TEST(DecodeExit, SignalWithCoreDump) {
    auto exit = decode_as<ExitEvent>(exit_record({.status = 0x80 | SIGSEGV}));
    EXPECT_TRUE(exit.status.signaled());
    EXPECT_EQ(exit.status.signal(), SIGSEGV);
    EXPECT_TRUE(exit.status.core_dumped());
}

TEST(DecodeExit, ThreadOnlyFlag) {
    EXPECT_TRUE(decode_as<ExitEvent>(exit_record({.flags = 2})).thread_only);
}

TEST(DecodeExit, UnreportedFlag) {
    EXPECT_FALSE(decode_as<ExitEvent>(exit_record({})).unreported);
    auto exit = decode_as<ExitEvent>(exit_record({.flags = 4}));
    EXPECT_TRUE(exit.unreported);
    EXPECT_FALSE(exit.thread_only);
}

TEST(DecodeExit, DurationOnlyWhenTheExecWasSeen) {
    // The header's time_ns is 50 s.
    auto seen = decode_as<ExitEvent>(exit_record({.flags = 1, .exec_time_ns = 47 * kSecond}));
    ASSERT_TRUE(seen.duration_ns.has_value());
    EXPECT_EQ(*seen.duration_ns, 3 * kSecond);
    auto unseen = decode_as<ExitEvent>(exit_record({.flags = 0, .exec_time_ns = 47 * kSecond}));
    EXPECT_FALSE(unseen.duration_ns.has_value());
    // An exec after the exit is impossible: no duration rather than a wrapped-around one.
    auto backwards = decode_as<ExitEvent>(exit_record({.flags = 1, .exec_time_ns = 51 * kSecond}));
    EXPECT_FALSE(backwards.duration_ns.has_value());
}

TEST(DecodeExit, AgeSinceFork) {
    EXPECT_EQ(decode_as<ExitEvent>(exit_record({.start_time_ns = 20 * kSecond})).age_ns, 30 * kSecond);
    EXPECT_EQ(decode_as<ExitEvent>(exit_record({.start_time_ns = 60 * kSecond})).age_ns, 0u);
}

TEST(DecodeExit, CpuTimeSplitsRuntimeInTheTickRatio) {
    auto exit = decode_as<ExitEvent>(exit_record({.utime_ns = 3, .stime_ns = 1, .runtime_ns = 1000}));
    EXPECT_EQ(exit.cpu_user_ns, 750u);
    EXPECT_EQ(exit.cpu_system_ns, 250u);
    // User time is rounded down; the two always add up to the runtime.
    auto odd = decode_as<ExitEvent>(exit_record({.utime_ns = 1, .stime_ns = 2, .runtime_ns = 1000}));
    EXPECT_EQ(odd.cpu_user_ns, 333u);
    EXPECT_EQ(odd.cpu_system_ns, 667u);
}

TEST(DecodeExit, CpuTimeEdgeCases) {
    auto no_user = decode_as<ExitEvent>(exit_record({.utime_ns = 0, .stime_ns = 5, .runtime_ns = 900}));
    EXPECT_EQ(no_user.cpu_user_ns, 0u);
    EXPECT_EQ(no_user.cpu_system_ns, 900u);
    auto no_system = decode_as<ExitEvent>(exit_record({.utime_ns = 5, .stime_ns = 0, .runtime_ns = 900}));
    EXPECT_EQ(no_system.cpu_user_ns, 900u);
    EXPECT_EQ(no_system.cpu_system_ns, 0u);
    // No ticks at all: the kernel (cputime_adjust) counts it all as user time.
    auto no_ticks = decode_as<ExitEvent>(exit_record({.utime_ns = 0, .stime_ns = 0, .runtime_ns = 900}));
    EXPECT_EQ(no_ticks.cpu_user_ns, 900u);
    EXPECT_EQ(no_ticks.cpu_system_ns, 0u);
}

TEST(DecodeExit, CpuTimeOfHugeValuesDoesNotOverflow) {
    constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
    auto all_max = decode_as<ExitEvent>(exit_record({.utime_ns = max, .stime_ns = max, .runtime_ns = max}));
    EXPECT_EQ(all_max.cpu_user_ns, max / 2);
    EXPECT_EQ(all_max.cpu_user_ns + all_max.cpu_system_ns, max);
    // utime + stime is exactly 2^64 here: in 64 bits that sum is 0.
    auto wraps = decode_as<ExitEvent>(
        exit_record({.utime_ns = uint64_t{1} << 63, .stime_ns = uint64_t{1} << 63, .runtime_ns = 1000}));
    EXPECT_EQ(wraps.cpu_user_ns, 500u);
    EXPECT_EQ(wraps.cpu_system_ns, 500u);
    auto lopsided = decode_as<ExitEvent>(exit_record({.utime_ns = max, .stime_ns = 2, .runtime_ns = 1000}));
    EXPECT_EQ(lopsided.cpu_user_ns, 999u);
    EXPECT_EQ(lopsided.cpu_system_ns, 1u);
}

TEST(DecodeExit, MaxRssFromPages) {
    EXPECT_EQ(decode_as<ExitEvent>(exit_record({.max_rss_pages = 100})).max_rss_kb, 400u);
    EXPECT_EQ(decode_as<ExitEvent>(exit_record({.max_rss_pages = 100}), 16384).max_rss_kb, 1600u);
    EXPECT_EQ(decode_as<ExitEvent>(exit_record({.max_rss_pages = 100}), 65536).max_rss_kb, 6400u);
    EXPECT_EQ(decode_as<ExitEvent>(exit_record({.max_rss_pages = 0})).max_rss_kb, 0u);
}

// --- malformed input ----------------------------------------------------------------------------------

// A script: the interpreter's path follows argv.
TEST(DecodeExec, InterpreterOfAScript) {
    auto exec = decode_as<ExecEvent>(
        exec_record("/tmp/s.sh\0"s, "/bin/sh\0/tmp/s.sh\0"s).put<uint32_t>(108, 8).append("/bin/sh\0"s));
    ASSERT_TRUE(exec.interpreter);
    EXPECT_EQ(*exec.interpreter, "/bin/sh");
    EXPECT_EQ(exec.argv, (std::vector<std::string>{"/bin/sh", "/tmp/s.sh"}));
    EXPECT_FALSE(decode_as<ExecEvent>(exec_record("/bin/ls\0"s, "ls\0"s)).interpreter);
    EXPECT_TRUE(is_error(exec_record("/tmp/s.sh\0"s, "x\0"s).put<uint32_t>(108, 9).append("/bin/sh\0"s).bytes()));
}

// The context: the working directory's components come from the leaf up, the environment after it; an
// unset login uid (-1) and no terminal (0) are absent; each flag is its own field.
TEST(DecodeExec, ContextOfTheExec) {
    auto exec = decode_as<ExecEvent>(exec_record("/bin/ls\0"s, "ls\0"s, (1u << 2) | (1u << 5) | (1u << 9))
                                         .put<uint32_t>(112, 12)  // cwd_len
                                         .put<uint32_t>(116, 8)   // env_len
                                         .put<uint32_t>(120, 0)   // euid
                                         .put<uint32_t>(128, UINT32_MAX)
                                         .put<uint32_t>(132, 77)  // sid
                                         .put<uint32_t>(136, (136u << 20) | 5)
                                         .append("lib\0usr\0var\0"s)
                                         .append("A=1\0B=2\0"s));
    EXPECT_EQ(exec.context.cwd, "/var/usr/lib");
    EXPECT_FALSE(exec.context.auid);
    EXPECT_EQ(exec.context.sid, 77u);
    ASSERT_TRUE(exec.context.tty);
    EXPECT_EQ(tty_name(*exec.context.tty), "pts/5");
    EXPECT_EQ(privileges_raised(exec.context), (std::vector<std::string>{"setuid"}));
    EXPECT_TRUE(exec.context.exe_memfd);
    EXPECT_FALSE(exec.context.exe_deleted);
    ASSERT_TRUE(exec.context.env);
    EXPECT_EQ(*exec.context.env, (std::vector<std::string>{"A=1", "B=2"}));
    EXPECT_TRUE(exec.context.env_truncated);

    EXPECT_FALSE(exec.context.cwd_deleted);
    EXPECT_TRUE(privileges_lowered(exec.context).empty());

    // Root ran a set-id program (1 << 11 with the set-id bits), from a removed directory (1 << 12).
    auto lowered =
        decode_as<ExecEvent>(exec_record("/bin/ls\0"s, "ls\0"s, (1u << 2) | (1u << 3) | (1u << 11) | (1u << 12)));
    EXPECT_TRUE(privileges_raised(lowered.context).empty());
    EXPECT_EQ(privileges_lowered(lowered.context), (std::vector<std::string>{"setuid", "setgid"}));
    EXPECT_TRUE(lowered.context.cwd_deleted);

    auto at_root = decode_as<ExecEvent>(exec_record("/bin/ls\0"s, "ls\0"s).put<uint32_t>(128, 1000));
    EXPECT_EQ(at_root.context.cwd, "/");
    EXPECT_EQ(at_root.context.auid, 1000u);
    EXPECT_FALSE(at_root.context.tty);
    EXPECT_FALSE(at_root.context.env);
    EXPECT_TRUE(is_error(exec_record("/bin/ls\0"s, "ls\0"s).put<uint32_t>(112, 5).append("abcd"s).bytes()));
}

TEST(Names, TerminalsByDeviceNumber) {
    EXPECT_EQ(tty_name((136u << 20) | 0), "pts/0");
    EXPECT_EQ(tty_name((137u << 20) | 2), "pts/258");
    EXPECT_EQ(tty_name((4u << 20) | 1), "tty1");
    EXPECT_EQ(tty_name((4u << 20) | 64), "ttyS0");
    EXPECT_EQ(tty_name((204u << 20) | 64), "204:64");
}

// Pid 1's parent is the idle task, pid 0: it has no parent image.
TEST(DecodeIdentity, NoParentImageWithoutAParent) {
    auto exec = decode_as<ExecEvent>(exec_record("/sbin/init\0"s, "init\0"s).put<uint32_t>(12, 0));
    EXPECT_EQ(exec.proc.ppid, 0u);
    EXPECT_FALSE(exec.proc.parent_image);
}

TEST(DecodeFork, HeaderAlone) {
    auto fork = decode_as<ForkEvent>(RecordBuilder(kFork, kHeaderSize));
    EXPECT_EQ(fork.proc.pid, 1234u);
    EXPECT_EQ(fork.proc.image, (ImageKey{1234, 40 * kSecond, 2}));
    for (size_t size = 4; size < kHeaderSize; ++size)
        EXPECT_TRUE(is_error(RecordBuilder(kFork, kHeaderSize).truncate(size).bytes())) << size;
}

TEST(DecodeMalformed, EmptyAndShortRecords) {
    EXPECT_TRUE(is_error({}));
    EXPECT_TRUE(is_error(std::vector<std::byte>(3)));
    // A known type whose fixed part is cut short, at every length below the full size.
    for (size_t size = 4; size < kExecFixedSize; ++size)
        EXPECT_TRUE(is_error(exec_record("", "").truncate(size).bytes())) << size;
    for (size_t size = 4; size < kExitSize; ++size)
        EXPECT_TRUE(is_error(exit_record({}).truncate(size).bytes())) << size;
    EXPECT_TRUE(is_error(RecordBuilder(kExec, kHeaderSize).bytes()));
}

TEST(DecodeMalformed, UnknownType) {
    for (uint32_t type : {0u, 6u, 0x100u, 0xffffffffu})
        EXPECT_TRUE(is_error(RecordBuilder(type, kExitSize).bytes())) << type;
}

TEST(DecodeMalformed, LengthsBeyondTheRecord) {
    auto bad_filename = exec_record("/bin/ls\0"s, "ls\0"s).put<uint32_t>(100, 100);
    EXPECT_TRUE(is_error(bad_filename.bytes()));
    auto bad_args = exec_record("/bin/ls\0"s, "ls\0"s).put<uint32_t>(104, 4);
    EXPECT_TRUE(is_error(bad_args.bytes()));
    // Each length fits alone, but not both together.
    auto both = exec_record("/bin/ls\0"s, "ls\0"s).put<uint32_t>(100, 11).put<uint32_t>(104, 3);
    EXPECT_TRUE(is_error(both.bytes()));
}

TEST(DecodeMalformed, LengthsThatOverflowWhenAdded) {
    for (auto [filename_len, args_len] :
         {std::pair{0xffffffffu, 1u}, std::pair{1u, 0xffffffffu}, std::pair{0xffffffffu, 0xffffffffu},
          std::pair{0x80000000u, 0x80000000u}, std::pair{0xfffffff8u, 0x10u}}) {
        auto record = exec_record("/bin/ls\0"s, "ls\0"s).put<uint32_t>(100, filename_len).put<uint32_t>(104, args_len);
        EXPECT_TRUE(is_error(record.bytes())) << filename_len << " + " << args_len;
        record.put<uint32_t>(0, kExecFailed).put<int32_t>(92, -2);
        EXPECT_TRUE(is_error(record.bytes())) << filename_len << " + " << args_len;
    }
}

TEST(DecodeMalformed, CommWithoutNul) {
    // The kernel's comm always ends in a NUL within its 16 bytes; 16 bytes of text mean a broken record.
    EXPECT_TRUE(is_error(exec_record("/x\0"s, "").comm("AAAAAAAAAAAAAAAA").bytes()));
    EXPECT_TRUE(is_error(exit_record({}).comm("AAAAAAAAAAAAAAAA").bytes()));
}

}  // namespace
}  // namespace bootstrap
