#include "overlay/usage/request_sender.h"

#include <cctype>
#include <cstdio>

#include "overlay/wire/bodies_misc.h"

namespace p2psip::usage {

std::string UsageError::name() const {
  switch (kind) {
    case Kind::kTimeout: return "Timeout";
    case Kind::kBadAnswer: return "Bad_Answer";
    case Kind::kBadInput: return "Bad_Input";
    case Kind::kReload: break;
  }
  if (const char* n = wire::error_code_name(code)) return n;
  char buf[24];
  std::snprintf(buf, sizeof buf, "Error_0x%x", static_cast<unsigned>(code));
  return buf;
}

std::string UsageError::label() const {
  std::string out = name();
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string UsageError::message() const {
  std::string out = name();
  if (!text.empty()) out += " (" + text + ")";
  for (char& c : out) {
    if (c == '\n' || c == '\r' || std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  }
  return out;
}

UsageError error_from_answer(const OverlayAnswer& answer) {
  using K = UsageError::Kind;
  switch (answer.outcome) {
    case OverlayAnswer::Outcome::kTimeout: return UsageError{K::kTimeout, 0, "no answer"};
    case OverlayAnswer::Outcome::kError: {
      auto e = wire::decode_error_response(answer.body);
      if (!e) return UsageError{K::kBadAnswer, 0, "undecodable ErrorResponse"};
      std::string info = e->info_text();
      if (info.size() > 200) info.resize(200);
      return UsageError{K::kReload, e->error_code, info};
    }
    case OverlayAnswer::Outcome::kAnswer: break;
  }
  return UsageError{K::kBadAnswer, 0, "unexpected answer"};
}

}  // namespace p2psip::usage
