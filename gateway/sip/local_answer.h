#pragma once
// What the gateway answers by itself, before any routing exists for a request. Pure.

#include <cstdint>
#include <string_view>

namespace p2psip::sip {

// Retry-After (seconds) of the 503 the gateway answers while it is not ready or draining
// (RFC 3261 §20.33, §21.5.4): a dispatcher or UA tries elsewhere, and here again after it.
inline constexpr std::uint32_t kNotReadyRetryAfterS = 5;

struct LocalAnswer {
  int status = 0;  // 0: send nothing (ACK), or for drain_answer: not refused
  const char* phrase = "";
  std::uint32_t retry_after = 0;  // > 0: add Retry-After
};

// addressed_to_gateway: the Request-URI has no user part (sip:host:port), as SIP servers'
// OPTIONS health probes (Kamailio dispatcher, Asterisk qualify) send it. That OPTIONS follows
// readiness (/readyz: overlay joined, not draining): 503 with Retry-After when not `ready`, so
// a dispatcher stops sending here before anything fails.
LocalAnswer local_answer(std::string_view method, bool addressed_to_gateway, bool ready = true);

// While draining (SIGTERM, drain.h): a new out-of-dialog request (no To-tag) gets 503 with
// Retry-After; in-dialog requests, ACK (never answered) and CANCEL (matched by nta to its
// INVITE) go on as usual. status 0: not refused.
LocalAnswer drain_answer(std::string_view method, bool in_dialog, bool draining);

}  // namespace p2psip::sip
