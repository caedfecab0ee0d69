#include "gateway/config/enroll_config.h"

#include <cctype>

#include "gateway/config/gateway_config.h"

namespace p2psip::config {

std::optional<std::string> check_https_url(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (value.rfind("https://", 0) != 0 || value.size() <= 8 ||
      value.find_first_of(" \t\r\n") != std::string::npos) {
    return "'" + value + "' is not an https:// URL";
  }
  return std::nullopt;
}

std::optional<std::string> check_fingerprint(const std::string& value) {
  if (value.empty()) return std::nullopt;
  std::size_t digits = 0;
  for (char c : value) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (c != ':') {
      return "'" + value + "' is not a SHA-256 fingerprint (64 hex digits, ':' allowed)";
    }
  }
  if (digits != 64) return "'" + value + "' is not a SHA-256 fingerprint (64 hex digits, ':' allowed)";
  return std::nullopt;
}

Schema enroll_keys() {
  return {
      {"enroll", "enroll with this configuration URL (RFC 6940 §11), https://HOST:PORT/"
                 ".well-known/reload-config: the overlay, bootstrap peers and certificate come "
                 "from the enrollment server and are kept in data_dir/enrollment; not with "
                 "cert/key/ca", {""}, false, check_https_url},
      {"user", "user name to enroll as (the server's users file)", {""}, false, nullptr},
      {"password_file", "file whose first line is the enrollment password", {""}, false,
       check_readable_file},
      {"enroll_ca", "trust the enrollment server by this CA certificate (PEM)", {""}, false,
       check_readable_file},
      {"enroll_fingerprint", "... or by the SHA-256 of its certificate (hex, as "
                             "'p2psip enroll-server' prints it)", {""}, false, check_fingerprint},
  };
}

EnrollConfig to_enroll_config(const Settings& s) {
  return {s.get("enroll"), s.get("user"), s.get("password_file"), s.get("enroll_ca"),
          s.get("enroll_fingerprint")};
}

}  // namespace p2psip::config
