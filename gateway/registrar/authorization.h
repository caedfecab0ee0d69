#pragma once
// The Authorization header of a REGISTER (RFC 7616 §3.4, RFC 7235 §2.1) parsed from its value,
// e.g. `Digest username="alice", realm="p2p.example.com", nonce="...", uri="sip:p2p.example.com",
// response="...", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="..."`.
//
// Pure and without OpenSSL or Sofia, so the fuzz build links it alone (tests/fuzz/registrar).
// Hostile input never crashes: anything malformed is an error string. Limits: kMaxHeader bytes,
// kMaxParams parameters; duplicated parameters are an error; unknown ones are ignored.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace p2psip::registrar {

inline constexpr std::size_t kMaxHeader = 8192;
inline constexpr std::size_t kMaxParams = 32;

struct DigestCredentials {
  // Required by parse_authorization():
  std::string username;
  std::string realm;
  std::string nonce;
  std::string uri;
  std::string response;  // hex, as sent
  // Optional ("" when absent):
  std::string algorithm;  // as sent; absent means MD5
  std::string qop;        // "auth" when the client follows our challenge
  std::string nc;         // 8 hex digits with qop
  std::string cnonce;
  std::string opaque;
  bool userhash = false;  // userhash=true (RFC 7616 §3.4.4); not supported by the registrar
};

// Parses one header value. The scheme must be Digest (case-insensitive).
Expected<DigestCredentials, std::string> parse_authorization(std::string_view value);

// A quoted-string with '"' and '\' escaped, for building WWW-Authenticate values.
std::string quote(std::string_view text);

}  // namespace p2psip::registrar
