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

// Fails early, before anything is loaded, for an address the tracer could not listen on whatever other
// processes do (not an address of this host): binds a socket and lets it go. Throws Error (status 1).
// A port another process holds is no such failure: the tracer listens once it is free (Metrics::serve).
void check_can_listen(const MetricsAddress& address);

// Binds a socket to `address` and lets it go: 0 when it could, else errno (EADDRINUSE: another process
// holds the port).
int trial_bind(const MetricsAddress& address);

}  // namespace bootstrap
