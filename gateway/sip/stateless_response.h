#pragma once
// What the proxy reads from a response that matched no client transaction to know whether it
// answers a request forwarded statelessly (stateless_branch.h): its top Via's branch has our
// prefix, and that branch is our token for the response's own next Via (serialized by Sofia,
// as the request's was), Call-ID and CSeq. Whether the top Via is ours at all (host and port)
// is the proxy's to check. Shared with the fuzzer (tests/fuzz/sip/fuzz_stateless_branch.cpp).

#include "gateway/sip/stateless_branch.h"

struct sip_s;

namespace p2psip::sip {

struct StatelessResponseCheck {
  bool our_prefix = false;  // the top Via's branch starts with StatelessBranch::kPrefix
  bool verified = false;    // and is the token for the next Via, Call-ID and CSeq
};

StatelessResponseCheck check_stateless_response(const sip_s* sip, const StatelessBranch& branches);

}  // namespace p2psip::sip
