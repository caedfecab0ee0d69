#pragma once
// RFC 7904 §3.2: the SIP-REGISTRATION value (Kind-ID 1), stored as the DataValue.value of a
// DICTIONARY entry keyed by the storer's Node-ID. The AoR -> Resource-ID hash is not here
// (overlay/usage). Codec convention: see ids.h.
//
//   struct { SipRegistrationType type; uint16 length; SipRegistrationData data; }
//   uri(1):   opaque uri<0..2^16-1>;
//   route(2): opaque contact_prefs<0..2^16-1>; Destination destination_list<3..2^16-1>;
//
// "This type can be extended": the length lets a reader skip a type it does not know, so an
// unknown type is kept with its raw data (the usage layer ignores such a registration).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/ids.h"

namespace p2psip::wire {

inline constexpr std::uint32_t kSipRegistrationKindId = 1;  // RFC 7904 §9.1
inline constexpr std::size_t kMaxSipUriLength = 0xffff;
inline constexpr std::size_t kMaxContactPrefsLength = 0xffff;
inline constexpr std::size_t kMinDestinationListLength = 3;  // destination_list<3..2^16-1>

enum class SipRegistrationType : std::uint8_t { kUri = 1, kRoute = 2 };

struct SipRegistration {
  SipRegistrationType type = SipRegistrationType::kUri;
  std::string uri;                            // uri: a SIP/SIPS URI (or a GRUU)
  std::string contact_prefs;                  // route: RFC 3840 callee capabilities
  std::vector<Destination> destination_list;  // route: the path to the registered peer
  Bytes unknown_data;                         // data of a type this codec does not know

  static SipRegistration make_uri(std::string uri);
  static SipRegistration make_route(std::string contact_prefs, std::vector<Destination> path);
  bool is_known() const;
  friend bool operator==(const SipRegistration&, const SipRegistration&) = default;
};

void encode(Writer& w, const SipRegistration& v);
SipRegistration decode_sip_registration(Reader& r);

// The whole DataValue.value of a Kind 1 entry.
Expected<Bytes, WireError> encode_sip_registration(const SipRegistration& v);
Expected<SipRegistration, WireError> decode_sip_registration(ByteView in);

}  // namespace p2psip::wire
