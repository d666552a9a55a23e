// A plain HTTP/1.0 GET to a port on 127.0.0.1, for the metrics tests: the request the test sends is the
// whole point, so it is spelled out here rather than hidden in a client library.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace bootstrap::testing {

// A connected TCP socket to 127.0.0.1:port, or -1.
inline int connect_local(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

struct HttpResponse {
    int status = 0;
    std::string body;
};

// GET `path`; nullopt when nothing answers on the port or no whole response comes within `timeout`.
inline std::optional<HttpResponse> http_get(uint16_t port, const std::string& path,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    int fd = connect_local(port);
    if (fd < 0) return std::nullopt;
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
        close(fd);
        return std::nullopt;
    }
    std::string raw;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            close(fd);
            return std::nullopt;
        }
        char chunk[16384];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        raw.append(chunk, static_cast<size_t>(n));
    }
    close(fd);
    size_t header_end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.", 0) != 0 || header_end == std::string::npos) return std::nullopt;
    return HttpResponse{std::stoi(raw.substr(9, 3)), raw.substr(header_end + 4)};
}

}  // namespace bootstrap::testing
