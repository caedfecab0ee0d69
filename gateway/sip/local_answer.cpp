#include "gateway/sip/local_answer.h"

namespace p2psip::sip {

LocalAnswer local_answer(std::string_view method, bool addressed_to_gateway) {
  if (method == "ACK") return {0, ""};
  if (method == "OPTIONS" && addressed_to_gateway) return {200, "OK"};
  if (method == "CANCEL") return {481, "Call/Transaction Does Not Exist"};
  if (addressed_to_gateway) return {501, "Not Implemented"};
  // A request for a user: there is no route to anyone until the overlay routing lands.
  return {404, "Not Found"};
}

}  // namespace p2psip::sip
