#pragma once
// The enrollment client's HTTPS: one blocking request per connection (Connection: close), with
// a deadline on every socket operation, a capped answer, and the server trusted either by a CA
// file (chain and name/address checked by OpenSSL) or by the SHA-256 fingerprint of its
// certificate's DER (trust on first contact, as the operator read it off the server).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace p2psip::enroll {

inline constexpr std::size_t kMaxHttpsAnswer = 1024 * 1024;

struct HttpsUrl {
  std::string host;  // without brackets
  std::uint16_t port = 443;
  std::string path;  // "/..." (at least "/")
};

// https://HOST[:PORT][/PATH]; HOST may be [v6].
Expected<HttpsUrl, std::string> parse_https_url(std::string_view url);

struct HttpsTrust {
  std::string ca_file;      // PEM
  std::string fingerprint;  // 64 hex digits, ':' separators allowed
};

struct HttpsAnswer {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Sends `method` `url.path` with the extra header lines (each ending in CRLF) and body.
Expected<HttpsAnswer, std::string> https_request(const HttpsUrl& url, const HttpsTrust& trust,
                                                 std::string_view method, std::string_view headers,
                                                 std::string_view body,
                                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Pure: parses a complete answer (status line, headers, body up to Content-Length or the end).
Expected<HttpsAnswer, std::string> parse_http_answer(std::string_view raw);

}  // namespace p2psip::enroll
