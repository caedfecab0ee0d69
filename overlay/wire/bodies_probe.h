#pragma once
// RFC 6940 §6.4.2.5 Probe: ProbeReq (requested_info) and ProbeAns (ProbeInformation list).
// Codec convention: see ids.h.
//
// Each ProbeInformation has its own length, "This structure allows for unknown option types"
// (§6.4.2.5.2): an unknown type is kept with its raw value. A requested unknown type is kept
// too (the responder returns only the types it recognizes). invalidProbeInformationType(0) is
// kBadValue in both.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/bytes.h"
#include "common/expected.h"
#include "overlay/wire/ids.h"

namespace p2psip::wire {

inline constexpr std::size_t kMaxProbeInfo = 255;  // requested_info<0..2^8-1> of 1 byte each

// §6.4.2.5.1 / §14.13.
enum class ProbeInformationType : std::uint8_t {
  kResponsibleSet = 1,  // responsible_ppb: parts per billion of the ring
  kNumResources = 2,
  kUptime = 3,          // seconds
  kExpProbe = 4,
};

// struct { ProbeInformationType requested_info<0..2^8-1>; } ProbeReq;
struct ProbeReq {
  std::vector<ProbeInformationType> requested_info;
  friend bool operator==(const ProbeReq&, const ProbeReq&) = default;
};

// struct { ProbeInformationType type; uint8 length; ProbeInformationData value; }
// The three defined types carry a uint32 (length 4); any other type keeps `raw_value`.
struct ProbeInformation {
  ProbeInformationType type = ProbeInformationType::kUptime;
  std::uint32_t value = 0;  // responsible_ppb / num_resources / uptime
  Bytes raw_value;          // the value of a type this codec does not know
  bool is_known() const;
  friend bool operator==(const ProbeInformation&, const ProbeInformation&) = default;
};

// struct { ProbeInformation probe_info<0..2^16-1>; } ProbeAns;
struct ProbeAns {
  std::vector<ProbeInformation> probe_info;
  friend bool operator==(const ProbeAns&, const ProbeAns&) = default;
};

void encode(Writer& w, const ProbeReq& v);
void encode(Writer& w, const ProbeInformation& v);
void encode(Writer& w, const ProbeAns& v);

ProbeReq decode_probe_req(Reader& r);
ProbeInformation decode_probe_information(Reader& r);
ProbeAns decode_probe_ans(Reader& r);

Expected<ProbeReq, WireError> decode_probe_req(ByteView in);
Expected<ProbeAns, WireError> decode_probe_ans(ByteView in);

}  // namespace p2psip::wire
