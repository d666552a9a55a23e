// Decode -> text and decode -> JSON throughput on realistic records: the user-space cost per event,
// without the kernel. Output goes to a buffer that is dropped every few thousand events, as the run loop
// flushes it to a file.
#include "events/event.h"
#include "output/json.h"
#include "output/text.h"
#include "output/writer.h"

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <linux/types.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "events.h"
}

namespace {

using bootstrap::TimeFormat;
using bootstrap::TimeFormatter;
using bootstrap::WallClock;

void fill_header(record_header& hdr, uint32_t type, uint64_t time_ns, const char* comm) {
    hdr.type = type;
    hdr.pid = 123456;
    hdr.tid = 123456;
    hdr.ppid = 4321;
    hdr.uid = 1000;
    hdr.gid = 1000;
    hdr.time_ns = time_ns;
    hdr.cgroup_id = 7823;
    std::strncpy(hdr.comm, comm, sizeof(hdr.comm));
}

// An exec of a typical compiler command line (~200 bytes of arguments) and the matching exit.
std::vector<std::vector<std::byte>> realistic_records() {
    std::vector<std::vector<std::byte>> records;
    const std::string filename = "/usr/bin/x86_64-linux-gnu-gcc-12";
    const std::vector<std::string> argv = {"gcc",       "-O2",
                                           "-g",        "-Wall",
                                           "-Iinclude", "-DNDEBUG",
                                           "-c",        "src/output/text.cpp",
                                           "-o",        "build/CMakeFiles/text.cpp.o"};
    for (int i = 0; i < 64; ++i) {
        exec_record exec{};
        fill_header(exec.hdr, RECORD_EXEC, 1'000'000'000ull * 3600 + static_cast<uint64_t>(i) * 1'700'000, "gcc");
        std::string args;
        for (const auto& a : argv) args.append(a).push_back('\0');
        exec.filename_len = static_cast<__u32>(filename.size() + 1);
        exec.args_len = static_cast<__u32>(args.size());
        exec.old_pid = exec.hdr.pid;
        std::vector<std::byte> bytes(sizeof(exec) + exec.filename_len + exec.args_len);
        std::memcpy(bytes.data(), &exec, sizeof(exec));
        std::memcpy(bytes.data() + sizeof(exec), filename.c_str(), exec.filename_len);
        std::memcpy(bytes.data() + sizeof(exec) + exec.filename_len, args.data(), args.size());
        records.push_back(std::move(bytes));

        exit_record exit{};
        fill_header(exit.hdr, RECORD_EXIT, exec.hdr.time_ns + 25'000'000, "cc1plus");
        exit.status = 0;
        exit.flags = EXIT_EXEC_SEEN;
        exit.exec_time_ns = exec.hdr.time_ns;
        exit.hdr.image.start_time_ns = exec.hdr.time_ns - 1'000'000;
        exit.utime_ns = 20'000'000;
        exit.stime_ns = 4'000'000;
        exit.runtime_ns = 23'500'000;
        exit.max_rss_pages = 12000;
        std::vector<std::byte> exit_bytes(sizeof(exit));
        std::memcpy(exit_bytes.data(), &exit, sizeof(exit));
        records.push_back(std::move(exit_bytes));
    }
    return records;
}

template <typename Sink>
void run(benchmark::State& state, Sink& sink, bootstrap::Writer& out) {
    auto records = realistic_records();
    size_t i = 0;
    for (auto _ : state) {
        auto decoded = bootstrap::decode(records[i++ % records.size()]);
        sink.on_event(std::get<bootstrap::Event>(decoded));
        out.flush_if_large();
    }
    out.flush();
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

struct DevNull {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ~DevNull() { close(fd); }
};

void BM_DecodeToText(benchmark::State& state) {
    DevNull null;
    bootstrap::Writer out(null.fd);
    bootstrap::TextSink sink(out, TimeFormatter(WallClock(0), TimeFormat::Local), {state.range(0) != 0});
    run(state, sink, out);
}
BENCHMARK(BM_DecodeToText)->Arg(0)->Arg(1)->ArgName("args");

void BM_DecodeToJson(benchmark::State& state) {
    DevNull null;
    bootstrap::Writer out(null.fd);
    bootstrap::JsonSink sink(out, TimeFormatter(WallClock(0), TimeFormat::Local),
                             bootstrap::ExecIds(bootstrap::BootId{}));
    run(state, sink, out);
}
BENCHMARK(BM_DecodeToJson);

void BM_DecodeOnly(benchmark::State& state) {
    auto records = realistic_records();
    size_t i = 0;
    for (auto _ : state) benchmark::DoNotOptimize(bootstrap::decode(records[i++ % records.size()]));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_DecodeOnly);

}  // namespace

BENCHMARK_MAIN();
