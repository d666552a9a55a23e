// Where --metrics listens, parsed and checked before anything is loaded.
#pragma once

#include <cstdint>
#include <string>

namespace bootstrap {

// Where to listen: "ADDR:PORT", "[V6ADDR]:PORT" or "PORT" (on 127.0.0.1).
struct MetricsAddress {
    std::string host = "127.0.0.1";  // IPv6 without brackets
    uint16_t port = 0;

    // civetweb's form: "127.0.0.1:9469", "[::1]:9469".
    std::string listening_port() const;
    std::string to_string() const { return listening_port(); }
};

// Throws Error (status 2, naming --metrics) for anything but those forms, or a port below 1024 (it
// would need a privilege the tracer gives up before it listens).
MetricsAddress parse_metrics_address(const std::string& text);

// Fails early, before anything is loaded, when the address cannot be listened on (in use, not a
// local address): binds a socket and lets it go. Throws Error (status 1).
void check_can_listen(const MetricsAddress& address);

}  // namespace bootstrap
