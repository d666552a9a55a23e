// Secrets out of what the output shows: the values of environment variables whose names look secret, the
// password of any URL in the environment ("postgres://user:PASSWORD@host"), and on request the same in
// arguments ("--password=..."). Applied to each event before any sink sees
// it, so a secret reaches neither the stream, nor the timeline, nor a file.
#pragma once

#include "events/event.h"

#include <string>
#include <string_view>
#include <vector>

namespace bootstrap {

class Redactor {
public:
    // Names matching any of these (shell patterns, case-insensitive) are secret, besides the caller's.
    // ("*_PWD" is MYSQL_PWD's kind, not PWD, the working directory.)
    static constexpr const char* kDefaultPatterns[] = {"*TOKEN*",      "*SECRET*", "*PASSWORD*", "*PASSWD*",
                                                       "*PASSPHRASE*", "*_PASS",   "*_PWD",      "*KEY*",
                                                       "*CREDENTIAL*", "*_AUTH"};
    // What a secret value becomes.
    static constexpr std::string_view kHidden = "<redacted>";

    // `patterns` are added to the defaults (--redact); `arguments` redacts arguments too (--redact-args).
    explicit Redactor(const std::vector<std::string>& patterns = {}, bool arguments = false);

    // The event's environment, and with `arguments` its argv and the interpreter's.
    void apply(Event& event) const;
    bool is_secret_name(std::string_view name) const;

private:
    void redact_assignments(std::vector<std::string>& entries) const;
    static void redact_url_passwords(std::vector<std::string>& entries);
    void redact_arguments(std::vector<std::string>& argv) const;

    std::vector<std::string> patterns_;
    bool arguments_;
};

}  // namespace bootstrap
