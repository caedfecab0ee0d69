#pragma once
// What the gateway answers by itself, before any routing exists for a request. Pure.

#include <string_view>

namespace p2psip::sip {

struct LocalAnswer {
  int status = 0;  // 0: send nothing (ACK)
  const char* phrase = "";
};

// addressed_to_gateway: the Request-URI has no user part (sip:host:port), as SIP servers'
// OPTIONS health probes (Kamailio dispatcher, Asterisk qualify) send it.
LocalAnswer local_answer(std::string_view method, bool addressed_to_gateway);

}  // namespace p2psip::sip
