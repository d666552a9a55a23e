#include "output/metrics_address.h"

#include "util/error.h"
#include "util/file_descriptor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string_view>

namespace bootstrap {

namespace {

constexpr uint16_t kFirstUnprivilegedPort = 1024;

std::optional<uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) return std::nullopt;
    return static_cast<uint16_t>(value);
}

// The socket address of `address`, as bind(2) takes it.
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

std::optional<SocketAddress> socket_address(const MetricsAddress& address) {
    SocketAddress result;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&result.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&result.storage);
    if (inet_pton(AF_INET, address.host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(address.port);
        result.length = sizeof(sockaddr_in);
        return result;
    }
    if (inet_pton(AF_INET6, address.host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(address.port);
        result.length = sizeof(sockaddr_in6);
        result.family = AF_INET6;
        return result;
    }
    return std::nullopt;
}

}  // namespace

std::string MetricsAddress::listening_port() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

MetricsAddress parse_metrics_address(const std::string& text) {
    MetricsAddress address;
    std::string_view port_text = text;
    if (size_t colon = text.rfind(':'); colon != std::string::npos) {
        std::string host = text.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        address.host = host;
        port_text = std::string_view(text).substr(colon + 1);
    }
    std::optional<uint16_t> port = parse_port(port_text);
    if (!port) throw usage_error("--metrics", "'" + text + "' is not [ADDRESS:]PORT with a port from 1 to 65535");
    address.port = *port;
    if (!socket_address(address))
        throw usage_error("--metrics", "'" + address.host + "' is not an IPv4 or IPv6 address (IPv6 in brackets)");
    if (address.port < kFirstUnprivilegedPort)
        throw usage_error("--metrics",
                          "port " + std::to_string(address.port) +
                              " needs a privilege the tracer gives up before it listens: use 1024 or above");
    return address;
}

int trial_bind(const MetricsAddress& address) {
    std::optional<SocketAddress> where = socket_address(address);
    if (!where) return EINVAL;
    FileDescriptor fd(socket(where->family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return errno;
    int reuse = 1;  // as civetweb binds: a port left in TIME_WAIT by a past run is free
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&where->storage), where->length) != 0) return errno;
    return 0;
}

void check_can_listen(const MetricsAddress& address) {
    if (!socket_address(address))
        throw usage_error("--metrics", "'" + address.host + "' is not an IPv4 or IPv6 address");
    int error = trial_bind(address);
    if (error == 0 || error == EADDRINUSE) return;
    throw Error("--metrics: cannot listen on " + address.to_string() + ": " + std::strerror(error),
                error == EADDRNOTAVAIL ? "give an address of this host (ip -brief address lists them), or 127.0.0.1"
                                       : "choose another address or port");
}

}  // namespace bootstrap
