#pragma once
// The configuration sequence of RFC 6940 §6.3.2.1, as pure decisions (PeerCore applies them).
//
// Every Configuration Document has a sequence number (§11.1: 0..2^16-2) that "MUST be
// monotonically increasing mod 65535", compared "by modulo arithmetic as in TCP": b is newer
// than a when (b - a) mod 65535 lies in 1..32767. A request's destination "MUST check that the
// configuration_sequence field is equal to its own" and answers Error_Config_Too_Old or
// Error_Config_Too_New otherwise; 65535 on a ConfigUpdate is accepted whatever our sequence.
//
// Sequence 0 is not checked, on either side. This is the project's reading, not the RFC's
// text: the RFC has no such exception (0 is the sequence after 65534). Nodes without a
// document (certificates from `p2psip ca issue`, labs, the simulator) carry 0 and keep working
// with enrolled ones; the enrollment server never issues 0 (after 65534 it wraps to 1), so
// the only cost is that a foreign document numbered 0 is not checked either.

#include <cstdint>

namespace p2psip::peer {

inline constexpr std::uint16_t kUncheckedSequence = 0;
inline constexpr std::uint16_t kConfigUpdateSequence = 0xffff;  // §6.3.2.1: ConfigUpdate only

enum class SequenceCheck : std::uint8_t {
  kAccept,   // equal, or not checked
  kTooOld,   // the request's sequence is older than ours: Error_Config_Too_Old + ConfigUpdate
  kTooNew,   // newer than ours: Error_Config_Too_New, and we fetch the newer document
};

// Is `candidate` a newer sequence than `current` (mod 65535, as in TCP)? 65535 is no sequence.
bool sequence_newer(std::uint16_t candidate, std::uint16_t current);

// The check a request's destination makes (§6.3.2.1); `message_code` is the request's.
SequenceCheck check_configuration_sequence(std::uint16_t ours, std::uint16_t theirs,
                                           std::uint16_t message_code);

// The sequence after `current` for a changed document: +1, 65534 wraps to 1 (0 is "not
// checked", see above).
std::uint16_t next_sequence(std::uint16_t current);

}  // namespace p2psip::peer
