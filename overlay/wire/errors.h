#pragma once
// What a decoder reports when the bytes are not a valid RELOAD structure. The peer turns it
// into Error_Invalid_Message (or the more specific RFC 6940 §14.9 code in `reload_code`).

#include <cstddef>
#include <cstdint>
#include <string>

namespace p2psip::wire {

enum class DecodeFailure : std::uint8_t {
  kTruncated,        // a field or length runs past the bytes present
  kTrailingBytes,    // a nested length left bytes unconsumed
  kTooLarge,         // a length exceeds a named cap or the max message size
  kBadValue,         // a field holds a value the RFC does not allow
  kUnknownCritical,  // an unknown option/extension marked critical
  kWrongOverlay,     // relo_token, version or overlay hash do not match
};

// RFC 6940 §14.9 ErrorCode values the decoders report. The full registry, for building
// ErrorResponse bodies, is the bodies' business; these few are what a decode failure maps to.
namespace errc {
inline constexpr std::uint16_t kIncompatibleWithOverlay = 0x6;
inline constexpr std::uint16_t kUnsupportedForwardingOption = 0x7;
inline constexpr std::uint16_t kTtlExceeded = 0xA;
inline constexpr std::uint16_t kMessageTooLarge = 0xB;
inline constexpr std::uint16_t kUnknownExtension = 0xD;
inline constexpr std::uint16_t kInvalidMessage = 0x14;
}  // namespace errc

struct WireError {
  DecodeFailure failure = DecodeFailure::kBadValue;
  std::size_t offset = 0;  // where in the input the problem was found
  std::string what;        // which field, for logs ("ForwardingHeader.via_list length")
  std::uint16_t reload_code = errc::kInvalidMessage;  // §14.9 ErrorCode to answer with
};

const char* to_string(DecodeFailure f);

}  // namespace p2psip::wire
