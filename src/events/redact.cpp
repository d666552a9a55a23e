#include "events/redact.h"

#include <fnmatch.h>
#include <strings.h>

#include <algorithm>
#include <iterator>

namespace bootstrap {
namespace {

constexpr size_t npos = std::string::npos;

// Programs whose "-p" is the password ("-pSECRET" or "-p SECRET"): the MySQL and MariaDB clients and
// sshpass. Anywhere else "-p" is a port, parents or permissions (ssh -p 22, mkdir -p, cp -p).
constexpr std::string_view kDashPPasswordPrograms[] = {
    "mysql",          "mysqladmin",    "mysqldump",    "mysqlimport",  "mysqlcheck",     "mysqlshow",
    "mysqlslap",      "mysqlpump",     "mysqlbinlog",  "mariadb",      "mariadb-admin",  "mariadb-dump",
    "mariadb-import", "mariadb-check", "mariadb-show", "mariadb-slap", "mariadb-binlog", "sshpass"};
// Options of one program whose next argument (or, for a short one, the rest of the word) is a secret.
struct ProgramOptions {
    std::string_view program;
    std::string_view options[4];
};
constexpr ProgramOptions kProgramSecretOptions[] = {
    {"curl", {"-u", "--user", "-U", "--proxy-user"}},  // user:password
    {"openssl", {"-k"}},                               // enc's password
};
// Option names, read as "--basic_auth" is, that take a secret though no secret name matches them.
constexpr std::string_view kSecretOptionNames[] = {"auth", "passin", "passout"};
// Keys of a connection string's "key=value;" whose value is secret, besides the secret names.
constexpr std::string_view kSecretConnectionKeys[] = {"pwd", "sharedaccesssignature"};

std::string_view basename_of(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == npos ? path : path.substr(slash + 1);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Characters of a URL's user name.
bool is_user_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("._~%+-").find(c) != std::string_view::npos;
}

// Where the run of user-name characters from `from` ends (text.size() at the end).
size_t user_end(const std::string& text, size_t from) {
    while (from < text.size() && is_user_char(text[from])) ++from;
    return from;
}

// "host:8080/..." or "host:8080?...": what follows the colon at `colon` is a port, not a password.
bool is_port(const std::string& text, size_t colon) {
    size_t digits = colon + 1;
    while (digits < text.size() && digits - colon <= 5 && text[digits] >= '0' && text[digits] <= '9') ++digits;
    return digits > colon + 1 && digits < text.size() && (text[digits] == '/' || text[digits] == '?') &&
           std::stoul(text.substr(colon + 1, digits - colon - 1)) <= 65535;
}

// The user's colon of a userinfo ("user:") that begins at `user`, or npos.
size_t userinfo_colon(const std::string& text, size_t user) {
    size_t colon = user_end(text, user);
    return colon < text.size() && text[colon] == ':' ? colon : npos;
}

// Hides from after `colon` to the last '@' before `limit`, when that '@' is there: a password, which
// may hold '/', '#', a space or '@' itself. Returns where to go on from, or npos when there was none.
size_t hide_password(std::string& text, size_t colon, size_t limit) {
    if (colon == npos || is_port(text, colon)) return npos;
    size_t at = text.rfind('@', limit == npos ? npos : limit - 1);
    if (at == npos || at < colon) return npos;
    text.replace(colon + 1, at - colon - 1, Redactor::kHidden);
    return colon + 1 + Redactor::kHidden.size();
}

// "scheme://user:password@host": the password of each URL, up to the last '@' before the next URL.
void redact_url_passwords(std::string& text) {
    for (size_t scheme = text.find("://"); scheme != npos; scheme = text.find("://", scheme + 3)) {
        size_t colon = userinfo_colon(text, scheme + 3);
        size_t next = hide_password(text, colon, text.find("://", scheme + 3));
        if (next != npos) scheme = next - 3;
    }
}

// "user:password@host" without a scheme (a proxy's), at the start of a value.
void redact_schemeless_password(std::string& text, size_t value) {
    size_t colon = userinfo_colon(text, value);
    if (colon == value || colon == npos || text.compare(colon + 1, 2, "//") == 0) return;
    hide_password(text, colon, npos);
}

// Whether a password may have begun in what is left of a value that was cut: "scheme://user:" or
// "user:" at its start, with the '@' that would have ended the password possibly lost.
bool password_may_have_begun(const std::string& text, size_t value) {
    for (size_t scheme = text.find("://"); scheme != npos; scheme = text.find("://", scheme + 3))
        if (userinfo_colon(text, scheme + 3) != npos) return true;
    size_t colon = userinfo_colon(text, value);
    return colon != npos && colon != value && text.compare(colon + 1, 2, "//") != 0;
}

// Where a NAME=value entry's value begins: after the '=' when what is before it is a name or an option.
size_t value_start(const std::string& entry) {
    size_t equals = entry.find('=');
    if (equals == npos || equals == 0) return 0;
    bool named = std::all_of(entry.begin(), entry.begin() + static_cast<std::ptrdiff_t>(equals), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.';
    });
    return named ? equals + 1 : 0;
}

}  // namespace

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

