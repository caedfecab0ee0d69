#pragma once
// A small bounds-checked reader of raw DNS messages (RFC 1035 §4.1), for what c-ares 1.18's
// parsers do not return: the TTLs of SRV and NAPTR answers and the RFC 2308 negative TTL.
// Pure; every read checks the remaining length first. Fuzzed (tests/fuzz/dns).

#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/expected.h"

namespace p2psip::dns {

struct MessageTtls {
  std::uint8_t rcode = 0;
  bool truncated = false;
  std::uint16_t answer_count = 0;            // RRs in the answer section
  std::optional<std::uint32_t> answer_ttl;   // smallest TTL in the answer section
  std::optional<std::uint32_t> negative_ttl; // RFC 2308 §5: min(SOA TTL, SOA MINIMUM)
};

// Reads header, question, answer and authority sections. An error for any malformed input.
Expected<MessageTtls, std::string> read_message_ttls(ByteView message);

}  // namespace p2psip::dns
