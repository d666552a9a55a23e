// decode() on arbitrary bytes, then every decoded event through the text and JSON formats. decode must
// never read past its input (ASan); the text must never carry a raw control byte to the terminal (the only
// one allowed is the '\n' that ends the line); the JSON must be one line that parses.
#include "events/event.h"
#include "output/json.h"
#include "output/text.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <span>
#include <string_view>

namespace {

using namespace bootstrap;

// A fixed realtime offset: whatever the input's timestamps, no clock is read.
constexpr int64_t kClockOffsetNs = 1'700'000'000'000'000'000;

void check_line(const fmt::memory_buffer& buf) {
    std::string_view text(buf.data(), buf.size());
    if (text.empty() || text.back() != '\n') std::abort();  // one event, one whole line
    text.remove_suffix(1);
    for (size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7f) std::abort();
        // C1 controls in their UTF-8 form (U+0080..U+009F) act like ESC sequences on many terminals. (0xc2
        // before an ASCII byte would be invalid UTF-8, equally wrong.)
        if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xa0) std::abort();
    }
}

void format_all_ways(const Event& event) {
    // A fork feeds the process table and the timeline; the text and JSON streams show nothing of it.
    const bool shown = !std::holds_alternative<ForkEvent>(event);
    for (TimeFormat time : {TimeFormat::Local, TimeFormat::Utc, TimeFormat::Iso, TimeFormat::Relative}) {
        for (bool show_args : {false, true}) {
            Writer out(-1);  // never flushed: the buffer is checked in place
            TextSink sink(out, TimeFormatter(WallClock(kClockOffsetNs), time, 0), TextOptions{show_args});
            sink.on_event(event);
            if (shown)
                check_line(out.buffer());
            else if (out.buffer().size() != 0)
                std::abort();
        }
    }
    Writer out(-1);
    JsonSink json(out, TimeFormatter(WallClock(kClockOffsetNs), TimeFormat::Utc, 0), ExecIds(BootId{}));
    json.on_event(event);
    std::string_view line(out.buffer().data(), out.buffer().size());
    if (!shown) {
        if (!line.empty()) std::abort();
        return;
    }
    if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) std::abort();
    // Throws, and so fails the run, unless it is valid JSON (which includes valid UTF-8).
    if (!nlohmann::json::parse(line).is_object()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    setenv("TZ", "UTC", 1);  // no dependence on the host's zone files
    tzset();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // libFuzzer hands over a heap block of exactly `size` bytes, so any overread is caught.
    auto bytes = std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size);
    DecodeResult result = decode(bytes, 4096);
    if (auto* event = std::get_if<Event>(&result)) format_all_ways(*event);
    return 0;
}
