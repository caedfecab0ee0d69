#include "overlay/storage/user_name.h"

#include <cctype>
#include <cstring>

namespace p2psip::storage {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3261 §25.1: unreserved = alphanum / mark.
bool unreserved(unsigned char c) {
  bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  return alnum || (c != 0 && std::strchr("-_.!~*'()", c) != nullptr);
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Appends `part` in normal form; `fold` lower-cases the characters (the domain).
bool append_normal(std::string& out, std::string_view part, bool fold) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (c != '%') {
      out.push_back(fold ? lower(c) : c);
      continue;
    }
    if (part.size() - i < 3) return false;  // '%' needs two hex digits after it
    int h = hex_value(part[i + 1]);
    int l = hex_value(part[i + 2]);
    if (h < 0 || l < 0) return false;
    auto octet = static_cast<unsigned char>(h * 16 + l);
    i += 2;
    if (unreserved(octet)) {
      char d = static_cast<char>(octet);
      out.push_back(fold ? lower(d) : d);
    } else {
      out.push_back('%');
      out.push_back(kHex[octet >> 4]);
      out.push_back(kHex[octet & 0xf]);
    }
  }
  return true;
}

}  // namespace

Expected<std::string, std::string> normal_user_name(std::string_view user_at_domain) {
  auto at = user_at_domain.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == user_at_domain.size()) {
    return unexpected(std::string("AoR is not user@domain"));
  }
  std::string out;
  out.reserve(user_at_domain.size());
  if (!append_normal(out, user_at_domain.substr(0, at), false)) {
    return unexpected(std::string("AoR has a malformed %-escape"));
  }
  out.push_back('@');
  if (!append_normal(out, user_at_domain.substr(at + 1), true)) {
    return unexpected(std::string("AoR has a malformed %-escape"));
  }
  return out;
}

}  // namespace p2psip::storage
