#pragma once
// What the proxy reads from a response that matched no client transaction to know whether it
// answers a request forwarded statelessly (stateless_branch.h): its top Via's branch has our
// prefix, and that branch is our token for the response's own next Via (serialized by Sofia,
// as the request's was), Call-ID and CSeq. Whether the top Via is ours at all (host and port)
// is the proxy's to check. Shared with the fuzzer (tests/fuzz/sip/fuzz_stateless_branch.cpp).

#include <string>

#include "gateway/sip/stateless_branch.h"

struct sip_s;
union sip_header_u;

namespace p2psip::sip {

struct StatelessResponseCheck {
  bool our_prefix = false;  // the top Via's branch starts with StatelessBranch::kPrefix
  bool verified = false;    // and is the token for the next Via, Call-ID and CSeq
};

StatelessResponseCheck check_stateless_response(const sip_s* sip, const StatelessBranch& branches);

// One header as Sofia encodes it, the same text every time; "" when it does not fit in 2 KB or
// cannot be encoded. Not sip_header_as_string(): for some malformed headers (a Via whose
// encoder stops early, found by fuzz_stateless_branch) it leaves its buffer unterminated and
// copies whatever follows, so the same Via gave a different token on each call.
std::string header_text(const sip_header_u* h);

}  // namespace p2psip::sip
