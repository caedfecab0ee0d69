#pragma once
// The outcome of a request this node originated: the one answer type of the peer
// (peer::Node::send_request, the simulator) and of the SIP usage (usage::RequestSender).

#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/message.h"
#include "overlay/wire/message_codes.h"

namespace p2psip::wire {

struct RequestResult {
  enum class Outcome : std::uint8_t { kAnswer, kError, kTimeout };
  Outcome outcome = Outcome::kTimeout;
  MessageCode code = MessageCode::kInvalid;
  Bytes body;  // the answer body; an ErrorResponse for kError
  // The certificates the answer's security block carried (a FetchAns carries those of the
  // stored values' signers, RFC 6940 §6.3.4).
  std::vector<GenericCertificate> certificates;
  NodeId sender{};    // who answered (verified signer)
  unsigned hops = 0;  // overlay hops of the answer path (= request path, symmetric routing)
};

}  // namespace p2psip::wire
