#pragma once
// The enrollment server's HTTP/1.1 (RFC 9112), as pure functions: a request head with its
// headers and a Content-Length body (no chunked bodies: 411/501), and answers that close the
// connection. Every size is capped; errors are the status to answer.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2psip::enroll {

inline constexpr std::size_t kMaxHttpHead = 8192;
inline constexpr std::size_t kMaxHttpHeaders = 64;

struct HttpRequest {
  std::string method;
  std::string path;  // without the query
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  // The first header of that (lower-case) name, or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpParse {
  enum class State { incomplete, complete, error } state = State::incomplete;
  HttpRequest request;  // when complete
  int status = 0;       // when error: 400, 411, 413, 431, 501, 505
};

// Looks at everything read so far. A request needs at most kMaxHttpHead + max_body bytes.
HttpParse parse_http_request(std::string_view buffer, std::size_t max_body);

// Status line, Content-Type, Content-Length, Cache-Control: no-store, Connection: close, body.
std::string http_response(int status, std::string_view content_type, std::string_view body);
std::string_view http_reason(int status);

}  // namespace p2psip::enroll
