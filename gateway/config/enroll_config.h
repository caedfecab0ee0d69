#pragma once
// The keys of a node that enrolls itself (RFC 6940 §11.3; `p2psip peer` and `p2psip gateway`):
// the configuration URL, the user and password file, and how to trust the HTTPS server on
// first contact. Shared by both schemas (overlay_keys); kept apart from gateway_config.cpp.

#include <optional>
#include <string>

#include "gateway/config/settings.h"

namespace p2psip::config {

struct EnrollConfig {
  std::string url;            // https://HOST:PORT/.well-known/reload-config; empty: no enrollment
  std::string user;
  std::string password_file;  // first line: the password
  std::string ca;             // trust the server by this CA (PEM) ...
  std::string fingerprint;    // ... or by the SHA-256 of its certificate (hex)
  bool enabled() const { return !url.empty(); }
};

// The keys, in the order --print-config shows them.
Schema enroll_keys();
EnrollConfig to_enroll_config(const Settings& s);

std::optional<std::string> check_https_url(const std::string& value);    // empty is fine
std::optional<std::string> check_fingerprint(const std::string& value);  // empty is fine

}  // namespace p2psip::config
