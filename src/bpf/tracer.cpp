// The one translation unit that includes the BPF skeleton and talks to libbpf.
#include "bpf/tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <unistd.h>

#include <bootstrap.skel.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "events.h"
}

namespace bootstrap {

namespace {

bool g_libbpf_verbose = false;

int libbpf_log(enum libbpf_print_level, const char* format, va_list args) {
    if (!g_libbpf_verbose) return 0;
    return std::vfprintf(stderr, format, args);
}

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

const char* kVerboseHint = "run again with -v to see libbpf's log";

struct SkeletonDeleter {
    void operator()(bootstrap_bpf* skel) const { bootstrap_bpf__destroy(skel); }
};
struct LinkDeleter {
    void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
struct RingBufferDeleter {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
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

}  // namespace

void set_libbpf_verbose(bool verbose) {
    g_libbpf_verbose = verbose;
    libbpf_set_print(libbpf_log);
}

void check_can_trace() {
    uint64_t caps = effective_capabilities();
    auto has = [caps](int cap) { return (caps >> cap) & 1; };
    if (!has(kCapSysAdmin) && !(has(kCapBpf) && has(kCapPerfmon)))
        throw SetupError("loading BPF programs needs root, or the CAP_BPF and CAP_PERFMON capabilities",
                         "run it with sudo, or grant the capabilities once: sudo setcap cap_bpf,cap_perfmon+ep " +
                             self_path());
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
        throw SetupError("this kernel does not provide BTF type information (/sys/kernel/btf/vmlinux is missing)",
                         "bootstrap needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (the default of most "
                         "distributions since 2020); install such a kernel, or one from your distribution");
}

struct Tracer::Impl {
    RecordHandler handler;
    std::exception_ptr handler_error;
    // Destroyed in reverse order: ring buffer, links, then the skeleton (programs and maps).
    std::unique_ptr<bootstrap_bpf, SkeletonDeleter> skel;
    std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links;
    std::unique_ptr<ring_buffer, RingBufferDeleter> ring;
    int cgroup_fd = -1;

    static int on_record(void* ctx, void* data, size_t size) {
        auto* self = static_cast<Impl*>(ctx);
        try {
            self->handler(std::span<const std::byte>(static_cast<const std::byte*>(data), size));
            return 0;
        } catch (...) {
            // Never let an exception unwind through libbpf's C frames.
            self->handler_error = std::current_exception();
            return -ECANCELED;
        }
    }

    void open(const TracerConfig& config);
    void load();
    void attach();
};

void Tracer::Impl::open(const TracerConfig& config) {
    skel.reset(bootstrap_bpf__open());
    if (!skel) throw SetupError("failed to open the BPF object: " + errno_text(errno), kVerboseHint);

    auto* rodata = skel->rodata;
    rodata->min_duration_ns = config.min_duration_ns;
    rodata->report_execs = config.report_execs && config.min_duration_ns == 0;
    rodata->report_thread_exits = config.thread_exits;
    rodata->max_args_bytes = config.max_args_bytes;
    rodata->wakeup_bytes = config.ring_bytes / 8;
    rodata->report_exits = config.report_exits;
    rodata->filter_traced_tree = config.trace_tree;
    rodata->filter_ppid = config.ppid.has_value();
    rodata->target_ppid = config.ppid.value_or(0);
    rodata->filter_uid = config.uid.has_value();
    rodata->target_uid = config.uid.value_or(0);
    rodata->filter_comm = config.comm.has_value();
    if (config.comm) {
        auto* target = const_cast<char*>(rodata->target_comm);
        std::strncpy(target, config.comm->c_str(), sizeof(rodata->target_comm) - 1);
    }
    rodata->filter_cgroup = config.cgroup_fd >= 0;
    cgroup_fd = config.cgroup_fd;

    int err = bpf_map__set_max_entries(skel->maps.events, config.ring_bytes);
    int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0) throw SetupError("cannot count this system's CPUs: " + errno_text(ncpus), kVerboseHint);
    if (!err) err = bpf_map__set_max_entries(skel->maps.scratch, static_cast<uint32_t>(ncpus));
    // Room for the header, a PATH_MAX filename and twice the argv cap (the verifier bounds the offset
    // and the length of each argument copy separately).
    if (!err)
        err = bpf_map__set_value_size(skel->maps.scratch,
                                      static_cast<uint32_t>(sizeof(exec_record) + BOOTSTRAP_FILENAME_MAX + 2u * config.max_args_bytes));

