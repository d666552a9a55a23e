// The kernel/user ABI in bpf/events.h, pinned byte by byte. The BPF programs and the decoder are compiled
// by different compilers for different targets; they agree only if the layout has no padding a compiler
// may choose differently. Any change to these numbers must be made on both sides and here, on purpose.
#include <linux/types.h>

#include <gtest/gtest.h>

#include <cstddef>

extern "C" {
#include "events.h"
}

namespace bootstrap {
namespace {

// The sum of the field sizes equals sizeof: no implicit padding anywhere, including at the end.
#define FIELD_SIZE(type, field) sizeof(type::field)

static_assert(sizeof(image_key) == 16);
static_assert(offsetof(image_key, start_time_ns) == 0);
static_assert(offsetof(image_key, exec_seq) == 8);

static_assert(sizeof(record_header) == 88);
static_assert(offsetof(record_header, type) == 0);
static_assert(offsetof(record_header, pid) == 4);
static_assert(offsetof(record_header, tid) == 8);
static_assert(offsetof(record_header, ppid) == 12);
static_assert(offsetof(record_header, uid) == 16);
static_assert(offsetof(record_header, gid) == 20);
static_assert(offsetof(record_header, time_ns) == 24);
static_assert(offsetof(record_header, cgroup_id) == 32);
static_assert(offsetof(record_header, comm) == 40);
static_assert(offsetof(record_header, image) == 56);
static_assert(offsetof(record_header, parent_image) == 72);
static_assert(FIELD_SIZE(record_header, comm) == BOOTSTRAP_COMM_LEN);
static_assert(FIELD_SIZE(record_header, type) + FIELD_SIZE(record_header, pid) + FIELD_SIZE(record_header, tid) +
                  FIELD_SIZE(record_header, ppid) + FIELD_SIZE(record_header, uid) + FIELD_SIZE(record_header, gid) +
                  FIELD_SIZE(record_header, time_ns) + FIELD_SIZE(record_header, cgroup_id) +
                  FIELD_SIZE(record_header, comm) + FIELD_SIZE(record_header, image) +
                  FIELD_SIZE(record_header, parent_image) ==
              sizeof(record_header));

static_assert(sizeof(exec_record) == 152);
static_assert(offsetof(exec_record, hdr) == 0);
static_assert(offsetof(exec_record, old_pid) == 88);
static_assert(offsetof(exec_record, error) == 92);
static_assert(offsetof(exec_record, flags) == 96);
static_assert(offsetof(exec_record, filename_len) == 100);
static_assert(offsetof(exec_record, args_len) == 104);
static_assert(offsetof(exec_record, interp_len) == 108);
static_assert(offsetof(exec_record, cwd_len) == 112);
static_assert(offsetof(exec_record, env_len) == 116);
static_assert(offsetof(exec_record, euid) == 120);
static_assert(offsetof(exec_record, egid) == 124);
static_assert(offsetof(exec_record, auid) == 128);
static_assert(offsetof(exec_record, sid) == 132);
static_assert(offsetof(exec_record, tty) == 136);
static_assert(offsetof(exec_record, ns_pid) == 140);
static_assert(offsetof(exec_record, pid_ns) == 144);
static_assert(offsetof(exec_record, mnt_ns) == 148);
static_assert(FIELD_SIZE(exec_record, hdr) + FIELD_SIZE(exec_record, old_pid) + FIELD_SIZE(exec_record, error) +
                  FIELD_SIZE(exec_record, flags) + FIELD_SIZE(exec_record, filename_len) +
                  FIELD_SIZE(exec_record, args_len) + FIELD_SIZE(exec_record, interp_len) +
                  FIELD_SIZE(exec_record, cwd_len) + FIELD_SIZE(exec_record, env_len) + FIELD_SIZE(exec_record, euid) +
                  FIELD_SIZE(exec_record, egid) + FIELD_SIZE(exec_record, auid) + FIELD_SIZE(exec_record, sid) +
                  FIELD_SIZE(exec_record, tty) + FIELD_SIZE(exec_record, ns_pid) + FIELD_SIZE(exec_record, pid_ns) +
                  FIELD_SIZE(exec_record, mnt_ns) ==
              sizeof(exec_record));

static_assert(sizeof(exit_record) == 168);
static_assert(offsetof(exit_record, hdr) == 0);
static_assert(offsetof(exit_record, status) == 88);
static_assert(offsetof(exit_record, flags) == 92);
static_assert(offsetof(exit_record, exec_time_ns) == 96);
static_assert(offsetof(exit_record, utime_ns) == 104);
static_assert(offsetof(exit_record, stime_ns) == 112);
static_assert(offsetof(exit_record, runtime_ns) == 120);
static_assert(offsetof(exit_record, max_rss_pages) == 128);
static_assert(offsetof(exit_record, min_flt) == 136);
static_assert(offsetof(exit_record, maj_flt) == 144);
static_assert(offsetof(exit_record, nvcsw) == 152);
static_assert(offsetof(exit_record, nivcsw) == 160);
static_assert(FIELD_SIZE(exit_record, hdr) + FIELD_SIZE(exit_record, status) + FIELD_SIZE(exit_record, flags) +
                  FIELD_SIZE(exit_record, exec_time_ns) + FIELD_SIZE(exit_record, utime_ns) +
                  FIELD_SIZE(exit_record, stime_ns) + FIELD_SIZE(exit_record, runtime_ns) +
                  FIELD_SIZE(exit_record, max_rss_pages) + FIELD_SIZE(exit_record, min_flt) +
                  FIELD_SIZE(exit_record, maj_flt) + FIELD_SIZE(exit_record, nvcsw) + FIELD_SIZE(exit_record, nivcsw) ==
              sizeof(exit_record));

// The settings the user side writes into the object's .rodata before load (both skeletons).
static_assert(sizeof(tracer_settings) == 104);
static_assert(offsetof(tracer_settings, min_duration_ns) == 0);
static_assert(offsetof(tracer_settings, wakeup_bytes) == 8);
static_assert(offsetof(tracer_settings, max_args_bytes) == 16);
static_assert(offsetof(tracer_settings, target_ppid) == 20);
static_assert(offsetof(tracer_settings, target_uid) == 24);
static_assert(offsetof(tracer_settings, report_execs) == 28);
static_assert(offsetof(tracer_settings, filter_cgroup) == 35);
static_assert(offsetof(tracer_settings, target_comm) == 36);
static_assert(FIELD_SIZE(tracer_settings, target_comm) == BOOTSTRAP_COMM_LEN);
static_assert(offsetof(tracer_settings, report_forks) == 52);
static_assert(offsetof(tracer_settings, capture_env) == 53);
static_assert(offsetof(tracer_settings, filter_pidns) == 54);
static_assert(offsetof(tracer_settings, exits_of_known) == 55);
static_assert(offsetof(tracer_settings, pidns_inum) == 56);
static_assert(offsetof(tracer_settings, target_pidns) == 60);
static_assert(offsetof(tracer_settings, task_storage) == 64);
static_assert(offsetof(tracer_settings, cgroup_rate) == 68);
static_assert(offsetof(tracer_settings, cgroup_level) == 72);
static_assert(offsetof(tracer_settings, pressure_bytes) == 80);
static_assert(offsetof(tracer_settings, window_bytes) == 96);

// A slot of the cgroup_loads array, which the user side reads through a memory mapping.
static_assert(sizeof(cgroup_load) == 96);
static_assert(offsetof(cgroup_load, cgroup_id) == 0);
static_assert(offsetof(cgroup_load, dropped_execs) == 48);
static_assert(offsetof(cgroup_load, lost) == 64);
static_assert(offsetof(cgroup_load, last_drop_ns) == 80);
static_assert(offsetof(cgroup_load, reported_ns) == 88);

// The ring buffer hands out 8-byte aligned records; the 64-bit fields must sit on 8-byte boundaries so
// the BPF side can store them directly and the structs have the same alignment on every architecture.
static_assert(alignof(record_header) == 8);
static_assert(alignof(exec_record) == 8);
static_assert(alignof(exit_record) == 8);

// The record types and flags are part of the ABI too.
static_assert(RECORD_EXEC == 1 && RECORD_EXIT == 2 && RECORD_EXEC_FAILED == 3 && RECORD_FORK == 4 &&
              RECORD_RUNNING == 5);
static_assert(EXEC_ARGS_TRUNCATED == 1 && EXEC_ARGS_UNREADABLE == 2);
static_assert(EXEC_SETID_LOWERED == 1 << 11 && EXEC_CWD_DELETED == 1 << 12);
static_assert(EXIT_EXEC_SEEN == 1 && EXIT_THREAD_ONLY == 2 && EXIT_UNREPORTED == 4);

// The record-size limits: the one table the programs' bounds, the scratch space, the smallest ring and its
// usage message derive from.
static_assert(BOOTSTRAP_FILENAME_MAX == 4096 && BOOTSTRAP_INTERP_MAX == 4096);  // PATH_MAX
static_assert(BOOTSTRAP_CWD_MAX == 4096 && BOOTSTRAP_CWD_DEPTH == 64);
static_assert(BOOTSTRAP_ARGS_DEFAULT == 32 * 1024 && BOOTSTRAP_ARGS_CEILING == 1024 * 1024);
static_assert(BOOTSTRAP_FAILED_ARGS_MAX == 64);
// Filename, argv, interpreter, working directory, environment: each part starts where the one before ends
// at the latest.
static_assert(BOOTSTRAP_INTERP_AT_MOST(1000) == 4096 + 1000);
static_assert(BOOTSTRAP_CWD_AT_MOST(1000) == 4096 + 1000 + 4096);
static_assert(BOOTSTRAP_ENV_AT_MOST(1000) == 4096 + 1000 + 4096 + 4096);
static_assert(BOOTSTRAP_EXEC_DATA_MAX(1000, false) == BOOTSTRAP_ENV_AT_MOST(1000));
static_assert(BOOTSTRAP_EXEC_DATA_MAX(1000, true) == BOOTSTRAP_ENV_AT_MOST(1000) + 1000);
// The scratch space holds the largest exec record with a PATH_MAX to spare: the verifier bounds a copy's
// offset and length apart, and a working directory's component (NAME_MAX) may start at the environment's
// place.
static_assert(BOOTSTRAP_SCRATCH_BYTES(BOOTSTRAP_ARGS_DEFAULT) == 152 + 4 * 4096 + 2 * 32 * 1024);
static_assert(BOOTSTRAP_SCRATCH_BYTES(0) >= sizeof(exec_record) + BOOTSTRAP_ENV_AT_MOST(0) + 256);
// The smallest ring: three of the largest exec record, each with room for its fixed part and the ring's
// own 8-byte header.
static_assert(BOOTSTRAP_RING_RECORD_OVERHEAD >= sizeof(exec_record) + 8);
static_assert(BOOTSTRAP_RING_BYTES_MIN(32 * 1024, false) == 3 * (256 + 3 * 4096 + 32 * 1024));
static_assert(BOOTSTRAP_RING_BYTES_MIN(32 * 1024, true) == 3 * (256 + 3 * 4096 + 2 * 32 * 1024));

// The same facts at run time, so a failure names the field instead of stopping the build of every test.
TEST(Abi, RecordHeaderLayout) {
    EXPECT_EQ(sizeof(record_header), 88u);
    EXPECT_EQ(offsetof(record_header, time_ns), 24u);
    EXPECT_EQ(offsetof(record_header, cgroup_id), 32u);
    EXPECT_EQ(offsetof(record_header, image), 56u);
    EXPECT_EQ(offsetof(record_header, parent_image), 72u);
}

TEST(Abi, ExecRecordLayout) {
    EXPECT_EQ(sizeof(exec_record), 152u);
    EXPECT_EQ(offsetof(exec_record, error), 92u);
    EXPECT_EQ(offsetof(exec_record, filename_len), 100u);
    EXPECT_EQ(offsetof(exec_record, args_len), 104u);
    // Variable data follows the fixed part at an 8-byte boundary.
    EXPECT_EQ(sizeof(exec_record) % 8, 0u);
}

TEST(Abi, ExitRecordLayout) {
    EXPECT_EQ(sizeof(exit_record), 168u);
    EXPECT_EQ(offsetof(exit_record, status), 88u);
    EXPECT_EQ(offsetof(exit_record, exec_time_ns), 96u);
    EXPECT_EQ(offsetof(exit_record, nivcsw), 160u);
}

TEST(Abi, TracerSettingsLayout) {
    EXPECT_EQ(sizeof(tracer_settings), 104u);
    EXPECT_EQ(offsetof(tracer_settings, max_args_bytes), 16u);
    EXPECT_EQ(offsetof(tracer_settings, target_comm), 36u);
}

TEST(Abi, RecordSizeLimits) {
    EXPECT_EQ(BOOTSTRAP_SCRATCH_BYTES(BOOTSTRAP_ARGS_DEFAULT), 82072u);
    EXPECT_EQ(BOOTSTRAP_RING_BYTES_MIN(BOOTSTRAP_ARGS_DEFAULT, false), 135936u);
    EXPECT_EQ(BOOTSTRAP_RING_BYTES_MIN(BOOTSTRAP_ARGS_DEFAULT, true), 234240u);
}

#undef FIELD_SIZE

}  // namespace
}  // namespace bootstrap
