#include "events/event_pipeline.h"

#include "events/container.h"

#include <utility>

namespace bootstrap {

EventPipeline::EventPipeline(Options options, Lookups lookups)
    : options_(std::move(options)),
      lookups_(std::move(lookups)),
      redactor_(options_.redact_patterns, options_.redact_args) {
    if (options_.pair_exits_with_execs) pairing_.emplace(options_.exit_commands, lookups_.pid_exists);
    if (options_.ancestors) table_.emplace(lookups_.pid_exists);
}

bool EventPipeline::add_running(Event& event) {
    bool kept = resolve(event);
    if (table_) table_->update(event);
    return kept;
}

void EventPipeline::running_added() {
    if (table_) table_->link_parents();
}

bool EventPipeline::process(Event& event) {
    if (pairing_) pairing_->pair(event);
    // An exit left out (by the kernel's filters, or by --containers here) still ends its process in
    // the table, or the table would keep every process that passed the filters at fork and not at exit.
    const auto* exit = std::get_if<ExitEvent>(&event);
    if ((exit && exit->unreported) || !resolve(event)) {
        if (table_ && exit) table_->update(event);
        return false;
    }
    if (options_.count_live) count_live(event);
    if (table_) {
        table_->update(event);
        if (auto* exec = std::get_if<ExecEvent>(&event)) exec->ancestors = table_->ancestors(exec->proc);
    }
    return true;
}

// An exec's (or failed exec's) cgroup path and container, --containers, and redaction. Returns false
// for an event to leave out.
bool EventPipeline::resolve(Event& event) {
    ExecContext* context = nullptr;
    if (auto* exec = std::get_if<ExecEvent>(&event)) context = &exec->context;
    if (auto* failed = std::get_if<ExecFailedEvent>(&event)) context = &failed->context;
    if (context || options_.containers_only) {
        const ProcessInfo& proc = process_of(event);
        std::optional<std::string> path = lookups_.cgroup_path(proc.cgroup_id, proc.pid);
        std::optional<std::string> container = path ? container_id_of(*path) : std::nullopt;
        if (options_.containers_only && !container) return false;
        if (context) {
            context->cgroup = std::move(path);
            context->container_id = std::move(container);
        }
    }
    redactor_.apply(event);
    return true;
}

void EventPipeline::count_live(const Event& event) {
    const ProcessInfo& proc = process_of(event);
    ProcessKey key{proc.pid, proc.image.start_time_ns};
    if (const auto* exit = std::get_if<ExitEvent>(&event)) {
        if (!exit->thread_only) live_.erase(key);
    } else if (!std::holds_alternative<ExecFailedEvent>(event)) {
        live_.insert(key);
    }
}

size_t EventPipeline::live_processes() {
    std::erase_if(live_, [this](const ProcessKey& process) { return !lookups_.pid_exists(process.pid); });
    return live_.size();
}

}  // namespace bootstrap
