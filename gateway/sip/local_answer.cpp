#include "gateway/sip/local_answer.h"

namespace p2psip::sip {

namespace {

constexpr LocalAnswer kUnavailable{503, "Service Unavailable", kNotReadyRetryAfterS};

}  // namespace

LocalAnswer local_answer(std::string_view method, bool addressed_to_gateway, bool ready) {
  if (method == "ACK") return {0, ""};
  if (method == "OPTIONS" && addressed_to_gateway) return ready ? LocalAnswer{200, "OK"} : kUnavailable;
  if (method == "CANCEL") return {481, "Call/Transaction Does Not Exist"};
  if (addressed_to_gateway) return {501, "Not Implemented"};
  // A request for a user: there is no route to anyone until the overlay routing lands.
  return {404, "Not Found"};
}

LocalAnswer drain_answer(std::string_view method, bool in_dialog, bool draining) {
  if (!draining || in_dialog || method == "ACK" || method == "CANCEL") return {};
  return kUnavailable;
}

}  // namespace p2psip::sip
