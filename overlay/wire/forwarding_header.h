#pragma once
// The RELOAD forwarding header (RFC 6940 §6.3.2): the part every hop reads.
//
//   relo_token(4) overlay(4) configuration_sequence(2) version(1) ttl(1) fragment(4)
//   length(4) transaction_id(8) max_response_length(4) via_list_length(2)
//   destination_list_length(2) options_length(2)          = 38 fixed bytes
//   via_list, destination_list, options                    (lengths in bytes, not entries)
//
// decode_forwarding_header() checks the structure (token, version, fragment high bit, list
// and option framing). check_forwarding_header() adds the checks that need this node's
// settings (overlay hash, message size, length == bytes present, TTL, critical options).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/errors.h"
#include "overlay/wire/ids.h"
#include "overlay/wire/reader.h"
#include "overlay/wire/writer.h"

namespace p2psip::wire {

inline constexpr std::uint32_t kReloToken = 0xd2454c4f;  // "RELO" with the high bit set
inline constexpr std::uint8_t kReloadVersion = 0x0a;     // RELOAD 1.0
inline constexpr std::uint8_t kInitialTtl = 100;
inline constexpr std::uint32_t kFragmentHighBit = 0x80000000;  // MUST be set
inline constexpr std::uint32_t kFragmentLastBit = 0x40000000;  // last (or only) fragment
inline constexpr std::uint32_t kFragmentOffsetMask = 0x00ffffff;
inline constexpr std::uint32_t kFragmentUnfragmented = kFragmentHighBit | kFragmentLastBit;
inline constexpr std::size_t kForwardingHeaderFixedLength = 38;
inline constexpr std::size_t kDefaultMaxMessageSize = 5000;
inline constexpr std::size_t kMaxForwardingOptions = 32;
inline constexpr std::size_t kMaxForwardingOptionLength = 0xffff;

// ForwardingOption.flags (§6.3.2.3).
inline constexpr std::uint8_t kForwardCritical = 0x01;
inline constexpr std::uint8_t kDestinationCritical = 0x02;
inline constexpr std::uint8_t kResponseCopy = 0x04;

struct ForwardingOption {
  std::uint8_t type = 0;  // ForwardingOptionType; 1 = exp-forward, none defined for use
  std::uint8_t flags = 0;
  Bytes value;            // the select body, length-prefixed by uint16 on the wire
  friend bool operator==(const ForwardingOption&, const ForwardingOption&) = default;
};

struct ForwardingHeader {
  std::uint32_t overlay = 0;
  std::uint16_t configuration_sequence = 0;
  std::uint8_t version = kReloadVersion;
  std::uint8_t ttl = kInitialTtl;
  std::uint32_t fragment = kFragmentUnfragmented;
  std::uint32_t length = 0;  // whole message (this fragment) incl. header; encoders patch it
  std::uint64_t transaction_id = 0;
  std::uint32_t max_response_length = 0;
  std::vector<Destination> via_list;
  std::vector<Destination> destination_list;
  std::vector<ForwardingOption> options;

  bool is_last_fragment() const { return (fragment & kFragmentLastBit) != 0; }
  std::uint32_t fragment_offset() const { return fragment & kFragmentOffsetMask; }
  bool is_fragment() const { return !is_last_fragment() || fragment_offset() != 0; }

  friend bool operator==(const ForwardingHeader&, const ForwardingHeader&) = default;
};

// Which critical flag matters: a node that forwards the message checks FORWARD_CRITICAL,
// the node that answers it checks DESTINATION_CRITICAL (§6.3.2.3).
enum class ProcessingRole : std::uint8_t { kForwarding, kResponding };

// This node's settings for the checks that go beyond structure.
struct DecodeParams {
  std::uint32_t overlay = 0;  // overlay_hash(overlay name)
  std::size_t max_message_size = kDefaultMaxMessageSize;
  std::uint8_t initial_ttl = kInitialTtl;  // a larger TTL is Error_TTL_Exceeded
  std::optional<ProcessingRole> option_role;  // check critical forwarding options if set
  std::span<const std::uint8_t> known_options;  // option types this node understands
};

void encode(Writer& w, const ForwardingOption& v);
// Writes header.length as it is; encode_message()/encode_forwarded() patch it afterwards.
void encode(Writer& w, const ForwardingHeader& v);
ForwardingOption decode_forwarding_option(Reader& r);
ForwardingHeader decode_forwarding_header(Reader& r);

// The checks that need DecodeParams; `message_size` is the number of bytes received.
Expected<void, WireError> check_forwarding_header(const ForwardingHeader& h,
                                                  std::size_t message_size,
                                                  const DecodeParams& params);
// An option this node does not know whose critical flag (for `role`) is set:
// Error_Unsupported_Forwarding_Option.
Expected<void, WireError> check_forwarding_options(const ForwardingHeader& h, ProcessingRole role,
                                                   std::span<const std::uint8_t> known_options);

// What a forwarding peer needs: the header and the untouched rest of the message.
struct ParsedHeader {
  ForwardingHeader header;
  ByteView payload;  // MessageContents + SecurityBlock, still encoded (or a fragment's data)
};
Expected<ParsedHeader, WireError> parse_forwarding_header(ByteView message,
                                                          const DecodeParams& params);
// Header + payload with ForwardingHeader.length patched (the forwarding path: TTL, via list
// and destination list change, the rest is copied).
Expected<Bytes, WireError> encode_forwarded(const ForwardingHeader& h, ByteView payload);

}  // namespace p2psip::wire
