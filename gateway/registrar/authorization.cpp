#include "gateway/registrar/authorization.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "common/text.h"

namespace p2psip::registrar {

namespace {

bool is_tchar(char c) {  // RFC 7230 token characters
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_ws(char c) { return c == ' ' || c == '\t'; }

// A cursor over the header value; every read checks what is left.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  // Blanks, and line folding (CRLF followed by a blank) as an unparsed header may hold.
  void skip_ws() {
    while (!done()) {
      if (is_ws(peek())) {
        ++pos_;
      } else if (text_.substr(pos_, 2) == "\r\n" && pos_ + 2 < text_.size() &&
                 is_ws(text_[pos_ + 2])) {
        pos_ += 3;
      } else {
        break;
      }
    }
  }
  bool take(char c) {
    if (done() || peek() != c) return false;
    ++pos_;
    return true;
  }
  std::string_view token() {
    std::size_t start = pos_;
    while (!done() && is_tchar(peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // After the opening quote: up to the closing one, undoing backslash escapes.
  std::optional<std::string> quoted() {
    std::string out;
    while (!done()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (done()) return std::nullopt;
        c = text_[pos_++];
      }
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return std::nullopt;
      out.push_back(c);
    }
    return std::nullopt;  // unterminated
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Reads `name = value` (value a token or a quoted-string) into out.
std::optional<std::string> read_param(Reader& r, std::pair<std::string, std::string>& out) {
  std::string_view name = r.token();
  if (name.empty()) return "expected a parameter name";
  r.skip_ws();
  if (!r.take('=')) return "parameter '" + std::string(name) + "' has no '='";
  r.skip_ws();
  std::optional<std::string> value;
  if (r.take('"')) {
    value = r.quoted();
    if (!value) return "parameter '" + std::string(name) + "' has a bad quoted string";
  } else {
    value = std::string(r.token());
    if (value->empty()) return "parameter '" + std::string(name) + "' has no value";
  }
  out = {ascii_lower(name), std::move(*value)};
  return std::nullopt;
}

struct Slot {
  const char* name;
  std::string DigestCredentials::*field;
  bool required;
};

constexpr std::array<Slot, 10> kSlots = {{
    {"username", &DigestCredentials::username, true},
    {"realm", &DigestCredentials::realm, true},
    {"nonce", &DigestCredentials::nonce, true},
    {"uri", &DigestCredentials::uri, true},
    {"response", &DigestCredentials::response, true},
    {"algorithm", &DigestCredentials::algorithm, false},
    {"qop", &DigestCredentials::qop, false},
    {"nc", &DigestCredentials::nc, false},
    {"cnonce", &DigestCredentials::cnonce, false},
    {"opaque", &DigestCredentials::opaque, false},
}};

}  // namespace

Expected<DigestCredentials, std::string> parse_authorization(std::string_view value) {
  if (value.size() > kMaxHeader) return unexpected(std::string("Authorization header too long"));
  Reader r(value);
  r.skip_ws();
  if (ascii_lower(r.token()) != "digest") return unexpected(std::string("scheme is not Digest"));
  if (r.done() || !is_ws(r.peek())) return unexpected(std::string("no parameters after Digest"));
  DigestCredentials creds;
  std::array<bool, kSlots.size()> seen{};
  bool seen_userhash = false;
  std::size_t count = 0;
  while (true) {
    r.skip_ws();
    while (r.take(',')) r.skip_ws();  // empty list elements are allowed (RFC 7230 §7)
    if (r.done()) break;
    if (++count > kMaxParams) return unexpected(std::string("too many parameters"));
    std::pair<std::string, std::string> param;
    if (auto problem = read_param(r, param)) return unexpected(*problem);
    auto slot = std::find_if(kSlots.begin(), kSlots.end(),
                             [&](const Slot& s) { return param.first == s.name; });
    bool* flag = slot != kSlots.end() ? &seen[static_cast<std::size_t>(slot - kSlots.begin())]
                 : param.first == "userhash" ? &seen_userhash : nullptr;
    if (flag && *flag) return unexpected("parameter '" + param.first + "' given twice");
    if (flag) *flag = true;
    if (slot != kSlots.end()) creds.*(slot->field) = std::move(param.second);
    if (param.first == "userhash") creds.userhash = ascii_lower(param.second) == "true";
    r.skip_ws();
    if (!r.done() && !r.take(',')) return unexpected(std::string("expected ',' between parameters"));
  }
  for (std::size_t i = 0; i < kSlots.size(); ++i) {
    if (kSlots[i].required && !seen[i]) {
      return unexpected("parameter '" + std::string(kSlots[i].name) + "' missing");
    }
  }
  return creds;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace p2psip::registrar
