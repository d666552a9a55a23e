// The one translation unit that includes libbpf's skeleton and talks to libbpf (the light skeleton is
// behind light_skeleton.h). Both skeletons are linked from the objects under bpf/; whichever loads, the rest
// works the same way on the handles it leaves: map and program descriptors and the .bss counters.
#include "tracer/tracer.h"

#include "events/clock.h"
#include "tracer/light_skeleton.h"
#include "tracer/object_handles.h"
#include "tracer/program_table.h"
#include "tracer/programs.h"
#include "util/error.h"
#include "util/file_descriptor.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bootstrap.skel.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace bootstrap {

namespace {

bool g_libbpf_verbose = false;

int libbpf_log(enum libbpf_print_level, const char* format, va_list args) {
    if (!g_libbpf_verbose) return 0;
    return std::vfprintf(stderr, format, args);
}

const char* kVerboseHint = "run again with -v to see libbpf's log";

// The kernel's BPF_LOG_STATS: each program's verification time and size, and the reason for a refusal,
// in a few lines whatever the program. Before them the kernel logs each CO-RE relocation it applies, a
// few hundred bytes apiece, and refuses the load (ENOSPC) when they do not all fit: hence the size.
constexpr uint32_t kVerifierLogStats = 4;
constexpr uint32_t kVerifierLogBytes = 1024 * 1024;

struct LibbpfSkeletonDeleter {
    void operator()(bootstrap_bpf* skel) const { bootstrap_bpf__destroy(skel); }
};
struct LightSkeletonDeleter {
    void operator()(light_skeleton* skel) const { light_destroy(skel); }
};
struct RingBufferDeleter {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
};
using LibbpfSkeleton = std::unique_ptr<bootstrap_bpf, LibbpfSkeletonDeleter>;
using LightSkeleton = std::unique_ptr<light_skeleton, LightSkeletonDeleter>;

// The loaded object, from whichever skeleton loaded it; the handles point into that skeleton.
struct LoadedObject {
    std::variant<LightSkeleton, LibbpfSkeleton> skeleton;
    object_handles handles{};

    Loader loader() const { return std::holds_alternative<LightSkeleton>(skeleton) ? Loader::light : Loader::libbpf; }
};

// Capability bits from /proc/self/status (CapEff), so we can say what is missing before libbpf fails.
uint64_t effective_capabilities() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    }
    return 0;
}

std::string self_path() {
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    return n > 0 ? std::string(path, static_cast<size_t>(n)) : "bootstrap";
}

constexpr int kCapSysAdmin = 21;
constexpr int kCapPerfmon = 38;
constexpr int kCapBpf = 39;

// What the running kernel lets the programs use where they have two ways to do a thing
// (bpf/process_state.h, bpf/task.h). The defaults are the newer kernels' ways.
struct KernelSupport {
    // Task local storage from tracing programs (5.13), else a hash map keyed by the process.
    bool task_storage = true;

    // Failed execs read a copy of the current task where bpf_get_current_task_btf (5.11) is missing:
    // room for it is made on every kernel without task storage, which includes those.
    bool copies_task(const TracerConfig& config) const { return !task_storage && config.failed_execs; }
};

// Task local storage is a map type from 5.11, but tracing programs may use it from 5.13 only: the map
// type is probed, and the release read for the rest.
bool tracing_task_storage() {
    if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, nullptr) != 1) return false;
    utsname name{};
    int major = 0;
    int minor = 0;
    if (uname(&name) != 0 || std::sscanf(name.release, "%d.%d", &major, &minor) != 2) return true;
    return major > 5 || (major == 5 && minor >= 13);
}

KernelSupport probe_kernel(const TracerConfig& config) {
    return KernelSupport{.task_storage = !config.state_in_hash_map && tracing_task_storage()};
}