bool Redactor::is_secret_option(std::string_view option) const {
    while (!option.empty() && option.front() == '-') option.remove_prefix(1);
    if (option.empty()) return false;
    std::string name(option);
    std::replace(name.begin(), name.end(), '-', '_');
    return is_secret_name(name) || std::any_of(std::begin(kSecretOptionNames), std::end(kSecretOptionNames),
                                               [&](std::string_view secret) { return name == secret; });
}

// "Server=db;User Id=u;Password=x;": the value of each key whose name is secret, up to its ';'.
void Redactor::redact_connection_string(std::string& text, size_t value) const {
    for (size_t start = value; start < text.size();) {
        size_t end = std::min(text.find(';', start), text.size());
        size_t equals = text.find('=', start);
        if (equals < end) {
            std::string_view key(text.data() + start, equals - start);
            while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
            while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
            bool secret =
                is_secret_name(key) || std::any_of(std::begin(kSecretConnectionKeys), std::end(kSecretConnectionKeys),
                                                   [&](std::string_view k) { return equals_ignoring_case(key, k); });
            if (secret && end > equals + 1) {
                text.replace(equals + 1, end - equals - 1, kHidden);
                end = equals + 1 + kHidden.size();
            }
        }
        start = end + 1;
    }
}

void Redactor::redact_shapes(std::string& text, size_t value) const {
    redact_url_passwords(text);
    redact_schemeless_password(text, value);
    redact_connection_string(text, value);
}

// What is left of a value cut at the byte cap says too little to find where a secret in it ends: the
// value is hidden whole (after "NAME=" or "--option=", which stay) when the rules for whole values find a
// secret in it or a password may have begun before the cut.
void Redactor::redact_cut(std::string& entry, size_t value) const {
    if (entry.compare(value, npos, kHidden) == 0) return;
    std::string probe = entry;
    redact_shapes(probe, value);
    if (probe != entry || password_may_have_begun(entry, value)) entry.replace(value, npos, kHidden);
}

void Redactor::redact_environment(std::vector<std::string>& env, bool cut) const {
    for (size_t i = 0; i < env.size(); ++i) {
        std::string& entry = env[i];
        size_t equals = entry.find('=');
        if (equals == npos) continue;  // as a cut in the variable's name leaves it: no value to show
        if (is_secret_name(std::string_view(entry).substr(0, equals)))
            entry.replace(equals + 1, npos, kHidden);
        else if (cut && i + 1 == env.size())
            redact_cut(entry, equals + 1);
        else
            redact_shapes(entry, equals + 1);
    }
}

// "--password x", "-pass pass:x", "--auth x": an option with a secret name hides the next argument; so
// do the program's own (mysql's "-p x", curl's "-u user:password"), which hide the rest of their word too
// ("-pSECRET"). The program is argv[0]'s base name or the file run's.
void Redactor::redact_options(std::vector<std::string>& argv, std::string_view filename) const {
    auto run = [&](std::string_view program) {
        return (!argv.empty() && basename_of(argv[0]) == program) || basename_of(filename) == program;
    };
    std::vector<std::string_view> own;
    for (std::string_view program : kDashPPasswordPrograms)
        if (run(program)) own.push_back("-p");
    for (const ProgramOptions& entry : kProgramSecretOptions)
        if (run(entry.program))
            for (std::string_view option : entry.options)
                if (!option.empty()) own.push_back(option);
    for (size_t i = 1; i < argv.size(); ++i) {
        std::string& arg = argv[i];
        if (arg.size() < 2 || arg[0] != '-' || arg.find('=') != npos) continue;
        auto attached = [&](std::string_view option) {
            return option.size() == 2 && arg.size() > 2 && arg.compare(0, 2, option) == 0;
        };
        if (arg[1] != '-' && std::any_of(own.begin(), own.end(), attached)) {
            arg.replace(2, npos, kHidden);
        } else if (i + 1 < argv.size() &&
                   (std::find(own.begin(), own.end(), arg) != own.end() || is_secret_option(arg))) {
            argv[i + 1] = kHidden;
        }
    }
}

void Redactor::redact_arguments(std::vector<std::string>& argv, std::string_view filename, bool cut) const {
    redact_options(argv, filename);
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string& arg = argv[i];
        size_t value = value_start(arg);
        if (value > 0 && is_secret_option(std::string_view(arg).substr(0, value - 1)))
            arg.replace(value, npos, kHidden);
        else if (cut && i + 1 == argv.size())
            redact_cut(arg, value);
        else
            redact_shapes(arg, value);
    }
}

void Redactor::apply(Event& event) const {
    if (auto* exec = std::get_if<ExecEvent>(&event)) {
        if (exec->context.env) redact_environment(*exec->context.env, exec->context.env_truncated);
        if (arguments_) redact_arguments(exec->argv, exec->filename, exec->argv_truncated);
    } else if (arguments_) {
        if (auto* failed = std::get_if<ExecFailedEvent>(&event))
            redact_arguments(failed->argv, failed->filename, failed->argv_truncated);
        if (auto* existing = std::get_if<ExistingEvent>(&event))
            redact_arguments(existing->argv, existing->filename, existing->argv_truncated);
    }
}

}  // namespace bootstrap
