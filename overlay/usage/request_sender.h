#pragma once
// The one thing the SIP usage needs from an overlay: send a request towards a Resource-ID and
// get the answer back. The real Node, the simulator and unit tests implement it; the usage
// client and the registration keeper never see a socket.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "overlay/storage/signing.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/message.h"
#include "overlay/wire/message_codes.h"
#include "overlay/wire/request_result.h"

namespace p2psip::usage {

// The answer to a request: the peer's own RequestResult (no mapping between two shapes).
using OverlayAnswer = wire::RequestResult;
using AnswerCallback = std::function<void(OverlayAnswer)>;

class RequestSender {
 public:
  virtual ~RequestSender() = default;
  // Routes a request to the peer responsible for `resource`. `signer`, when set, signs the
  // request in place of the node (RFC 6940 §6.3.4, §7.3: a StoreReq's own signer must pass the
  // kind's access policy, so the registrant whose values it carries signs it) and its
  // certificates go into the security block; empty: the node signs. `done` runs exactly once,
  // possibly before send() returns.
  virtual void send(const wire::ResourceId& resource, wire::MessageCode code, Bytes body,
                    storage::RequestSigner signer, AnswerCallback done) = 0;
};

// Why a usage operation failed.
struct UsageError {
  enum class Kind : std::uint8_t {
    kReload,     // the overlay answered with a RELOAD error (`code`)
    kTimeout,    // no answer within the transaction lifetime
    kBadAnswer,  // an answer that does not decode or is not the expected one
    kBadInput,   // the caller's AoR or value was unusable
  };
  Kind kind = Kind::kBadInput;
  std::uint16_t code = 0;  // RFC 6940 §14.9 ErrorCode for kReload
  std::string text;        // error_info text or a description

  // "Forbidden", "Not_Found", ..., "Timeout", "Bad_Answer", "Bad_Input", "Error_0x1f".
  std::string name() const;
  // A metrics label: name() in lower case ("forbidden", "timeout", ...).
  std::string label() const;
  // One line: "Forbidden (signer may not write this AoR)".
  std::string message() const;
};

UsageError error_from_answer(const OverlayAnswer& answer);

}  // namespace p2psip::usage
