#include "gateway/sip/dialog_count.h"

namespace p2psip::sip {

int dialog_delta(std::string_view method, bool initial, int status, bool record_routed) {
  if (!record_routed || status < 200) return 0;
  if (method == "INVITE" && initial && status < 300) return 1;
  // Any final answer ends the BYE's dialog (RFC 3261 §15.1.2: a UAC ends the session whatever
  // the response, 481 and 408 included).
  if (method == "BYE") return -1;
  return 0;
}

}  // namespace p2psip::sip
