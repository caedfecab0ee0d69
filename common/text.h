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

}  // namespace p2psip