    if (!err && !config.trace_tree) err = bpf_map__set_max_entries(skel->maps.traced_tgids, 1);
    if (err) throw SetupError("failed to size the BPF maps: " + errno_text(err), kVerboseHint);

    bpf_program__set_autoload(skel->progs.handle_sys_exit, config.failed_execs);
    bpf_program__set_autoload(skel->progs.handle_fork, config.trace_tree);
}

void Tracer::Impl::load() {
    int err = bootstrap_bpf__load(skel.get());
    if (!err) return;
    if (err == -EPERM || err == -EACCES)
        throw SetupError("the kernel refused to load bootstrap's BPF programs: " + errno_text(err),
                         "the verifier may have rejected a program, or kernel lockdown forbids BPF tracing; " +
                             std::string(kVerboseHint));
    throw SetupError("failed to load bootstrap's BPF programs: " + errno_text(err),
                     "this kernel may lack a feature bootstrap needs (Linux 5.13 or newer with BTF: ring buffer, task storage, "
                     "tp_btf); " + std::string(kVerboseHint));
}

void Tracer::Impl::attach() {
    if (cgroup_fd >= 0) {
        uint32_t key = 0;
        uint32_t fd = static_cast<uint32_t>(cgroup_fd);
        if (bpf_map__update_elem(skel->maps.cgroup_filter, &key, sizeof(key), &fd, sizeof(fd), BPF_ANY) != 0)
            throw SetupError("failed to set the cgroup filter: " + errno_text(errno), "is the path on a cgroup v2 file system?");
    }
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel->obj) {
        if (!bpf_program__autoload(prog)) continue;
        bpf_link* link = bpf_program__attach(prog);
        if (!link) {
            int err = errno;
            throw SetupError(std::string("failed to attach ") + bpf_program__name(prog) + ": " + errno_text(err),
                             kVerboseHint);
        }
        links.emplace_back(link);
    }
    ring.reset(ring_buffer__new(bpf_map__fd(skel->maps.events), &Impl::on_record, this, nullptr));
    if (!ring) throw SetupError("failed to open the BPF ring buffer: " + errno_text(errno), kVerboseHint);
}

Tracer::Tracer(const TracerConfig& config, RecordHandler handler) : impl_(std::make_unique<Impl>()) {
    impl_->handler = std::move(handler);
    impl_->open(config);
    impl_->load();
    impl_->attach();
}

Tracer::~Tracer() = default;

int Tracer::wakeup_fd() const { return ring_buffer__epoll_fd(impl_->ring.get()); }

size_t Tracer::consume() {
    int n = ring_buffer__consume(impl_->ring.get());
    if (impl_->handler_error) {
        auto error = std::exchange(impl_->handler_error, nullptr);
        std::rethrow_exception(error);
    }
    if (n < 0) throw SetupError("failed to read the BPF ring buffer: " + errno_text(n), kVerboseHint);
    return static_cast<size_t>(n);
}

void Tracer::trace_process(uint32_t pid) {
    uint8_t traced = 1;
    if (bpf_map__update_elem(impl_->skel->maps.traced_tgids, &pid, sizeof(pid), &traced, sizeof(traced), BPF_ANY) != 0)
        throw SetupError("failed to trace pid " + std::to_string(pid) + ": " + errno_text(errno),
                         "more than 32768 processes at once are not supported");
}

uint64_t Tracer::lost_events() const {
    // Written by the programs with atomic adds; read through the .bss mapping.
    return __atomic_load_n(&impl_->skel->bss->lost_records, __ATOMIC_RELAXED);
}

uint64_t Tracer::untracked_forks() const {
    return __atomic_load_n(&impl_->skel->bss->untracked_forks, __ATOMIC_RELAXED);
}

}  // namespace bootstrap
