#include "overlay/peer/config_sequence.h"

#include "overlay/wire/message_codes.h"

namespace p2psip::peer {

namespace {
constexpr std::uint32_t kModulus = 65535;  // §6.3.2.1: "mod 65535"
}

bool sequence_newer(std::uint16_t candidate, std::uint16_t current) {
  if (candidate >= kModulus || current >= kModulus) return false;
  std::uint32_t d = (candidate + kModulus - current) % kModulus;
  return d >= 1 && d <= kModulus / 2;
}

SequenceCheck check_configuration_sequence(std::uint16_t ours, std::uint16_t theirs,
                                           std::uint16_t message_code) {
  if (ours == kUncheckedSequence || theirs == kUncheckedSequence || ours == theirs) {
    return SequenceCheck::kAccept;
  }
  if (theirs == kConfigUpdateSequence &&
      message_code == wire::to_u16(wire::MessageCode::kConfigUpdateReq)) {
    return SequenceCheck::kAccept;
  }
  return sequence_newer(theirs, ours) ? SequenceCheck::kTooNew : SequenceCheck::kTooOld;
}

std::uint16_t next_sequence(std::uint16_t current) {
  return current >= kModulus - 1 ? 1 : static_cast<std::uint16_t>(current + 1);
}

}  // namespace p2psip::peer