// Field for field: the policy that chose these values is the caller's.
tracer_settings settings_for(const TracerConfig& config, const KernelSupport& kernel) {
    tracer_settings settings{};
    settings.task_storage = kernel.task_storage;
    settings.cgroup_rate = config.cgroup_rate;
    settings.cgroup_level = config.cgroup_level;
    if (config.isolation) {
        settings.pressure_bytes = config.ring_bytes / 2;
        settings.relief_bytes = config.ring_bytes / 4;
        // A quarter of the ring per second.
        settings.window_bytes = config.ring_bytes / 4 * BOOTSTRAP_THROTTLE_WINDOW_NS / 1000000000ULL;
    }
    settings.min_duration_ns = config.min_duration_ns;
    settings.wakeup_bytes = config.ring_bytes / 8;
    settings.max_args_bytes = config.max_args_bytes;
    settings.report_execs = config.report_execs;
    settings.report_exits = config.report_exits;
    settings.report_thread_exits = config.thread_exits;
    settings.report_forks = config.report_forks;
    settings.exits_of_known = config.exits_of_known;
    settings.filter_traced_tree = config.trace_tree;
    settings.filter_ppid = config.ppid.has_value();
    settings.target_ppid = config.ppid.value_or(0);
    settings.filter_uid = config.uid.has_value();
    settings.target_uid = config.uid.value_or(0);
    settings.filter_comm = config.comm.has_value();
    if (config.comm) std::strncpy(settings.target_comm, config.comm->c_str(), sizeof(settings.target_comm) - 1);
    settings.filter_cgroup = config.cgroup_fd >= 0;
    settings.pidns_inum = own_pid_namespace();
    settings.capture_env = config.capture_env;
    settings.filter_pidns = config.pid_namespace.has_value();
    settings.target_pidns = config.pid_namespace.value_or(0);
    return settings;
}

uint32_t possible_cpus() {
    int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0) throw Error("cannot count this system's CPUs: " + errno_text(ncpus), kVerboseHint);
    return static_cast<uint32_t>(ncpus);
}

// Each map's max_entries (the `max_entries` column), 0 for the size it declares.
std::array<uint32_t, BOOTSTRAP_MAP_COUNT> map_max_entries(const TracerConfig& config, const KernelSupport& kernel) {
#define MAP_MAX_ENTRIES(name, full, light, lean, max_entries, value_size) static_cast<uint32_t>(max_entries),
    return {BOOTSTRAP_MAPS(MAP_MAX_ENTRIES)};
#undef MAP_MAX_ENTRIES
}

// Each map's value size (the `value_size` column), 0 for the size it declares.
std::array<uint32_t, BOOTSTRAP_MAP_COUNT> map_value_sizes(const TracerConfig& config, const KernelSupport& kernel) {
#define MAP_VALUE_SIZE(name, full, light, lean, max_entries, value_size) static_cast<uint32_t>(value_size),
    return {BOOTSTRAP_MAPS(MAP_VALUE_SIZE)};
#undef MAP_VALUE_SIZE
}

// The light skeletons hold the programs of their columns, and their scratch space is sized for the
// default argv cap.
bool light_can_serve(const TracerConfig& config) {
    return !config.libbpf_only && !config.state_in_hash_map && config.max_args_bytes <= BOOTSTRAP_ARGS_DEFAULT &&
           holds_wanted_programs(&ProgramInfo::in_light, config);
}

// Nothing when this kernel cannot run the loader program (before 5.17) or refuses it for any other
// reason: libbpf then tries, and its error, with its log under -v, is the one the user sees. Under -v the
// verifier's summary of each program (or its reason to refuse one) goes to stderr.
std::optional<LoadedObject> load_light(const TracerConfig& config) {
    // The light loader needs 5.17, which has everything.
    const KernelSupport kernel{};
    tracer_settings settings = settings_for(config, kernel);
    // The common run, execs and exits only, loads the lean skeleton: less for the kernel to verify and
    // relocate at start.
    bool lean = holds_wanted_programs(&ProgramInfo::in_lean, config);
    LightSkeleton skel(light_open(&settings, map_max_entries(config, kernel).data(), lean));
    if (!skel) throw Error("failed to open the BPF object: " + errno_text(errno), kVerboseHint);

    std::vector<char> log(config.verbose ? kVerifierLogBytes : 0);
    if (config.verbose) light_set_log(skel.get(), kVerifierLogStats, log.data(), kVerifierLogBytes);
    LoadedObject object{};
    int err = light_load(skel.get(), &object.handles);
    if (config.verbose) {
        std::fprintf(stderr, "light skeleton: %s; the verifier's log of the last program loaded:\n%s\n",
                     err ? ("failed: " + errno_text(err) + ", trying libbpf").c_str() : "loaded", log.data());
    }
    if (err) return std::nullopt;
    object.skeleton = std::move(skel);
    return object;
}

// libbpf's skeleton holds the programs and maps of the `full` column, and nothing else: one pointer each.
constexpr size_t count_yes(std::initializer_list<bool> column) {
    return static_cast<size_t>(std::ranges::count(column, true));
}
#define FULL_COLUMN(name, full, ...) BOOTSTRAP_HAS_##full,
static_assert(sizeof(bootstrap_bpf::progs) / sizeof(void*) == count_yes({BOOTSTRAP_PROGRAMS(FULL_COLUMN)}),
              "tracer/programs.h: the full column of BOOTSTRAP_PROGRAMS differs from bootstrap_bpf");
