#pragma once
// What request_check.h looks at, read from a request Sofia parsed: the adapter between the
// parsed message and the pure checks. Fuzzed with the gateway's message class
// (tests/fuzz/sip/fuzz_sip_message.cpp).

#include "gateway/sip/request_check.h"

struct sip_s;

namespace p2psip::sip {

// `sip` has a request line (sip->sip_request); any other header may be missing.
RequestShape request_shape(const sip_s* sip);

}  // namespace p2psip::sip
