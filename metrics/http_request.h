#pragma once
// The metrics port's HTTP, as pure functions (RFC 9112): where a request head ends, its request
// line, and the bytes of an answer. The socket loop (http_server.cpp) reads into a buffer, asks
// head_end() whether the head is complete, and answers with serialize(). Every answer closes
// the connection; request bodies are never read (GET and HEAD only).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace p2psip::metrics {

// A request head longer than this is answered 431 (the probes and Prometheus send ~200 bytes).
inline constexpr std::size_t kMaxRequestHead = 8192;

struct HttpRequest {
  std::string method;  // "GET" or "HEAD"
  std::string path;    // without the query: "/health"
};

struct HttpResponse {
  int status = 500;
  std::string reason;
  std::string content_type;
  std::string body;
};

// The size of the head (through its blank line, CRLF CRLF or bare LF LF as RFC 9112 §2.2
// tolerates), or nullopt while it is incomplete.
std::optional<std::size_t> head_end(std::string_view buffer);

// The request line of a complete head. Errors are the answer to give: 400 (malformed),
// 405 (another method), 505 (not HTTP/1.x).
Expected<HttpRequest, HttpResponse> parse_request(std::string_view head);

// The status line, Content-Type, Content-Length, Cache-Control: no-store and Connection: close;
// the body unless head_only. A 405 carries Allow: GET, HEAD.
std::string serialize(const HttpResponse& response, bool head_only);

// Which connection to close for a newcomer when the table is full, given for each open
// connection (oldest first) whether it is being answered: the oldest one still waiting for its
// request head (an idle or slow client; a probe sends its request at once and is answered
// before it is old), else the oldest. The table must not be empty.
std::size_t eviction_victim(const std::vector<bool>& answering);

// A small error answer with a text body.
HttpResponse error_response(int status);

}  // namespace p2psip::metrics