static_assert(sizeof(bootstrap_bpf::maps) / sizeof(void*) == count_yes({BOOTSTRAP_MAPS(FULL_COLUMN)}),
              "tracer/programs.h: the full column of BOOTSTRAP_MAPS differs from bootstrap_bpf");
#undef FULL_COLUMN

void size_libbpf_maps(bootstrap_bpf* skel, const TracerConfig& config, const KernelSupport& kernel) {
    std::array<uint32_t, BOOTSTRAP_MAP_COUNT> max_entries = map_max_entries(config, kernel);
    std::array<uint32_t, BOOTSTRAP_MAP_COUNT> value_sizes = map_value_sizes(config, kernel);
    int err = 0;
#define SIZE_MAP(name, full, ...)                                                                         \
    BOOTSTRAP_IF_##full(if (!err && max_entries[BOOTSTRAP_MAP_##name]) err =                              \
                            bpf_map__set_max_entries(skel->maps.name, max_entries[BOOTSTRAP_MAP_##name]); \
                        if (!err && value_sizes[BOOTSTRAP_MAP_##name]) err =                              \
                            bpf_map__set_value_size(skel->maps.name, value_sizes[BOOTSTRAP_MAP_##name]);)
    BOOTSTRAP_MAPS(SIZE_MAP)
#undef SIZE_MAP
    // A kernel without task storage for tracing programs may not even have the map type.
    if (!err && !kernel.task_storage) err = bpf_map__set_autocreate(skel->maps.task_states, false);
    if (err) throw Error("failed to size the BPF maps: " + errno_text(err), kVerboseHint);
}

// libbpf loads only the programs the run wants.
void choose_libbpf_programs(bootstrap_bpf* skel, const TracerConfig& config) {
#define SET_AUTOLOAD(name, full, ...) \
    BOOTSTRAP_IF_##full(              \
        bpf_program__set_autoload(skel->progs.name, kPrograms[BOOTSTRAP_PROGRAM_##name].wanted(config));)
    BOOTSTRAP_PROGRAMS(SET_AUTOLOAD)
#undef SET_AUTOLOAD
}

// The descriptors and counters of the loaded skeleton; -1 for what it did not load.
object_handles take_libbpf_handles(bootstrap_bpf* skel) {
    object_handles handles{};
    std::ranges::fill(handles.map_fds, -1);
    std::ranges::fill(handles.program_fds, -1);
#define TAKE_MAP(name, full, ...) \
    BOOTSTRAP_IF_##full(handles.map_fds[BOOTSTRAP_MAP_##name] = bpf_map__fd(skel->maps.name);)
#define TAKE_PROGRAM(name, full, ...)                                   \
    BOOTSTRAP_IF_##full(handles.program_fds[BOOTSTRAP_PROGRAM_##name] = \
                            std::max(bpf_program__fd(skel->progs.name), -1);)
#define TAKE_COUNTER(name) handles.name = &skel->bss->name;
    BOOTSTRAP_MAPS(TAKE_MAP)
    BOOTSTRAP_PROGRAMS(TAKE_PROGRAM)
    BOOTSTRAP_COUNTERS(TAKE_COUNTER)
#undef TAKE_MAP
#undef TAKE_PROGRAM
#undef TAKE_COUNTER
    return handles;
}

LoadedObject load_with_libbpf(const TracerConfig& config) {
    LibbpfSkeleton skel(bootstrap_bpf__open());
    if (!skel) throw Error("failed to open the BPF object: " + errno_text(errno), kVerboseHint);
    const KernelSupport kernel = probe_kernel(config);
    if (config.verbose) {
        std::fprintf(stderr, "libbpf's skeleton: per-process state in %s%s\n",
                     kernel.task_storage ? "task local storage"
                                         : "a hash map (task local storage from tracing programs needs Linux 5.13)",
                     kernel.copies_task(config) ? "; failed execs read a copy of the current task" : "");
    }
    skel->rodata->settings = settings_for(config, kernel);
    size_libbpf_maps(skel.get(), config, kernel);
    choose_libbpf_programs(skel.get(), config);

    int err = bootstrap_bpf__load(skel.get());
    if (err == -EPERM || err == -EACCES)
        throw Error("the kernel refused to load bootstrap's BPF programs: " + errno_text(err),
                    "the verifier may have rejected a program, or kernel lockdown forbids BPF tracing; " +
                        std::string(kVerboseHint));
    if (err)
        throw Error("failed to load bootstrap's BPF programs: " + errno_text(err),
                    "this kernel may lack a feature bootstrap needs (Linux 5.10 or newer with BTF: ring buffer, "
                    "tp_btf, task iterator); " +
                        std::string(kVerboseHint));

    LoadedObject object{};
    object.handles = take_libbpf_handles(skel.get());
    object.skeleton = std::move(skel);
    return object;
}

LoadedObject load(const TracerConfig& config) {
    g_libbpf_verbose = config.verbose;
    libbpf_set_print(libbpf_log);
    if (light_can_serve(config)) {
        if (auto object = load_light(config)) return std::move(*object);
    }
    return load_with_libbpf(config);
}

}  // namespace

// The host's pid namespace has this fixed inode number (PROC_PID_INIT_INO in the kernel).
constexpr uint32_t kHostPidNamespace = 0xEFFFFFFC;

uint32_t own_pid_namespace() {
    struct stat st {};
    if (stat("/proc/self/ns/pid", &st) != 0 || st.st_ino == kHostPidNamespace) return 0;
    return static_cast<uint32_t>(st.st_ino);
}

void check_can_trace() {
    uint64_t caps = effective_capabilities();
    auto has = [caps](int cap) { return (caps >> cap) & 1; };
    if (!has(kCapSysAdmin) && !(has(kCapBpf) && has(kCapPerfmon)))
        throw Error(
            "loading BPF programs needs root, or the CAP_BPF and CAP_PERFMON capabilities",
            "run it with sudo, or grant the capabilities once: sudo setcap cap_bpf,cap_perfmon+ep " + self_path());
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
        throw Error("this kernel does not provide BTF type information (/sys/kernel/btf/vmlinux is missing)",
                    "bootstrap needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (the default of most "
                    "distributions since 2020); install such a kernel, or one from your distribution");
}

// The cgroup_loads array (bpf/events.h), which the programs write as they count, mapped: read, and written
// back only to say how far its drops have been reported.
class CgroupLoadsView {
public:
    explicit CgroupLoadsView(int map_fd)
        : bytes_(round_up(sizeof(cgroup_load) * (BOOTSTRAP_CGROUP_SLOTS + 1))),
          slots_(mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0)) {
        if (slots_ == MAP_FAILED) throw Error("cannot map the per-cgroup counts: " + errno_text(errno), kVerboseHint);
    }
    ~CgroupLoadsView() { munmap(slots_, bytes_); }
    CgroupLoadsView(const CgroupLoadsView&) = delete;
    CgroupLoadsView& operator=(const CgroupLoadsView&) = delete;

    // The slots with anything counted. Each counter is read whole; the programs may add to a slot meanwhile.
    std::vector<CgroupCounts> counts() const {
        std::vector<CgroupCounts> found;
        const auto* slots = static_cast<const cgroup_load*>(slots_);
        for (size_t i = 0; i <= BOOTSTRAP_CGROUP_SLOTS; ++i) {
            const cgroup_load& slot = slots[i];
            CgroupCounts counts{.slot = i,
                                .cgroup_id = load(slot.cgroup_id),
                                .dropped_execs = load(slot.dropped_execs),
                                .dropped_exits = load(slot.dropped_exits),
                                .lost = load(slot.lost),
                                .spell_start_ns = load(slot.spell_start_ns),
                                .last_drop_ns = load(slot.last_drop_ns)};
            if (counts.dropped_execs || counts.dropped_exits || counts.lost) found.push_back(counts);
        }
        return found;
    }

    // The drops of `counts` up to its last_drop_ns are reported: the programs start the next spell's since
    // at the first drop after that.
    void mark_reported(const CgroupCounts& counts) {
        auto* slots = static_cast<cgroup_load*>(slots_);
        if (counts.slot <= BOOTSTRAP_CGROUP_SLOTS)
            __atomic_store_n(&slots[counts.slot].reported_ns, counts.last_drop_ns, __ATOMIC_RELAXED);
    }

private:
    static size_t round_up(size_t bytes) {
        auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        return (bytes + page - 1) / page * page;
    }
    static uint64_t load(const __u64& value) { return __atomic_load_n(&value, __ATOMIC_RELAXED); }

    size_t bytes_;
    void* slots_;
};

// Read-only views of the ring buffer's two position pages, for its fill level: libbpf's ring_buffer keeps
// its own mappings to itself. Positions only grow; their difference is what waits to be read.
class RingPositions {
public:
    RingPositions(int map_fd, uint32_t ring_bytes)
        : page_(static_cast<size_t>(sysconf(_SC_PAGESIZE))),
          consumer_(mmap(nullptr, page_, PROT_READ, MAP_SHARED, map_fd, 0)),
          producer_(mmap(nullptr, page_, PROT_READ, MAP_SHARED, map_fd, static_cast<off_t>(page_))),
          ring_bytes_(ring_bytes) {}
    ~RingPositions() {
        if (consumer_ != MAP_FAILED) munmap(consumer_, page_);
        if (producer_ != MAP_FAILED) munmap(producer_, page_);
    }
    RingPositions(const RingPositions&) = delete;
    RingPositions& operator=(const RingPositions&) = delete;

    double fill() const {
        if (consumer_ == MAP_FAILED || producer_ == MAP_FAILED) return 0;
        uint64_t consumed = __atomic_load_n(static_cast<const uint64_t*>(consumer_), __ATOMIC_ACQUIRE);
        uint64_t produced = __atomic_load_n(static_cast<const uint64_t*>(producer_), __ATOMIC_ACQUIRE);
        return produced > consumed ? static_cast<double>(produced - consumed) / ring_bytes_ : 0;
    }

private:
    size_t page_;
    void* consumer_;
    void* producer_;
    double ring_bytes_;
};

struct Tracer::Impl {
    RecordHandler handler;
    std::exception_ptr handler_error;
    // While consume() runs: its `enough`, the records handled, and whether `enough` stopped it.
    const std::function<bool()>* enough = nullptr;
    size_t handled = 0;
    bool stopped_early = false;
    // Destroyed in reverse order: ring buffer, links, then the object (programs and maps).
    LoadedObject object;
    std::vector<FileDescriptor> links;
    std::unique_ptr<ring_buffer, RingBufferDeleter> ring;
    RingPositions positions;
    CgroupLoadsView cgroup_loads;
    uint64_t last_consume_start_ns = 0;  // CLOCK_MONOTONIC, like .bss's last_wakeup_ns

    Impl(const TracerConfig& config, RecordHandler record_handler)
        : handler(std::move(record_handler)),
          object(load(config)),
          positions(object.handles.map_fds[BOOTSTRAP_MAP_events], config.ring_bytes),
          cgroup_loads(object.handles.map_fds[BOOTSTRAP_MAP_cgroup_loads]) {}

    const object_handles& handles() const { return object.handles; }
    int map_fd(bootstrap_map map) const { return object.handles.map_fds[map]; }
    int program_fd(bootstrap_program program) const { return object.handles.program_fds[program]; }

    static int on_record(void* ctx, void* data, size_t size) {
        auto* self = static_cast<Impl*>(ctx);
        try {
            self->handler(std::span<const std::byte>(static_cast<const std::byte*>(data), size));
            ++self->handled;
            if (!self->enough || !*self->enough || !(*self->enough)()) return 0;
            self->stopped_early = true;  // the record is consumed; the rest stay in the ring
            return -ECANCELED;
        } catch (...) {
            // Never let an exception unwind through libbpf's C frames.
            self->handler_error = std::current_exception();
            return -ECANCELED;
        }
    }

    void attach(const TracerConfig& config);
};

void Tracer::Impl::attach(const TracerConfig& config) {
    if (config.cgroup_fd >= 0) {
        uint32_t key = 0;
        auto fd = static_cast<uint32_t>(config.cgroup_fd);
        if (bpf_map_update_elem(map_fd(BOOTSTRAP_MAP_cgroup_filter), &key, &fd, BPF_ANY) != 0)
            throw Error("failed to set the cgroup filter: " + errno_text(errno),
                        "is the path on a cgroup v2 file system?");
    }
    // A tp_btf program's tracepoint is known from load: attaching it needs only its descriptor.
    for (size_t id = 0; id < kPrograms.size(); ++id) {
        const ProgramInfo& program = kPrograms[id];
        if (program.attach != Attach::tp_btf || !program.wanted(config)) continue;
        int link_fd = bpf_raw_tracepoint_open(nullptr, program_fd(static_cast<bootstrap_program>(id)));
        if (link_fd < 0)
            throw Error(std::string("failed to attach ") + program.name + ": " + errno_text(errno), kVerboseHint);
        links.emplace_back(link_fd);
    }
    ring.reset(ring_buffer__new(map_fd(BOOTSTRAP_MAP_events), &Impl::on_record, this, nullptr));
    if (!ring) throw Error("failed to open the BPF ring buffer: " + errno_text(errno), kVerboseHint);
}

Tracer::Tracer(const TracerConfig& config, RecordHandler handler)
    : impl_(std::make_unique<Impl>(config, std::move(handler))) {
    impl_->attach(config);
}

Tracer::~Tracer() = default;

int Tracer::wakeup_fd() const {
    return ring_buffer__epoll_fd(impl_->ring.get());
}

bool Tracer::records_may_be_held() const {
    uint64_t last_wakeup = __atomic_load_n(impl_->handles().last_wakeup_ns, __ATOMIC_RELAXED);
    return impl_->last_consume_start_ns < last_wakeup + BOOTSTRAP_WAKEUP_INTERVAL_NS;
}

void Tracer::drain_on_timer_until(uint64_t monotonic_ns) {
    __atomic_store_n(impl_->handles().reader_timer_ns, monotonic_ns, __ATOMIC_RELAXED);
}

double Tracer::ring_fill() const {
    return impl_->positions.fill();
}

size_t Tracer::consume(const std::function<bool()>& enough) {
    impl_->last_consume_start_ns = WallClock::monotonic_now_ns();  // the programs' clock
    impl_->enough = &enough;
    impl_->handled = 0;
    impl_->stopped_early = false;
    int n = ring_buffer__consume(impl_->ring.get());
    impl_->enough = nullptr;
    if (impl_->handler_error) {
        auto error = std::exchange(impl_->handler_error, nullptr);
        std::rethrow_exception(error);
    }
    if (impl_->stopped_early) return impl_->handled;
    if (n < 0) throw Error("failed to read the BPF ring buffer: " + errno_text(n), kVerboseHint);
    return static_cast<size_t>(n);
}

void Tracer::list_running(const RecordHandler& handler) {
    FileDescriptor link(
        bpf_link_create(impl_->program_fd(BOOTSTRAP_PROGRAM_dump_processes), 0, BPF_TRACE_ITER, nullptr));
    if (link.get() < 0) throw Error("failed to list the running processes: " + errno_text(errno), kVerboseHint);
    FileDescriptor iterator(bpf_iter_create(link.get()));
    if (iterator.get() < 0) throw Error("failed to list the running processes: " + errno_text(errno), kVerboseHint);
    // Whole records only: a read may end inside one.
    std::vector<std::byte> buffer(sizeof(record_header) * 256);
    size_t filled = 0;
    for (;;) {
        ssize_t n = read(iterator.get(), buffer.data() + filled, buffer.size() - filled);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw system_error("read of the process iterator");
        if (n == 0) return;
        filled += static_cast<size_t>(n);
        size_t whole = filled - filled % sizeof(record_header);
        for (size_t at = 0; at < whole; at += sizeof(record_header))
            handler(std::span<const std::byte>(buffer.data() + at, sizeof(record_header)));
        std::copy(buffer.begin() + static_cast<ptrdiff_t>(whole), buffer.begin() + static_cast<ptrdiff_t>(filled),
                  buffer.begin());
        filled -= whole;
    }
}

void Tracer::trace_process(uint32_t pid) {
    uint8_t traced = 1;
    if (bpf_map_update_elem(impl_->map_fd(BOOTSTRAP_MAP_traced_tgids), &pid, &traced, BPF_ANY) != 0)
        throw Error("failed to trace pid " + std::to_string(pid) + ": " + errno_text(errno),
                    "more than 32768 processes at once are not supported");
}

Loader Tracer::loader() const {
    return impl_->object.loader();
}

// Written by the programs with atomic adds; read through the .bss mapping: no system call, and no
// privilege needed once the capabilities are dropped.
uint64_t Tracer::lost_events() const {
    return __atomic_load_n(impl_->handles().lost_records, __ATOMIC_RELAXED);
}

uint64_t Tracer::untracked_forks() const {
    return __atomic_load_n(impl_->handles().untracked_forks, __ATOMIC_RELAXED);
}

uint64_t Tracer::throttled_records() const {
    return __atomic_load_n(impl_->handles().throttled_records, __ATOMIC_RELAXED);
}

std::vector<CgroupCounts> Tracer::cgroup_counts() const {
    return impl_->cgroup_loads.counts();
}

void Tracer::mark_reported(const CgroupCounts& counts) {
    impl_->cgroup_loads.mark_reported(counts);
}

}  // namespace bootstrap
