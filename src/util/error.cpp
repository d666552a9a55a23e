#include "util/error.h"

#include <cstring>

namespace bootstrap {

Error usage_error(std::string_view option, std::string_view reason) {
    std::string what(option);
    what.append(": ").append(reason);
    return Error(what, {}, kExitUsage);
}

Error system_error(std::string_view call, int err, std::string hint) {
    std::string what(call);
    what.append(" failed: ").append(errno_text(err));
    return Error(what, std::move(hint));
}

std::string errno_text(int err) {
    return std::strerror(err < 0 ? -err : err);
}

}  // namespace bootstrap
