// The programs of tracer/programs.h as C++ values, and what a run wants of them. Pure: the loaders in
// tracer.cpp ask it which programs to load and attach and which skeleton holds them.
#pragma once

#include "tracer/programs.h"
#include "tracer/tracer.h"

#include <algorithm>
#include <array>

namespace bootstrap {

// How a program runs once loaded (the `attach` column).
enum class Attach {
    tp_btf,    // attached when the tracer starts; the kernel knows its tracepoint from load
    iterator,  // never attached: read on demand through an iterator
};

struct ProgramInfo {
    const char* name;
    // Which skeletons hold it (its columns).
    bool in_full;
    bool in_light;
    bool in_lean;
    Attach attach;
    bool (*wanted)(const TracerConfig&);
};

#define BOOTSTRAP_PROGRAM_INFO(name, full, light, lean, attach, when) \
    ProgramInfo{#name,                                                \
                BOOTSTRAP_HAS_##full,                                 \
                BOOTSTRAP_HAS_##light,                                \
                BOOTSTRAP_HAS_##lean,                                 \
                Attach::attach,                                       \
                []([[maybe_unused]] const TracerConfig& config) -> bool { return when; }},

// Indexed by bootstrap_program.
inline constexpr std::array<ProgramInfo, BOOTSTRAP_PROGRAM_COUNT> kPrograms{
    {BOOTSTRAP_PROGRAMS(BOOTSTRAP_PROGRAM_INFO)}};

#undef BOOTSTRAP_PROGRAM_INFO

// Whether the skeleton whose column this is holds every program the run wants.
inline bool holds_wanted_programs(bool ProgramInfo::*column, const TracerConfig& config) {
    return std::ranges::all_of(kPrograms,
                               [&](const ProgramInfo& program) { return program.*column || !program.wanted(config); });
}

}  // namespace bootstrap
