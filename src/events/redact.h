// Secrets out of what the output shows: the values of environment variables whose names look secret, the
// secrets that values hold by their shape (a URL's password, "user:password@host", a connection string's
// "Password=..."), and on request the same in arguments ("--password=...", the word after "--token",
// mysql's "-pPASSWORD"). A value cut at the byte cap is hidden whole when what is left of it could hold a
// secret. Applied to each event before any sink sees it, so a secret reaches neither the stream, nor the
// timeline, nor a file.
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
    static constexpr const char* kDefaultPatterns[] = {
        "*TOKEN*", "*SECRET*",     "*PASSWORD*", "*PASSWD*",      "*PASSPHRASE*",        "*PASS",     "*_PWD",
        "*KEY*",   "*CREDENTIAL*", "*_AUTH",     "*AUTH_CONFIG*", "*CONNECTION_STRING*", "*WEBHOOK*", "*DSN*"};
    // What a secret value becomes.
    static constexpr std::string_view kHidden = "<redacted>";

    // `patterns` are added to the defaults (--redact); `arguments` redacts arguments too (--redact-args).
    explicit Redactor(const std::vector<std::string>& patterns = {}, bool arguments = false);

    // The event's environment, and with `arguments` its argv.
    void apply(Event& event) const;
    bool is_secret_name(std::string_view name) const;

private:
    // What an option's name says: "--db-pass", "-passin" and "--basic-auth" are secret.
    bool is_secret_option(std::string_view option) const;
    void redact_environment(std::vector<std::string>& env, bool cut) const;
    void redact_arguments(std::vector<std::string>& argv, std::string_view filename, bool cut) const;
    void redact_options(std::vector<std::string>& argv, std::string_view filename) const;
    // The secrets a NAME=value entry or an argument holds by their shape; `value` is where the value
    // begins (after "NAME=").
    void redact_shapes(std::string& text, size_t value) const;
    void redact_connection_string(std::string& text, size_t value) const;
    // The last entry of a list that was cut at the byte cap, whose value begins at `value`.
    void redact_cut(std::string& entry, size_t value) const;

    std::vector<std::string> patterns_;
    bool arguments_;
};

}  // namespace bootstrap
