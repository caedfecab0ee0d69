#pragma once
// Text helpers shared by the modules. ASCII only: SIP schemes, host names and DNS labels are
// ASCII, and locale-dependent case mapping must not change what matches.

#include <string>
#include <string_view>

namespace p2psip {

// `s` with A-Z mapped to a-z; every other byte as it is.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// `s` without leading and trailing spaces and tabs (HTTP's OWS, RFC 9110 §5.6.3).
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace p2psip
