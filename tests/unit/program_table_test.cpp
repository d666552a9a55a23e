// Which programs a run loads and attaches, and which skeleton holds them, from the one list of programs
// (tracer/programs.h). The capture tests load them for real; these pin the choice for every option that
// wants a program, without BPF.
#include "tracer/program_table.h"

#include <gtest/gtest.h>

#include <ostream>
#include <set>
#include <string>

namespace bootstrap {
namespace {

std::set<std::string> wanted_programs(const TracerConfig& config) {
    std::set<std::string> names;
    for (const ProgramInfo& program : kPrograms)
        if (program.wanted(config)) names.insert(program.name);
    return names;
}

TEST(ProgramTable, CommonRunWantsExecAndExitFromTheLeanSkeleton) {
    TracerConfig config;
    EXPECT_EQ(wanted_programs(config), (std::set<std::string>{"handle_exec", "handle_exit"}));
    EXPECT_TRUE(holds_wanted_programs(&ProgramInfo::in_lean, config));
    // Filters and limits load no other program.
    config.report_execs = false;
    config.thread_exits = true;
    config.exits_of_known = true;
    config.capture_env = true;
    config.uid = 0;
    config.min_duration_ns = 1;
    EXPECT_EQ(wanted_programs(config), (std::set<std::string>{"handle_exec", "handle_exit"}));
    EXPECT_TRUE(holds_wanted_programs(&ProgramInfo::in_lean, config));
}

struct OptionCase {
    const char* option;
    void (*set)(TracerConfig&);
    const char* program;
};

void PrintTo(const OptionCase& option_case, std::ostream* out) {
    *out << option_case.option;
}

class ProgramWantedBy : public testing::TestWithParam<OptionCase> {};

TEST_P(ProgramWantedBy, ItsOptionAndNeedsTheSkeletonWithEveryProgram) {
    TracerConfig config;
    GetParam().set(config);
    EXPECT_EQ(wanted_programs(config), (std::set<std::string>{"handle_exec", "handle_exit", GetParam().program}));
    EXPECT_FALSE(holds_wanted_programs(&ProgramInfo::in_lean, config));
    EXPECT_TRUE(holds_wanted_programs(&ProgramInfo::in_light, config));
    EXPECT_TRUE(holds_wanted_programs(&ProgramInfo::in_full, config));
}

INSTANTIATE_TEST_SUITE_P(
    Options, ProgramWantedBy,
    testing::Values(OptionCase{"failed_execs", [](TracerConfig& c) { c.failed_execs = true; }, "handle_sys_exit"},
                    OptionCase{"trace_tree", [](TracerConfig& c) { c.trace_tree = true; }, "handle_fork"},
                    OptionCase{"report_forks", [](TracerConfig& c) { c.report_forks = true; }, "handle_fork"},
                    OptionCase{"list_running", [](TracerConfig& c) { c.list_running = true; }, "dump_processes"}),
    [](const testing::TestParamInfo<OptionCase>& param) { return std::string(param.param.option); });

// The light loader falls back from the lean skeleton to the light one, then to libbpf's: each holds every
// program the one before it holds.
TEST(ProgramTable, EachSkeletonHoldsWhatTheSmallerOnesHold) {
    for (const ProgramInfo& program : kPrograms) {
        EXPECT_TRUE(!program.in_lean || program.in_light) << program.name;
        EXPECT_TRUE(!program.in_light || program.in_full) << program.name;
    }
}

TEST(ProgramTable, IndexedByProgramId) {
    EXPECT_STREQ(kPrograms[BOOTSTRAP_PROGRAM_handle_exec].name, "handle_exec");
    EXPECT_STREQ(kPrograms[BOOTSTRAP_PROGRAM_handle_fork].name, "handle_fork");
    EXPECT_STREQ(kPrograms[BOOTSTRAP_PROGRAM_dump_processes].name, "dump_processes");
    std::set<std::string> names;
    for (const ProgramInfo& program : kPrograms) names.insert(program.name);
    EXPECT_EQ(names.size(), kPrograms.size());
}

// The task iterator runs only while list_running() reads it; every other program is attached at start.
TEST(ProgramTable, OnlyTheTaskIteratorIsReadOnDemand) {
    for (const ProgramInfo& program : kPrograms) {
        bool iterator = std::string(program.name) == "dump_processes";
        EXPECT_EQ(program.attach, iterator ? Attach::iterator : Attach::tp_btf) << program.name;
    }
}

}  // namespace
}  // namespace bootstrap
