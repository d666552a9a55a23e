#include "events/redact.h"

#include <fnmatch.h>

#include <iterator>

namespace bootstrap {

Redactor::Redactor(const std::vector<std::string>& patterns, bool arguments)
    : patterns_(std::begin(kDefaultPatterns), std::end(kDefaultPatterns)), arguments_(arguments) {
    patterns_.insert(patterns_.end(), patterns.begin(), patterns.end());
}

bool Redactor::is_secret_name(std::string_view name) const {
    std::string text(name);
    for (const std::string& pattern : patterns_)
        if (fnmatch(pattern.c_str(), text.c_str(), FNM_CASEFOLD) == 0) return true;
    return false;
}

// NAME=value entries: the value of a secret name is hidden, the name kept (it says what was there).
void Redactor::redact_assignments(std::vector<std::string>& entries) const {
    for (std::string& entry : entries) {
        size_t equals = entry.find('=');
        if (equals != std::string::npos && is_secret_name(entry.substr(0, equals)))
            entry.replace(equals + 1, std::string::npos, kHidden);
    }
}

// "scheme://user:password@host": the password, whatever the variable or argument is called.
void Redactor::redact_url_passwords(std::vector<std::string>& entries) {
    for (std::string& entry : entries) {
        for (size_t scheme = entry.find("://"); scheme != std::string::npos; scheme = entry.find("://", scheme + 3)) {
            size_t start = scheme + 3;
            size_t end = entry.find_first_of("/?# ", start);
            size_t at = entry.rfind('@', end == std::string::npos ? std::string::npos : end);
            if (at == std::string::npos || at < start) continue;
            size_t colon = entry.find(':', start);
            if (colon == std::string::npos || colon > at) continue;
            entry.replace(colon + 1, at - colon - 1, kHidden);
        }
    }
}

// "--password=x", "PASSWORD=x" and "--password x": an option or assignment with a secret name.
void Redactor::redact_arguments(std::vector<std::string>& argv) const {
    redact_assignments(argv);
    for (size_t i = 1; i + 1 < argv.size(); ++i) {
        std::string_view arg = argv[i];
        if (arg.size() < 2 || arg[0] != '-' || arg.find('=') != std::string_view::npos) continue;
        arg.remove_prefix(arg[1] == '-' ? 2 : 1);
        if (!arg.empty() && is_secret_name(arg)) argv[i + 1] = kHidden;
    }
}

void Redactor::apply(Event& event) const {
    if (auto* exec = std::get_if<ExecEvent>(&event)) {
        if (exec->context.env) {
            redact_assignments(*exec->context.env);
            redact_url_passwords(*exec->context.env);
        }
        if (arguments_) {
            redact_arguments(exec->argv);
            redact_url_passwords(exec->argv);
        }
    } else if (arguments_) {
        std::vector<std::string>* argv = nullptr;
        if (auto* failed = std::get_if<ExecFailedEvent>(&event)) argv = &failed->argv;
        if (auto* existing = std::get_if<ExistingEvent>(&event)) argv = &existing->argv;
        if (argv) {
            redact_arguments(*argv);
            redact_url_passwords(*argv);
        }
    }
}

}  // namespace bootstrap
