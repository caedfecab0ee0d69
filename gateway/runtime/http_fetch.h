#pragma once
// A blocking HTTP/1.1 GET for command-line tools (`p2psip status`): connect, send, read until
// the server closes (the metrics port closes after every answer), all within one deadline.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/expected.h"

namespace p2psip::runtime {

inline constexpr std::size_t kMaxFetchedBytes = 4 * 1024 * 1024;  // a /status is a few KiB

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// The error names what failed ("connect to 127.0.0.1:9464: Connection refused").
Expected<HttpAnswer, std::string> http_fetch(const std::string& host, std::uint16_t port,
                                             const std::string& path,
                                             std::chrono::milliseconds timeout);

// The status and body of a complete answer (head and body as read until close).
Expected<HttpAnswer, std::string> parse_http_answer(const std::string& raw);

}  // namespace p2psip::runtime
